"""Actions for what the history check found (unpack/definition_check.py):
``delete`` of history recorded for another agent, ``cancel`` of recurring
operations that are no longer wanted, and ``reload-agent`` where only
reloadable parameters changed.

Restarts and rescheduled monitors need no action of their own: the stop of a
resource to restart is required (actions/primitive.py) and a rescheduled
monitor is a required recurring monitor (actions/monitors.py).
"""

from __future__ import annotations

from hapy.cib import model as m
from hapy.scheduler.actions.model import (
    CANCEL,
    DELETE,
    DEMOTE,
    RELOAD,
    START,
    STOP,
    Action,
    OrderFlag,
    op_key,
)
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.unpack.definition_check import op_timeout_ms
from hapy.scheduler.working_set import Node, Resource, WorkingSet

DEFAULT_TIMEOUT_MS = 20_000


def reload_key(rsc: Resource) -> str:
    return op_key(rsc.name, RELOAD)


def create_definition_actions(ws: WorkingSet, table: ActionTable, rsc: Resource) -> None:
    """Delete, cancel and reload actions of primitive ``rsc``."""
    starts = table.rsc_actions(rsc, START)
    for node in rsc.delete_on.values():
        delete = table.get(rsc, DELETE, node, optional=False)
        stop = table.find(op_key(rsc.name, STOP), node)
        if stop is not None:
            table.order(stop, delete, OrderFlag.OPTIONAL)
        for start in starts:
            table.order(delete, start, OrderFlag.OPTIONAL)
    for node, op in rsc.cancel_ops:
        create_cancel(ws, table, rsc, node, op)
    for node in rsc.reload_on.values():
        if rsc.assigned_node is not node:
            continue
        reload = table.get(rsc, RELOAD, node, optional=False)
        reload.reason = "resource definition change"
        if not rsc.managed or ws.startup_disabled():
            reload.runnable = False


_CANCEL_META_SKIP = frozenset(("id", "name", "interval", "timeout", "description"))


def create_cancel(
    ws: WorkingSet, table: ActionTable, rsc: Resource, node: Node, op: m.LrmOp
) -> Action:
    """Cancel the recurring operation ``op`` of ``rsc`` on ``node`` (after any stop there)."""
    key = op_key(rsc.name, op.operation, op.interval_ms)
    # the table key differs from a recurring action's own key on the same node
    cancel = table.get(rsc, CANCEL, node, key=f"{key}:{CANCEL}", optional=False)
    cancel.key = key
    timeout: int | None = None
    if rsc.primitive is not None:
        for cfg in rsc.primitive.ops:
            if cfg.name == op.operation and cfg.interval_ms == op.interval_ms:
                timeout = op_timeout_ms(ws, rsc.primitive, cfg)
                # a configured operation (in maintenance, or disabled) is
                # cancelled with its definition's meta-attributes
                cancel.meta["name"] = cfg.name
                for name, value in cfg.attrs.items():
                    if name not in _CANCEL_META_SKIP:
                        cancel.meta[name.replace("-", "_")] = value
                break
    cancel.meta.update(
        call_id=str(op.call_id),
        interval=str(op.interval_ms),
        operation=op.operation,
        timeout=str(DEFAULT_TIMEOUT_MS if timeout is None else timeout),
    )
    stop = table.find(op_key(rsc.name, STOP), node)
    if stop is not None:
        table.order(stop, cancel, OrderFlag.OPTIONAL)
    return cancel


def drop_superseded_reloads(ws: WorkingSet, table: ActionTable) -> None:
    """A reload is pointless where the resource is stopped or demoted anyway."""
    for action in ws.actions:
        if action.task != RELOAD or action.rsc is None or action.node is None:
            continue
        for task in (STOP, DEMOTE):
            other = table.find(op_key(action.rsc.name, task), action.node)
            if other is not None and other.required:
                action.deleted = True
