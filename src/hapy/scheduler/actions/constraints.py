"""Ordering constraints between resources' actions.

An ordering "first then then" between two resources becomes orderings between
their actions: a primitive's own action, or a group's or clone's pseudo-action
(its completion, e.g. ``running``, when it comes first; the task itself, e.g.
``start``, when it comes after).  Orderings into or out of a collective also
reach inside it without appearing in the graph: a required first makes the
members' actions required (a group restarts after what it depends on).

Interleaved clones (``interleave=true`` on the dependent clone) are ordered
instance by instance: each instance waits only for the instance of the other
clone on its own node, and cannot start where there is none.
"""

from __future__ import annotations

from hapy.scheduler.actions.model import COMPLETES, PROMOTE, START, STOP, Action, OrderFlag
from hapy.scheduler.actions.notifications import confirmed_completion
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.options import is_true
from hapy.scheduler.unpack.constraints import ConstraintData, OrderSpec
from hapy.scheduler.working_set import Node, Resource, WorkingSet

F = OrderFlag
_INVERSE = {"start": "stop", "stop": "start", "promote": "demote", "demote": "promote"}
#: tasks an instance does where it is now (the others where it was assigned)
_HERE_TASKS = frozenset(("stop", "demote"))


def _first_actions(table: ActionTable, rsc: Resource, task: str) -> list[Action]:
    """The action(s) that mark ``task`` of ``rsc`` as done."""
    if rsc.variant == "primitive":
        return list(table.rsc_actions(rsc, task))
    done = COMPLETES.get(task, task)
    found = confirmed_completion(table, rsc, done) or table.find(f"{rsc.name}_{done}_0", None)
    return [found] if found is not None else []


def _then_actions(table: ActionTable, rsc: Resource, task: str) -> list[Action]:
    if rsc.variant == "primitive":
        return list(table.rsc_actions(rsc, task))
    found = table.find(f"{rsc.name}_{task}_0", None)
    return [found] if found is not None else []


def _inner_actions(table: ActionTable, rsc: Resource, task: str) -> list[Action]:
    """The members' actions that a collective's ``task`` is made of, as far as
    an ordering's implications reach: every clone instance, the first member
    of an ordered group (the group's own orderings carry it on), every member
    of an unordered one."""
    if rsc.variant == "primitive":
        return list(table.rsc_actions(rsc, task))
    members = rsc.children
    if rsc.variant == "group" and is_true(rsc.meta.get("ordered", "true")):
        members = members[:1]
    out: list[Action] = []
    for member in members:
        out.extend(_inner_actions(table, member, task))
    return out


def _flags(kind: str, then_task: str, symmetrical: bool) -> OrderFlag:
    if kind == "Optional":
        return F.OPTIONAL
    if kind == "Serialize":
        return F.SERIALIZE_ONLY
    flags = F.IMPLIES_THEN | F.RUNNABLE_LEFT if then_task != STOP else F.IMPLIES_THEN
    if not symmetrical:
        # "then" cannot start without "first", but need not stop for it
        flags |= F.ASYMMETRICAL
    return flags


def _interleaved(first: Resource, then: Resource, dependent: Resource) -> bool:
    return (
        first.variant == "clone" and then.variant == "clone" and first is not then
        and is_true(dependent.meta.get("interleave"))
    )


def _instance_node(inst: Resource, task: str) -> Node | None:
    if task in _HERE_TASKS:
        # (a group instance is where its members are active)
        for prim in inst.primitives():
            if prim.running_on:
                return prim.running_on[0]
        return None
    return inst.assigned_node


def _order_instances(table: ActionTable, first: Resource, first_task: str, then: Resource,
                     then_task: str, flags: OrderFlag) -> None:
    """Interleaved clones: each instance after the other clone's instance on
    the same node."""
    by_node: dict[str, Resource] = {}
    for inst in first.children:
        node = _instance_node(inst, first_task)
        if node is not None:
            by_node.setdefault(node.id, inst)
    for inst in then.children:
        node = _instance_node(inst, then_task)
        if node is None:
            continue
        thens = _then_actions(table, inst, then_task)
        partner = by_node.get(node.id)
        if partner is None:
            if flags & F.RUNNABLE_LEFT and then_task == START:
                # nothing of the first clone runs here, so this cannot either
                for b in thens:
                    b.runnable = False
                    b.optional = True
            continue
        for a in _first_actions(table, partner, first_task):
            for b in thens:
                table.order(a, b, flags)


def _order(table: ActionTable, first: Resource, first_task: str, then: Resource,
           then_task: str, flags: OrderFlag, dependent: Resource) -> None:
    firsts = _first_actions(table, first, first_task)
    if _interleaved(first, then, dependent):
        _order_into(table, firsts, then, then_task, flags, instances=False)
        _order_instances(table, first, first_task, then, then_task, flags)
    else:
        _order_into(table, firsts, then, then_task, flags)


