"""Clones: spreading instances over nodes (clone-max, clone-node-max)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from hapy.cib.scores import add_scores
from hapy.scheduler.assign.nodes import (
    apply_to_dependent,
    candidate_nodes,
    merge_dependent_scores,
    merged_dependent,
)
from hapy.scheduler.assign.primitive import assign_primitive, set_assignment, sorted_nodes_for_trace
from hapy.scheduler.assign.promotable import (
    add_promotion_scores,
    apply_promotable_primary,
    set_instance_roles,
)
from hapy.scheduler.explain.ledger import colocation_text, noting
from hapy.scheduler.options import is_true
from hapy.scheduler.unpack.resources import clone_max, clone_node_max
from hapy.scheduler.working_set import (
    INFINITY,
    Colocation,
    Node,
    Resource,
    Role,
    WorkingSet,
)


def _merge_dependents(ws: WorkingSet, clone: Resource, scores: dict[str, int]) -> dict[str, int]:
    """The clone's node scores with its dependents' preferences (those that
    follow the clone whatever its instances' roles, and those that follow its
    promoted instances)."""
    for coloc in clone.colocations_with_this:
        if not coloc.influence or not coloc.dependent.provisional:
            continue
        if coloc.dependent_role in (Role.PROMOTED, Role.UNPROMOTED):
            continue
        merged = merge_dependent_scores(
            ws, scores, merged_dependent(coloc), coloc.score / INFINITY,
            coloc.node_attribute, {id(clone)}, only_positive=True,
        )
        if ws.ledger is not None:
            ws.ledger.diff(clone.name, scores, merged, "colocation", coloc.id,
                           partial(colocation_text, coloc, "from"))
        scores = merged
    return scores


def _instances_follow(coloc: Colocation) -> bool:
    """Whether each instance of a dependent clone follows the primary
    clone's instances: always when no role is named; for a promotable
    primary's role, unless the colocation is finite and positive."""
    if coloc.primary_role is Role.UNKNOWN:
        return True
    return coloc.primary.promotable and coloc.primary_role in (
        Role.PROMOTED, Role.UNPROMOTED) and not 0 < coloc.score < INFINITY


def _seed_instance(ws: WorkingSet, clone: Resource, clone_allowed: dict[str, int],
                   upto: int, inst: Resource) -> None:
    """``inst`` starts from the clone's own scores (``clone_allowed``, as
    they were at ledger entry ``upto``) added to its own."""
    with noting(ws, inst, "clone", clone.id, "the clone's own scores go to each instance",
                inherited=clone, inherited_upto=upto):
        _seed_scores(clone_allowed, inst)
    if inst.variant == "group" and inst.children:
        first = inst.children[0]
        with noting(ws, first, "group", inst.name,
                    "the group instance's scores go to its first member", inherited=inst):
            for node_id, score in inst.allowed.items():
                first.allowed[node_id] = add_scores(first.allowed.get(node_id, 0), score)
        with noting(ws, inst.children[1:], "group", inst.name, "allowed where its group is"):
            for child in inst.children[1:]:
                for node_id in inst.allowed:
                    child.allowed.setdefault(node_id, 0)


def _seed_scores(clone_allowed: dict[str, int], inst: Resource) -> None:
    base = dict(clone_allowed)
    for node_id, score in inst.allowed.items():
        base[node_id] = add_scores(base.get(node_id, 0), score) if node_id in base else score
    inst.allowed = base


