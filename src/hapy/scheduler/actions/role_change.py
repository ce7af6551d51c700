"""Recurring monitors of a role an instance will not have: where the
instance stays active, a monitor recorded for another role is cancelled
(before the promotion or demotion there, if the role changes)."""

from __future__ import annotations

from hapy.cib import model as m
from hapy.scheduler.actions.model import (
    CANCEL,
    DEMOTE,
    MONITOR,
    PROMOTE,
    START,
    STOP,
    Action,
    OrderFlag,
    op_key,
)
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.working_set import Node, Resource, Role, WorkingSet

_NOT_META = frozenset(("id", "name", "interval", "timeout", "description", "enabled", "role"))


def cancel_for_role_change(ws: WorkingSet, table: ActionTable, rsc: Resource, node: Node,
                           op: m.OpConfig, recorded: m.LrmOp | None) -> None:
    """Cancel monitor ``op`` (for a role the instance leaves) on ``node``
    before the promotion or demotion there, if it is running."""
    if recorded is None or node not in rsc.running_on:
        return
    stop = table.find(op_key(rsc.name, STOP), node)
    if stop is not None and stop.required:
        return  # the stop ends the monitor
    change = table.find(op_key(rsc.name, PROMOTE if rsc.next_role is Role.PROMOTED
                                else DEMOTE), node)
    cancel = _cancel(ws, table, rsc, node, op)
    role = Role.parse(op.role) if op.role else Role.UNKNOWN
    if role in (Role.PROMOTED, Role.UNPROMOTED):
        cancel.meta["role"] = role.text
    if change is not None and change.required:
        table.order(cancel, change, OrderFlag.OPTIONAL)


def cancel_stopped_monitor(ws: WorkingSet, table: ActionTable, rsc: Resource, node: Node,
                           op: m.OpConfig, recorded: m.LrmOp | None) -> None:
    """Cancel the monitor ``op`` of the Stopped role recorded on ``node``,
    where the resource is to be active (before it starts there)."""
    if recorded is None:
        return
    cancel = _cancel(ws, table, rsc, node, op)
    cancel.meta["role"] = Role.STOPPED.text
    for start in table.rsc_actions(rsc, START):
        if start.node is node:
            table.order(cancel, start, OrderFlag.OPTIONAL)


def _cancel(ws: WorkingSet, table: ActionTable, rsc: Resource, node: Node,
            op: m.OpConfig) -> Action:
    from hapy.scheduler.graph import _timeout_ms

    key = op_key(rsc.name, MONITOR, op.interval_ms)
    # a table key of its own: a monitor with the same key may exist on the node
    cancel = table.get(rsc, CANCEL, node, key=f"{key}:{CANCEL}", optional=False)
    cancel.key = key
    cancel.meta.update(
        interval=str(op.interval_ms), name=MONITOR, operation=MONITOR,
        timeout=str(_timeout_ms(ws, rsc, MONITOR, op.interval_ms)),
    )
    for name, value in op.attrs.items():
        if name not in _NOT_META:
            cancel.meta.setdefault(name.replace("-", "_"), value)
    return cancel
