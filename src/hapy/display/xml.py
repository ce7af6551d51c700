"""``--output-as xml``: a :class:`~hapy.display.view.ClusterView` in the
structure of ``crm_mon --output-as xml`` (Pacemaker 2.1.5):
``<pacemaker-result>`` holding ``<summary>``, ``<nodes>``, ``<resources>``
and ``<status>``."""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import quoteattr

from hapy.display.failures import FailedAction, failure_xml
from hapy.display.text import sort_node_names
from hapy.display.view import (
    BundleView,
    CloneView,
    ClusterView,
    GroupView,
    PrimitiveView,
    ResourceView,
    Role,
)
from hapy.fencer.events import FenceEvent
from hapy.fencer.render import event_xml
from hapy.records import record

API_VERSION = "2.25"


@record
class Summary:
    """What the summary section says beyond the view."""

    stack: str
    dc: str | None
    dc_id: str | None
    version: str
    quorate: bool
    last_update: str
    options: Mapping[str, str]
    #: fencing events, as crm_mon lists them (pending, then newest first)
    fence_events: tuple[FenceEvent, ...] = ()
    #: failures recorded in the status section
    failures: tuple[FailedAction, ...] = ()


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _tag(name: str, attrs: Mapping[str, str], *, close: bool = True) -> str:
    text = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
    return f"<{name}{text}{'/' if close else ''}>"


def _agent(p: PrimitiveView) -> str:
    return f"{p.rclass}:{p.provider}:{p.agent}" if p.provider else f"{p.rclass}:{p.agent}"


def _primitive(p: PrimitiveView, node_ids: Mapping[str, str], indent: str) -> list[str]:
    active = p.role not in (Role.STOPPED, Role.UNKNOWN) and bool(p.nodes)
    attrs = {"id": p.id, "resource_agent": _agent(p), "role": str(p.role.value)}
    if p.target_role:
        attrs["target_role"] = p.target_role
    attrs.update({
        "active": _bool(active), "orphaned": _bool(p.orphan), "blocked": _bool(p.blocked),
        "managed": _bool(p.managed), "failed": _bool(p.failed),
        "failure_ignored": _bool(p.failure_ignored), "nodes_running_on": str(len(p.nodes)),
    })
    if not p.nodes:
        return [indent + _tag("resource", attrs)]
    lines = [indent + _tag("resource", attrs, close=False)]
    for node in p.nodes:
        lines.append(indent + "  " + _tag("node", {"name": node, "id": node_ids.get(node, node),
                                                   "cached": "true"}))
    lines.append(indent + "</resource>")
    return lines


def _group(g: GroupView, node_ids: Mapping[str, str], indent: str) -> list[str]:
    managed = g.managed and all(c.managed for c in g.children)
    disabled = (g.target_role or "").lower() == "stopped"
    attrs = {"id": g.id, "number_resources": str(len(g.children)), "managed": _bool(managed),
             "disabled": _bool(disabled)}
    lines = [indent + _tag("group", attrs, close=False)]
    for child in g.children:
        lines += _primitive(child, node_ids, indent + "  ")
    lines.append(indent + "</group>")
    return lines


def _clone(c: CloneView, node_ids: Mapping[str, str], indent: str) -> list[str]:
    failed = any(getattr(i, "failed", False) for i in c.instances)
    attrs = {"id": c.id, "multi_state": _bool(c.promotable), "unique": _bool(c.unique),
             "maintenance": "false", "managed": _bool(c.managed),
             "disabled": _bool((c.target_role or "").lower() == "stopped"),
             "failed": _bool(failed), "failure_ignored": "false"}
    if c.target_role:
        attrs["target_role"] = c.target_role
    lines = [indent + _tag("clone", attrs, close=False)]
    for inst in c.instances:
        if isinstance(inst, GroupView):
            lines += _group(inst, node_ids, indent + "  ")
        else:
            lines += _primitive(inst, node_ids, indent + "  ")
    lines.append(indent + "</clone>")
    return lines


def _resource(r: ResourceView, node_ids: Mapping[str, str], indent: str) -> list[str]:
    if isinstance(r, PrimitiveView):
        return [] if r.internal else _primitive(r, node_ids, indent)
    if isinstance(r, GroupView):
        return _group(r, node_ids, indent)
    if isinstance(r, CloneView):
        return _clone(r, node_ids, indent)
    if isinstance(r, BundleView):
        return [indent + _tag("bundle", {"id": r.id})]
    return []


def _running(view: ClusterView) -> dict[str, int]:
    counts: dict[str, int] = {}

    def walk(r: ResourceView) -> None:
        if isinstance(r, PrimitiveView):
            for node in r.nodes:
                counts[node] = counts.get(node, 0) + 1
        elif isinstance(r, GroupView):
            for child in r.children:
                walk(child)
        elif isinstance(r, CloneView):
            for inst in r.instances:
                walk(inst)

    for rsc in view.resources:
        walk(rsc)
    return counts


def render_xml(view: ClusterView, summary: Summary, resource_count: int) -> str:
    node_ids = {n.name: n.id or n.name for n in view.nodes}
    running = _running(view)
    out = [_tag("pacemaker-result", {"api-version": API_VERSION,
                                     "request": "hapy status --output-as xml"}, close=False),
           "  <summary>",
           "    " + _tag("stack", {"type": summary.stack})]
    if summary.dc:
        out.append("    " + _tag("current_dc", {
            "present": "true", "version": summary.version, "name": summary.dc,
            "id": summary.dc_id or summary.dc, "with_quorum": _bool(summary.quorate)}))
    else:
        out.append("    " + _tag("current_dc", {"present": "false"}))
    out += ["    " + _tag("last_update", {"time": summary.last_update}),
            "    " + _tag("nodes_configured", {"number": str(len(view.nodes))}),
            "    " + _tag("resources_configured", {"number": str(resource_count),
                                                   "disabled": "0", "blocked": "0"}),
            "    " + _tag("cluster_options", dict(summary.options)),
            "  </summary>",
            "  <nodes>"]
    by_name = {n.name: n for n in view.nodes}
    for n in (by_name[name] for name in sort_node_names(by_name)):
        out.append("    " + _tag("node", {
            "name": n.name, "id": n.id or n.name, "online": _bool(n.online),
            "standby": _bool(n.standby), "standby_onfail": _bool(n.standby_onfail),
            "maintenance": _bool(n.maintenance), "pending": _bool(n.pending),
            "unclean": _bool(n.unclean), "shutdown": _bool(n.shutdown),
            "expected_up": _bool(n.online), "is_dc": _bool(n.name == summary.dc),
            "resources_running": str(running.get(n.name, 0)), "type": str(n.type.value)}))
    out += ["  </nodes>", "  <resources>"]
    for rsc in view.resources:
        out += _resource(rsc, node_ids, "    ")
    out.append("  </resources>")
    out += failure_xml(list(summary.failures))
    if summary.fence_events:
        out.append("  <fence_history>")
        for event in summary.fence_events:
            out.append("    " + event_xml(event))
        out.append("  </fence_history>")
    out += ["  " + _tag("status", {"code": "0", "message": "OK"}),
            "</pacemaker-result>"]
    return "\n".join(out) + "\n"

