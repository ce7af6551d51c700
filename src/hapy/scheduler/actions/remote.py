"""Actions on remote and guest nodes: they go through the node's connection.

An action on a remote node is routed through the cluster node that hosts the
connection (``router_node`` in the graph): the connection's current host for
what happens as the node goes down (stop, demote, migrations), its next host
for everything else.  Whatever comes up on the node waits for the connection
to start; whatever goes down there is done before the connection stops.
"""

from __future__ import annotations

from hapy.cib.node_names import compare_node_names
from hapy.scheduler.actions.model import (
    DEMOTE,
    MIGRATE_FROM,
    MIGRATE_TO,
    MONITOR,
    PROMOTE,
    START,
    STOP,
    Action,
    OrderFlag,
)
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.working_set import Node, Resource, WorkingSet

F = OrderFlag

#: tasks done through the connection's current host when it moves
_GOING_DOWN = frozenset((STOP, DEMOTE, MIGRATE_FROM, MIGRATE_TO))


def router_node(action: Action) -> Node | None:
    """The cluster node an action on a remote node goes through."""
    node = action.node
    if node is None or not node.is_remote or node.remote_rsc is None:
        return None
    conn = node.remote_rsc
    began = conn.current_node()
    ended = conn.assigned_node
    if began is None:
        return ended
    if ended is None or began is ended:
        return began
    return began if action.task in _GOING_DOWN else ended


def physical_host(action: Action) -> Node | None:
    """A guest node's action: the node its container runs on."""
    node = action.node
    if node is None or node.kind != "guest" or node.remote_rsc is None:
        return None
    container = node.remote_rsc.container
    if container is None:
        return None
    if action.task in _GOING_DOWN:
        return container.current_node()
    return container.assigned_node or container.current_node()


def order_remote_actions(ws: WorkingSet, table: ActionTable) -> None:
    """Order each resource action on a remote node with its connection."""
    for action in list(ws.actions):
        node = action.node
        rsc = action.rsc
        if node is None or rsc is None or not node.is_remote or action.is_cluster_event:
            continue
        conn = node.remote_rsc
        if conn is None or rsc is conn:
            continue
        if action.task in (STOP, DEMOTE, MIGRATE_TO) and not _finishing_migration(table, conn):
            # (leaving the node: done while its connection is still up; a
            # connection finishing a migration reaches it only from its target)
            if action.pseudo and (node.kind == "guest" or conn.assigned_node is None):
                # implied by the node's fencing: the connection waits for
                # them only to come back (a guest's reset follows its stop)
                continue
            for stop in table.rsc_actions(conn, STOP):
                if stop.pseudo:
                    continue  # the connection's host is lost: nothing to wait for
                table.order(action, stop, F.OPTIONAL)
                if action.task == STOP:
                    # whatever finds out where it runs elsewhere, too
                    for probe in table.rsc_actions(rsc, MONITOR):
                        if probe.probe:
                            table.order(probe, stop, F.OPTIONAL)
            continue
        # (an unmanaged connection that stays up is never started again)
        held = not conn.managed and conn.assigned_node in conn.running_on
        for start in table.rsc_actions(conn, START):
            if start.node is conn.assigned_node and not held:
                table.order(start, action, F.RUNNABLE_LEFT)
                if action.task == START:
                    # what moves onto the node stops elsewhere only once the
                    # node is reachable
                    for stop in table.rsc_actions(rsc, STOP):
                        if stop.node is not node:
                            table.order(start, stop, F.OPTIONAL)
        container = conn.container
        if container is not None and action.task in (START, PROMOTE):
            # a container restarting restarts what runs inside it (one that
            # migrates takes it along)
            flags = F.RUNNABLE_LEFT if container.allow_migrate else F.MANDATORY
            for start in table.rsc_actions(container, START):
                table.order(start, action, flags)


def _finishing_migration(table: ActionTable, conn: Resource) -> bool:
    """A connection half way to another host, finishing with a migrate_from."""
    return conn.partial_migration_target is not None and any(
        not a.deleted for a in table.rsc_actions(conn, MIGRATE_FROM))


def guest_needs_reset(node: Node) -> bool:
    """A guest node is "fenced" when its container must be recovered (or
    stops) while the guest was thought up."""
    conn = node.remote_rsc
    if conn is None or conn.container is None or not node.remote_requires_reset:
        return False
    return conn.container.managed


def order_guest_fencing(ws: WorkingSet, table: ActionTable, fence: Action, node: Node) -> None:
    """A guest is down once its container has stopped.  Nodes are dealt
    with in the order of their names: when the container's host, fenced too,
    comes first, the container's stop is already known to be implied by that
    fencing, and the guest is down as soon as its host is."""
    conn = node.remote_rsc
    assert conn is not None and conn.container is not None
    container = conn.container
    if not fence.reason or fence.reason == "node is unclean":
        fence.reason = "guest is unclean"
    host = container.current_node()
    host_fence = ws.fencing_actions.get(host.id) if host is not None else None
    if host is not None and host_fence is not None and host_fence is not fence \
            and compare_node_names(host.uname, node.uname) < 0:
        table.order(host_fence, fence, F.MANDATORY)
        return
    for stop in table.rsc_actions(container, STOP):
        table.order(stop, fence, F.MANDATORY)


def mark_downed_nodes(ws: WorkingSet, table: ActionTable) -> None:
    """A connection's stop takes its node down, unless the connection
    migrates (the node stays reachable throughout)."""
    for node in ws.nodes:
        conn = node.remote_rsc
        if conn is None:
            continue
        if any(a.required and a.runnable for a in table.rsc_actions(conn, MIGRATE_TO)) \
                or _finishing_migration(table, conn):
            continue
        for stop in table.rsc_actions(conn, STOP):
            if not stop.downed and not stop.pseudo:
                stop.downed = [node]


def fence_unrecoverable_remotes(ws: WorkingSet) -> None:
    """A remote node whose connection's host is lost and whose connection
    will not run again elsewhere cannot be reached: what is active there
    can be stopped only by fencing it."""
    from hapy.scheduler.unpack.nodes import can_fence

    for node in ws.nodes:
        conn = node.remote_rsc
        if node.kind != "remote" or conn is None or node.unclean:
            continue
        host = conn.current_node()
        if host is None or not host.unclean or conn.assigned_node is not None:
            continue
        if not can_fence(ws, node):
            continue
        if any(r.managed for r in node.running):
            reason = "resources are active but connection is unrecoverable"
        elif node.state is not None and not node.state.has_lrm:
            # no history at all: anything may be active there
            reason = "resources are in unknown state and connection is unrecoverable"
        else:
            continue
        node.unclean = True
        node.fence_reason = reason
