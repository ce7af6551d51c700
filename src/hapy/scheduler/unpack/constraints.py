"""Constraints: location scores, colocation and ordering relationships,
tickets.  Locations are applied to the resources' node scores right away;
colocations and orderings are recorded for assignment and action creation."""

from __future__ import annotations

import re

from hapy.cib import model as m
from hapy.cib.nvsets import unpack_nvsets
from hapy.cib.rule_text import rule_text
from hapy.cib.rules import Rule, RuleContext, evaluate_rule, rule_score
from hapy.cib.scores import add_scores, parse_score, score_text
from hapy.records import field, record
from hapy.scheduler.explain.ledger import ALLOCATION, PROMOTED_LOCATION, noting
from hapy.scheduler.options import is_true
from hapy.scheduler.unpack.resources import meta_int
from hapy.scheduler.working_set import (
    INFINITY,
    Colocation,
    Node,
    Resource,
    Role,
    Ticket,
    WorkingSet,
)


@record(frozen=False, eq=False)
class OrderSpec:
    """One ordering between two resources' actions (sets already expanded)."""

    id: str
    first: Resource
    first_action: str
    then: Resource
    then_action: str
    kind: str  # Mandatory, Optional, Serialize
    symmetrical: bool
    first_instance: str | None = None
    then_instance: str | None = None
    # when several firsts feed one "then" with require-all=false (or a clone
    # with clone-min): the pseudo-action they all feed
    one_or_more_group: str | None = None
    # how many of them must be runnable for "then" to be
    min_runnable: int = 1
    # the firsts are the instances of the first clone, not the clone
    first_instances: bool = False


@record(frozen=False, eq=False)
class PromotionLocation:
    rsc: Resource
    node_id: str
    score: int


@record(frozen=False, eq=False)
class TicketSpec:
    id: str
    rsc: Resource
    ticket: Ticket
    role: Role
    loss_policy: str


@record(frozen=False, eq=False)
class ConstraintData:
    orders: list[OrderSpec] = field(default_factory=list)
    promotion_locations: list[PromotionLocation] = field(default_factory=list)
    tickets: list[TicketSpec] = field(default_factory=list)
    # (one-or-more pseudo name, list of first specs) for require-all=false sets
    one_or_more: dict[str, list[OrderSpec]] = field(default_factory=dict)


def _score(text: str | None, default: int = 0) -> int:
    if text is None:
        return default
    try:
        return parse_score(text)
    except ValueError:
        return default


def constraint_target(ws: WorkingSet, rsc_id: str | None) -> Resource | None:
    """The resource a constraint names; a cloned primitive means its clone."""
    if rsc_id is None:
        return None
    rsc = ws.resources_by_id.get(rsc_id)
    if rsc is None:
        return None
    if rsc.parent is not None and rsc.parent.variant == "clone" and rsc.clone_name is not None \
            and rsc.id == rsc_id:
        return rsc.parent
    return rsc


def _report_missing(ws: WorkingSet, cons_id: str, rsc_id: str | None) -> None:
    ws.config_errors.append(
        f"Ignoring constraint '{cons_id}' because resource '{rsc_id}' does not exist"
    )


# -- locations ------------------------------------------------------------------


def _add_location(rsc: Resource, node_id: str, score: int) -> None:
    rsc.allowed[node_id] = add_scores(rsc.allowed.get(node_id, 0), score)


def _add_promoted_location(ws: WorkingSet, data: ConstraintData, rsc: Resource, node_id: str,
                           score: int, cons_id: str, detail: str) -> None:
    if rsc.variant == "bundle":
        # a bundle is promoted through its bundled clone
        from hapy.scheduler.unpack.bundles import bundle_clone

        rsc = bundle_clone(rsc) or rsc
    data.promotion_locations.append(PromotionLocation(rsc, node_id, score))
    before = rsc.promoted_locations.get(node_id)
    rsc.promoted_locations[node_id] = add_scores(before or 0, score)
    if ws.ledger is not None:
        ws.ledger.note(rsc.name, node_id, "location", cons_id, detail, before,
                       rsc.promoted_locations[node_id], channel=PROMOTED_LOCATION)


