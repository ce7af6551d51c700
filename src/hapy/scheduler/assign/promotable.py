"""Promotable clones: which assigned instances are promoted.

After a promotable clone's instances have nodes, each instance gets a
promotion priority: its promotion score (the ``master-<resource>`` node
attribute the agent sets, summed over a cloned group's members; -1 when no
member has one), plus the clone's location scores for the Promoted role, plus
its role-based colocations.  Priorities of eligible instances are added to
the clone's score of their node, role-based colocations of the clone adjust
those node scores, and each eligible instance then ranks by its node's score.
The best instances are promoted, at most ``promoted-max`` in all and
``promoted-node-max`` per node.
"""

from __future__ import annotations

from hapy.cib.scores import add_scores, parse_score, scaled_score
from hapy.scheduler.assign.nodes import attr_value, merge_dependent_scores, merged_dependent
from hapy.scheduler.assign.tickets import ticket_blocks_promotion
from hapy.scheduler.explain.ledger import (
    PRIORITY,
    PROMOTED_LOCATION,
    PROMOTION,
    PROMOTION_NODE,
    ScoreLedger,
    colocation_text,
    noting,
)
from hapy.scheduler.unpack.bundles import attribute_node
from hapy.scheduler.unpack.constraints import TicketSpec
from hapy.scheduler.unpack.resources import meta_int
from hapy.scheduler.working_set import INFINITY, Colocation, Node, Resource, Role, WorkingSet


def promoted_max(clone: Resource) -> int:
    meta = clone.meta
    return max(0, meta_int(meta.get("promoted-max", meta.get("master-max")), 1))


def promoted_node_max(clone: Resource) -> int:
    meta = clone.meta
    return max(0, meta_int(meta.get("promoted-node-max", meta.get("master-node-max")), 1))


def _score_applies(clone: Resource, rsc: Resource, node: Node) -> bool:
    """Whether a primitive instance's promotion score on ``node`` counts.

    An anonymous instance's score counts where that instance is active, or
    where no instance is active but the resource has been probed.  Otherwise
    it counts where this instance's state is known, or everywhere while the
    resource's state is known nowhere (cluster start-up).
    """
    if not rsc.unique:
        active = _active_instance(clone, rsc.id, node)
        if active is rsc or (active is None and _known_anywhere_on(clone, rsc.id, node)):
            return _allowed(rsc, node)
    if not rsc.running_on and not rsc.known_on:
        return _allowed(rsc, node)
    if node.id in rsc.known_on or node in rsc.running_on:
        return _allowed(rsc, node)
    return False


def _allowed(rsc: Resource, node: Node) -> bool:
    return rsc.allowed.get(node.id, -INFINITY) >= 0 or node.id not in rsc.allowed


def _active_instance(clone: Resource, prim_id: str, node: Node) -> Resource | None:
    for inst in clone.children:
        for prim in inst.primitives():
            if prim.id == prim_id and node in prim.running_on:
                return prim
    return None


def _known_anywhere_on(clone: Resource, prim_id: str, node: Node) -> bool:
    for inst in clone.children:
        for prim in inst.primitives():
            if prim.id == prim_id and node.id in prim.known_on:
                return True
    return False


def _attribute_score(clone: Resource, rsc: Resource, node: Node) -> int | None:
    """A primitive instance's promotion score on ``node`` from the node
    attributes (the ``master-<name>`` attribute its agent sets), or None."""
    if not _score_applies(clone, rsc, node):
        return None
    names = [rsc.name] if rsc.unique else [rsc.history_name or rsc.name, rsc.id]
    node = attribute_node(rsc, node)
    for name in names:
        value = node.attrs.get(f"master-{name}")
        if value is None:
            continue
        try:
            return parse_score(value)
        except ValueError:
            return 0
    return None


def promotion_score(clone: Resource, inst: Resource, node: Node) -> int | None:
    """The instance's promotion score from node attributes (None: none set)."""
    if inst.variant == "primitive":
        return _attribute_score(clone, inst, node)
    total = 0
    found = False
    for child in inst.children:
        score = promotion_score(clone, child, node)
        if score is not None:
            found = True
            total = add_scores(total, score)
    return total if found else None


