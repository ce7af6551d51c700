"""What a successful ``migrate_to`` left behind, once every node's history is
known.

A resource whose last word on its source node is a successful ``migrate_to``
is, depending on what its target node says:

- moved, when the target has a successful ``migrate_from`` from that source:
  it runs on the target only, and the source still needs a stop (a dangling
  migration) that no summary line announces;
- left where it was, when the target's ``migrate_from`` failed (the target's
  own history makes it active and failed there);
- half way (a partial migration) when the target, which has history of it
  (a probe at least), has no ``migrate_from`` yet: it counts as active on
  both nodes, the target listed first, and may finish the migration with just
  a ``migrate_from`` (never probed on the target, it migrates anew);
- failed on the source when the target is not online to take it.

A source stopped after its ``migrate_to`` leaves the resource on the target
unless the target's history says otherwise (see _stopped_after_migrating).
"""

from __future__ import annotations

from hapy.cib import model as m
from hapy.scheduler.working_set import Node, Resource, Role, WorkingSet

History = tuple[Resource, Node, m.LrmResource, list[m.LrmOp]]


def settle_migrations(ws: WorkingSet, entries: list[History]) -> None:
    """Decide each partial migration recorded by the history replay."""
    ops_of: dict[tuple[int, str], list[m.LrmOp]] = {}
    for rsc, node, _lrm, ops in entries:
        ops_of[(id(rsc), node.id)] = ops
    for rsc in ws.all_primitives():
        source, target = rsc.partial_migration_source, rsc.partial_migration_target
        if source is None or target is None:
            continue
        if source is target:
            _forget(rsc)
            continue
        if not target.online or target.unclean:
            _failed_on_source(rsc, source)
            continue
        theirs = ops_of.get((id(rsc), target.id))
        if theirs is None:
            _forget(rsc)  # never probed there: a probe will tell, then it migrates anew
            continue
        outcome = _migrate_from_outcome(theirs, source)
        if outcome == "done":
            _completed(rsc, source)
        elif outcome == "failed":
            _forget(rsc)
            if source in rsc.running_on and target in rsc.running_on:
                # (listed like a half-done migration: the target first)
                rsc.running_on.remove(target)
                rsc.running_on.insert(rsc.running_on.index(source), target)
        else:
            _half_way(rsc, source, target)
    for rsc, node, _lrm, ops in entries:
        _stopped_after_migrating(ws, rsc, node, ops, ops_of)
        _pending_from_lost_source(ws, rsc, node, ops)


def _migrate_from_outcome(ops: list[m.LrmOp], source: Node) -> str:
    """``done``, ``failed`` or ``none``: the target's last ``migrate_from``
    from ``source``, unless the target stopped or started it since."""
    outcome = "none"
    for op in ops:
        if op.operation in ("start", "stop"):
            outcome = "none"
        elif op.operation == "migrate_from" and op.get("migrate_source") in (None, source.uname):
            if op.op_status == -1 or op.call_id < 0:
                outcome = "none"  # still running
            elif op.op_status == 0 and op.rc_code == 0:
                outcome = "done"
            else:
                outcome = "failed"
    return outcome


def _forget(rsc: Resource) -> None:
    rsc.partial_migration_source = None
    rsc.partial_migration_target = None


def _completed(rsc: Resource, source: Node) -> None:
    """It left the source: not active there, but a stop cleans up after it."""
    _forget(rsc)
    if source in rsc.running_on:
        rsc.running_on.remove(source)
        source.running.remove(rsc)
    if source not in rsc.dangling_migration_sources:
        rsc.dangling_migration_sources.append(source)
    if not rsc.running_on:
        rsc.role = Role.STOPPED


def _half_way(rsc: Resource, source: Node, target: Node) -> None:
    if target not in rsc.running_on:
        at = rsc.running_on.index(source) if source in rsc.running_on else 0
        rsc.running_on.insert(at, target)
        target.running.append(rsc)
    rsc.known_on[target.id] = target


def _failed_on_source(rsc: Resource, source: Node) -> None:
    """The target cannot take it: recover it from the source."""
    _forget(rsc)
    rsc.failed = True
    rsc.failed_on[source.id] = source
    rsc.on_fail.setdefault(source.id, "restart")


def _stopped_after_migrating(ws: WorkingSet, rsc: Resource, source: Node, ops: list[m.LrmOp],
                             ops_of: dict[tuple[int, str], list[m.LrmOp]]) -> None:
    """A source stopped after a successful ``migrate_to`` (and not started
    since): the resource went on to the target unless the target has said
    anything newer (an untimed ``migrate_to`` has nothing newer). It stays a
    partial migration: moving on from the target is a stop and a start."""
    last = None
    for op in ops:
        if op.operation == "migrate_to" and op.op_status == 0 and op.rc_code == 0:
            last = op
        elif op.operation in ("start", "migrate_from", "promote"):
            last = None
    if last is None or rsc.partial_migration_source is not None:
        return
    target = ws.nodes_by_name.get(last.get("migrate_target") or "")
    if target is None or target is source or not target.online or target.unclean \
            or target in rsc.running_on:
        return
    theirs = ops_of.get((id(rsc), target.id))
    if not theirs:
        return  # never probed there: a probe will tell
    if any(op.operation == "migrate_from" for op in theirs):
        return  # the target's own history tells
    at = op_time(last)
    if at and any(op_time(op) > at for op in theirs):
        return
    rsc.running_on.append(target)
    target.running.append(rsc)
    rsc.known_on[target.id] = target
    rsc.role = max(rsc.role, Role.STARTED)
    # still a migration left half way: it does not migrate again from there
    rsc.partial_migration_source, rsc.partial_migration_target = source, target


def _pending_from_lost_source(ws: WorkingSet, rsc: Resource, source: Node,
                              ops: list[m.LrmOp]) -> None:
    """A ``migrate_to`` still running on a node that is to be fenced may have
    left the resource half on its target: it is stopped there too (quietly,
    like a finished migration's source)."""
    if not source.unclean or rsc.pending_task != "migrate_to" or rsc.pending_node is not source:
        return
    pending = [op for op in ops if op.operation == "migrate_to"
               and (op.op_status == -1 or op.call_id < 0)]
    if not pending:
        return
    target = ws.nodes_by_name.get(pending[-1].get("migrate_target") or "")
    if target is None or target is source or not target.online or target.unclean \
            or target in rsc.running_on or target in rsc.dangling_migration_sources:
        return
    rsc.dangling_migration_sources.append(target)


def op_time(op: m.LrmOp) -> int:
    """When an operation's result was recorded (``last-rc-change``), 0 if unknown."""
    try:
        return int(op.get("last-rc-change") or op.get("last-run") or "0")
    except ValueError:
        return 0
