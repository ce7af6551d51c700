"""Node scores: ordering candidate nodes, applying and merging colocations."""

from __future__ import annotations

from hapy.cib.scores import add_scores
from hapy.scheduler.working_set import INFINITY, Colocation, Node, Resource, WorkingSet


def node_sort_key(ws: WorkingSet, rsc: Resource, node: Node) -> tuple[int, int, str]:
    """Best node first: highest score, then fewest resources assigned, then name."""
    return (-rsc.allowed.get(node.id, 0), len(node.assigned), node.uname)


def can_run(node: Node) -> bool:
    return node.available()


def candidate_nodes(ws: WorkingSet, rsc: Resource) -> list[Node]:
    out = []
    for node_id, score in rsc.allowed.items():
        node = ws.nodes_by_id.get(node_id)
        if node is None or score < 0 or not can_run(node):
            continue
        out.append(node)
    out.sort(key=lambda n: node_sort_key(ws, rsc, n))
    return out


def attr_value(node: Node, attribute: str) -> str | None:
    if attribute == "#uname":
        return node.uname
    return node.attrs.get(attribute)


def primary_node(coloc: Colocation) -> Node | None:
    return coloc.primary.assigned_node


def any_available(ws: WorkingSet, scores: dict[str, int]) -> bool:
    for node_id, score in scores.items():
        node = ws.nodes_by_id.get(node_id)
        if node is not None and score >= 0 and can_run(node):
            return True
    return False


def apply_to_dependent(ws: WorkingSet, dependent: Resource, coloc: Colocation) -> None:
    """Change ``dependent``'s node scores for its colocation with an already
    assigned primary."""
    primary = coloc.primary
    target = primary.assigned_node
    score = coloc.score
    if target is None:
        if score >= INFINITY:
            for node_id in dependent.allowed:
                dependent.allowed[node_id] = -INFINITY
        return
    value = attr_value(target, coloc.node_attribute)
    work = dict(dependent.allowed)
    for node_id in work:
        node = ws.nodes_by_id[node_id]
        same = value is not None and attr_value(node, coloc.node_attribute) == value
        if same:
            if score <= -INFINITY:
                work[node_id] = -INFINITY
            elif score < INFINITY:
                work[node_id] = add_scores(work[node_id], score)
        elif score >= INFINITY:
            work[node_id] = -INFINITY
    if score >= INFINITY or score <= -INFINITY or any_available(ws, work):
        dependent.allowed = work


def merge_dependent_scores(
    ws: WorkingSet,
    scores: dict[str, int],
    dependent: Resource,
    factor: float,
    attribute: str,
    visited: set[int],
) -> dict[str, int]:
    """Add ``dependent``'s node scores, scaled by ``factor``, to ``scores``,
    following the dependent's own dependents (how much the resources that
    follow a primary want each node)."""
    if id(dependent) in visited:
        return scores
    visited = visited | {id(dependent)}
    dep_scores = effective_scores(dependent)
    work = dict(scores)
    for node_id in work:
        node = ws.nodes_by_id[node_id]
        value = attr_value(node, attribute)
        other: int | None = None
        for dep_node_id, dep_score in dep_scores.items():
            dep_node = ws.nodes_by_id[dep_node_id]
            if attr_value(dep_node, attribute) == value:
                other = dep_score if other is None else max(other, dep_score)
        if other is None:
            continue
        if factor < 0 and other <= -INFINITY:
            continue
        delta = int(factor * other)
        if other <= -INFINITY and factor > 0:
            delta = -INFINITY if factor >= 1 else delta
        if other >= INFINITY and factor < 0:
            delta = -INFINITY if factor <= -1 else delta
        work[node_id] = add_scores(work[node_id], delta)
    for coloc in dependent.colocations_with_this:
        if coloc.dependent.provisional is False:
            continue
        if not coloc.influence:
            continue
        sub_factor = factor * coloc.score / INFINITY
        work = merge_dependent_scores(ws, work, coloc.dependent, sub_factor,
                                      coloc.node_attribute, visited)
    return work


def effective_scores(rsc: Resource) -> dict[str, int]:
    """The node scores a resource brings to a merge (a group: its first member's)."""
    if rsc.variant == "group" and rsc.children:
        merged = dict(rsc.children[0].allowed)
        return merged
    return rsc.allowed
