"""Power for the nodes of an embedded cluster (what fence_hapy switches).

A node's "power" is its daemon: it is on while the daemon runs.  Cutting it
is what a power cut does to a machine: every process of the node dies at
once, with no chance to clean up, and what lived in its volatile runtime
directories (``/run`` on a machine) is gone when it comes back:

* the node's processes are its daemon (``hapy daemon --state-dir`` the
  node's directory), every descendant of it, and every process whose environment
  says it belongs to the node (``HAPY_NODE`` with ``HAPY_CLUSTER_DIR``, or
  ``HAPY_NODE_SOCKET``, which the executor gives every agent): agents'
  daemons that detached themselves are found that way;
* they are killed with SIGKILL, again and again until none is left (one may
  fork while the others die); the cluster's membership service and this
  process are never among them;
* then the node's runtime directory (``HA_RSCTMP``, ``HA_VARRUN``,
  ``HA_VARLOCK`` of its agents) is emptied.

Power on starts the node's daemon again, as ``hapy cluster start NODE``
does, without waiting for it to join.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from hapy.cluster.embedded.paths import ClusterPaths, load_config
from hapy.records import record

#: how long power off keeps killing before it gives up
OFF_TIMEOUT = 20.0
#: how long power on waits for the new daemon's process
ON_TIMEOUT = 30.0
#: how long the new daemon must live for power on to succeed
SURVIVE_SECONDS = 0.5
#: environment a node's processes carry that must not leak into a daemon we start
_NODE_ENV = ("HAPY_NODE", "HAPY_NODE_SOCKET", "HAPY_PYTHON", "HA_RSCTMP", "HA_VARRUN",
             "HA_VARLOCK", "HA_SBIN_DIR")


class PowerError(Exception):
    """What went wrong switching a node (the agent's failure message)."""


@record
class EmbeddedNode:
    """Node ``name`` of the embedded cluster rooted at ``root``."""

    root: Path
    name: str

    @property
    def directory(self) -> Path:
        return self.root / "nodes" / self.name

    @property
    def pid_file(self) -> Path:
        return self.directory / "hapy.pid"

    @property
    def socket(self) -> Path:
        return self.directory / "hapy.sock"

    @property
    def runtime_dir(self) -> Path:
        from hapy.daemon import DaemonPaths

        return DaemonPaths(self.directory).runtime_dir


def cluster_nodes(root: Path) -> tuple[str, ...]:
    """The node names ``cluster.json`` declares; PowerError when there is none."""
    try:
        nodes = load_config(ClusterPaths(root)).nodes
    except (OSError, ValueError) as exc:
        raise PowerError(f"cannot read {ClusterPaths(root).config}: {exc}") from None
    if not nodes:
        raise PowerError(f"{root} is not an embedded cluster's directory (no nodes in "
                         f"{ClusterPaths(root).config})")
    return nodes


def node_of(root: Path, name: str) -> EmbeddedNode:
    nodes = cluster_nodes(root)
    if name not in nodes:
        raise PowerError(f"no node '{name}' in the cluster at {root} (its nodes: "
                         f"{', '.join(nodes)})")
    return EmbeddedNode(root, name)


# ---------------------------------------------------------------- processes


def _alive(pid: int) -> bool:
    from hapy.commands.processes import process_alive

    return process_alive(pid)


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _is_daemon_of(pid: int, node: EmbeddedNode) -> bool:
    """Whether ``pid`` is a ``hapy daemon --state-dir NODE_DIR`` (one still
    joining has written no pid file yet)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return False
    if "daemon" not in argv or "--state-dir" not in argv:
        return False
    at = argv.index("--state-dir") + 1
    if at >= len(argv):
        return False
    with contextlib.suppress(OSError):
        state_dir = Path(os.readlink(f"/proc/{pid}/cwd")) / argv[at]
        return state_dir.resolve() == node.directory.resolve()
    return False


def daemon_pids(node: EmbeddedNode) -> set[int]:
    """The node's running daemon (normally one), found in the process table
    (its pid file may be stale, and its pid reused)."""
    return {pid for pid in _pids()
            if pid != os.getpid() and _is_daemon_of(pid, node) and _alive(pid)}


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    try:
        return int(fields[1])
    except (IndexError, ValueError):
        return None


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    env = {}
    for item in raw.split(b"\0"):
        key, sep, value = item.partition(b"=")
        if sep:
            env[key.decode(errors="replace")] = value.decode(errors="replace")
    return env


def belongs_to(env: dict[str, str], node: EmbeddedNode) -> bool:
    """Whether a process with environment ``env`` is one of ``node``'s."""
    if env.get("HAPY_NODE_SOCKET") == str(node.socket):
        return True
    cluster = env.get("HAPY_CLUSTER_DIR")
    if env.get("HAPY_NODE") != node.name or not cluster:
        return False
    with contextlib.suppress(OSError):
        return Path(cluster).resolve() == node.root.resolve()
    return False


def node_processes(node: EmbeddedNode, spared: Iterable[int] = ()) -> set[int]:
    """Every live process of ``node`` (see the module's description)."""
    keep = {os.getpid(), *spared}
    membership = _read_pid(ClusterPaths(node.root).pid_file)
    if membership is not None:
        keep.add(membership)
    parents: dict[int, int] = {}
    found: set[int] = set()
    found |= daemon_pids(node)
    for pid in _pids():
        parent = _parent(pid)
        if parent is not None:
            parents[pid] = parent
        if pid not in keep and belongs_to(_environ(pid), node):
            found.add(pid)
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    todo = list(found)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return {pid for pid in found - keep if _alive(pid)}


def power_off(node: EmbeddedNode, *, timeout: float = OFF_TIMEOUT,
              sleep: Callable[[float], None] = time.sleep) -> int:
    """Cut ``node``'s power; the number of processes killed.  PowerError when
    some still run after ``timeout`` seconds."""
    killed: set[int] = set()
    deadline = time.monotonic() + timeout
    while True:
        victims = node_processes(node)
        if not victims:
            break
        if time.monotonic() > deadline:
            raise PowerError(f"processes of {node.name} still running after {timeout:.0f} s: "
                             + " ".join(map(str, sorted(victims))))
        for pid in victims:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        _audit(node, f"power off: killed {' '.join(map(str, sorted(victims)))}")
        killed |= victims
        sleep(0.02)
    empty_directory(node.runtime_dir)
    return len(killed)


def _audit(node: EmbeddedNode, what: str) -> None:
    """One line in the cluster's ``power.log``: who switched which node, when."""
    with contextlib.suppress(OSError), open(node.root / "power.log", "a") as log:
        log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {node.name}: {what} "
                  f"(by pid {os.getpid()}, {os.environ.get('HAPY_NODE', 'no node')})\n")


