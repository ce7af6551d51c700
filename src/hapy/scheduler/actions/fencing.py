"""Fencing unclean nodes and shutting down nodes that asked to leave."""

from __future__ import annotations

from hapy.scheduler.actions.model import SHUTDOWN, START, STONITH, STOP, Action, OrderFlag
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.working_set import Node, WorkingSet

F = OrderFlag


def can_fence(ws: WorkingSet, node: Node) -> bool:
    if not ws.options.stonith_enabled:
        return False
    if not ws.have_quorum and ws.options.no_quorum_policy != "ignore":
        return False
    return True


def create_fencing(ws: WorkingSet, table: ActionTable) -> list[Action]:
    fences: list[Action] = []
    action_name = ws.options.get("stonith-action") or "reboot"
    if action_name == "poweroff":
        action_name = "off"
    for node in ws.nodes:
        if not node.unclean or node.kind != "member":
            continue
        if not can_fence(ws, node):
            continue
        fence = table.get(None, STONITH, node, key=f"stonith-{node.uname}-{action_name}",
                          optional=False)
        fence.is_cluster_event = True
        fence.fence_action = action_name
        fence.runnable = True
        fence.meta["on_node"] = node.uname
        fence.meta["on_node_uuid"] = node.id
        fence.meta["stonith_action"] = action_name
        fence.downed = [node]
        fence.reason = node.fence_reason or "node is unclean"
        ws.fencing_actions[node.id] = fence
        fences.append(fence)
        for action in list(ws.actions):
            if action.node is node and action.rsc is not None and action.task in (
                STOP, "demote"
            ):
                action.pseudo = True
                action.runnable = True
                table.order(fence, action, F.IMPLIES_THEN)
        # nothing may start elsewhere before the node is known to be down
        for prim in node.running:
            for start in table.rsc_actions(prim, START):
                table.order(fence, start, F.OPTIONAL)
    if not ws.options.flag("concurrent-fencing"):
        dc_last = sorted(fences, key=lambda a: a.node.is_dc if a.node else False)
        for a, b in zip(dc_last, dc_last[1:], strict=False):
            table.order(a, b, F.OPTIONAL)
    return fences


def create_shutdowns(ws: WorkingSet, table: ActionTable) -> None:
    for node in ws.nodes:
        if not node.shutdown or not node.online or node.unclean:
            continue
        down = table.get(None, SHUTDOWN, node, key=f"{SHUTDOWN}-{node.uname}", optional=False)
        down.is_cluster_event = True
        down.downed = [node]
        down.meta["on_node"] = node.uname
        down.meta["on_node_uuid"] = node.id
        down.meta["op_no_wait"] = "true"
        for action in ws.actions:
            if action.node is node and action.task in (STOP, "demote") and action.rsc:
                table.order(action, down, F.IMPLIES_THEN)
