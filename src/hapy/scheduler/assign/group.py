"""Groups: members are placed together, in order, on the first member's node."""

from __future__ import annotations

from collections.abc import Callable

from hapy.scheduler.assign.primitive import assign_primitive, sorted_nodes_for_trace
from hapy.scheduler.assign.promotable import apply_promotable_primary
from hapy.scheduler.explain.ledger import colocation_text, noting
from hapy.scheduler.working_set import Node, Resource, WorkingSet


def assign_group(ws: WorkingSet, grp: Resource, prefer: Node | None = None,
                 before_members: Callable[[], None] | None = None) -> Node | None:
    """Place the group's members in order; ``before_members`` runs once the
    group's scores are traced, before the first member is placed."""
    if not grp.provisional:
        return grp.assigned_node
    if grp.assign_running:
        return None
    grp.assign_running = True
    try:
        if ws.trace is not None:
            for rsc in (grp, *grp.children):
                for shown in sorted_nodes_for_trace(ws, rsc):
                    ws.trace.allocation("pcmk__group_assign", rsc.name, shown.uname,
                                        rsc.allowed[shown.id])
        if grp.children:
            _follow_primary_instances(ws, grp, grp.children[0])
        if before_members is not None:
            before_members()
        first: Node | None = None
        for index, child in enumerate(grp.children):
            node = assign_primitive(ws, child, prefer)
            if index == 0:
                first = node
        grp.provisional = False
        grp.assigned_node = first
        return first
    finally:
        grp.assign_running = False


def _follow_primary_instances(ws: WorkingSet, grp: Resource, first: Resource) -> None:
    """A cloned group's instance goes where the instances of the clones its
    clone is colocated with are: its first member takes those colocations."""
    for coloc in grp.follow_on_assign:
        with noting(ws, first, "colocation", coloc.id, colocation_text, coloc, "with"):
            apply_promotable_primary(ws, first, coloc)