def empty_directory(directory: Path) -> None:
    if not directory.is_dir():
        return
    for entry in directory.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()


def power_on(node: EmbeddedNode, *, timeout: float = ON_TIMEOUT,
             sleep: Callable[[float], None] = time.sleep) -> bool:
    """Start ``node``'s daemon unless it runs; False when it was running.

    Like a machine's power, it returns once the daemon runs (and did not die
    at once), without waiting for it to join the cluster: the node that
    asked may have to let it in first."""
    from hapy.commands.cluster import start_daemon
    from hapy.commands.env import ClusterEnv

    if daemon_pids(node):
        return False
    # the daemon must not inherit the identity of the node running this agent
    for name in _NODE_ENV:
        os.environ.pop(name, None)
    os.environ["HAPY_CLUSTER_DIR"] = str(node.root)
    # the environment the node was first started with, not this agent's
    start_daemon(ClusterEnv(node.root), node.name, same_environment=True)
    _audit(node, "power on")
    deadline = time.monotonic() + timeout
    running_since: float | None = None
    while time.monotonic() < deadline:
        if daemon_pids(node):
            running_since = running_since or time.monotonic()
            if time.monotonic() - running_since >= SURVIVE_SECONDS:
                return True
        elif running_since is not None:
            break  # it started, then died
        sleep(0.05)
    raise PowerError(f"the daemon of {node.name} did not start (see "
                     f"{node.directory / 'daemon.log'})")


def is_on(node: EmbeddedNode) -> bool:
    return bool(daemon_pids(node))
