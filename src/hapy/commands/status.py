"""``hapy status``: the cluster as crm_mon shows it, from a node's CIB."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hapy import __version__
from hapy.commands.corosync.membership import CorosyncQuorum
from hapy.commands.env import DaemonClient
from hapy.display.xml import Summary, render_xml
from hapy.fencer.events import FenceEvent
from hapy.records import record

if TYPE_CHECKING:
    from lxml import etree

    from hapy.cib import model as m

# crm_simulate's status block names its sections as list items; crm_mon's
# top-level sections are plain headings
_SECTIONS = ("Node List:", "Full List of Resources:", "Failed Resource Actions:")


@record
class ClusterStatus:
    dc: str | None
    quorate: bool
    node_count: int
    resource_count: int
    lines: tuple[str, ...]
    xml: str
    #: lines for the WARNINGS block (empty: none)
    warnings: tuple[str, ...] = ()
    #: fencing events, pending first, then newest first
    fence_events: tuple[FenceEvent, ...] = ()
    #: the "Failed Resource Actions" lines
    failure_lines: tuple[str, ...] = ()
    #: the cluster layer (crm_mon's "Stack")
    stack: str = "embedded"
    #: on Corosync: what it says of membership and quorum (None: it did not answer)
    corosync: CorosyncQuorum | None = None


def _fence_history(env: DaemonClient) -> tuple[FenceEvent, ...]:
    """The fencing history as crm_mon lists it (pending, then newest first);
    none when the daemon cannot tell (status is shown all the same)."""
    from hapy.commands.stonith import history
    from hapy.fencer.render import sort_events
    from hapy.reports import HapyError

    try:
        return tuple(sort_events(history(env)))
    except HapyError:
        return ()


def _warnings(ws: Any) -> tuple[str, ...]:
    """What pcs status warns about: fencing that is off, or cannot work."""
    if not ws.options.stonith_enabled:
        return ("stonith-enabled=false: lost nodes are not fenced, and their resources are "
                "recovered at once (a node that only seems lost could still run them)",)
    devices = [p for top in ws.resources for p in top.primitives()
               if p.primitive is not None and p.primitive.rclass == "stonith"]
    if not devices:
        return ("No stonith devices and stonith-enabled is not false",)
    return ()


def _corosync_state() -> CorosyncQuorum | None:
    from hapy.commands.corosync.membership import read_quorum
    from hapy.reports import HapyError

    try:
        return read_quorum()
    except HapyError:
        return None


def live_cib_root(env: DaemonClient) -> etree._Element:
    """The running cluster's whole CIB, as a node daemon answers a query."""
    from hapy.cib.xmlio import parse_xml_text

    answer = env.request({"op": "cib", "request": {"op": "query"}})
    return parse_xml_text(str(answer["xml"][0]))


def live_cib(env: DaemonClient) -> m.Cib:
    """The running cluster's CIB, parsed into hapy's model."""
    from hapy.cib.parse import cib_from_tree
    from hapy.reports import ReportList

    return cib_from_tree(live_cib_root(env), ReportList(), "<cluster CIB>")


def cluster_status(env: DaemonClient, now: datetime | None = None) -> ClusterStatus:
    from hapy.cib.parse import cib_from_tree
    from hapy.display.failures import failed_actions, failure_lines
    from hapy.display.text import render_status
    from hapy.reports import ReportList
    from hapy.scheduler.run import unpack
    from hapy.scheduler.view import cluster_view

    state = env.request({"op": "status"})
    root = live_cib_root(env)
    failures = tuple(failed_actions(root))
    cib = cib_from_tree(root, ReportList(), "<cluster CIB>")
    ws = unpack(cib, now or datetime.now(UTC))
    view = cluster_view(ws)
    lines = []
    for line in render_status(view):
        stripped = line[4:] if line.startswith("  * ") else line
        lines.append(stripped if stripped in _SECTIONS else line[2:])
    instances = sum(1 for r in ws.resources for _ in r.primitives())
    dc = state.get("dc")
    options = ws.options
    fence_events = _fence_history(env)
    stack = str(state.get("stack") or "embedded")
    summary = Summary(
        stack=stack, dc=dc, dc_id=next((n.id for n in ws.nodes if n.uname == dc), None),
        version=f"hapy {__version__}", quorate=bool(state.get("quorate")),
        last_update=f"{now or datetime.now(UTC):%a %b %d %H:%M:%S %Y}",
        options={"stonith-enabled": str(options.stonith_enabled).lower(),
                 "symmetric-cluster": str(options.symmetric).lower(),
                 "no-quorum-policy": str(options.no_quorum_policy),
                 "maintenance-mode": str(options.flag("maintenance-mode")).lower(),
                 "stop-all-resources": str(options.flag("stop-all-resources")).lower()},
        fence_events=fence_events, failures=failures)
    return ClusterStatus(dc, bool(state.get("quorate")), len(ws.nodes), instances,
                         tuple(lines), render_xml(view, summary, instances),
                         _warnings(ws), fence_events, tuple(failure_lines(list(failures))),
                         stack, _corosync_state() if stack == "corosync" else None)


