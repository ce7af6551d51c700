"""``hapy status``: the cluster as crm_mon shows it, from a node's CIB."""

from __future__ import annotations

from datetime import UTC, datetime

from hapy import __version__
from hapy.commands.env import ClusterEnv
from hapy.display.xml import Summary, render_xml
from hapy.records import record

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


def cluster_status(env: ClusterEnv, now: datetime | None = None) -> ClusterStatus:
    from hapy.cib.parse import cib_from_tree
    from hapy.cib.xmlio import parse_xml_text
    from hapy.display.text import render_status
    from hapy.reports import ReportList
    from hapy.scheduler.run import unpack
    from hapy.scheduler.view import cluster_view

    state = env.request({"op": "status"})
    answer = env.request({"op": "cib", "request": {"op": "query"}})
    xml = str(answer["xml"][0])
    cib = cib_from_tree(parse_xml_text(xml), ReportList(), "<cluster CIB>")
    ws = unpack(cib, now or datetime.now(UTC))
    view = cluster_view(ws)
    lines = []
    for line in render_status(view):
        stripped = line[4:] if line.startswith("  * ") else line
        lines.append(stripped if stripped in _SECTIONS else line[2:])
    instances = sum(1 for r in ws.resources for _ in r.primitives())
    dc = state.get("dc")
    options = ws.options
    summary = Summary(
        stack="embedded", dc=dc, dc_id=next((n.id for n in ws.nodes if n.uname == dc), None),
        version=f"hapy {__version__}", quorate=bool(state.get("quorate")),
        last_update=f"{now or datetime.now(UTC):%a %b %d %H:%M:%S %Y}",
        options={"stonith-enabled": str(options.stonith_enabled).lower(),
                 "symmetric-cluster": str(options.symmetric).lower(),
                 "no-quorum-policy": str(options.no_quorum_policy),
                 "maintenance-mode": str(options.flag("maintenance-mode")).lower(),
                 "stop-all-resources": str(options.flag("stop-all-resources")).lower()})
    return ClusterStatus(dc, bool(state.get("quorate")), len(ws.nodes), instances,
                         tuple(lines), render_xml(view, summary, instances))


def render_status_text(status: ClusterStatus, now: datetime) -> list[str]:
    quorum = "partition with quorum" if status.quorate else "partition WITHOUT quorum"
    dc = f"{status.dc} (version hapy {__version__}) - {quorum}" if status.dc else "NONE"
    plural = "s" if status.resource_count != 1 else ""
    return [
        "Cluster Summary:",
        "  * Stack: embedded",
        f"  * Current DC: {dc}",
        f"  * Last updated: {now:%a %b %d %H:%M:%S %Y}",
        f"  * {status.node_count} nodes configured",
        f"  * {status.resource_count} resource instance{plural} configured",
        "",
        *status.lines,
    ]


def resource_locations(env: ClusterEnv, now: datetime | None = None) -> dict[str, list[str]]:
    """Primitive id -> the nodes it is active on, as the scheduler reads the CIB
    (clone instances are listed under their primitive's id)."""
    from hapy.cib.parse import cib_from_tree
    from hapy.cib.xmlio import parse_xml_text
    from hapy.reports import ReportList
    from hapy.scheduler.run import unpack

    answer = env.request({"op": "cib", "request": {"op": "query"}})
    cib = cib_from_tree(parse_xml_text(str(answer["xml"][0])), ReportList(), "<cluster CIB>")
    ws = unpack(cib, now or datetime.now(UTC))
    where: dict[str, list[str]] = {}
    for top in ws.resources:
        for prim in top.primitives():
            nodes = where.setdefault(prim.id, [])
            nodes.extend(n.uname for n in prim.running_on if n.uname not in nodes)
    return {k: sorted(v) for k, v in where.items()}
