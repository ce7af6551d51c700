"""Groups: members are placed together, in order, on the first member's node."""

from __future__ import annotations

from hapy.scheduler.assign.primitive import assign_primitive, sorted_nodes_for_trace
from hapy.scheduler.working_set import Node, Resource, WorkingSet


def assign_group(ws: WorkingSet, grp: Resource, prefer: Node | None = None) -> Node | None:
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
