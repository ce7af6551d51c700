"""Load orderings of the placement strategies that weigh utilization: on
each node a ``load_stopped_<node>`` pseudo-action waits for the resources
with utilization that stop there, and the ones that start (or migrate) there
wait for it, so capacity is freed before it is used again."""

from __future__ import annotations

from hapy.scheduler.actions.model import MIGRATE_TO, START, STOP, Action, OrderFlag, op_key
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.assign.utilization import uses_utilization
from hapy.scheduler.working_set import Node, Resource, WorkingSet


def _load_stopped(table: ActionTable, node: Node) -> Action:
    key = f"load_stopped_{node.uname}"
    return table.get(None, key, None, optional=False, pseudo=True, key=key)


def _order_load(ws: WorkingSet, table: ActionTable, rsc: Resource) -> None:
    nodes = [ws.nodes_by_id[n] for n in rsc.allowed if n in ws.nodes_by_id]
    for node in rsc.running_on:
        if node not in nodes:
            nodes.append(node)
    for node in nodes:
        _load_stopped(table, node)
    for node in rsc.running_on:
        stop = table.find(op_key(rsc.name, STOP), node)
        if stop is not None:
            table.order(stop, _load_stopped(table, node), OrderFlag.LOAD)
    target = rsc.assigned_node
    if target is None:
        return
    freed = _load_stopped(table, target)
    for action in table.rsc_actions(rsc, START):
        if action.node is None or action.node is target:
            table.order(freed, action, OrderFlag.LOAD)
    for action in table.rsc_actions(rsc, MIGRATE_TO):
        table.order(freed, action, OrderFlag.LOAD)


def create_load_orderings(ws: WorkingSet, table: ActionTable) -> None:
    if not uses_utilization(ws):
        return
    for prim in ws.all_primitives():
        if prim.utilization:
            _order_load(ws, table, prim)
