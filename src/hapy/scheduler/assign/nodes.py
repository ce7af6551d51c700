"""Node scores: ordering candidate nodes, applying and merging colocations."""

from __future__ import annotations

import functools

from hapy.cib.scores import add_scores, scaled_score
from hapy.scheduler.assign.utilization import compare_free
from hapy.scheduler.working_set import INFINITY, Colocation, Node, Resource, WorkingSet


def node_sort_key(ws: WorkingSet, rsc: Resource, node: Node) -> tuple[int, int, int, str]:
    """Best node first: highest score, then fewest resources assigned (not
    under the ``minimal`` strategy), then the node the resource is active
    on, then name."""
    current = rsc.staying_node() is node
    count = 0 if ws.placement_strategy.lower() == "minimal" else len(node.assigned)
    return (-rsc.allowed.get(node.id, 0), count, 0 if current else 1, node.uname)


def sort_nodes(ws: WorkingSet, rsc: Resource, nodes: list[Node]) -> list[Node]:
    """``nodes`` best first; the ``balanced`` strategy puts the node with more
    free capacity first among equal scores."""
    if ws.placement_strategy.lower() != "balanced":
        return sorted(nodes, key=lambda n: node_sort_key(ws, rsc, n))

    def compare(a: Node, b: Node) -> int:
        key_a, key_b = node_sort_key(ws, rsc, a), node_sort_key(ws, rsc, b)
        if key_a[0] != key_b[0]:
            return -1 if key_a[0] < key_b[0] else 1
        by_room = compare_free(a, b)
        if by_room:
            return by_room
        return -1 if key_a[1:] < key_b[1:] else (1 if key_a[1:] > key_b[1:] else 0)

    return sorted(nodes, key=functools.cmp_to_key(compare))


def can_run(node: Node) -> bool:
    return node.available()


def candidate_nodes(ws: WorkingSet, rsc: Resource) -> list[Node]:
    out = []
    for node_id, score in rsc.allowed.items():
        node = ws.nodes_by_id.get(node_id)
        if node is None or score < 0 or not can_run(node):
            continue
        out.append(node)
    return sort_nodes(ws, rsc, out)


def attr_value(node: Node, attribute: str) -> str | None:
    if attribute == "#uname":
        return node.uname
    return node.attrs.get(attribute)


def primary_node(coloc: Colocation) -> Node | None:
    """Where the primary went: for a group, its last member when the
    colocation is mandatory (the whole group must be up), else its first."""
    primary = coloc.primary
    if primary.variant == "group" and primary.children and coloc.score >= INFINITY:
        return primary.children[-1].assigned_node
    return primary.assigned_node


def any_available(ws: WorkingSet, scores: dict[str, int]) -> bool:
    for node_id, score in scores.items():
        node = ws.nodes_by_id.get(node_id)
        if node is not None and score >= 0 and can_run(node):
            return True
    return False


