"""Live migration: a resource that allows it moves from its node to another
by ``migrate_to`` on the source and ``migrate_from`` on the target instead of
a stop and a start. The stop on the source then only cleans up after
``migrate_from``, and the start becomes a pseudo-action that completes the
move."""

from __future__ import annotations

from hapy.scheduler.actions.model import (
    DEMOTE,
    MIGRATE_FROM,
    MIGRATE_TO,
    PROMOTE,
    START,
    STOP,
    Action,
    OrderFlag,
    op_key,
)
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.working_set import Resource, Role, WorkingSet


def _can_migrate(rsc: Resource) -> bool:
    if rsc.variant != "primitive" or rsc.clone_parent() is not None or not rsc.allow_migrate:
        return False
    if not rsc.managed or rsc.failed or rsc.promotable or rsc.role is not Role.STARTED:
        return False
    if len(rsc.running_on) != 1 or rsc.partial_migration_target is not None:
        return False
    if rsc.dangling_migration_sources:
        return False  # still to be cleaned up after its last migration
    source, target = rsc.running_on[0], rsc.assigned_node
    if target is None or target is source or not target.available():
        return False
    if not source.online or source.unclean or source.id in rsc.history_digest_mismatch:
        return False
    return rsc.primitive is not None and rsc.primitive.rclass == "ocf"


def continues_partial_migration(rsc: Resource) -> bool:
    """A resource half way from one node to another (``migrate_to`` done)
    finishes the move with a ``migrate_from`` when it is still to go there."""
    source, target = rsc.partial_migration_source, rsc.partial_migration_target
    if source is None or target is None or rsc.assigned_node is not target:
        return False
    if not rsc.managed or rsc.failed or not rsc.allow_migrate or not target.available():
        return False
    return source.online and not source.unclean and rsc.next_role is not Role.STOPPED


def _finish_partial(table: ActionTable, rsc: Resource) -> bool:
    source, target = rsc.partial_migration_source, rsc.partial_migration_target
    assert source is not None and target is not None
    start = table.find(op_key(rsc.name, START), target)
    stop = table.find(op_key(rsc.name, STOP), source)
    if start is None or stop is None or not start.runnable:
        return False
    migrate_from = table.get(rsc, MIGRATE_FROM, target, optional=False)
    migrate_from.meta.update({"migrate_source": source.uname, "migrate_target": target.uname})
    start.pseudo = True
    table.order(migrate_from, stop, OrderFlag.MANDATORY)
    table.order(migrate_from, start, OrderFlag.MANDATORY)
    return True


def plan_migrations(ws: WorkingSet, table: ActionTable) -> list[Resource]:
    """Turn the moves of migratable resources into migrations; returns them."""
    migrating: list[Resource] = []
    for rsc in ws.all_primitives():
        if continues_partial_migration(rsc):
            if _finish_partial(table, rsc):
                migrating.append(rsc)
            continue
        if not _can_migrate(rsc):
            continue
        source, target = rsc.running_on[0], rsc.assigned_node
        assert target is not None
        start = table.find(op_key(rsc.name, START), target)
        stop = table.find(op_key(rsc.name, STOP), source)
        if start is None or stop is None or not start.runnable:
            continue
        where = {"migrate_source": source.uname, "migrate_target": target.uname}
        migrate_to = table.get(rsc, MIGRATE_TO, source, optional=False)
        migrate_to.meta.update(where)
        migrate_from = table.get(rsc, MIGRATE_FROM, target, optional=False)
        migrate_from.meta.update(where)
        start.pseudo = True
        table.order(migrate_to, migrate_from, OrderFlag.MANDATORY)
        table.order(migrate_from, stop, OrderFlag.MANDATORY)
        table.order(migrate_from, start, OrderFlag.MANDATORY)
        migrating.append(rsc)
    return migrating