def add_promotion_scores(ws: WorkingSet, clone: Resource) -> None:
    """Before placing instances, prefer nodes where they would be promoted:
    positive promotion scores are added to each instance's node scores (on
    the nodes that can run resources: not on a standby node)."""
    for inst in clone.children:
        with noting(ws, inst, "promotion-score", f"master-{inst.id}",
                    "a positive promotion score (the master-* node attribute its agent "
                    "sets) is added where it would be promoted"):
            _add_promotion_score(ws, clone, inst)


def _add_promotion_score(ws: WorkingSet, clone: Resource, inst: Resource) -> None:
    for node_id, current in list(inst.allowed.items()):
        node = ws.nodes_by_id.get(node_id)
        if node is None or not node.available():
            continue
        score = promotion_score(clone, inst, node)
        if score is not None and score > 0:
            inst.allowed[node_id] = add_scores(current, score)


def _role_allows_promotion(inst: Resource) -> bool:
    for rsc in inst.walk():
        if rsc.target_role in (Role.STOPPED, Role.UNPROMOTED):
            return False
    return True


def _promoted_locations(rsc: Resource) -> dict[str, int]:
    return rsc.promoted_locations


def _instance_priority(ws: WorkingSet, clone: Resource, inst: Resource) -> int | None:
    """The instance's own promotion priority; None when it is not assigned."""
    node = inst.assigned_node
    if node is None:
        return None
    ledger = ws.ledger
    if not inst.managed and _current_role(inst) == Role.PROMOTED:
        priority = inst.priority
        if ledger is not None:
            ledger.note(inst.name, node.id, "unmanaged", "is-managed=false",
                        "unmanaged and promoted: its priority", None, priority,
                        channel=PRIORITY)
    elif not inst.managed and any(p.role_seen_by_monitor for p in inst.primitives()):
        # an unmanaged instance only a monitor found active is not promoted
        priority = -INFINITY
        if ledger is not None:
            ledger.note(inst.name, node.id, "unmanaged", "is-managed=false",
                        "unmanaged, found active by a monitor only: not promoted", None,
                        priority, channel=PRIORITY)
    elif inst.managed and not _role_allows_promotion(inst):
        priority = -INFINITY
        if ledger is not None:
            ledger.note(inst.name, node.id, "target-role", "target-role",
                        "target-role keeps it from being promoted", None, priority,
                        channel=PRIORITY)
    else:
        score = promotion_score(clone, inst, node)
        priority = -1 if score is None else score
        if ledger is not None:
            ledger.note(inst.name, node.id, "promotion-score", f"master-{inst.id}",
                        f"no promotion score on {node.uname}: -1" if score is None else
                        f"promotion score on {node.uname} (master-* node attribute)",
                        None, priority, channel=PRIORITY)
    for rsc in (inst, clone):
        extra = _promoted_locations(rsc).get(node.id)
        if extra is not None:
            before, priority = priority, add_scores(priority, extra)
            if ledger is not None:
                ledger.note(inst.name, node.id, "location", rsc.name,
                            f"location constraints of {rsc.name} for the Promoted role",
                            before, priority, channel=PRIORITY, inherited=rsc.name,
                            inherited_channel=PROMOTED_LOCATION)
    for coloc in _role_colocations(clone, inst):
        before, priority = priority, _apply_coloc_to_priority(coloc, node, priority)
        if ledger is not None and before != priority:
            ledger.note(inst.name, node.id, "colocation", coloc.id,
                        colocation_text(coloc, "with"), before, priority, channel=PRIORITY)
    return priority


def _role_colocations(clone: Resource, inst: Resource) -> list[Colocation]:
    """Colocations that make an instance's promotion follow another resource:
    the clone's and the instance's own ones that name the dependent's role,
    when they are negative or mandatory (a finite positive one only adds
    its primary's node scores to the clone's, see ``_clone_node_scores``)."""
    if inst.variant == "group":
        return []  # a cloned group's promotion only weighs its primaries' scores
    return [
        c for c in (*clone.colocations_this_with, *inst.colocations_this_with)
        if c.dependent_role is not Role.UNKNOWN and (c.score < 0 or c.score >= INFINITY)
    ]