def _location_text(cons: m.LocationConstraint, rule: Rule | None, score: int,
                   role: Role) -> str:
    """What a location constraint (one of its rules) gives, for ``hapy explain``."""
    where = f"prefers {cons.node}" if rule is None else f"rule {rule.id}: {rule_text(rule)}"
    role_text = f" (role {role.text})" if role is not Role.UNKNOWN else ""
    return f"{where}{role_text}, score {score_text(score)}"


def _params_on(ws: WorkingSet, rsc: Resource, node: Node) -> dict[str, str]:
    """A primitive's instance parameters as its rules make them on ``node``."""
    prim = rsc.primitive
    if prim is None or rsc.variant != "primitive":
        return rsc.params
    params = dict(rsc.parent.params) if rsc.parent is not None else {}
    ctx = RuleContext(node_attrs=node.attrs, now=ws.now, rsc_class=prim.rclass,
                      rsc_provider=prim.provider, rsc_type=prim.type)
    params.update(unpack_nvsets(prim.instance_sets, ctx))
    return params


def apply_location(
    ws: WorkingSet, cons: m.LocationConstraint, rsc: Resource, role: str | None,
    data: ConstraintData, match: re.Match[str] | None = None,
) -> None:
    role_value = Role.parse(role) if role else Role.UNKNOWN
    discovery = (cons.resource_discovery or "always").lower()
    scored_nodes: list[tuple[str, int, Rule | None]] = []
    ledger = ws.ledger
    if cons.node is not None:
        node = ws.node(cons.node)
        if node is None:
            return
        scored_nodes.append((node.id, _score(cons.score), None))
    else:
        for rule in cons.rules:
            rule_role = Role.parse(rule.role) if rule.role else Role.UNKNOWN
            eff_role = rule_role if rule_role is not Role.UNKNOWN else role_value
            for node in ws.nodes:
                ctx = RuleContext(
                    node_attrs=node.attrs,
                    now=ws.now,
                    changes=ws.rule_changes,
                    rsc_class=rsc.primitive.rclass if rsc.primitive else None,
                    rsc_provider=rsc.primitive.provider if rsc.primitive else None,
                    rsc_type=rsc.primitive.type if rsc.primitive else None,
                    # value-source="param"/"meta" compare with the resource's own
                    # (its parameters as they are on that node)
                    instance_params=_params_on(ws, rsc, node),
                    meta=rsc.meta,
                )
                if not evaluate_rule(rule, ctx):
                    if ledger is not None:
                        promoted = eff_role is Role.PROMOTED
                        current = (rsc.promoted_locations if promoted
                                   else rsc.allowed).get(node.id)
                        ledger.note(rsc.name, node.id, "location", cons.id,
                                    f"rule {rule.id}: {rule_text(rule)}: did not match",
                                    current, current,
                                    channel=PROMOTED_LOCATION if promoted else ALLOCATION)
                    continue
                value = rule_score(rule, ctx)
                if value is None:
                    continue
                if eff_role in (Role.PROMOTED,):
                    _add_promoted_location(ws, data, rsc, node.id, value, cons.id,
                                           _location_text(cons, rule, value, eff_role)
                                           if ledger is not None else "")
                    continue
                scored_nodes.append((node.id, value, rule))
            if eff_role is Role.PROMOTED:
                continue
    if role_value is Role.PROMOTED and cons.node is not None:
        for node_id, score, from_rule in scored_nodes:
            _add_promoted_location(ws, data, rsc, node_id, score, cons.id,
                                   _location_text(cons, from_rule, score, role_value)
                                   if ledger is not None else "")
        return
    for node_id, score, from_rule in scored_nodes:
        if ledger is not None:
            before = rsc.allowed.get(node_id)
            _add_location(rsc, node_id, score)
            ledger.note(rsc.name, node_id, "location", cons.id,
                        _location_text(cons, from_rule, score, role_value), before,
                        rsc.allowed[node_id])
        else:
            _add_location(rsc, node_id, score)
        if discovery in ("never", "exclusive"):
            inner = rsc.primitives()
            if rsc.variant == "bundle":
                # (the bundled clone runs on the bundle's own guest nodes, the
                # connections wherever they reach the containers from)
                inner = [p for p in inner
                         if p.clone_parent() is None and not p.is_remote_connection]
            for target in (rsc, *inner):
                target.discovery[node_id] = discovery
                if discovery == "exclusive":
                    target.exclusive_discover = True


