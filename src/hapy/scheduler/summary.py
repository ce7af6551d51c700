"""The "Transition Summary" lines: what will happen to each resource."""

from __future__ import annotations

from hapy.scheduler.actions.model import (
    DEMOTE,
    MIGRATE_FROM,
    MIGRATE_TO,
    PROMOTE,
    RELOAD,
    START,
    STOP,
    Action,
)
from hapy.scheduler.graph import in_graph
from hapy.scheduler.working_set import Node, Resource, Role, WorkingSet


def _fmt(verb: str, rsc: Resource, detail: str, reason: str = "") -> tuple[str, str, str, str]:
    return (verb, rsc.name, detail, reason)


def _acts(rsc: Resource, task: str) -> list[Action]:
    return [a for a in rsc.actions if a.task == task and a.interval_ms == 0]


def _role_word(rsc: Resource, role: Role) -> str:
    if role is Role.STARTED and rsc.promotable:
        return "Unpromoted"
    return role.text


def _needs_role(rsc: Resource) -> bool:
    """Whether a summary line names roles: the resource is or will be
    active in a promotable role, or will be promoted."""
    return rsc.role > Role.STARTED or rsc.next_role > Role.UNPROMOTED


def role_change_text(rsc: Resource, origin: Node | None, destination: Node | None) -> str:
    """The part in parentheses of a summary line: where (and in which role)
    the resource is and will be."""
    role, next_role = _role_word(rsc, rsc.role), _role_word(rsc, rsc.next_role)
    need_role = rsc.promotable and _needs_role(rsc)
    if origin is None:
        name = destination.uname if destination else ""
        return f"{role} -> {next_role} {name}" if need_role else name
    if destination is None:
        return f"{role} {origin.uname}" if need_role else origin.uname
    same_role = rsc.role is rsc.next_role
    same_host = origin is destination
    if same_host and same_role:
        return f"{role} {origin.uname}" if need_role else origin.uname
    if same_role:
        text = f"{origin.uname} -> {destination.uname}"
        return f"{text} {role}" if need_role else text
    if same_host:
        return f"{role} -> {next_role} {origin.uname}"
    return f"{role} {origin.uname} -> {next_role} {destination.uname}"


def _reason_text(action: Action) -> str:
    src = action.reason_source
    if action.reason.startswith("unrunnable"):
        return f"due to {action.reason}"
    if src is not None and src.rsc is not None and src.rsc is not action.rsc:
        return f"due to required {src.rsc.name} {src.task}"
    if src is not None and src.rsc is None and src.task == "stonith":
        return "due to required stonith"
    return ""


