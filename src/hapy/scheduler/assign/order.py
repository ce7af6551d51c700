"""The order in which top-level resources are assigned.

By priority (highest first), then configuration order. Under a placement
strategy that weighs utilization, equal priorities are further ordered so that
resources keep their place: the higher score on the node a resource is active
on goes first, then the higher score on each node in turn (best nodes first),
scores counting what the resource's primaries want.
"""

from __future__ import annotations

import functools

from hapy.scheduler.assign.nodes import effective_scores, merge_dependent_scores
from hapy.scheduler.assign.utilization import compare_free, uses_utilization
from hapy.scheduler.working_set import INFINITY, Node, Resource, WorkingSet


def assignment_order(ws: WorkingSet) -> list[Resource]:
    by_priority = sorted(ws.resources, key=lambda r: (-r.priority, r.sort_index))
    # remote connections first: whether their nodes will be up decides
    # where the rest may go
    connections = [r for r in by_priority if r.is_remote_connection]
    if connections:
        by_priority = connections + [r for r in by_priority if not r.is_remote_connection]
    if not uses_utilization(ws):
        return by_priority
    nodes = _cluster_nodes(ws)
    scores = {id(rsc): _placement_scores(ws, rsc) for rsc in by_priority}

    def current_score(rsc: Resource) -> int:
        for prim in rsc.primitives():
            if prim.running_on:
                return scores[id(rsc)].get(prim.running_on[0].id, -INFINITY)
        return -INFINITY

    def compare(a: Resource, b: Resource) -> int:
        if a.priority != b.priority:
            return -1 if a.priority > b.priority else 1
        left, right = current_score(a), current_score(b)
        if left != right:
            return -1 if left > right else 1
        for node in nodes:
            left = scores[id(a)].get(node.id, -INFINITY)
            right = scores[id(b)].get(node.id, -INFINITY)
            if left != right:
                return -1 if left > right else 1
        return a.sort_index - b.sort_index

    return sorted(by_priority, key=functools.cmp_to_key(compare))


def _cluster_nodes(ws: WorkingSet) -> list[Node]:
    """Every node, best first (nodes that can run resources, node score,
    free capacity under ``balanced``, then name)."""
    balanced = ws.placement_strategy.lower() == "balanced"

    def compare(a: Node, b: Node) -> int:
        if a.available() != b.available():
            return -1 if a.available() else 1
        if a.config_score != b.config_score:
            return -1 if a.config_score > b.config_score else 1
        if balanced:
            by_room = compare_free(a, b)
            if by_room:
                return by_room
        return -1 if a.uname < b.uname else (1 if a.uname > b.uname else 0)

    return sorted(ws.nodes, key=functools.cmp_to_key(compare))


def _placement_scores(ws: WorkingSet, rsc: Resource) -> dict[str, int]:
    """``rsc``'s node scores with what its primaries want added (a group's:
    its last member's, with the members before it through their chain)."""
    holder = rsc.children[-1] if rsc.variant == "group" and rsc.children else rsc
    work = dict(holder.allowed if holder is not rsc else effective_scores(rsc))
    for coloc in holder.colocations_this_with:
        work = merge_dependent_scores(ws, work, coloc.primary, coloc.score / INFINITY,
                                      coloc.node_attribute, {id(rsc)}, forward=True)
    return work
