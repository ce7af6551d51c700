"""Start, stop, promote and demote actions of a primitive, from where it is
to where it was assigned, and the orderings inside one resource."""

from __future__ import annotations

from hapy.scheduler.actions.migration import continues_partial_migration
from hapy.scheduler.actions.model import (
    DEMOTE,
    PROMOTE,
    START,
    STOP,
    OrderFlag,
)
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.unpack.nodes import can_fence
from hapy.scheduler.working_set import Resource, Role, WorkingSet


def quorum_blocks_start(ws: WorkingSet, rsc: Resource) -> bool:
    if ws.have_quorum:
        return False
    if rsc.requires == "nothing":
        return False
    return ws.options.no_quorum_policy != "ignore"


def create_primitive_actions(ws: WorkingSet, table: ActionTable, rsc: Resource) -> None:
    current = list(rsc.running_on)
    if continues_partial_migration(rsc):
        # only the source stops; the target takes over with a migrate_from
        current = [node for node in current if node is not rsc.partial_migration_target]
    nxt = rsc.assigned_node
    multiple = len(current) > 1
    # while start-up is disabled, nothing is started, stopped or recovered
    managed = rsc.managed and not ws.startup_disabled()
    # multiple-active=stop_unexpected: only the instances away from the
    # assigned node stop; the one there stays (its start is a pseudo-action)
    keep = nxt if multiple and rsc.multiple_active == "stop_unexpected" else None

    stops = {}
    # (a resource listed where a failed migration may have left it, but
    # stopped, is started there without a stop)
    for node in current if rsc.role is not Role.STOPPED else []:
        stop = table.get(rsc, STOP, node)
        stops[node.id] = stop
        if node is rsc.lock_node:
            stop.shutdown_lock = rsc.lock_time
        if node.unclean:
            if can_fence(ws, node):
                # fencing the node stops everything on it
                stop.pseudo = True
                stop.runnable = True
            else:
                stop.runnable = False
        if not managed:
            stop.runnable = False
            continue
        required = (
            nxt is None
            or node is not nxt
            or (multiple and node is not keep)
            or node.id in rsc.failed_on
            or node.id in rsc.history_digest_mismatch
        )
        if required:
            stop.optional = False
            if node.id in rsc.failed_on and not stop.reason:
                stop.reason = "failed"

    start = table.get(rsc, START, nxt)
    if managed and quorum_blocks_start(ws, rsc) and ws.options.no_quorum_policy == "stop":
        start.runnable = False
        start.reason = "no quorum"
        for stop in stops.values():
            if not stop.pseudo:
                stop.optional = False
                stop.reason = "no quorum"
    if not managed:
        # (a frozen resource that stays where it is active keeps its
        # recurring monitors, which follow its start)
        start.runnable = rsc.managed and nxt is not None and nxt in current
    elif nxt is not None:
        if quorum_blocks_start(ws, rsc):
            if ws.options.no_quorum_policy == "freeze":
                # keep what runs in this partition; start nothing new
                if not current or rsc.next_role > rsc.role:
                    start.runnable = False
                    start.reason = "quorum freeze"
            elif nxt not in current:
                start.runnable = False
                start.reason = start.reason or "no quorum"
        if nxt.id not in stops or stops[nxt.id].required:
            start.optional = False
        elif keep is not None and keep in current:
            start.optional = False
            start.pseudo = True
    if nxt is None:
        start.runnable = False

    # role changes of promotable instances
    if rsc.promotable or rsc.role is Role.PROMOTED or rsc.next_role is Role.PROMOTED:
        for node in current:
            # (on a lost node that cannot be fenced, nothing demotes it)
            if rsc.role is Role.PROMOTED and (not node.unclean or can_fence(ws, node)):
                demote = table.get(rsc, DEMOTE, node)
                if not managed:
                    demote.runnable = False
                elif (
                    rsc.next_role < Role.PROMOTED
                    or stops[node.id].required
                    or node is not nxt
                ):
                    demote.optional = False
                if node.unclean:
                    demote.pseudo = True  # fencing the node demotes it
                table.order(demote, stops[node.id], OrderFlag.IMPLIES_FIRST)
                for other, stop in stops.items():
                    if other != node.id:
                        # active in several places: every demote before any stop
                        table.order(demote, stop, OrderFlag.OPTIONAL)
        if rsc.next_role is Role.PROMOTED and nxt is not None:
            promote = table.get(rsc, PROMOTE, nxt)
            if not managed:
                promote.runnable = False
            elif rsc.role is not Role.PROMOTED or start.required or nxt not in current:
                promote.optional = False
            table.order(start, promote, OrderFlag.RUNNABLE_LEFT | OrderFlag.OPTIONAL)
            # an instance demotes before it promotes (a group member follows
            # its group's instance instead)
            instance = rsc.parent is None or rsc.parent.variant != "group"
            for node in current if instance else ():
                demote_action = table.find(f"{rsc.name}_demote_0", node)
                if demote_action is not None:
                    table.order(demote_action, promote, OrderFlag.OPTIONAL)

    for node in rsc.dangling_migration_sources:
        # clean up where a finished migration left from
        stop = table.get(rsc, STOP, node, optional=not managed)
        stop.runnable = stop.runnable and managed
        table.order(stop, start, OrderFlag.OPTIONAL)

    for node_id, stop in stops.items():
        if keep is not None and node_id == keep.id:
            table.order(stop, start, OrderFlag.OPTIONAL)  # the kept instance is not restarted
            continue
        table.order(stop, start, OrderFlag.OPTIONAL | OrderFlag.IMPLIES_THEN | OrderFlag.RESTART)



def rerun_pending_starts(ws: WorkingSet, table: ActionTable) -> None:
    """A resource whose history records a start still in flight (on any
    node) is started again where it stays active.  The start is added once
    everything else is decided: it requires nothing else (neither a stop
    nor its collective's pseudo-actions, nor its recurring monitors) and is
    not listed as a change."""
    for rsc in ws.all_primitives():
        nxt = rsc.assigned_node
        if not rsc.start_pending or nxt is None or nxt not in rsc.running_on:
            continue
        for start in table.rsc_actions(rsc, START):
            if start.node is nxt and start.optional and start.runnable:
                start.optional = False