def apply_to_dependent(ws: WorkingSet, dependent: Resource, coloc: Colocation) -> None:
    """Change ``dependent``'s node scores for its colocation with an already
    assigned primary."""
    if coloc.primary.provisional:
        # a colocation loop: the primary is still being placed
        return
    if coloc.primary.variant == "bundle":
        from hapy.scheduler.assign.bundle import apply_bundle_primary

        apply_bundle_primary(ws, dependent, coloc)
        return
    target = primary_node(coloc)
    score = coloc.score
    if target is None:
        if score >= INFINITY:
            for node_id in dependent.allowed:
                dependent.allowed[node_id] = -INFINITY
        elif score > 0:
            # the primary will not run: an optional positive colocation
            # counts against every node (unless that leaves none usable)
            work = {n: add_scores(s, -score) for n, s in dependent.allowed.items()}
            if any_available(ws, work):
                dependent.allowed = work
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
    *,
    forward: bool = False,
    only_positive: bool = False,
    home: Resource | None = None,
    rollback: bool = True,
) -> dict[str, int]:
    """Add ``dependent``'s node scores, scaled by ``factor``, to ``scores``,
    following the dependent's own dependents (how much the resources that
    follow a primary want each node). With ``forward``, ``dependent`` is a
    primary instead and the chain followed is of its own primaries.

    For each node, the dependent contributes its best score among the nodes
    that can run resources and share the node's ``attribute`` value
    (-INFINITY when there is none); a negative factor never turns a negative
    score into a preference. When no node is left available, the merge is
    rolled back. With ``only_positive`` (a clone weighing its dependents), a
    merge never makes a node's score negative: the node keeps its score, or,
    if it was positive, counts as unavailable for the roll-back and ends at 1.
    ``home`` is the group of the resource being placed, if any.
    Without ``rollback`` (a clone comparing its instances), the merge stands
    even when no node is left available (only the chain below ``dependent``
    rolls back)."""
    if id(dependent) in visited:
        return scores
    visited = visited | {id(dependent)}
    best = _best_by_attribute(ws, effective_scores(dependent), attribute)
    work = dict(scores)
    lowered: list[str] = []  # positive nodes a merge would have made negative
    for node_id in work:
        wanted = best.get(attr_value(ws.nodes_by_id[node_id], attribute), -INFINITY)
        if factor < 0 and wanted < 0:
            continue
        merged = add_scores(work[node_id], scaled_score(wanted, factor))
        if only_positive and merged < 0:
            if work[node_id] > 0:
                work[node_id] = -INFINITY
                lowered.append(node_id)
            continue
        work[node_id] = merged
    if any_available(ws, work):
        for coloc, linked in _chain(dependent, forward, home):
            # the sign carries down the chain, the strength does not
            sub_factor = (-1 if factor < 0 else 1) * coloc.score / INFINITY
            work = merge_dependent_scores(ws, work, linked, sub_factor,
                                          coloc.node_attribute, visited, forward=forward,
                                          only_positive=only_positive, home=home)
    if rollback and not any_available(ws, work):
        return scores
    for node_id in lowered:
        if work[node_id] == -INFINITY:
            work[node_id] = 1
    return work


def _chain(rsc: Resource, forward: bool,
           home: Resource | None) -> list[tuple[Colocation, Resource]]:
    """The next links of a merge chain: ``rsc``'s primaries (``forward``) or
    the dependents that still weigh in. A group's dependents are its first
    member's (the members after it follow it) and, once more, its last
    member's; what follows a group as a whole weighs in only on the members of
    that group (``home``: the group of the resource being placed)."""
    if forward:
        holder = rsc.children[0] if rsc.variant == "group" and rsc.children else rsc
        return [(c, c.primary) for c in holder.colocations_this_with]
    holders = [rsc.children[0], rsc.children[-1]] if rsc.variant == "group" and rsc.children \
        else [rsc]
    return [
        (c, merged_dependent(c))
        for holder in holders
        for c in holder.colocations_with_this
        if c.dependent.provisional is not False and c.influence
        and (c.primary.variant != "group" or c.primary is home)
    ]


def merged_dependent(coloc: Colocation) -> Resource:
    """The resource whose node scores a colocation's primary weighs: the group
    that declared the colocation, else its dependent."""
    return coloc.dependent_group or coloc.dependent


def _best_by_attribute(
    ws: WorkingSet, scores: dict[str, int], attribute: str
) -> dict[str | None, int]:
    """The highest score per ``attribute`` value among the nodes that can run
    resources."""
    best: dict[str | None, int] = {}
    for node_id, score in scores.items():
        node = ws.nodes_by_id.get(node_id)
        if node is None or not can_run(node):
            continue
        value = attr_value(node, attribute)
        if value is None:
            continue
        if value not in best or score > best[value]:
            best[value] = score
    return best


def effective_scores(rsc: Resource) -> dict[str, int]:
    """The node scores a resource brings to a merge (a group: its first member's)."""
    if rsc.variant == "group" and rsc.children:
        merged = dict(rsc.children[0].allowed)
        return merged
    return rsc.allowed
