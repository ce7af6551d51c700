"""Assigning a primitive to a node."""

from __future__ import annotations

from hapy.scheduler.assign.nodes import (
    apply_to_dependent,
    can_run,
    candidate_nodes,
    merge_dependent_scores,
    merged_dependent,
    node_sort_key,
)
from hapy.scheduler.assign.promotable import apply_promotable_primary
from hapy.scheduler.assign.utilization import ban_insufficient_capacity, consume, uses_utilization
from hapy.scheduler.explain.ledger import colocation_text, noting
from hapy.scheduler.working_set import INFINITY, Colocation, Node, Resource, Role, WorkingSet


def assign_any(ws: WorkingSet, rsc: Resource, prefer: Node | None = None) -> Node | None:
    """Assign ``rsc`` whatever its variant (used for colocation primaries)."""
    from hapy.scheduler.assign.bundle import assign_bundle
    from hapy.scheduler.assign.clone import assign_clone
    from hapy.scheduler.assign.group import assign_group

    if rsc.variant == "bundle":
        assign_bundle(ws, rsc)
        return None
    if rsc.parent is not None and rsc.parent.variant == "bundle" and rsc.parent.provisional:
        # a bundle's implicit resources and clone are placed with the bundle
        assign_bundle(ws, rsc.parent)
        if rsc.variant != "clone" or not rsc.provisional:
            return rsc.assigned_node
    if rsc.variant == "group":
        return assign_group(ws, rsc, prefer)
    if rsc.variant == "clone":
        assign_clone(ws, rsc)
        return None
    if rsc.variant == "primitive":
        parent = rsc.parent
        if parent is not None and parent.provisional and parent.variant == "clone":
            assign_clone(ws, parent)
            return rsc.assigned_node
        if parent is not None and parent.provisional and parent.variant == "group":
            assign_any(ws, parent, prefer)
            return rsc.assigned_node
        return assign_primitive(ws, rsc, prefer)
    return None


def assign_primitive(
    ws: WorkingSet, rsc: Resource, prefer: Node | None = None, func: str = "pcmk__primitive_assign"
) -> Node | None:
    if not rsc.provisional:
        return rsc.assigned_node
    if rsc.assign_running:
        return None
    rsc.assign_running = True
    try:
        colocs = sorted(rsc.colocations_this_with, key=lambda c: -c.primary.priority)
        for coloc in colocs:
            before = dict(rsc.allowed) if coloc.ban_only else None
            with noting(ws, rsc, "colocation", coloc.id,
                        colocation_text, coloc, "with"):
                apply_colocation(ws, rsc, coloc)
                if before is not None:
                    rsc.allowed = {n: -INFINITY if rsc.allowed.get(n, 0) <= -INFINITY
                                   else score for n, score in before.items()}
        home = rsc.parent if rsc.parent is not None and rsc.parent.variant == "group" else None
        for coloc in rsc.colocations_with_this:
            if not coloc.influence or not coloc.dependent.provisional:
                continue
            if coloc.dependent_role in (Role.PROMOTED, Role.UNPROMOTED):
                continue
            with noting(ws, rsc, "colocation", coloc.id,
                        colocation_text, coloc, "from"):
                rsc.allowed = merge_dependent_scores(
                    ws, rsc.allowed, merged_dependent(coloc), coloc.score / INFINITY,
                    coloc.node_attribute, {id(rsc)}, home=home,
                )
        if rsc.target_role is Role.STOPPED:
            # a resource meant to be stopped may run nowhere (it is banned
            # from every node, also those it was not allowed on)
            with noting(ws, rsc, "target-role", "target-role=Stopped",
                        "target-role=Stopped: may run nowhere"):
                for node in ws.nodes:
                    rsc.allowed[node.id] = -INFINITY
        if ws.trace is not None:
            for node in sorted_nodes_for_trace(ws, rsc):
                ws.trace.allocation(func, rsc.name, node.uname, rsc.allowed[node.id])
        return choose_node(ws, rsc, prefer)
    finally:
        rsc.assign_running = False


def apply_colocation(ws: WorkingSet, rsc: Resource, coloc: Colocation) -> None:
    """Place the primary, then weigh ``rsc``'s nodes by where it went."""
    if coloc.primary.variant == "bundle":
        assign_any(ws, coloc.primary)
        apply_to_dependent(ws, rsc, coloc)
        return
    if coloc.primary.variant == "clone" and (
        coloc.primary.promotable or coloc.primary_role is Role.UNKNOWN
    ):
        assign_any(ws, coloc.primary)
        apply_promotable_primary(ws, rsc, coloc)
        return
    if coloc.primary_role in (Role.PROMOTED, Role.UNPROMOTED):
        return
    assign_any(ws, coloc.primary)
    apply_to_dependent(ws, rsc, coloc)


def sorted_nodes_for_trace(ws: WorkingSet, rsc: Resource) -> list[Node]:
    nodes = [ws.nodes_by_id[n] for n in rsc.allowed if n in ws.nodes_by_id]
    return sorted(nodes, key=lambda n: n.uname)


def choose_node(ws: WorkingSet, rsc: Resource, prefer: Node | None) -> Node | None:
    chosen: Node | None = None
    frozen = ws.startup_disabled()
    if not rsc.managed or frozen:
        # an unmanaged resource stays where it is (so does every resource
        # while start-up is disabled)
        current = rsc.current_node()
        chosen = current if current is not None and len(rsc.running_on) == 1 else None
        if chosen is None and rsc.running_on:
            chosen = rsc.running_on[0]
    elif rsc.target_role is Role.STOPPED or ws.options.flag("stop-all-resources"):
        chosen = None
    else:
        if uses_utilization(ws):
            with noting(ws, rsc, "utilization", f"placement-strategy={ws.placement_strategy}",
                        "not enough free capacity for it (and what must go with it)"):
                most_free = ban_insufficient_capacity(ws, rsc)
            if prefer is None:
                prefer = most_free
        candidates = candidate_nodes(ws, rsc)
        if candidates:
            chosen = candidates[0]
            current = rsc.staying_node()
            if prefer is None and current is not None and current in candidates and (
                node_sort_key(ws, rsc, current)[:2] == node_sort_key(ws, rsc, chosen)[:2]
            ):
                chosen = current  # among equally good, equally loaded nodes, stay put
            if (
                prefer is not None
                and prefer is not chosen
                and can_run(prefer)
                and rsc.allowed.get(prefer.id, -INFINITY) >= 0
                and rsc.allowed.get(prefer.id) == rsc.allowed.get(chosen.id)
            ):
                chosen = prefer
    set_assignment(rsc, chosen)
    if frozen and chosen is not None and rsc.role > Role.STOPPED:
        rsc.next_role = rsc.role
    return chosen


def set_assignment(rsc: Resource, node: Node | None) -> None:
    from hapy.scheduler.unpack.remote import connection_assigned

    rsc.provisional = False
    rsc.assigned_node = node
    if rsc.is_remote_connection:
        connection_assigned(rsc)
    if node is not None:
        node.assigned.append(rsc)
        consume(node, rsc)
        if rsc.next_role is Role.UNKNOWN or rsc.next_role is Role.STOPPED:
            rsc.next_role = Role.UNPROMOTED if rsc.promotable else Role.STARTED
            if not rsc.managed and rsc.role > Role.STOPPED:
                rsc.next_role = rsc.role
    else:
        rsc.next_role = Role.STOPPED
