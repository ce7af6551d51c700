"""Propagating required/runnable across orderings until nothing changes."""

from __future__ import annotations

from hapy.scheduler.actions.model import START, STOP, STOPPED, Action, OrderFlag
from hapy.scheduler.working_set import Resource, WorkingSet

F = OrderFlag


def _require(action: Action, reason_from: Action | None) -> bool:
    if action.optional:
        action.optional = False
        if reason_from is not None and not action.reason:
            action.reason = f"required {reason_from.rsc.name if reason_from.rsc else ''} " \
                f"{reason_from.task}".replace("  ", " ")
            action.reason_source = reason_from
        return True
    return False


def propagate(ws: WorkingSet) -> None:
    changed = True
    rounds = 0
    while changed and rounds < 1000:
        changed = False
        rounds += 1
        for then in ws.actions:
            if then.requires_any:
                ins = [o for o in then.inputs if o.flags & F.ONE_OR_MORE]
                if ins and not any(o.first.runnable for o in ins) and then.runnable:
                    then.runnable = False
                    changed = True
        for order in ws.orderings:
            first, then, flags = order.first, order.then, order.flags
            if flags & F.RUNNABLE_LEFT and not flags & F.ONE_OR_MORE and not first.runnable \
                    and then.runnable:
                then.runnable = False
                if then.unrunnable_source is None:
                    then.unrunnable_source = first
                changed = True
            if flags & F.IMPLIES_THEN and first.required and then.optional and (
                first.runnable or first.pseudo
            ):
                changed |= _require(then, first)
            # a collective's pseudo-action is needed only for members' actions
            # that can run
            if flags & F.IMPLIES_FIRST and then.required and first.optional and (
                then.runnable or not first.pseudo
            ):
                changed |= _require(first, then)
            if flags & F.RESTART and then.required and first.optional and then.task == START \
                    and first.task == STOP and then.node is first.node:
                changed |= _require(first, then)
            if flags & F.RESTART and first.task == STOPPED and first.required and then.optional \
                    and then.rsc is not None and _stays_active(then.rsc):
                changed |= _require(then, first)
            if flags & F.RESTART and first.task == STOP and then.task == START and first.required \
                    and not first.runnable and then.runnable:
                # no start anywhere while a stop that must happen cannot
                then.runnable = False
                if then.unrunnable_source is None:
                    then.unrunnable_source = first
                changed = True
        # a resource that can no longer be started where it runs must stop there
        for action in ws.actions:
            if action.task != START or action.runnable or action.rsc is None:
                continue
            rsc = action.rsc
            if not rsc.managed or not action.required:
                continue
            for stop in rsc.actions:
                if stop.task == STOP and stop.optional and stop.runnable:
                    stop.optional = False
                    src = action.unrunnable_source
                    if src is not None and not stop.reason:
                        stop.reason = f"unrunnable {_name(src)}"
                    changed = True


def _stays_active(rsc: Resource) -> bool:
    return any(p.assigned_node is not None for p in rsc.primitives())


def _name(action: Action) -> str:
    if action.rsc is not None:
        return f"{action.rsc.name} {action.task}"
    return action.key