def ban_outside_exclusive_discovery(ws: WorkingSet) -> None:
    """A resource discovered exclusively on some nodes may run only there."""
    for top in ws.resources:
        for rsc in top.walk():
            if not rsc.exclusive_discover:
                continue
            with noting(ws, rsc, "discovery", "resource-discovery=exclusive",
                        "only the nodes of its resource-discovery=exclusive locations"):
                for node in ws.nodes:
                    if node.bundle_id is not None and node.id not in rsc.allowed:
                        continue  # (a bundle's guest node it never knew)
                    if rsc.discovery.get(node.id) != "exclusive":
                        rsc.allowed[node.id] = -INFINITY


def unpack_locations(ws: WorkingSet, data: ConstraintData) -> None:
    for cons in ws.cib.constraints:
        if not isinstance(cons, m.LocationConstraint):
            continue
        if cons.rsc is not None:
            rsc = constraint_target(ws, cons.rsc)
            if rsc is None:
                _report_missing(ws, cons.id, cons.rsc)
                continue
            apply_location(ws, cons, rsc, cons.role, data)
        elif cons.rsc_pattern is not None:
            # a leading "!" selects the resources the pattern does not match
            invert = cons.rsc_pattern.startswith("!")
            try:
                pattern = re.compile(cons.rsc_pattern[1:] if invert else cons.rsc_pattern)
            except re.error:
                ws.config_errors.append(f"Invalid rsc-pattern in constraint '{cons.id}'")
                continue
            for rsc in ws.resources:
                found = pattern.search(rsc.id)
                if invert and found is None:
                    apply_location(ws, cons, rsc, cons.role, data)
                elif found and not invert:
                    apply_location(ws, cons, rsc, cons.role, data, found)
        for rset in cons.sets:
            for rid in rset.resources:
                rsc = constraint_target(ws, rid)
                if rsc is None:
                    _report_missing(ws, cons.id, rid)
                    continue
                apply_location(ws, cons, rsc, rset.role or cons.role, data)


# -- colocations ------------------------------------------------------------------


def _add_colocation(
    ws: WorkingSet,
    cons_id: str,
    dependent: Resource,
    primary: Resource,
    score: int,
    dependent_role: str | None,
    primary_role: str | None,
    node_attribute: str | None,
    influence: str | None,
) -> None:
    if score == 0 or dependent is primary:
        return
    infl = True
    if influence is not None:
        infl = is_true(influence)
    elif dependent.meta.get("critical") is not None:
        infl = is_true(dependent.meta.get("critical"))
    coloc = Colocation(
        id=cons_id,
        dependent=dependent,
        primary=primary,
        score=score,
        dependent_role=Role.parse(dependent_role) if dependent_role else Role.UNKNOWN,
        primary_role=Role.parse(primary_role) if primary_role else Role.UNKNOWN,
        node_attribute=node_attribute or "#uname",
        influence=infl,
        configured_dependent=dependent,
    )
    if coloc.dependent_role is Role.STARTED:
        coloc.dependent_role = Role.UNKNOWN
    if coloc.primary_role is Role.STARTED:
        coloc.primary_role = Role.UNKNOWN
    ws.colocations.append(coloc)
    dependent.colocations_this_with.append(coloc)
    primary.colocations_with_this.append(coloc)