def _primary_nodes(coloc: Colocation) -> list[Node]:
    """Where the colocation's primary will be active (in the role it names)."""
    primary = coloc.primary
    if primary.variant == "clone":
        return [inst.assigned_node for inst in primary.children
                if inst.assigned_node is not None
                and (coloc.primary_role is Role.UNKNOWN
                     or instance_next_role(inst) is coloc.primary_role)]
    node = primary.assigned_node
    if node is None:
        return []
    if coloc.primary_role is not Role.UNKNOWN and instance_next_role(primary) \
            is not coloc.primary_role:
        return []
    return [node]


def instance_next_role(rsc: Resource) -> Role:
    """The role a (clone instance) resource will have."""
    if rsc.variant == "group" and rsc.children:
        return max((instance_next_role(c) for c in rsc.children), default=Role.STOPPED)
    role = rsc.next_role
    if role is Role.STARTED and rsc.promotable:
        return Role.UNPROMOTED
    return role


def _apply_coloc_to_priority(coloc: Colocation, node: Node, priority: int) -> int:
    if coloc.primary.variant != "clone" and coloc.primary.assigned_node is None:
        return priority
    nodes = _primary_nodes(coloc)
    value = attr_value(node, coloc.node_attribute)
    same = value is not None and any(
        attr_value(other, coloc.node_attribute) == value for other in nodes
    )
    if not same:
        if coloc.score >= INFINITY and coloc.dependent_role is Role.PROMOTED:
            return -INFINITY
        return priority
    score = coloc.score
    if score > 0 and coloc.primary.variant == "clone" and coloc.primary_role is Role.UNKNOWN:
        # beside any instance of a clone: allowed, but no bonus
        return priority
    if coloc.dependent_role is Role.UNPROMOTED:
        score = -score
    return add_scores(priority, score)


def _sort_key(inst: Resource, position: int) -> tuple[int, int, int, int]:
    running = 0 if inst.running_on or any(p.running_on for p in inst.primitives()) else 1
    return (-inst.sort_index, -_current_role(inst), running, position)


def _current_role(inst: Resource) -> int:
    return max((int(p.role) for p in inst.primitives()), default=int(Role.STOPPED))


def _clone_node_scores(ws: WorkingSet, clone: Resource) -> dict[str, int]:
    """The clone's node scores for promotion: its placement scores plus the
    priorities of eligible instances there, adjusted by the colocations that
    name the Promoted role."""
    ledger = ws.ledger
    scores = dict(clone.allowed)
    if ledger is not None:
        ledger.diff(clone.name, {}, scores, "allocation", clone.name,
                    "the clone's allocation score", channel=PROMOTION_NODE)
    if any(isinstance(spec, TicketSpec) and ticket_blocks_promotion(spec)
           for spec in clone.ticket_constraints):
        blocked = {node_id: -INFINITY for node_id in scores}
        if ledger is not None:
            ledger.diff(clone.name, scores, blocked, "ticket", "rsc_ticket",
                        "a ticket for the Promoted role is not usable", channel=PROMOTION_NODE)
        return blocked
    for inst in clone.children:
        node = inst.assigned_node
        if node is None or inst.sort_index < 0:
            continue
        before = scores.get(node.id)
        scores[node.id] = add_scores(scores.get(node.id, 0), inst.sort_index)
        if ledger is not None:
            ledger.note(clone.name, node.id, "priority", inst.name,
                        f"{inst.name}'s promotion priority", before, scores[node.id],
                        channel=PROMOTION_NODE, inherited=inst.name, inherited_channel=PRIORITY)
    for coloc in clone.colocations_this_with:
        if coloc.dependent_role is not Role.PROMOTED:
            continue
        merged = _merge_scores(ws, scores, _primary_scores(coloc), coloc)
        if coloc.score >= INFINITY or _any_usable(ws, merged):
            if ledger is not None:
                ledger.diff(clone.name, scores, merged, "colocation", coloc.id,
                            colocation_text(coloc, "with"), channel=PROMOTION_NODE)
            scores = merged
    for coloc in clone.colocations_with_this:
        if coloc.primary_role is not Role.PROMOTED or not coloc.influence:
            continue
        # the dependent's preferences (with what follows it) count again
        # (the clone's placement scores have them once already)
        merged = merge_dependent_scores(
            ws, scores, merged_dependent(coloc), coloc.score / INFINITY,
            coloc.node_attribute, {id(clone)}, only_positive=True)
        if merged is not scores:
            if ledger is not None:
                ledger.diff(clone.name, scores, merged, "colocation", coloc.id,
                            colocation_text(coloc, "from"), channel=PROMOTION_NODE)
            scores = merged
    return scores


