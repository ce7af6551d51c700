"""Probes (one-shot monitors that find out where a resource is active) and
recurring monitors."""

from __future__ import annotations

from hapy.cib import model as m
from hapy.scheduler.actions.model import (
    DEMOTE,
    MONITOR,
    RELOAD,
    REPROBE,
    START,
    STOP,
    STOPPED,
    Action,
    OrderFlag,
    op_key,
)
from hapy.scheduler.actions.role_change import cancel_for_role_change, cancel_stopped_monitor
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.options import is_true
from hapy.scheduler.working_set import Node, Resource, Role, WorkingSet


def remote_probe_possible(rsc: Resource, node: Node) -> bool:
    """Connections and fencing devices are never probed on remote nodes, nor
    a guest's container on a guest node; nothing is probed on a remote node
    whose connection will not run."""
    if _never_probed_remotely(rsc, node):
        return False
    conn = node.remote_rsc
    if conn is None or conn.assigned_node is None:
        return False
    container = conn.container
    # a guest whose container is not up yet runs nothing to find
    # (nor on one whose container is about to move)
    return container is None or (
        container.role >= Role.STARTED and not container.failed
        and container.assigned_node is container.current_node()
    )


def _guest_going_down(node: Node) -> Resource | None:
    """The container of a guest node that is stopping or being recovered:
    whatever may be active inside goes down with it."""
    conn = node.remote_rsc
    container = conn.container if conn is not None else None
    if node.kind != "guest" or container is None or container.role < Role.STARTED:
        return None
    if node.remote_requires_reset or node.unclean or container.failed \
            or container.next_role is Role.STOPPED:
        return container
    moving = container.assigned_node is not container.current_node()
    if moving and not container.allow_migrate:
        return container  # (it stops to start elsewhere)
    return None


def _never_probed_remotely(rsc: Resource, node: Node) -> bool:
    """What is never probed on the remote or guest ``node``, whatever its
    connection or container does: connections, fencing devices and, on a
    guest node, a guest's container."""
    cfg = rsc.primitive
    return rsc.is_remote_connection or (cfg is not None and cfg.rclass == "stonith") \
        or (node.kind == "guest" and any(f.is_remote_connection for f in rsc.fillers))


def bundle_probe_wanted(rsc: Resource, node: Node) -> bool:
    """A bundle's guest node is probed only for its replica's instance, that
    instance nowhere else; a replica's connection only when its container
    is to run."""
    from hapy.scheduler.unpack.bundles import bundle_of

    bundle = bundle_of(rsc)
    if node.bundle_id is not None or (bundle is not None and rsc.clone_parent() is not None):
        conn = node.remote_rsc
        return bundle is not None and conn is not None and node.bundle_id == bundle.id \
            and rsc.instance_number is not None \
            and conn.id == f"{bundle.id}-{rsc.instance_number}"
    if bundle is not None and rsc.is_remote_connection and rsc.container is not None:
        return rsc.container.assigned_node is not None
    return True


#: a node attribute (set by older clusters): when present and not true, the
#: node's resources are all probed again at once rather than one by one
PROBE_COMPLETE = "probe_complete"


def reprobe_wanted(ws: WorkingSet, node: Node) -> bool:
    """An online node whose ``probe_complete`` attribute says its probes are
    not complete: it gets one ``probe_again`` action instead of probes."""
    if not ws.options.flag("enable-startup-probes") or not node.online:
        return False
    value = node.attrs.get(PROBE_COMPLETE)
    return value is not None and not is_true(value)


def create_reprobes(ws: WorkingSet, table: ActionTable) -> None:
    for node in ws.nodes:
        if reprobe_wanted(ws, node):
            action = table.get(None, REPROBE, node, key=f"{REPROBE}-{node.uname}",
                               optional=False)
            action.meta["op_no_wait"] = "true"


def probe_wanted(ws: WorkingSet, rsc: Resource, node: Node, *,
                 any_guest: bool = False) -> bool:
    """Whether ``rsc`` is probed on ``node``; with ``any_guest``, as if
    the guest node's container were steady."""
    if not ws.options.flag("enable-startup-probes"):
        return False
    if (not node.online and not node.pending) or node.unclean:
        return False
    if reprobe_wanted(ws, node):
        return False  # (probe_again stands for them all)
    if not node.rsc_discovery_enabled:
        return False
    if node.id in rsc.known_on:
        return False
    if rsc.container is not None and not rsc.is_remote_connection:
        return False  # what runs inside a container is found with it
    if not bundle_probe_wanted(rsc, node):
        return False
    if node.is_remote and not remote_probe_possible(rsc, node) \
            and not (any_guest and _guest_going_down(node) is not None
                     and not _never_probed_remotely(rsc, node)):
        return False
    mode = rsc.discovery.get(node.id)
    if mode == "never":
        return False
    if rsc.exclusive_discover and mode != "exclusive":
        return False
    top = rsc.top
    if top.variant == "bundle" and (rsc.clone_parent() is not None or rsc.is_remote_connection):
        return True  # (the bundle's discovery settings are for its containers)
    if top.discovery.get(node.id) == "never":
        return False
    if top.exclusive_discover and top.discovery.get(node.id) != "exclusive":
        return False
    return True