def unpack_colocations(ws: WorkingSet) -> None:
    for cons in ws.cib.constraints:
        if not isinstance(cons, m.ColocationConstraint):
            continue
        score = _score(cons.score)
        if not cons.sets:
            dep = constraint_target(ws, cons.rsc)
            prim = constraint_target(ws, cons.with_rsc)
            if dep is None or prim is None:
                _report_missing(ws, cons.id, cons.rsc if dep is None else cons.with_rsc)
                continue
            _add_colocation(ws, cons.id, dep, prim, score, cons.rsc_role, cons.with_rsc_role,
                            cons.node_attribute, cons.influence)
            continue
        _unpack_colocation_sets(ws, cons, score)


def _set_members(ws: WorkingSet, cons_id: str, rset: m.ResourceSet) -> list[Resource]:
    out = []
    for rid in rset.resources:
        rsc = constraint_target(ws, rid)
        if rsc is None:
            _report_missing(ws, cons_id, rid)
            continue
        out.append(rsc)
    return out


def _unpack_colocation_sets(ws: WorkingSet, cons: m.ColocationConstraint, score: int) -> None:
    sets = [(rset, _set_members(ws, cons.id, rset)) for rset in cons.sets]
    # within each set
    for rset, members in sets:
        set_score = _score(rset.score, score)
        sequential = rset.sequential is None or rset.sequential
        if not sequential or set_score == 0:
            continue
        if set_score > 0:
            # each member is placed with the one listed before it (with
            # ordering="listed", the one listed after it)
            listed = (rset.ordering or "").lower() == "listed"
            for prev, cur in zip(members, members[1:], strict=False):
                dep, primary = (prev, cur) if listed else (cur, prev)
                _add_colocation(ws, cons.id, dep, primary, set_score, rset.role, rset.role,
                                cons.node_attribute, cons.influence)
        else:
            # negative: no member may share a node with any member listed after it
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    _add_colocation(ws, cons.id, b, a, set_score, rset.role, rset.role,
                                    cons.node_attribute, cons.influence)
    # between consecutive sets: the earlier set follows the later one (a
    # sequential set through its first member, following a sequential set
    # through its last member)
    for (set1, mem1), (set2, mem2) in zip(sets, sets[1:], strict=False):
        if not mem1 or not mem2:
            continue
        seq1 = set1.sequential is None or set1.sequential
        seq2 = set2.sequential is None or set2.sequential
        deps = [mem1[0]] if seq1 else mem1
        prims = [mem2[-1]] if seq2 else mem2
        for dep in deps:
            for prim in prims:
                _add_colocation(ws, cons.id, dep, prim, score, set1.role, set2.role,
                                cons.node_attribute, cons.influence)


# -- orderings ---------------------------------------------------------------------


def _order_kind(cons: m.OrderConstraint, score_text: str | None) -> str:
    if cons.kind is not None:
        kind = cons.kind.lower()
        return {"mandatory": "Mandatory", "optional": "Optional", "serialize": "Serialize"}.get(
            kind, "Mandatory"
        )
    if score_text is not None:
        return "Optional" if _score(score_text) == 0 else "Mandatory"
    return "Mandatory"


def _symmetrical(cons: m.OrderConstraint, kind: str) -> bool:
    if cons.symmetrical is not None:
        return is_true(cons.symmetrical)
    return kind != "Serialize"


def unpack_orderings(ws: WorkingSet, data: ConstraintData) -> None:
    for cons in ws.cib.constraints:
        if not isinstance(cons, m.OrderConstraint):
            continue
        kind = _order_kind(cons, cons.score)
        symmetrical = _symmetrical(cons, kind)
        if not cons.sets:
            first = constraint_target(ws, cons.first)
            then = constraint_target(ws, cons.then)
            if first is None or then is None:
                _report_missing(ws, cons.id, cons.first if first is None else cons.then)
                continue
            first_action = cons.first_action or "start"
            then_action = cons.then_action or first_action
            spec = OrderSpec(cons.id, first, first_action, then, then_action, kind, symmetrical,
                             cons.first_instance, cons.then_instance)
            if first.variant == "clone":
                clone_min = meta_int(first.meta.get("clone-min"), 0)
                some = cons.require_all is not None and not is_true(cons.require_all)
                if some or clone_min > 0:
                    spec.one_or_more_group = f"clone-one-or-more:{cons.id}"
                    spec.min_runnable = max(1, clone_min)
                    spec.first_instances = True
            data.orders.append(spec)
            continue
        _unpack_order_sets(ws, cons, kind, symmetrical, data)


