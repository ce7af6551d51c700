"""``hapy cluster start|stop [--all] [NODE...]`` on a Corosync cluster.

On this node: corosync, then the hapy daemon (:mod:`.services`); stopping
goes the other way.  Other nodes are reached through the remote shell
(:mod:`.remote`), which runs the same command there without node names.
Stopping several nodes stops hapy on all of them first and corosync after,
as pcs does: a corosync stopped early would take quorum from the others
while they still move resources.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from hapy.cluster import corosync_conf
from hapy.cluster.corosync_conf import ConfNode
from hapy.commands.corosync import services
from hapy.commands.corosync.files import read_conf
from hapy.commands.corosync.paths import NodePaths
from hapy.commands.corosync.remote import RemoteShell, local_node, on_each, raise_all
from hapy.commands.corosync.services import LocalNode
from hapy.records import record
from hapy.reports import HapyError, report

WAIT_TIMEOUT = 60.0


@record
class NodeOutcome:
    node: str
    #: what happened to each service: started, running (already), stopped,
    #: not running (already)
    corosync: str = ""
    hapy: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"node": self.node, "corosync": self.corosync, "hapy": self.hapy}

    @classmethod
    def from_dict(cls, data: object, node: str) -> NodeOutcome:
        """A remote node's answer (its command's list of one outcome)."""
        if isinstance(data, list) and data:
            data = data[0]
        if not isinstance(data, dict):
            return cls(node)
        return cls(str(data.get("node") or node), str(data.get("corosync") or ""),
                   str(data.get("hapy") or ""))


def _local_label(paths: NodePaths) -> str:
    nodes = corosync_conf.nodelist(read_conf(paths.corosync_conf))
    found = local_node(nodes)
    return found.label if found else "this host"


def _unwritable(exc: OSError) -> HapyError:
    return HapyError([report("NODE_FILES_UNWRITABLE", f"{exc.filename or 'a file'}: "
                             f"{exc.strerror or exc}", hint="run as root")])


def start_local(node: LocalNode | None = None) -> NodeOutcome:
    """Start corosync, then the hapy daemon, on this node."""
    here = node or LocalNode.load()
    label = _local_label(here.paths)
    try:
        corosync = "started" if services.start_corosync(here) else "running"
        hapy = "started" if services.start_hapy(here) else "running"
    except OSError as exc:
        raise _unwritable(exc) from None
    return NodeOutcome(label, corosync, hapy)


def stop_local(node: LocalNode | None = None, *, hapy: bool = True,
               corosync: bool = True) -> NodeOutcome:
    """Stop the hapy daemon (its resources move away), then corosync."""
    here = node or LocalNode.load()
    try:
        label = _local_label(here.paths)
    except HapyError:
        label = "this host"
    out_hapy = out_corosync = ""
    try:
        if hapy:
            out_hapy = "stopped" if services.stop_hapy(here) else "not running"
        if corosync:
            out_corosync = "stopped" if services.stop_corosync(here) else "not running"
    except OSError as exc:
        raise _unwritable(exc) from None
    return NodeOutcome(label, out_corosync, out_hapy)


def _targets(paths: NodePaths, names: Sequence[str],
             all_nodes: bool) -> tuple[list[ConfNode], ConfNode | None]:
    nodes = corosync_conf.nodelist(read_conf(paths.corosync_conf))
    local = local_node(nodes)
    if all_nodes:
        return nodes, local
    if not names:
        if local is None:
            raise HapyError([report(
                "COROSYNC_LOCAL_NODE_UNKNOWN", f"this host is none of the nodes of "
                f"{paths.corosync_conf}", hint="name the nodes, or --all")])
        return [local], local
    by_name = {n.label: n for n in nodes}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise HapyError([report("CLUSTER_UNKNOWN_NODE", f"no node {', '.join(unknown)} in "
                                f"{paths.corosync_conf}",
                                hint="its nodes are " + " ".join(by_name))])
    return [by_name[n] for n in dict.fromkeys(names)], local


def _run(targets: Sequence[ConfNode], local: ConfNode | None,
         here: Callable[[], NodeOutcome], words: Sequence[str],
         remote: RemoteShell) -> list[NodeOutcome]:
    outcomes: dict[str, NodeOutcome] = {}

    def one(node: ConfNode) -> None:
        if node is local:
            outcomes[node.label] = here()
        else:
            answer = remote.run_hapy(node, words)
            outcomes[node.label] = NodeOutcome.from_dict(answer.get("result"), node.label)

    raise_all(on_each(targets, one))
    return [outcomes[n.label] for n in targets]


def start(names: Sequence[str] = (), *, all_nodes: bool = False,
          paths: NodePaths | None = None, remote: RemoteShell | None = None,
          wait: float | None = None) -> list[NodeOutcome]:
    """Start the named nodes (this one by default, every one with ``all_nodes``)."""
    chosen = paths or NodePaths.from_env()
    targets, local = _targets(chosen, names, all_nodes)
    outcomes = _run(targets, local, lambda: start_local(LocalNode.load(chosen)),
                    ["cluster", "start"], remote or RemoteShell.from_env())
    if wait is not None and local is not None:
        wait_for_members(LocalNode.load(chosen), [n.label for n in targets], wait)
    return outcomes


def stop(names: Sequence[str] = (), *, all_nodes: bool = False,
         paths: NodePaths | None = None, remote: RemoteShell | None = None,
         hapy: bool = True, corosync: bool = True) -> list[NodeOutcome]:
    """Stop the named nodes: hapy on all of them, then corosync on all of them."""
    chosen = paths or NodePaths.from_env()
    targets, local = _targets(chosen, names, all_nodes)
    shell = remote or RemoteShell.from_env()
    if len(targets) == 1 or not (hapy and corosync):
        flags = [] if hapy and corosync else (["--pacemaker"] if hapy else ["--corosync"])
        return _run(targets, local,
                    lambda: stop_local(LocalNode.load(chosen), hapy=hapy, corosync=corosync),
                    ["cluster", "stop", *flags], shell)
    first = _run(targets, local, lambda: stop_local(LocalNode.load(chosen), corosync=False),
                 ["cluster", "stop", "--pacemaker"], shell)
    second = _run(targets, local, lambda: stop_local(LocalNode.load(chosen), hapy=False),
                  ["cluster", "stop", "--corosync"], shell)
    return [NodeOutcome(a.node, b.corosync, a.hapy) for a, b in zip(first, second, strict=True)]


def wait_for_members(node: LocalNode, names: Sequence[str], timeout: float) -> str:
    """Wait until this node's daemon sees ``names`` as members and a DC; the DC."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            state = node.client().request({"op": "status"})
            members = set(state.get("members") or [])
            dc = state.get("dc")
            if dc and set(names) <= members:
                return str(dc)
            last = f"members {' '.join(sorted(members)) or 'none'}, DC {dc or 'none'}"
        except HapyError as exc:
            last = exc.reports[0].message
        time.sleep(0.2)
    raise HapyError([report("CLUSTER_START_TIMEOUT", f"the cluster did not form within "
                            f"{timeout:.0f} s ({last})",
                            hint="hapy status corosync; see the daemon's log")])