def create_probes(ws: WorkingSet, table: ActionTable, rsc: Resource) -> None:
    if rsc.orphan:
        return
    clone = rsc.clone_parent()
    for node in ws.nodes:
        if not probe_wanted(ws, rsc, node):
            container = _guest_going_down(node)
            if container is not None and probe_wanted(ws, rsc, node, any_guest=True) \
                    and not (clone is not None and not clone.unique
                             and _anonymous_known(clone, rsc, node)):
                # nothing to probe: what may be active there is stopped with
                # the container, before the resource starts anywhere
                for stop in table.rsc_actions(container, STOP):
                    for start in _top_starts(table, rsc):
                        table.order(stop, start, OrderFlag.OPTIONAL)
            continue
        if clone is not None and not clone.unique and _anonymous_known(clone, rsc, node):
            continue
        probe = table.get(rsc, MONITOR, node, optional=False)
        probe.probe = True
        probe.meta["op_target_rc"] = "7"
        if not rsc.managed:
            probe.runnable = node.online
        # a node still joining cannot probe yet: what must wait for the
        # probe (a start) cannot happen either
        wait = OrderFlag.OPTIONAL
        if node.pending:
            probe.runnable = False
            if not rsc.running_on:
                # (what is active already stays active meanwhile)
                wait |= OrderFlag.RUNNABLE_LEFT | OrderFlag.ASYMMETRICAL
        # a clone instance may be started anywhere: its probes must all be
        # done before the clone starts (or has stopped) any instance
        if clone is not None:
            befores = [table.find(op_key(clone.name, task), None) for task in (START, STOPPED)]
        else:
            befores = list(table.rsc_actions(rsc, START))
        for s in befores:
            if s is not None:
                table.order(probe, s, wait)
        for s in table.rsc_actions(rsc, STOP):
            if s.node is node:
                table.order(probe, s, OrderFlag.OPTIONAL)


def _anonymous_known(clone: Resource, rsc: Resource, node: Node) -> bool:
    """Anonymous clone instances are interchangeable: probe one per node."""
    for inst in clone.children:
        for prim in inst.primitives():
            if prim.id != rsc.id or prim is rsc:
                continue
            if node.id in prim.known_on:
                return True
    # probe with the instance assigned to this node (a cloned group's
    # instance: where any of its members goes), else the first one not yet
    # known here
    for inst in clone.children:
        prims = inst.primitives()
        if not any(p.assigned_node is node for p in prims):
            continue
        for prim in prims:
            if prim.id == rsc.id and not prim.orphan:
                return prim is not rsc
    for inst in clone.children:
        for prim in inst.primitives():
            if prim.id == rsc.id and node.id not in prim.known_on and not prim.orphan:
                return prim is not rsc
    return False


def _op_role(op: m.OpConfig) -> Role:
    role = Role.parse(op.role)
    return role


def _role_matches(rsc: Resource, role: Role) -> bool:
    """Whether a recurring monitor for ``role`` runs in the instance's next role."""
    if rsc.next_role is Role.PROMOTED:
        return role is Role.PROMOTED or (role is Role.UNKNOWN and not rsc.promotable)
    return role is not Role.PROMOTED


def recorded_monitor(rsc: Resource, node: Node, interval_ms: int) -> m.LrmOp | None:
    state = node.state
    if state is None:
        return None
    names = {rsc.name, rsc.id}
    clone = rsc.clone_parent()
    anonymous = clone is not None and not clone.unique
    for lrm in node.histories_of(*names):
        # an anonymous instance's history may be recorded under any instance number
        if lrm.id not in names and not (anonymous and lrm.id.split(":", 1)[0] == rsc.id):
            continue
        # a monitor recorded before the latest start (without one, the latest
        # promote or demote) stopped with it
        since = _active_since(lrm.ops)
        for op in lrm.ops:
            if op.operation == MONITOR and op.interval_ms == interval_ms and op.op_status != 1 \
                    and op.call_id >= 0 and op.call_id > since:
                return op  # (one never given a call-id has not run yet)
    return None


def _active_since(ops: tuple[m.LrmOp, ...]) -> int:
    """The call-id from which a history's operations still stand: its last
    start; without one, its last promote or demote (a recurring monitor
    from before was cancelled by it); without either, every operation."""
    last_start = max((op.call_id for op in ops
                      if op.operation in ("start", "migrate_from") and op.op_status == 0),
                     default=-1)
    if last_start >= 0:
        return last_start
    return max((op.call_id for op in ops
                if op.operation in ("promote", "demote") and op.op_status == 0), default=-1)