def render_status_text(status: ClusterStatus, now: datetime) -> list[str]:
    quorum = "partition with quorum" if status.quorate else "partition WITHOUT quorum"
    dc = f"{status.dc} (version hapy {__version__}) - {quorum}" if status.dc else "NONE"
    plural = "s" if status.resource_count != 1 else ""
    out = [
        "Cluster Summary:",
        f"  * Stack: {status.stack}",
        f"  * Current DC: {dc}",
        f"  * Last updated: {now:%a %b %d %H:%M:%S %Y}",
        f"  * {status.node_count} nodes configured",
        f"  * {status.resource_count} resource instance{plural} configured",
        "",
        *status.lines,
    ]
    if status.warnings:
        out = ["WARNINGS:", *status.warnings, "", *out]
    return (out + list(status.failure_lines) + fencing_lines(status.fence_events)
            + corosync_lines(status))


def corosync_lines(status: ClusterStatus) -> list[str]:
    """What corosync says of quorum and membership (pcs status corosync's facts)."""
    if status.stack != "corosync":
        return []
    state = status.corosync
    if state is None:
        return ["", "Corosync:", "  * corosync does not answer on this node"]
    quorate = "quorate" if state.quorate else "NOT quorate"
    flags = [f for f in state.flags if f != "Quorate"]
    members = ", ".join(f"{m.name} (id {m.nodeid}{', local' if m.local else ''})"
                        for m in state.members)
    return ["", "Corosync:",
            f"  * Quorum: {quorate}, {state.total_votes} of {state.expected_votes} expected "
            f"votes (quorum {state.quorum})" + (f"; {' '.join(flags)}" if flags else ""),
            f"  * Members: {members or 'none'}"]


def fencing_lines(events: tuple[FenceEvent, ...]) -> list[str]:
    """crm_mon's fencing sections: failed and pending actions, and the last
    successful fencing of each node."""
    from hapy.fencer.render import event_text

    failed = [e for e in events if e.state == "failed"]
    pending = [e for e in events if e.state == "pending"]
    last_done: dict[str, FenceEvent] = {}
    for event in events:  # newest first
        if event.state == "done":
            last_done.setdefault(event.target, event)
    out: list[str] = []
    for title, listed in (("Failed Fencing Actions:", failed),
                          ("Pending Fencing Actions:", pending),
                          ("Fencing History:", list(last_done.values()))):
        if listed:
            out += ["", title, *(f"  * {event_text(e)}" for e in listed)]
    return out


def resource_locations(env: DaemonClient, now: datetime | None = None) -> dict[str, list[str]]:
    """Primitive id -> the nodes it is active on, as the scheduler reads the CIB
    (clone instances are listed under their primitive's id)."""
    from hapy.scheduler.run import unpack

    ws = unpack(live_cib(env), now or datetime.now(UTC))
    where: dict[str, list[str]] = {}
    for top in ws.resources:
        for prim in top.primitives():
            nodes = where.setdefault(prim.id, [])
            nodes.extend(n.uname for n in prim.running_on if n.uname not in nodes)
    return {k: sorted(v) for k, v in where.items()}
