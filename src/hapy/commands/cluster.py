"""Starting and stopping an embedded cluster: the membership service and one
``hapy daemon`` process per node, all in the background."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time

from hapy.cluster.embedded.client import ensure_service
from hapy.cluster.embedded.control import ClusterControl
from hapy.cluster.embedded.paths import (
    DEFAULT_TOKEN_MS,
    ClusterConfig,
    ClusterPaths,
    load_config,
    save_config,
)
from hapy.commands.env import ClusterEnv, cib_change
from hapy.commands.processes import running_pid, terminate
from hapy.records import record
from hapy.reports import HapyError, report

START_TIMEOUT = 60.0
STOP_TIMEOUT = 150.0


@record
class ClusterStarted:
    nodes: tuple[str, ...]
    dc: str
    seconds: float


def _daemon_argv(env: ClusterEnv, node: str) -> list[str]:
    return [sys.executable, "-m", "hapy", "daemon", "--node", node,
            "--state-dir", str(env.node_dir(node)), "--backend", "embedded",
            "--cluster-dir", str(env.root)]


def _pid(env: ClusterEnv, node: str) -> int | None:
    return running_pid(env.node_dir(node) / "hapy.pid")


#: what of the environment a node daemon is started with is kept for its
#: restarts (where agents are, which hapy runs); never anything else
_KEPT_ENV = ("PATH", "PYTHONPATH", "HOME", "LANG", "TMPDIR")


def _kept_environment(environ: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in environ.items()
            if k in _KEPT_ENV or k.startswith(("HAPY_", "LC_"))}


def start_daemon(env: ClusterEnv, node: str, *, same_environment: bool = False) -> None:
    """Start one node's daemon in the background (logging to its daemon.log).

    It gets this process's environment, and what matters of it (where agents
    are, which hapy runs) is saved beside it (``daemon.env``); with
    ``same_environment`` the saved settings are used instead (a node powered
    on again by its fence agent, whose own environment is an agent's, not
    the administrator's)."""
    import json

    directory = env.node_dir(node)
    directory.mkdir(parents=True, exist_ok=True)
    saved = directory / "daemon.env"
    environment = os.environ.copy()
    if same_environment:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            kept = {str(k): str(v) for k, v in json.loads(saved.read_text()).items()}
            environment = {k: v for k, v in environment.items()
                           if k not in kept and not k.startswith("HAPY_")} | kept
    else:
        fd = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(_kept_environment(environment), out)
    with open(directory / "daemon.log", "ab") as log:
        subprocess.Popen(_daemon_argv(env, node), stdin=subprocess.DEVNULL, stdout=log,
                         stderr=log, start_new_session=True, close_fds=True,
                         env=environment)


def _online_in_cib(env: ClusterEnv, node: str) -> set[str]:
    """The nodes ``node``'s CIB records as online members."""
    answer = env.request({"op": "cib", "request": {
        "op": "query", "xpath": "/cib/status/node_state[@crmd='online']"}}, node=node)
    return {x.split('uname="', 1)[1].split('"', 1)[0] for x in answer.get("xml", [])
            if 'uname="' in x}


def wait_for_dc(env: ClusterEnv, nodes: tuple[str, ...], timeout: float) -> str:
    """Wait until every node's daemon answers, they agree on a DC, and the
    DC has recorded them all as online in the CIB."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        try:
            answers = [env.request({"op": "status"}, node=n) for n in nodes]
            dcs = {a.get("dc") for a in answers}
            views = {frozenset(a.get("members", [])) for a in answers}
            if len(dcs) == 1 and None not in dcs and views == {frozenset(nodes)}:
                dc = str(dcs.pop())
                if set(nodes) <= _online_in_cib(env, dc):
                    return dc
                last = f"DC {dc} has not recorded every node yet"
            else:
                last = f"DCs {sorted(map(str, dcs))}, views {sorted(map(sorted, views))}"
        except HapyError as exc:
            last = exc.reports[0].message
        time.sleep(0.1)
    raise HapyError([report("CLUSTER_START_TIMEOUT",
                            f"the nodes did not elect a DC within {timeout:.0f} s ({last})",
                            hint="see the daemon.log of each node under the cluster directory",
                            directory=str(env.root))])


def start_cluster(env: ClusterEnv, nodes: int, *, token_ms: int = DEFAULT_TOKEN_MS,
                  timeout: float = START_TIMEOUT) -> ClusterStarted:
    """Start (or complete) an embedded cluster of ``nodes`` nodes named node1..nodeN."""
    if nodes < 1:
        raise HapyError([report("CLUSTER_BAD_SIZE", f"a cluster needs at least one node, not "
                                f"{nodes}", hint="pass --nodes 1 or more")])
    began = time.monotonic()
    paths = ClusterPaths(env.root)
    names = tuple(f"node{i}" for i in range(1, nodes + 1))
    try:
        config = load_config(paths)
    except ValueError as exc:
        raise HapyError([report("CLUSTER_CONFIG_INVALID", str(exc))]) from None
    new_cluster = not config.nodes
    if config.nodes and config.nodes != names:
        names = config.nodes
    else:
        # as pcs does for two nodes: one vote is quorum, after both were seen
        save_config(paths, ClusterConfig(names, token_ms, two_node=len(names) == 2))
    ensure_service(paths)
    for node in names:
        if _pid(env, node) is None:
            start_daemon(env, node)
    dc = wait_for_dc(env, names, timeout)
    if new_cluster:
        # as pcs cluster setup does: resources stay where they run unless
        # something better than a tie calls them away
        cib_change(env, "create", '<meta_attributes id="build-resource-defaults"><nvpair '
                   'id="build-resource-stickiness" name="resource-stickiness" value="1"/>'
                   '</meta_attributes>', scope="rsc_defaults")
    return ClusterStarted(names, dc, time.monotonic() - began)


def settle(env: ClusterEnv, timeout: float = START_TIMEOUT) -> float:
    """Wait until no node runs a transition (twice in a row); seconds waited."""
    began = time.monotonic()
    quiet = 0
    while quiet < 2:
        if time.monotonic() - began > timeout:
            raise HapyError([report("CLUSTER_NOT_SETTLING",
                                    f"transitions still running after {timeout:.0f} s")])
        answers = []
        for n in env.node_names():
            if (env.node_dir(n) / "hapy.sock").exists():
                # a node being powered off or on does not answer: it runs nothing
                with contextlib.suppress(HapyError):
                    answers.append(env.request({"op": "status"}, node=n))
        quiet = quiet + 1 if answers and not any(a.get("busy") for a in answers) else 0
        time.sleep(0.15)
    return time.monotonic() - began


def start_nodes(env: ClusterEnv, nodes: list[str],
                timeout: float = START_TIMEOUT) -> ClusterStarted:
    """Start some nodes of an existing cluster (those not running)."""
    began = time.monotonic()
    paths = ClusterPaths(env.root)
    declared = load_config(paths).nodes
    unknown = [n for n in nodes if n not in declared]
    if unknown:
        raise HapyError([report("CLUSTER_UNKNOWN_NODE", f"no node {', '.join(unknown)} in this "
                                "cluster", hint=f"its nodes are {' '.join(declared)}")])
    ensure_service(paths)
    for node in nodes:
        if _pid(env, node) is None:
            start_daemon(env, node)
    running = tuple(n for n in declared if n in nodes or _pid(env, n) is not None)
    dc = wait_for_dc(env, running, timeout)
    return ClusterStarted(tuple(nodes), dc, time.monotonic() - began)


def stop_node(env: ClusterEnv, node: str, timeout: float = STOP_TIMEOUT) -> bool:
    """SIGTERM one node's daemon and wait for it to end; False if it was not running."""
    pid = _pid(env, node)
    if pid is None:
        return False
    terminate(pid, timeout)
    return True


def stop_cluster(env: ClusterEnv) -> list[str]:
    """Stop every daemon of the cluster, then its membership service."""
    stopped = [n for n in env.node_names() if stop_node(env, n)]
    with contextlib.suppress(HapyError):
        ClusterControl(env.root).shutdown()
    return stopped