def _order_into(table: ActionTable, firsts: list[Action], then: Resource, then_task: str,
                flags: OrderFlag, *, instances: bool = True) -> None:
    """Order ``firsts`` before ``then``'s task; with ``instances``, a required
    first also makes the collective's members' actions required."""
    thens = _then_actions(table, then, then_task)
    for a in firsts:
        for b in thens:
            table.order(a, b, flags)
    if instances and flags & F.IMPLIES_THEN and then.variant != "primitive":
        for a in firsts:
            for b in _inner_actions(table, then, then_task):
                table.imply(a, b, F.IMPLIES_THEN)


def _partnerless(first: Resource, then: Resource, stranded: set[int]) -> list[Resource]:
    """Instances of ``then`` placed where no instance of ``first`` is (that
    is not ``stranded`` itself) and not stranded yet."""
    nodes = {inst.assigned_node.id for inst in first.children
             if inst.assigned_node is not None and id(inst) not in stranded}
    return [inst for inst in then.children
            if inst.assigned_node is not None and id(inst) not in stranded
            and inst.assigned_node.id not in nodes]


def _unassign_partnerless(data: ConstraintData) -> None:
    """An instance of an interleaved clone that must start after another
    clone cannot start where that clone has no instance (it stays placed
    there: it stops if active), which may in turn strand instances ordered
    after it."""
    pairs = [
        (spec.first, spec.then) for spec in data.orders
        if spec.kind == "Mandatory" and spec.one_or_more_group is None
        and spec.first_action == START and spec.then_action == START
        and _interleaved(spec.first, spec.then, spec.then)
    ]
    changed = bool(pairs)
    stranded: set[int] = set()
    while changed:
        changed = False
        for first, then in pairs:
            for inst in _partnerless(first, then, stranded):
                stranded.add(id(inst))
                for rsc in inst.walk():
                    for action in rsc.actions:
                        if action.task in (START, PROMOTE):
                            action.runnable = False
                            action.optional = True
                changed = True


def apply_order_constraints(ws: WorkingSet, table: ActionTable, data: ConstraintData) -> None:
    _unassign_partnerless(data)
    for spec in data.orders:
        flags = _flags(spec.kind, spec.then_action, spec.symmetrical)
        if spec.kind == "Optional" and _restarts(spec.then):
            flags |= F.IMPLIES_THEN
        if spec.one_or_more_group is not None and spec.kind == "Mandatory":
            _one_or_more(table, spec, flags)
        else:
            _order(table, spec.first, spec.first_action, spec.then, spec.then_action, flags,
                   spec.then)
        if spec.symmetrical and spec.kind != "Serialize" and (
            spec.one_or_more_group is None or spec.first_instances
        ):
            inv_first = _INVERSE.get(spec.then_action)
            inv_then = _INVERSE.get(spec.first_action)
            if inv_first is None or inv_then is None:
                continue
            inv_flags = F.OPTIONAL if spec.kind == "Optional" else F.IMPLIES_FIRST
            if spec.one_or_more_group is not None:
                # "then" needs only some of the clone's instances: stopping
                # one of them stops nothing, it only waits for "then" to stop
                inv_flags = F.OPTIONAL
            _order(table, spec.then, inv_first, spec.first, inv_then, inv_flags, spec.then)


def _restarts(rsc: Resource) -> bool:
    """The deprecated ``restart-type=restart``: even an optional ordering
    makes the resource follow what it is ordered after."""
    return rsc.meta.get("restart-type") == "restart"


def _one_or_more(table: ActionTable, spec: OrderSpec, flags: OrderFlag) -> None:
    """"then" waits for (and needs) only some of its firsts: any of a set's
    members with require-all=false, ``clone-min`` (or any) instances of a
    clone."""
    assert spec.one_or_more_group is not None
    pseudo = table.pseudo(None, spec.one_or_more_group, key=spec.one_or_more_group)
    pseudo.required_runnable = spec.min_runnable
    firsts: list[Action] = []
    if spec.first_instances:
        for inst in spec.first.children:
            firsts.extend(_first_actions(table, inst, spec.first_action))
    else:
        firsts = _first_actions(table, spec.first, spec.first_action)
    for a in firsts:
        table.order(a, pseudo, F.ONE_OR_MORE | F.IMPLIES_THEN)
    if spec.first.variant == "clone" and spec.first_action == START:
        # a clone whose instances may satisfy "then" shows its start and
        # running in the graph even when no instance of it starts
        for task in (START, COMPLETES.get(START, START)):
            found = table.find(f"{spec.first.name}_{task}_0", None)
            if found is not None:
                found.print_always = True
    # it only gates "then": starting more of the firsts restarts nothing
    _order_into(table, [pseudo], spec.then, spec.then_action, flags & ~F.IMPLIES_THEN)