def assign_clone(ws: WorkingSet, clone: Resource) -> None:
    from hapy.scheduler.assign.primitive import assign_any

    if not clone.provisional or clone.assign_running:
        return
    clone.assign_running = True
    try:
        # a clone of primitives places each instance by its colocations
        # with a primitive or group; a clone of groups, the clone as a whole
        by_instance = all(inst.variant == "primitive" for inst in clone.children)
        instance_colocs: list[Colocation] = []
        for coloc in sorted(clone.colocations_this_with, key=lambda c: -c.primary.priority):
            if coloc.primary.variant == "bundle":
                assign_any(ws, coloc.primary)
                if coloc.dependent_role is not Role.PROMOTED:
                    apply_to_dependent(ws, clone, coloc)
                continue
            if coloc.primary_role in (Role.PROMOTED, Role.UNPROMOTED):
                if coloc.primary.variant == "clone" and coloc.primary.promotable:
                    assign_any(ws, coloc.primary)
                    if by_instance and _against_promoted(coloc):
                        instance_colocs.append(coloc)
                    if coloc.dependent_role is Role.UNPROMOTED:
                        with noting(ws, clone, "colocation", coloc.id,
                                    colocation_text, coloc, "with"):
                            apply_promotable_primary(ws, clone, coloc)
                continue
            assign_any(ws, coloc.primary)
            if by_instance and coloc.primary.variant != "clone" and _against_promoted(coloc):
                instance_colocs.append(coloc)
                continue
            if coloc.primary.variant != "clone" and coloc.dependent_role is not Role.PROMOTED:
                if by_instance and coloc.dependent_role is Role.UNPROMOTED:
                    continue  # (it counts when roles are chosen)
                if by_instance:
                    # each instance weighs it when it is placed
                    instance_colocs.append(coloc)
                    continue
                with noting(ws, clone, "colocation", coloc.id,
                            colocation_text, coloc, "with"):
                    apply_to_dependent(ws, clone, coloc)
        # instances start from the clone's own scores: what its dependents
        # prefer is shown for the clone but does not go into its instances
        own_allowed = dict(clone.allowed)
        own_upto = ws.ledger.seq if ws.ledger is not None else 0
        clone.allowed = _merge_dependents(ws, clone, clone.allowed)
        # (dependents of any role of the clone: its instances weigh them)
        weighing = [
            coloc for coloc in clone.colocations_with_this
            if coloc.influence and coloc.dependent.provisional
            and coloc.dependent_role not in (Role.PROMOTED, Role.UNPROMOTED)
            and coloc.primary_role not in (Role.PROMOTED, Role.UNPROMOTED)
        ]
        bundled = clone.parent is not None and clone.parent.variant == "bundle"
        for inst in clone.children:
            if not bundled:  # (a bundle places its instances with its replicas)
                _seed_instance(ws, clone, own_allowed, own_upto, inst)
        if clone.promotable:
            add_promotion_scores(ws, clone)
        if ws.trace is not None:
            # the clone, each instance, and each member of a group instance
            for rsc in (clone, *(r for inst in clone.children for r in inst.walk())):
                if rsc.orphan or (rsc.parent is not None and rsc.parent.orphan):
                    continue  # orphans are not placed: they only stop
                for shown in sorted_nodes_for_trace(ws, rsc):
                    ws.trace.allocation("pcmk__clone_allocate", rsc.name, shown.uname,
                                        rsc.allowed[shown.id])
        usable = sum(1 for node_id, score in clone.allowed.items()
                     if score >= 0 and (node := ws.nodes_by_id.get(node_id)) is not None
                     and node.available())
        if weighing and clone_max(ws, clone) < usable:
            # with fewer instances than nodes, a primitive instance weighs
            # the clone's dependents when it is placed
            for inst in clone.children:
                if inst.variant == "primitive" and not inst.orphan:
                    with noting(ws, inst, "colocation", weighing[0].id,
                                "fewer instances than nodes: the clone's dependents "
                                "weigh on where its instance goes"):
                        inst.allowed = _weigh_dependents(ws, clone, inst.allowed, weighing)
        for coloc in clone.colocations_this_with:
            if coloc.primary.variant == "clone" and coloc.dependent_role is Role.UNKNOWN \
                    and _instances_follow(coloc):
                # each instance goes where the primary clone's instances are
                for inst in clone.children:
                    if inst.orphan:
                        continue
                    if inst.variant == "group" and inst.children:
                        # (its first member, when the group is placed)
                        inst.follow_on_assign.append(coloc)
                        continue
                    with noting(ws, inst, "colocation", coloc.id,
                                colocation_text, coloc, "with"):
                        apply_promotable_primary(ws, inst, coloc)
        # an interleaved clone's instance pairs with one of the primary's
        # instances (placed as it is assigned)
        pinned = [c for c in clone.colocations_this_with
                  if c.primary.variant == "clone" and c.primary_role is Role.UNKNOWN
                  and c.dependent_role is Role.UNKNOWN and c.score >= INFINITY
                  and is_true(clone.meta.get("interleave"))] if not clone.promotable else []
        per_node = clone_node_max(clone)
        total_max = clone_max(ws, clone)
        if total_max >= usable:
            # (a finite preference for a primary's node only counts when
            # there are fewer instances than nodes)
            instance_colocs = [c for c in instance_colocs if not 0 < c.score < INFINITY]
        counts: dict[str, int] = {}
        total = 0
        # active instances first (those whose node can keep them before those
        # whose node goes away), then the rest
        # (failed instances whose node goes away come last of all)
        late = [i for i in clone.children
                if _current(i) is not None and not _current_usable(i) and _failed(i)]
        # (an instance active where it may not stay, on a node that could
        # run it, is placed after the inactive ones: rather than move, it
        # stops and another instance starts)
        unwelcome = [i for i in clone.children
                     if _current_usable(i) and not i.orphan and not _can_stay(ws, i)]
        active = [i for i in clone.children
                  if _current(i) is not None and i not in late and i not in unwelcome]
        # (ties: the instance whose node the clone's scores with its
        # primaries' and dependents' prefer; the same for every instance)
        weighed = _weighed_scores(ws, clone, own_allowed, weighing) if len(active) > 1 else {}
        running_first = sorted(
            active,
            key=lambda i: (not _current_usable(i), _active_count(i), _movable(i),
                           -_current_score(i), -_score_on_current(weighed, i)),
        ) + sorted(
            (i for i in clone.children if _current(i) is None),
            key=lambda i: -_best_score(ws, i),
        ) + unwelcome + sorted(late, key=lambda i: -_current_score(i))
        clone.instance_order = list(running_first)
        # instances that can stay where they are keep their node first; the
        # others (moving, or not active) are placed afterwards
        # (a failed instance is not kept first: it is placed with the rest)
        staying = [i for i in running_first if _can_stay(ws, i) and not _failed(i)]
        # (no more of them are kept on one node than the instances per
        # node that can run resources: the others are placed afresh, so
        # instances crowded on one node spread out when nothing holds them)
        keep_max = min(per_node, max(1, total_max // max(1, _nodes_up(ws, clone))))
        placed: set[int] = set()
        crowded: set[int] = set()
        for inst in staying:
            current = _current(inst)
            assert current is not None
            if total >= total_max or counts.get(current.id, 0) >= per_node:
                continue
            if counts.get(current.id, 0) >= keep_max:
                crowded.add(id(inst))
                continue
            placed.add(id(inst))
            node = _place_instance(ws, inst, counts, per_node, pinned, instance_colocs)
            if node is not None:
                counts[node.id] = counts.get(node.id, 0) + 1
                total += 1
        for inst in running_first:
            if id(inst) in placed:
                continue
            if inst.orphan:
                for rsc in inst.walk():
                    set_assignment(rsc, None)
                continue
            if total >= total_max:
                with noting(ws, inst, "clone-max", "clone-max", _clone_max_text, total_max,
                            tree=True):
                    _block_all(inst)
            node = _place_instance(ws, inst, counts, per_node, pinned, instance_colocs,
                                   prefer_current=id(inst) not in crowded)
            if node is not None:
                counts[node.id] = counts.get(node.id, 0) + 1
                total += 1
        clone.provisional = False
        if clone.promotable:
            set_instance_roles(ws, clone)
    finally:
        clone.assign_running = False


def _weigh_dependents(ws: WorkingSet, clone: Resource, scores: dict[str, int],
                      colocs: list[Colocation]) -> dict[str, int]:
    """``scores`` with what the clone's dependents (``colocs``) prefer."""
    for coloc in colocs:
        scores = merge_dependent_scores(
            ws, scores, merged_dependent(coloc), coloc.score / INFINITY,
            coloc.node_attribute, {id(clone)}, only_positive=True,
        )
    return scores


def _nodes_up(ws: WorkingSet, clone: Resource) -> int:
    """How many of the clone's nodes can run resources (whatever its
    scores there)."""
    return sum(1 for node_id in clone.allowed
               if (node := ws.nodes_by_id.get(node_id)) is not None and node.available())


def _place_instance(ws: WorkingSet, inst: Resource, counts: dict[str, int],
                    per_node: int, pinned: list[Colocation],
                    colocs: list[Colocation], prefer_current: bool = True) -> Node | None:
    """Assign one instance, away from the nodes that have enough instances
    and from the nodes that cannot run it, preferring where it is (unless
    ``prefer_current`` is false: then only among equally loaded nodes)."""
    clone = inst.parent
    if not inst.provisional and clone is not None and clone.parent is not None \
            and clone.parent.variant == "bundle":
        return inst.assigned_node  # (placed with its bundle's replica)
    with noting(ws, inst, "clone-node-max", "clone-node-max", _per_node_text, per_node,
                tree=True):
        for node_id, count in counts.items():
            if count >= per_node:
                _ban(inst, node_id)
    with noting(ws, inst, "node-state", "node unavailable",
                "an instance may only go to a node that can run resources", tree=True):
        for node_id in list(inst.allowed):
            node = ws.nodes_by_id.get(node_id)
            if node is not None and not node.available():
                # an instance may only go to a node that can run it
                _ban(inst, node_id)
    def pin() -> None:
        for coloc in pinned:
            with noting(ws, inst, "colocation", coloc.id, colocation_text, coloc, "with",
                        tree=True):
                _pin_to_primary_instance(ws, inst, coloc)

    grouped = inst.variant == "group"
    if not grouped:
        pin()
    promoted = any(p.role is Role.PROMOTED for p in inst.primitives())
    for coloc in colocs:
        if coloc.dependent_role is Role.PROMOTED and not promoted:
            continue  # (only the instance promoted now avoids it)
        with noting(ws, inst, "colocation", coloc.id, colocation_text, coloc, "with"):
            if coloc.primary.variant == "clone":
                apply_promotable_primary(ws, inst, coloc)
            else:
                apply_to_dependent(ws, inst, coloc)
    # (a group instance is paired through its first member as that is placed)
    return _assign_instance(ws, inst, _current(inst) if prefer_current else None,
                            pin if grouped else None)


def _can_stay(ws: WorkingSet, inst: Resource) -> bool:
    """An active instance whose node can keep it."""
    current = _current(inst)
    return (not inst.orphan and current is not None and current.available()
            and inst.allowed.get(current.id, -INFINITY) >= 0)


def _current(inst: Resource) -> Node | None:
    """The node an active instance is on (active on several: the first)."""
    for p in inst.primitives():
        if p.running_on:
            return p.running_on[0]
    return None


def _active_count(inst: Resource) -> int:
    """On how many nodes the instance is active."""
    return len({n.id for p in inst.primitives() for n in p.running_on})


def _failed(inst: Resource) -> bool:
    return any(p.failed for p in inst.primitives())


def _current_usable(inst: Resource) -> bool:
    node = _current(inst)
    return node is not None and node.available()


def _current_score(inst: Resource) -> int:
    """An active instance's score on the node it is active on."""
    node = _current(inst)
    return inst.allowed.get(node.id, 0) if node is not None else -INFINITY


def _against_promoted(coloc: Colocation) -> bool:
    """A colocation keeping the clone's promoted instance away: the
    instance promoted now weighs it when it is placed."""
    return coloc.dependent_role is Role.PROMOTED and coloc.score < 0


def _score_on_current(scores: dict[str, int], inst: Resource) -> int:
    node = _current(inst)
    return scores.get(node.id, 0) if node is not None else -INFINITY


def _weighed_scores(ws: WorkingSet, clone: Resource, own: dict[str, int],
                    colocs: list[Colocation]) -> dict[str, int]:
    """What ranks the clone's active instances: the clone's own scores
    (``own``) with its primaries' and then each of its dependents'
    (``colocs``) weighed in on its own, nothing rolled back."""
    scores = dict(own)
    for coloc in clone.colocations_this_with:
        # (its primaries, whatever the roles: one already placed counts
        # where it is, the others by what they prefer)
        if coloc.primary.variant in ("primitive", "group") and not coloc.primary.provisional:
            scores = _with_placed_primary(ws, clone, scores, coloc)
            continue
        scores = merge_dependent_scores(
            ws, scores, coloc.primary, coloc.score / INFINITY,
            coloc.node_attribute, {id(clone)}, forward=True, rollback=False,
        )
    for coloc in colocs:
        scores = merge_dependent_scores(
            ws, scores, coloc.dependent, coloc.score / INFINITY,
            coloc.node_attribute, {id(clone)}, only_positive=True, rollback=False,
        )
    return scores


def _with_placed_primary(ws: WorkingSet, clone: Resource, scores: dict[str, int],
                         coloc: Colocation) -> dict[str, int]:
    """``scores`` as the colocation with a placed primary would change the
    clone's (the clone's own scores are left as they were)."""
    kept = clone.allowed
    try:
        clone.allowed = dict(scores)
        apply_to_dependent(ws, clone, coloc)
        return clone.allowed
    finally:
        clone.allowed = kept


def _best_score(ws: WorkingSet, inst: Resource) -> int:
    """The instance's score on its best available node (instances with a
    stronger preference are placed first)."""
    scores = [score for node_id, score in inst.allowed.items()
              if (node := ws.nodes_by_id.get(node_id)) is not None and node.available()]
    return max(scores, default=-INFINITY)


def _ban(inst: Resource, node_id: str) -> None:
    inst.allowed[node_id] = -INFINITY
    for child in inst.children:
        child.allowed[node_id] = -INFINITY


def _block_all(inst: Resource) -> None:
    for node_id in list(inst.allowed):
        _ban(inst, node_id)


def _assign_instance(ws: WorkingSet, inst: Resource, prefer: Node | None,
                     pin: Callable[[], None] | None = None) -> Node | None:
    """Assign an instance; ``pin`` (the interleaved pairing with a primary
    instance) applies to its first primitive as that is placed, so a group
    instance's own scores (as traced) do not show it."""
    from hapy.scheduler.assign.group import assign_group

    if inst.variant == "group":
        return assign_group(ws, inst, prefer, before_members=pin)
    if pin is not None:
        pin()
    node = assign_primitive(ws, inst, prefer)
    if node is None and inst.provisional:
        set_assignment(inst, None)
    return node


def _movable(inst: Resource) -> bool:
    """Whether the instance is managed (an unmanaged one keeps its node,
    so it is placed before the others)."""
    return all(p.managed for p in inst.primitives())


def _pin_to_primary_instance(ws: WorkingSet, inst: Resource, coloc: Colocation) -> None:
    """Keep an interleaved instance to the node of one primary instance: the
    one on the instance's own node if it can stay there, else the best node
    (as the instance would choose it) that has one."""
    target = inst.children[0] if inst.variant == "group" and inst.children else inst
    with_primary = {i.assigned_node.id for i in coloc.primary.children
                    if i.assigned_node is not None}
    candidates = [n for n in candidate_nodes(ws, target) if n.id in with_primary]
    current = _current(inst)
    chosen = current if current is not None and current in candidates else \
        next(iter(candidates), None)
    for node_id in list(target.allowed):
        if chosen is None or node_id != chosen.id:
            target.allowed[node_id] = -INFINITY


def _clone_max_text(total_max: int) -> str:
    return f"clone-max={total_max} instances are placed already"


def _per_node_text(per_node: int) -> str:
    return f"the node already has clone-node-max={per_node} instance(s)"
