"""Fencing unclean nodes and shutting down nodes that asked to leave."""

from __future__ import annotations

from hapy.cib.node_names import node_name_key
from hapy.scheduler.actions.model import (
    PROMOTE,
    SHUTDOWN,
    START,
    STONITH,
    STOP,
    Action,
    OrderFlag,
)
from hapy.scheduler.actions.remote import (
    guest_needs_reset,
    order_guest_fencing,
)
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.unpack.nodes import LOST_REASON, can_fence
from hapy.scheduler.working_set import Node, Resource, Role, WorkingSet

F = OrderFlag


def _container_stays_down(node: Node) -> bool:
    conn = node.remote_rsc
    container = conn.container if conn is not None else None
    return container is not None and container.assigned_node is None


def create_fencing(ws: WorkingSet, table: ActionTable) -> list[Action]:
    fences: list[Action] = []
    action_name = ws.options.get("stonith-action") or "reboot"
    if action_name == "poweroff":
        action_name = "off"
    for node in _in_fencing_order(ws):
        guest = node.kind == "guest"
        if guest:
            if not guest_needs_reset(node):
                continue
        elif not node.unclean or not can_fence(ws, node):
            continue
        fence_action = action_name
        if guest and _container_stays_down(node):
            fence_action = "off"  # the guest will not be back
        fence = table.get(None, STONITH, node, key=f"stonith-{node.uname}-{fence_action}",
                          optional=False, pseudo=guest)
        fence.is_cluster_event = True
        fence.fence_action = fence_action
        fence.runnable = True
        # the node's attributes travel with its fencing
        for name, value in node.attrs.items():
            # (not the per-operation failure counters, nor instance-named ones)
            if "#" not in name and ":" not in name:
                fence.meta[name.replace("-", "_")] = value
        fence.meta["on_node"] = node.uname
        fence.meta["on_node_uuid"] = node.id
        fence.meta["stonith_action"] = fence_action
        fence.downed = [node, *_guests_hosted_on(ws, node)]
        fence.reason = node.fence_reason or "node is unclean"
        delay = priority_fencing_delay(ws, node)
        if delay is not None:
            fence.meta["priority_fencing_delay"] = str(delay)
        ws.fencing_actions[node.id] = fence
        fences.append(fence)
        for action in list(ws.actions):
            if action.node is node and action.rsc is not None and action.task in (
                STOP, "demote"
            ):
                action.pseudo = True
                action.runnable = True
                if action.rsc.is_remote_connection and action.task == STOP:
                    # a connection to a lost host is simply gone: nothing waits
                    continue
                if _start_needs(action.rsc) in ("quorum", "nothing"):
                    # what needs no fencing (fencing devices, by default) is
                    # presumed stopped with the node: it waits for nothing
                    continue
                if node.bundle_id is None:
                    # (a bundle's guest is reset by its container's recovery,
                    # which waits for what ran inside to be stopped)
                    table.order(fence, action, F.IMPLIES_THEN)
                if action.task == STOP:
                    # the stops of the groups and clones holding it are done
                    # only once the node is down too
                    parent = action.rsc.parent
                    while parent is not None and (node.bundle_id is None
                                                  or parent.variant == "clone"):
                        # (on a bundle's guest: the bundled clone's only)
                        collective = table.find(f"{parent.name}_{STOP}_0", None)
                        # (a cloned group's instance waits for its members only)
                        instance = parent.parent is not None and parent.parent.variant == "clone"
                        if collective is not None and not instance:
                            table.order(fence, collective, F.OPTIONAL)
                        parent = parent.parent
        _order_starts_after_fencing(ws, table, fence, node)
    for fence in fences:
        if fence.pseudo and fence.node is not None:
            # (once every host's fencing is known)
            order_guest_fencing(ws, table, fence, fence.node)
    _in_decision_order(ws)
    # the DC is fenced last; without concurrent fencing, one at a time
    # (a guest's "fencing" is its container's recovery: it waits for no other)
    real = [f for f in fences if not f.pseudo]
    others = [f for f in real if f.node is not None and not f.node.is_dc]
    dc_fences = [f for f in real if f.node is not None and f.node.is_dc]
    if ws.options.flag("concurrent-fencing"):
        for dc in dc_fences:
            for other in others:
                table.order(other, dc, F.OPTIONAL)
    else:
        chain = others + dc_fences
        for a, b in zip(chain, chain[1:], strict=False):
            table.order(a, b, F.OPTIONAL)
    return fences


def _in_fencing_order(ws: WorkingSet) -> list[Node]:
    """Nodes in the order they are fenced: cluster nodes, remote nodes in
    the order of the status section, then guest nodes by name."""
    position = {state.id: index for index, state in enumerate(ws.cib.node_states)}

    cluster = [n for n in ws.nodes if n.kind not in ("remote", "guest")]
    remote = sorted((n for n in ws.nodes if n.kind == "remote"),
                    key=lambda n: position.get(n.id, len(position)))
    guests = sorted((n for n in ws.nodes if n.kind == "guest"),
                    key=lambda n: node_name_key(n.uname))
    return cluster + remote + guests