def _any_usable(ws: WorkingSet, scores: dict[str, int]) -> bool:
    return any(score >= 0 and (node := ws.nodes_by_id.get(node_id)) is not None
               and node.available() for node_id, score in scores.items())


def _merge_scores(ws: WorkingSet, scores: dict[str, int], other: dict[str, int],
                  coloc: Colocation) -> dict[str, int]:
    """Add another resource's node scores (scaled by the colocation's factor)
    to the clone's promotion node scores, matching nodes by the colocation's
    node attribute."""
    factor = coloc.score / INFINITY
    best_by_value: dict[str | None, int] = {}
    for node_id, score in other.items():
        node = ws.nodes_by_id.get(node_id)
        if node is None:
            continue
        value = attr_value(node, coloc.node_attribute)
        best_by_value[value] = max(best_by_value.get(value, score), score)
    work = dict(scores)
    for node_id, current in work.items():
        node = ws.nodes_by_id[node_id]
        best = best_by_value.get(attr_value(node, coloc.node_attribute))
        if best is None or (factor < 0 and best < 0):
            continue
        work[node_id] = add_scores(current, scaled_score(best, factor))
    return work


def _primary_scores(coloc: Colocation) -> dict[str, int]:
    """The primary's node scores that a colocation of the clone's promoted
    role weighs: a promotable primary's promotion scores when its promoted
    role is named, else its placement scores."""
    primary = coloc.primary
    if not (coloc.primary_role is Role.PROMOTED and primary.variant == "clone"
            and primary.promotable and not primary.provisional):
        return _placement_scores(primary)
    scores: dict[str, int] = {}
    for inst in primary.children:
        node = inst.assigned_node
        if node is not None:
            scores[node.id] = max(scores.get(node.id, -INFINITY), inst.sort_index)
    return scores


def _placement_scores(rsc: Resource) -> dict[str, int]:
    if rsc.variant == "group" and rsc.children:
        return rsc.children[0].allowed
    return rsc.allowed


def apply_promotable_primary(ws: WorkingSet, dependent: Resource, coloc: Colocation) -> None:
    """Place ``dependent`` relative to the instances of a clone (that will
    have the role the colocation names, if any): a finite score is added on
    their nodes; a mandatory one bans every other node (and, for a role,
    adds each instance's own score on its node)."""
    primary = coloc.primary
    if coloc.primary_role is Role.UNKNOWN:
        # instances blocked by a failure are not where the dependent may go
        instances = [inst for inst in primary.children if inst.assigned_node is not None
                     and not any(p.block for p in inst.walk())]
    else:
        instances = [inst for inst in primary.children if inst.assigned_node is not None
                     and instance_next_role(inst) is coloc.primary_role]
    attribute = coloc.node_attribute
    if coloc.score < INFINITY:
        for inst in instances:
            assert inst.assigned_node is not None
            value = attr_value(inst.assigned_node, attribute)
            for node_id in dependent.allowed:
                node = ws.nodes_by_id.get(node_id)
                if node is not None and attr_value(node, attribute) == value:
                    dependent.allowed[node_id] = add_scores(dependent.allowed[node_id],
                                                            coloc.score)
        return
    if coloc.dependent_role is Role.PROMOTED and coloc.primary_role is Role.PROMOTED:
        return
    keep: dict[str, int] = {}
    for inst in instances:
        assert inst.assigned_node is not None
        own = _placement_scores(inst).get(inst.assigned_node.id, 0)
        if own <= -INFINITY and inst.assigned_node.available():
            # an instance kept where it may not be (unmanaged) adds nothing
            own = 0
        keep[inst.assigned_node.id] = own if coloc.primary_role is not Role.UNKNOWN else 0
    for node_id in list(dependent.allowed):
        if node_id in keep:
            dependent.allowed[node_id] = add_scores(dependent.allowed[node_id], keep[node_id])
        else:
            dependent.allowed[node_id] = -INFINITY


