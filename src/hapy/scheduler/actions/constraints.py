"""Ordering constraints between resources' actions."""

from __future__ import annotations

from hapy.scheduler.actions.model import COMPLETES, STOP, Action, OrderFlag
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.unpack.constraints import ConstraintData, OrderSpec
from hapy.scheduler.working_set import Resource, WorkingSet

F = OrderFlag
_INVERSE = {"start": "stop", "stop": "start", "promote": "demote", "demote": "promote"}


def _first_actions(table: ActionTable, rsc: Resource, task: str) -> list[Action]:
    """The action(s) that mark ``task`` of ``rsc`` as done."""
    if rsc.variant == "primitive":
        return list(table.rsc_actions(rsc, task))
    done = COMPLETES.get(task, task)
    found = table.find(f"{rsc.name}_{done}_0", None)
    return [found] if found is not None else []


def _then_actions(table: ActionTable, rsc: Resource, task: str) -> list[Action]:
    if rsc.variant == "primitive":
        return list(table.rsc_actions(rsc, task))
    found = table.find(f"{rsc.name}_{task}_0", None)
    return [found] if found is not None else []


def _flags(kind: str, then_task: str) -> OrderFlag:
    if kind == "Optional":
        return F.OPTIONAL
    if kind == "Serialize":
        return F.SERIALIZE_ONLY
    return F.IMPLIES_THEN | F.RUNNABLE_LEFT if then_task != STOP else F.IMPLIES_THEN


def _order(table: ActionTable, spec: OrderSpec, first_task: str, then_task: str,
           flags: OrderFlag) -> None:
    for a in _first_actions(table, spec.first, first_task):
        for b in _then_actions(table, spec.then, then_task):
            table.order(a, b, flags)


def apply_order_constraints(ws: WorkingSet, table: ActionTable, data: ConstraintData) -> None:
    for spec in data.orders:
        flags = _flags(spec.kind, spec.then_action)
        if spec.one_or_more_group is not None and spec.kind == "Mandatory":
            _one_or_more(ws, table, spec, data)
        else:
            _order(table, spec, spec.first_action, spec.then_action, flags)
        if spec.symmetrical and spec.kind != "Serialize":
            inv_first = _INVERSE.get(spec.then_action)
            inv_then = _INVERSE.get(spec.first_action)
            if inv_first is None or inv_then is None:
                continue
            inv_flags = F.OPTIONAL if spec.kind == "Optional" else F.IMPLIES_FIRST
            for a in _first_actions(table, spec.then, inv_first):
                for b in _then_actions(table, spec.first, inv_then):
                    table.order(a, b, inv_flags)


def _one_or_more(ws: WorkingSet, table: ActionTable, spec: OrderSpec,
                 data: ConstraintData) -> None:
    assert spec.one_or_more_group is not None
    pseudo = table.pseudo(None, spec.one_or_more_group, key=spec.one_or_more_group)
    pseudo.requires_any = True
    for a in _first_actions(table, spec.first, spec.first_action):
        table.order(a, pseudo, F.RUNNABLE_LEFT | F.ONE_OR_MORE | F.IMPLIES_THEN)
    for b in _then_actions(table, spec.then, spec.then_action):
        table.order(pseudo, b, F.IMPLIES_THEN | F.RUNNABLE_LEFT)