def _in_decision_order(ws: WorkingSet) -> None:
    """The fencing actions in the order the nodes were found unclean (the
    summary lists them latest first): remote nodes whose resources' state
    is unknown are found last."""
    decided = sorted(ws.fencing_actions.items(),
                     key=lambda item: "unknown state" in (item[1].reason or ""))
    ws.fencing_actions = dict(decided)


def priority_fencing_delay(ws: WorkingSet, node: Node) -> int | None:
    """The priority-fencing-delay (seconds) a lost cluster node's fencing
    carries: the whole delay when this partition lacks a majority of the
    cluster nodes and the node's resources weigh more than any other node's,
    else none (0); nothing for nodes fenced for other reasons."""
    delay = ws.options.ms("priority-fencing-delay") // 1000
    if delay <= 0 or node.kind != "member" or node.online \
            or node.fence_reason != LOST_REASON:
        return None
    members = [n for n in ws.nodes if n.kind == "member"]
    online = sum(1 for n in members if n.online)
    if online * 2 > len(members):
        return 0
    weights = node_priorities(ws)
    mine = weights.get(node.id, 0)
    if any(weights.get(n.id, 0) >= mine for n in members if n is not node):
        return 0
    return delay


def node_priorities(ws: WorkingSet) -> dict[str, int]:
    """Each cluster node's weight: the priorities of the resources active on
    it or on the guests it hosts (a promoted instance's counts one more)."""
    weights: dict[str, int] = {}
    for top in ws.resources:
        for prim in top.primitives():
            if not prim.priority:
                continue
            weight = prim.priority + (1 if prim.role is Role.PROMOTED else 0)
            for where in prim.running_on:
                host = _hosting_member(where)
                if host is not None:
                    weights[host.id] = weights.get(host.id, 0) + weight
    return weights


def _guests_hosted_on(ws: WorkingSet, node: Node) -> list[Node]:
    """The guest nodes whose containers run on a node (down with it)."""
    return [
        guest for guest in ws.nodes
        if guest.kind == "guest" and guest.remote_rsc is not None
        and guest.remote_rsc.container is not None
        and guest.remote_rsc.container.current_node() is node
    ]


def _hosting_member(node: Node) -> Node | None:
    if node.kind == "member":
        return node
    conn = node.remote_rsc
    if node.kind == "guest" and conn is not None and conn.container is not None \
            and conn.container.running_on:
        return _hosting_member(conn.container.running_on[0])
    return None


def _order_starts_after_fencing(ws: WorkingSet, table: ActionTable, fence: Action,
                                node: Node) -> None:
    """Resources that need fencing start (and promote) only after it; those
    that need quorum wait only when they might be active on the fenced node
    (allowed there, status unknown)."""
    for top in ws.resources:
        for prim in top.primitives():
            needs = _start_needs(prim)
            if needs == "nothing":
                continue
            if prim.is_remote_connection and node.kind == "member":
                # a connection waits only for remote and guest nodes' fencing
                continue
            if needs in ("fencing", "unfencing"):
                for task in (START, PROMOTE):
                    for action in table.rsc_actions(prim, task):
                        if node.bundle_id is not None and action.node is not node \
                                and not _contains(prim, node):
                            continue  # (a bundle guest's recovery holds back its own)
                        table.order(fence, action, F.OPTIONAL)
            elif node.id in prim.allowed and not _known_on(prim, node):
                for action in table.rsc_actions(prim, START):
                    table.order(fence, action, F.OPTIONAL | F.RUNNABLE_LEFT)


def _contains(rsc: Resource, guest: Node) -> bool:
    """Whether ``rsc`` is the container of the guest node ``guest``."""
    conn = guest.remote_rsc
    return conn is not None and conn.container is rsc


def _is_device(rsc: Resource) -> bool:
    return rsc.primitive is not None and rsc.primitive.rclass == "stonith"


def _start_needs(prim: Resource) -> str:
    """What a primitive's start waits for: fencing devices need quorum unless
    configured otherwise."""
    if _is_device(prim) and "requires" not in prim.meta:
        return "quorum"
    return prim.requires


def _known_on(rsc: Resource, node: Node) -> bool:
    if node.id in rsc.known_on:
        return True
    clone = rsc.clone_parent()
    if clone is None or clone.unique:
        return False
    return any(node.id in p.known_on for p in clone.primitives() if p.id == rsc.id)


def create_shutdowns(ws: WorkingSet, table: ActionTable) -> None:
    """A node that asked to leave shuts down once its resources have
    stopped; the DC leaves last, after every other node shutting down."""
    others: list[Action] = []
    dc_down: Action | None = None
    for node in ws.nodes:
        if not node.shutdown or not node.online or node.unclean or node.is_remote:
            continue
        down = table.get(None, SHUTDOWN, node, key=f"{SHUTDOWN}-{node.uname}", optional=False)
        down.is_cluster_event = True
        down.downed = [node]
        down.meta["on_node"] = node.uname
        down.meta["on_node_uuid"] = node.id
        down.meta["op_no_wait"] = "true"
        for action in ws.actions:
            if action.node is node and action.task == STOP and action.rsc:
                table.order(action, down, F.IMPLIES_THEN)
        if node.is_dc:
            dc_down = down
        else:
            others.append(down)
    if dc_down is not None:
        for other in others:
            table.order(other, dc_down, F.OPTIONAL)
