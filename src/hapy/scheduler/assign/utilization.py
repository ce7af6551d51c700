"""Utilization: what nodes offer, what resources need, and the capacity
checks of the ``utilization``, ``minimal`` and ``balanced`` placement
strategies (``default`` ignores utilization)."""

from __future__ import annotations

from hapy.scheduler.working_set import INFINITY, Node, Resource, WorkingSet


def uses_utilization(ws: WorkingSet) -> bool:
    return ws.placement_strategy.lower() != "default"


def _int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        return 0


def needs(rsc: Resource) -> dict[str, int]:
    """What one primitive needs (its utilization attributes)."""
    return {name: _int(value) for name, value in rsc.utilization.items()}


def capacity(node: Node) -> dict[str, int]:
    return {name: _int(value) for name, value in node.utilization.items()}


def remaining(node: Node) -> dict[str, int]:
    """A node's capacity less what the resources assigned to it need."""
    free = capacity(node)
    for name, used in node.utilization_used.items():
        free[name] = free.get(name, 0) - used
    return free


def consume(node: Node, rsc: Resource) -> None:
    for name, amount in needs(rsc).items():
        node.utilization_used[name] = node.utilization_used.get(name, 0) + amount


def has_room(node: Node, wanted: dict[str, int]) -> bool:
    free = remaining(node)
    return all(free.get(name, 0) >= amount for name, amount in wanted.items())


def compare_free(a: Node, b: Node) -> int:
    """Negative when ``a`` has more free capacity than ``b`` (counted over
    the utilization names: on how many has each more), positive when less."""
    free_a, free_b = remaining(a), remaining(b)
    result = 0
    for name in capacity(a).keys() | capacity(b).keys():
        left, right = free_a.get(name, 0), free_b.get(name, 0)
        if left > right:
            result -= 1
        elif left < right:
            result += 1
    return result


def colocated_group(rsc: Resource) -> list[Resource]:
    """``rsc`` and every primitive tied to it by mandatory colocations, either
    way, transitively (a group's members are tied by their chain)."""
    seen = {id(rsc)}
    out = [rsc]
    stack = [rsc]
    while stack:
        cur = stack.pop()
        linked = [c.primary for c in cur.colocations_this_with if c.score >= INFINITY]
        linked += [c.dependent for c in cur.colocations_with_this if c.score >= INFINITY]
        if cur is rsc:
            linked += _dependent_instances(rsc)
        for other in linked:
            for prim in other.primitives():
                if id(prim) not in seen:
                    seen.add(id(prim))
                    out.append(prim)
                    stack.append(prim)
    return out


def _dependent_instances(rsc: Resource) -> list[Resource]:
    """For a clone instance: what must be colocated with its clone (it goes
    where one of its instances goes): a resource, or one instance still to
    place of a clone."""
    clone = rsc.clone_parent()
    if clone is None or rsc.running_on:
        return []  # (an active instance is not weighed with them)
    out = []
    for coloc in clone.colocations_with_this:
        dependent = coloc.dependent
        if coloc.score < INFINITY:
            continue
        if dependent.variant != "clone":
            out.append(dependent)
            continue
        spare = next((i for i in dependent.children if i.provisional and not i.orphan), None)
        if spare is not None:
            out.append(spare)
    return out


def ban_insufficient_capacity(ws: WorkingSet, rsc: Resource) -> Node | None:
    """Ban ``rsc`` from the nodes without room for it and the unassigned
    resources that must go with it. When no node has room for all of them,
    ban only the nodes without room for ``rsc`` itself and return the
    usable node with the most free capacity (to be preferred)."""
    wanted: dict[str, int] = {}
    for member in colocated_group(rsc):
        if member is rsc or member.provisional:
            for name, amount in needs(member).items():
                wanted[name] = wanted.get(name, 0) + amount
    usable = [
        ws.nodes_by_id[node_id]
        for node_id, score in rsc.allowed.items()
        if score >= 0 and node_id in ws.nodes_by_id and ws.nodes_by_id[node_id].available()
    ]
    most_free: Node | None = None
    any_room = False
    for node in usable:
        if has_room(node, wanted):
            any_room = True
        if most_free is None or compare_free(node, most_free) < 0:
            most_free = node
    if any_room:
        for node in usable:
            if not has_room(node, wanted):
                rsc.allowed[node.id] = -INFINITY
        return None
    own = needs(rsc)
    for node in usable:
        if not has_room(node, own):
            rsc.allowed[node.id] = -INFINITY
    return most_free
