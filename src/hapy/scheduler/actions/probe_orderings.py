"""Probes ordered before the stops that depend on what they may find.

A probe can discover a resource active where it was thought stopped; anything
stopped because of that resource must wait for the probe.  Two rules:

* a stop of a probed primitive X ordered before some action T of another
  resource: X's probes come before T too (stopping X may have to wait for T's
  resource to stop first, so T's resource must not stop before X is known);
* a probe comes before its own start (or its clone's start): every primitive Y
  whose start is forced by that start (following "implies" orderings, and into
  the members of groups and clones) may restart, so its stops (demotes, for a
  promote) wait for the probe.
"""

from __future__ import annotations

from collections.abc import Iterator

from hapy.scheduler.actions.anti_colocation import anti_colocation_orders
from hapy.scheduler.actions.model import (
    DEMOTE,
    MONITOR,
    PROMOTE,
    START,
    STOP,
    STOPPED,
    Action,
    OrderFlag,
)
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.options import is_true
from hapy.scheduler.unpack.constraints import ConstraintData
from hapy.scheduler.working_set import Resource, WorkingSet

F = OrderFlag
_RESTARTED_BY = {START: STOP, PROMOTE: DEMOTE}
_INVERSE = {START: STOP, STOP: START, PROMOTE: DEMOTE, DEMOTE: PROMOTE}


def _probes(rsc: Resource) -> list[Action]:
    return [a for a in rsc.actions if a.probe and a.task == MONITOR]


def order_probes(ws: WorkingSet, table: ActionTable, data: ConstraintData) -> None:
    everything = [r for top in ws.resources for r in top.walk()]
    first_outputs = {
        probe.id: [o.then for o in probe.outputs]
        for rsc in everything if rsc.variant == "primitive" for probe in _probes(rsc)
    }
    for first, then, task in _stop_orderings(everything, data):
        _probes_before(table, first, then, task, same_node=False)
    for first, first_task, then, then_task in anti_colocation_orders(ws):
        if first_task == STOP:
            _probes_before(table, first, then, then_task, same_node=True)
    for rsc in everything:
        if rsc.variant != "primitive":
            continue
        for probe in _probes(rsc):
            for after in first_outputs[probe.id]:
                _restart_orderings(table, probe, after, set())


def _probes_before(table: ActionTable, first: Resource, then: Resource, task: str, *,
                   same_node: bool) -> None:
    probes = _probes(first)
    if not probes:
        return
    if then.variant == "primitive":
        targets = list(table.rsc_actions(then, task))
    else:
        found = table.find(f"{then.name}_{task}_0", None)
        targets = [found] if found is not None else []
    for probe in probes:
        for target in targets:
            if not same_node or probe.node is target.node:
                table.order(probe, target, F.OPTIONAL)


def _stop_orderings(everything: list[Resource],
                    data: ConstraintData) -> Iterator[tuple[Resource, Resource, str]]:
    """(X, Y, task): X's stop is ordered before Y's ``task``, for a primitive X
    and another resource Y, whether or not either action exists."""
    for rsc in everything:
        if rsc.variant not in ("group", "clone"):
            continue
        for child in rsc.children:
            if child.variant == "primitive":
                yield child, rsc, STOPPED
        if rsc.variant == "group" or (rsc.variant == "clone"
                                      and is_true(rsc.meta.get("ordered"))):
            # members (an ordered clone's instances) stop in reverse order
            for prev, cur in zip(rsc.children, rsc.children[1:], strict=False):
                if cur.variant == "primitive":
                    yield cur, prev, STOP
    for spec in data.orders:
        if spec.first is spec.then or spec.then.container is spec.first:
            continue  # (a guest's connection and its container: no probe waits)
        if spec.first_action == STOP and spec.first.variant == "primitive":
            yield spec.first, spec.then, spec.then_action
        if spec.symmetrical and spec.kind != "Serialize" and spec.then.variant == "primitive":
            inv_first = _INVERSE.get(spec.then_action)
            inv_then = _INVERSE.get(spec.first_action)
            if inv_first == STOP and inv_then is not None:
                yield spec.then, spec.first, inv_then


def _compatible_instance(probe: Action, clone: Resource) -> Resource | None:
    """The instance of an interleaved clone placed with the probed resource."""
    assert probe.rsc is not None
    node = probe.rsc.assigned_node
    if node is None:
        return None
    for inst in clone.children:
        if inst.assigned_node is node:
            return inst
    return None


def _restart_orderings(table: ActionTable, probe: Action, after: Action,
                       seen: set[int]) -> None:
    if after.id in seen:
        return
    seen.add(after.id)
    prsc = probe.rsc
    assert prsc is not None
    arsc = after.rsc
    if arsc is not None and arsc.variant == "primitive" and arsc is not prsc:
        undo = _RESTARTED_BY.get(after.task)
        if undo is not None:
            for action in table.rsc_actions(arsc, undo):
                if not action.pseudo:
                    table.order(probe, action, F.OPTIONAL)
    compatible: Resource | None = None
    interleaved = False
    if arsc is not None and arsc.variant == "clone":
        interleaved = is_true(arsc.meta.get("interleave"))
        if interleaved:
            compatible = _compatible_instance(probe, arsc)
    for out in list(after.outputs):
        nxt = out.then
        if not out.flags & F.IMPLIES_THEN:
            # only down from a collective into its own members
            if (
                arsc is None
                or arsc.variant == "primitive"
                or prsc.parent is arsc
                or nxt.rsc is None
                or nxt.rsc.variant in ("clone", "bundle")
                or nxt.rsc.parent is not arsc
            ):
                continue
            if interleaved and (compatible is None or nxt.rsc is not compatible):
                continue
        _restart_orderings(table, probe, nxt, seen)