def create_recurring(ws: WorkingSet, table: ActionTable, rsc: Resource) -> None:
    prim = rsc.primitive
    if prim is None or rsc.maintenance:
        return
    nxt = rsc.assigned_node
    # an unmanaged resource keeps being monitored where it is active (and
    # where it is not, by its monitors of the Stopped role)
    unmanaged = not rsc.managed
    active = not unmanaged or (nxt is not None and nxt in rsc.running_on)
    for op in prim.ops:
        if op.name != MONITOR or op.interval_ms <= 0 or not op.enabled:
            continue
        role = _op_role(op)
        if role is not Role.STOPPED and not active:
            continue
        if role is Role.STOPPED:
            if nxt is not None and active:
                # (where the resource is to be active, a Stopped monitor ends)
                cancel_stopped_monitor(ws, table, rsc, nxt, op,
                                       recorded_monitor(rsc, nxt, op.interval_ms))
            _stopped_monitor(ws, table, rsc, op)
            continue
        if nxt is None:
            continue
        if any(other is not op and other.name == MONITOR and other.interval_ms == op.interval_ms
               for other in prim.ops):
            continue  # monitors defined twice with one interval are all ignored
        if role is Role.STARTED and rsc.promotable:
            continue  # promotable instances are never just "Started"
        if not _role_matches(rsc, role):
            cancel_for_role_change(ws, table, rsc, nxt, op,
                                   recorded_monitor(rsc, nxt, op.interval_ms))
            continue
        mon = table.get(rsc, MONITOR, nxt, interval_ms=op.interval_ms)
        mon.meta["name"] = MONITOR
        if role is Role.PROMOTED:
            mon.meta["op_target_rc"] = "8"  # "running promoted"
        starts = [] if unmanaged else [s for s in table.rsc_actions(rsc, START)
                                       if s.node is nxt]
        start_required = any(s.required for s in starts)
        promote = table.find(f"{rsc.name}_promote_0", nxt)
        # (it demotes where it was promoted, maybe elsewhere)
        demotes = list(table.rsc_actions(rsc, DEMOTE))
        if (
            start_required
            or nxt not in rsc.running_on
            or recorded_monitor(rsc, nxt, op.interval_ms) is None
            or nxt.id in rsc.history_digest_mismatch
            or op.interval_ms in rsc.reschedule_on.get(nxt.id, ())
            or _connection_starts(table, nxt)
        ):
            mon.optional = False
        reload = table.find(op_key(rsc.name, RELOAD), nxt)
        if reload is not None:
            table.order(reload, mon, OrderFlag.IMPLIES_THEN | OrderFlag.RUNNABLE_LEFT)
        for s in starts:
            table.order(s, mon, OrderFlag.IMPLIES_THEN | OrderFlag.RUNNABLE_LEFT)
        # after a role change, a monitor already recorded for the new role
        # is kept (not started again)
        if promote is not None and role is Role.PROMOTED:
            table.order(promote, mon, OrderFlag.OPTIONAL | OrderFlag.RUNNABLE_LEFT)
        if role is not Role.PROMOTED:
            for demote in demotes:
                table.order(demote, mon, OrderFlag.OPTIONAL | OrderFlag.RUNNABLE_LEFT)
        if not mon.runnable or not any(s.runnable for s in starts):
            if not starts:
                mon.runnable = nxt.available()


def _stopped_monitor(ws: WorkingSet, table: ActionTable, rsc: Resource, op: m.OpConfig) -> None:
    for node in ws.nodes:
        if not node.online or node.unclean or node is rsc.assigned_node:
            continue
        if not rsc.managed and node in rsc.running_on:
            continue  # (an unmanaged resource stays active there)
        mon = table.get(rsc, MONITOR, node, interval_ms=op.interval_ms)
        mon.meta["name"] = MONITOR
        mon.meta["role"] = "Stopped"
        mon.meta["op_target_rc"] = "7"
        if recorded_monitor(rsc, node, op.interval_ms) is None:
            mon.optional = False
        probe = table.find(f"{rsc.name}_{MONITOR}_0", node)
        if probe is not None:
            table.order(probe, mon, OrderFlag.OPTIONAL)
        for stop in table.rsc_actions(rsc, STOP):
            if stop.node is node:
                table.order(stop, mon, OrderFlag.IMPLIES_THEN | OrderFlag.RUNNABLE_LEFT)
                mon.optional = mon.optional and not stop.required


def _top_starts(table: ActionTable, rsc: Resource) -> list[Action]:
    """The start of the top-level resource ``rsc`` belongs to."""
    top = rsc.top
    if top.variant == "primitive":
        return list(table.rsc_actions(top, START))
    found = table.find(op_key(top.name, START), None)
    return [found] if found is not None else []


def _connection_starts(table: ActionTable, node: Node) -> bool:
    """A remote node's monitors are lost with its connection: they start
    again when the connection does (not when it migrates)."""
    conn = node.remote_rsc
    if conn is None or conn.assigned_node is None:
        return False
    return any(s.required and not s.pseudo and s.node is conn.assigned_node
               for s in table.rsc_actions(conn, START))