def _unpack_order_sets(
    ws: WorkingSet, cons: m.OrderConstraint, kind: str, symmetrical: bool, data: ConstraintData
) -> None:
    sets = [(rset, _set_members(ws, cons.id, rset)) for rset in cons.sets]
    for rset, members in sets:
        sequential = rset.sequential is None or rset.sequential
        action = rset.action or "start"
        set_kind = kind
        if rset.kind is not None:
            set_kind = {"mandatory": "Mandatory", "optional": "Optional",
                        "serialize": "Serialize"}.get(rset.kind.lower(), kind)
        elif rset.score is not None:
            set_kind = "Optional" if _score(rset.score) == 0 else "Mandatory"
        if set_kind == "Serialize":
            # a serialized set keeps every member apart from every later one,
            # sequential or not
            for i, prev in enumerate(members):
                for cur in members[i + 1:]:
                    data.orders.append(OrderSpec(cons.id, prev, action, cur, action, set_kind,
                                                 symmetrical))
        elif sequential:
            for prev, cur in zip(members, members[1:], strict=False):
                data.orders.append(OrderSpec(cons.id, prev, action, cur, action, set_kind,
                                             symmetrical))
    for (set1, mem1), (set2, mem2) in zip(sets, sets[1:], strict=False):
        if not mem1 or not mem2:
            continue
        seq1 = set1.sequential is None or set1.sequential
        seq2 = set2.sequential is None or set2.sequential
        a1 = set1.action or "start"
        a2 = set2.action or "start"
        firsts = [mem1[-1]] if seq1 else mem1
        thens = [mem2[0]] if seq2 else mem2
        group = None
        if not set1.require_all:
            firsts = mem1
            group = f"one-or-more:{set1.id}"
        for f in firsts:
            for t in thens:
                spec = OrderSpec(cons.id, f, a1, t, a2, kind, symmetrical)
                spec.one_or_more_group = group
                data.orders.append(spec)


# -- tickets ----------------------------------------------------------------------


def unpack_tickets(ws: WorkingSet, data: ConstraintData) -> None:
    for state in ws.cib.tickets:
        ws.tickets[state.id] = Ticket(
            id=state.id, granted=state.granted, standby=state.standby,
            last_granted=state.attrs.get("last-granted"),
        )
    for cons in ws.cib.constraints:
        if not isinstance(cons, m.TicketConstraint):
            continue
        ticket = ws.tickets.setdefault(cons.ticket, Ticket(id=cons.ticket))
        targets: list[tuple[Resource, str | None]] = []
        if cons.rsc is not None:
            rsc = constraint_target(ws, cons.rsc)
            if rsc is None:
                _report_missing(ws, cons.id, cons.rsc)
                continue
            targets.append((rsc, cons.rsc_role))
        for rset in cons.sets:
            for rsc in _set_members(ws, cons.id, rset):
                targets.append((rsc, rset.role))
        for rsc, role in targets:
            data.tickets.append(
                TicketSpec(
                    cons.id, rsc, ticket,
                    Role.parse(role) if role else Role.UNKNOWN,
                    (cons.loss_policy or "stop").lower(),
                )
            )


def unpack_constraints(ws: WorkingSet) -> ConstraintData:
    data = ConstraintData()
    unpack_locations(ws, data)
    ban_outside_exclusive_discovery(ws)
    unpack_colocations(ws)
    unpack_orderings(ws, data)
    unpack_tickets(ws, data)
    return data