def order_migrations(table: ActionTable, migrating: list[Resource]) -> None:
    """What a migrating resource's start waits for, its ``migrate_to`` waits
    for too (probes on the target, ordering constraints); where that is the
    start of another migrating resource, its ``migrate_from`` stands in. So
    do the stops its own stop waits for, except of resources migrating too.
    A guest's container also waits for the probes of the guest's connection."""
    arrival: dict[int, Action] = {}
    moving = set(migrating)
    for rsc in migrating:
        target = rsc.assigned_node
        start = table.find(op_key(rsc.name, START), target)
        froms = table.rsc_actions(rsc, MIGRATE_FROM)
        if start is not None and froms:
            arrival[id(start)] = froms[0]
    for rsc in list(migrating):
        target = rsc.assigned_node
        start = table.find(op_key(rsc.name, START), target)
        # (a partial migration's migrate_from waits for nothing)
        tos = table.rsc_actions(rsc, MIGRATE_TO)
        if start is None or not tos:
            continue
        migrate_to = tos[0]
        own: set[int] = {id(a) for a in rsc.actions if a.task in (STOP, MIGRATE_FROM, MIGRATE_TO)}
        # (a group member's migration does not wait for its group's pseudo-actions)
        ancestors = _ancestors(rsc)
        firsts: list[tuple[Action, OrderFlag]] = [
            (o.first, o.flags) for o in start.inputs
            if id(o.first) not in own and o.first.rsc not in ancestors
        ]
        blocker = next((why for first, flags in firsts
                        if (why := _blocks(table, first, flags, rsc, moving)) is not None), None)
        if blocker is not None:
            _cancel(rsc, start)
            start.reason = start.reason or blocker
            continue
        for first, flags in firsts:
            table.order(arrival.get(id(first), first), migrate_to, flags)
        for conn in rsc.fillers:
            if conn.is_remote_connection:
                # a guest's container migrates once its connection's probes
                # have found where the connection is
                for probe in conn.actions:
                    if probe.probe:
                        table.order(probe, migrate_to, OrderFlag.OPTIONAL)
        _spare_dependents(rsc, start)
        _unchain_stops(table, rsc, moving)
        # what must stop before this resource leaves its node must stop
        # before it migrates away (unless that is itself migrating)
        stop = table.find(op_key(rsc.name, STOP), rsc.running_on[0])
        if stop is None:
            continue
        for ordering in list(stop.inputs):
            first = ordering.first
            if id(first) in own or (first.rsc is not None and first.rsc in moving) \
                    or first.rsc in ancestors:
                continue
            table.order(first, migrate_to, ordering.flags)


def _spare_dependents(rsc: Resource, start: Action) -> None:
    """A migration does not restart what is ordered after the resource:
    its start and stop imply nothing for other resources' actions (its
    group's pseudo-actions still follow it)."""
    own = _ancestors(rsc) | {rsc}
    for ordering in start.outputs:
        if ordering.then.rsc not in own:
            ordering.flags &= ~OrderFlag.IMPLIES_THEN
    for stop in (a for a in rsc.actions if a.task == STOP):
        for ordering in stop.inputs:
            if ordering.first.rsc not in own:
                ordering.flags &= ~OrderFlag.IMPLIES_FIRST


def _unchain_stops(table: ActionTable, rsc: Resource, moving: set[Resource]) -> None:
    """What the migrating resource was ordered after (and which does not
    migrate too) need not wait for its stop, which comes only once it has
    arrived: it may restart around the migration."""
    ancestors = _ancestors(rsc)
    for stop in [a for a in rsc.actions if a.task == STOP]:
        for ordering in list(stop.outputs):
            other = ordering.then.rsc
            if other is None or other is rsc or other in moving or other in ancestors:
                continue
            if ordering.then.task in (STOP, "stopped") and \
                    not ordering.flags & OrderFlag.IMPLIES_FIRST:
                table.unorder(ordering)


def _ancestors(rsc: Resource) -> set[Resource | None]:
    out: set[Resource | None] = set()
    parent = rsc.parent
    while parent is not None:
        out.add(parent)
        parent = parent.parent
    return out


def _blocks(table: ActionTable, first: Action, flags: OrderFlag, rsc: Resource,
            moving: set[Resource]) -> str | None:
    """Why an action the start waits for keeps the resource from migrating
    (None if it does not): it cannot run, or its resource, not migrating
    itself, is to stop and start again (a mere start or stop does not hold
    a migration back; nor does anything through an optional ordering), or it
    is a promotion or demotion that is to happen."""
    other = first.rsc
    if other is None or other is rsc or other in moving:
        return None
    if not first.runnable and first.task in _CHANGES:
        return f"unrunnable {other.name} {first.task}"
    if first.task in (PROMOTE, DEMOTE) and first.required:
        return f"{other.name} {first.task}"
    if flags & OrderFlag.IMPLIES_THEN and first.task in _CHANGES | _COMPLETIONS \
            and _changes(table, other, STOP) and _changes(table, other, START):
        # it restarts or moves: its stop would wait for this resource's
        # stop, which comes after the migration that waits for its start
        return f"unrunnable {other.name} stop"
    return None


def _changes(table: ActionTable, rsc: Resource, task: str) -> bool:
    """Whether ``rsc`` (or anything in it) is to ``task`` somewhere."""
    return any(action.required and not action.deleted and action.node is not None
               for member in rsc.walk() for action in table.rsc_actions(member, task))


_CHANGES = frozenset((START, STOP, PROMOTE, DEMOTE))
_COMPLETIONS = frozenset(("running", "stopped", "promoted", "demoted"))


def _cancel(rsc: Resource, start: Action) -> None:
    """Back to a plain stop and start."""
    start.pseudo = False
    for action in rsc.actions:
        if action.task in (MIGRATE_TO, MIGRATE_FROM):
            action.deleted = True