def primitive_line(ws: WorkingSet, rsc: Resource) -> tuple[str, str, str, str] | None:
    stops = [a for a in _acts(rsc, STOP) if in_graph(a)]
    starts = [a for a in _acts(rsc, START) if a.node is not None]
    start = starts[0] if starts else None
    start_done = start is not None and in_graph(start)
    promotes = [a for a in _acts(rsc, PROMOTE) if in_graph(a)]
    demotes = [a for a in _acts(rsc, DEMOTE) if in_graph(a)]
    current: Node | None = rsc.running_on[0] if rsc.running_on else None
    partial = rsc.partial_migration_source
    if partial is not None and any(in_graph(a) for a in _acts(rsc, MIGRATE_FROM)):
        current = partial  # finishing a migration from there
    nxt = rsc.assigned_node
    # (a removed resource found promoted is named with its role too)
    promotable = rsc.promotable or (rsc.orphan and rsc.role is Role.PROMOTED)

    def where(node: Node | None, role: Role | None = None) -> str:
        name = node.uname if node else ""
        if promotable and role is not None and _needs_role(rsc):
            return f"{_role_word(rsc, role)} {name}"
        return name

    if not rsc.managed:
        return None
    if len(rsc.running_on) > 1 and stops and partial is None:
        if start_done and start is not None:
            if not rsc.failed:
                return _fmt("Restart", rsc, f"{where(start.node)}")
            reason = ""
            if rsc.multiple_active == "stop_unexpected":
                reason = "due to being multiply active"
            return _fmt("Recover", rsc, f"{where(start.node)}", reason)
        rows = [_fmt("Stop", rsc, where(s.node, rsc.role), "due to node availability")
                for s in stops if s.node is not None]
        return rows[0] if len(rows) == 1 else rows  # type: ignore[return-value]
    if current is None:
        if start_done and start is not None:
            if promotes:
                return _fmt("Promote", rsc, role_change_text(rsc, None, start.node))
            held = [a for a in _acts(rsc, PROMOTE)
                    if not a.runnable and a.reason.startswith("colocation with")]
            if held:
                return _fmt("Promote", rsc, role_change_text(rsc, None, start.node),
                            f"due to {held[0].reason} (blocked)")
            return _fmt("Start", rsc, where(start.node))
        if start is not None and start.required and not start.runnable and nxt is not None:
            src = start.unrunnable_source
            what = " ".join(x for x in (src.rsc.name if src and src.rsc else "",
                                        src.task if src else "") if x)
            reason = f"due to unrunnable {what}".strip()
            if start.reason in ("no quorum", "quorum freeze") or \
                    start.reason.startswith("colocation with"):
                reason = f"due to {start.reason}"
            elif src is None:
                reason = ""
            elif src.probe:
                # waiting for a probe that cannot run yet
                return _fmt("Start", rsc, where(nxt), "blocked")
            return _fmt("Start", rsc, where(nxt), f"{reason} (blocked)".strip())
        return None
    # currently active
    stop_here = [s for s in stops if s.node is current]
    if not stop_here and not start_done:
        blocked = [a for a in _acts(rsc, STOP)
                   if a.node is current and a.required and not a.runnable]
        if blocked:
            if blocked[0].reason == "no quorum":
                why = "due to no quorum (blocked)"
            elif nxt is None:
                why = "due to node availability (blocked)"
            else:
                why = "blocked"
            return _fmt("Stop", rsc, where(current, rsc.role), why)
    if nxt is None or (stops and not start_done):
        if not stop_here:
            return None
        reason = ""
        stop = stop_here[0]
        if stop.reason == "no quorum":
            reason = "due to no quorum"
        elif stop.reason.startswith(("unrunnable", "colocation with")):
            reason = f"due to {stop.reason}"
        elif stop.reason_source is not None and stop.reason_source.rsc is not rsc:
            reason = _reason_text(stop)
        elif nxt is None:
            reason = "due to node availability"
        return _fmt("Stop", rsc, where(current, rsc.role), reason)
    if nxt is not current:
        verb = "Recover" if rsc.failed else "Move"
        reason = ""
        if any(in_graph(a) for a in _acts(rsc, MIGRATE_TO) + _acts(rsc, MIGRATE_FROM)):
            verb = "Migrate"
        elif start is not None and start.reason.startswith("unrunnable"):
            reason = f"due to {start.reason}"  # why it could not migrate
        return _fmt(verb, rsc, role_change_text(rsc, current, nxt), reason)
    if start_done and rsc.role is Role.STOPPED:
        return _fmt("Restart", rsc, where(current))  # listed there, but stopped
    if stop_here and start_done:
        if rsc.failed:
            return _fmt("Recover", rsc, where(current, rsc.role))
        reason = _reason_text(start) if start is not None else ""
        if not reason and stop_here[0].reason_source is not None \
                and stop_here[0].reason_source.rsc is None:
            # (a restart says why its start is needed; its stop only when a
            # cluster action such as fencing requires it)
            reason = _reason_text(stop_here[0])
        change = rsc.history_digest_mismatch.get(current.id)
        if change:
            reason = f"due to {change}"
        return _fmt("Restart", rsc, role_change_text(rsc, current, current), reason)
    if any(a.task == RELOAD and a.node is current and in_graph(a) for a in rsc.actions):
        return _fmt("Reload", rsc, where(current, rsc.role))
    if promotes and rsc.role is not Role.PROMOTED:
        return _fmt("Promote", rsc, role_change_text(rsc, current, current))
    if demotes and rsc.next_role is not Role.PROMOTED:
        return _fmt("Demote", rsc, role_change_text(rsc, current, current))
    if demotes and promotes:
        return _fmt("Re-promote", rsc, role_change_text(rsc, current, current))
    return None


def transition_summary(ws: WorkingSet) -> list[str]:
    from hapy.scheduler.unpack.bundles import bundle_primitives

    lines: list[str] = []
    # like Pacemaker, the most recently scheduled fencing first
    for fence in reversed(ws.fencing_actions.values()):
        if in_graph(fence) and fence.node is not None:
            conn = fence.node.remote_rsc
            container = conn.container if conn is not None else None
            by = f" (resource: {container.name})" if fence.node.kind == "guest" and container \
                else ""
            lines.append(
                f"  * Fence ({fence.fence_action}) {fence.node.uname}{by} '{fence.reason}'"
            )
    rows = []
    for top in ws.summary_order if ws.summary_order is not None else ws.resources:
        prims = bundle_primitives(top) if top.variant == "bundle" else top.primitives()
        for prim in prims:
            row = primitive_line(ws, prim)
            if isinstance(row, list):
                rows.extend(row)
            elif row is not None:
                rows.append(row)
    width, detail_width = column_widths(rows)
    for verb, name, detail, reason in rows:
        text = f"  * {verb:<8}   {name:<{width}}   ( {detail:>{detail_width}} )"
        if reason:
            text += f"  {reason}"
        lines.append(text)
    return lines


def column_widths(rows: list[tuple[str, str, str, str]]) -> tuple[int, int]:
    """Pacemaker's column widths: the name column starts at 5 and, whenever a
    longer name comes, grows to that length plus 2; the detail column is the
    longest detail (at least 5), right-aligned."""
    width, detail_width = 5, 5
    for _verb, name, detail, _reason in rows:
        if len(name) > width:
            width = len(name) + 2
        detail_width = max(detail_width, len(detail))
    return width, detail_width