def set_instance_roles(ws: WorkingSet, clone: Resource) -> None:
    """Choose the promoted instances of an assigned promotable clone."""
    for inst in clone.children:
        priority = _instance_priority(ws, clone, inst)
        inst.promotion_priority = 0 if priority is None else priority
        inst.sort_index = inst.promotion_priority
    node_scores = _clone_node_scores(ws, clone)
    for inst in clone.children:
        node = inst.assigned_node
        before = inst.sort_index
        if not inst.managed and _current_role(inst) == Role.PROMOTED:
            inst.sort_index = INFINITY
        elif node is not None and inst.sort_index >= 0:
            inst.sort_index = node_scores.get(node.id, 0)
        if ws.ledger is not None:
            _note_promotion(ws.ledger, clone, inst, before)
    ranked = sorted(enumerate(clone.children), key=lambda pair: _sort_key(pair[1], pair[0]))
    limit = promoted_max(clone)
    per_node = promoted_node_max(clone)
    counts: dict[str, int] = {}
    promoted = 0
    for _, inst in ranked:
        node = inst.assigned_node
        if ws.trace is not None:
            ws.trace.promotion(inst.name, node.uname if node else "none", inst.sort_index)
        chosen: Node | None = None
        if inst.sort_index >= 0 and (promoted < limit or not clone.managed):
            chosen = _promotable_on(inst, counts, per_node)
        if chosen is not None and _quorum_freezes(ws, inst):
            chosen = None
        if chosen is None:
            _set_next_role(inst, Role.UNPROMOTED)
            continue
        counts[chosen.id] = counts.get(chosen.id, 0) + 1
        promoted += 1
        _set_next_role(inst, Role.PROMOTED)


def _note_promotion(ledger: ScoreLedger, clone: Resource, inst: Resource, before: int) -> None:
    node = inst.assigned_node
    node_id = node.id if node is not None else "none"
    if node is None:
        ledger.note(inst.name, node_id, "not-placed", inst.name, "not placed: never promoted",
                    None, before, channel=PROMOTION)
        return
    ledger.note(inst.name, node_id, "priority", inst.name, "its own promotion priority",
                None, before, channel=PROMOTION, inherited=inst.name, inherited_channel=PRIORITY)
    if inst.sort_index == before:
        return
    if not inst.managed:
        ledger.note(inst.name, node_id, "unmanaged", "is-managed=false",
                    "unmanaged and promoted: stays promoted", before, inst.sort_index,
                    channel=PROMOTION)
        return
    ledger.note(inst.name, node_id, "promotion-node", clone.name,
                f"ranked by {clone.name}'s promotion score on {node.uname}: its allocation "
                "score, its instances' priorities there and its colocations with the "
                "Promoted role", before, inst.sort_index, channel=PROMOTION,
                inherited=clone.name, inherited_channel=PROMOTION_NODE)


def _promotable_on(inst: Resource, counts: dict[str, int], per_node: int) -> Node | None:
    node = inst.assigned_node
    if node is None:
        return None
    for rsc in inst.walk():
        if rsc.assigned_node is None and rsc.variant == "primitive":
            return None
    if not inst.managed:
        if _current_role(inst) != Role.PROMOTED:
            return None
    elif inst.promotion_priority < 0 or not node.available(consider_standby=True):
        return None
    conn = node.remote_rsc
    if node.kind == "guest" and conn is not None and conn.container is not None \
            and conn.container.assigned_node is None:
        return None  # (a guest whose container will not run)
    if counts.get(node.id, 0) < per_node or not inst.managed:
        return node
    return None


def _quorum_freezes(ws: WorkingSet, inst: Resource) -> bool:
    return (
        _current_role(inst) < Role.PROMOTED
        and not ws.have_quorum
        and ws.options.no_quorum_policy == "freeze"
    )


def _set_next_role(inst: Resource, role: Role) -> None:
    for rsc in inst.walk():
        if rsc.assigned_node is None:
            continue
        rsc.next_role = role
