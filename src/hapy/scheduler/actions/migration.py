"""Live migration: a resource that allows it moves from its node to another
by ``migrate_to`` on the source and ``migrate_from`` on the target instead of
a stop and a start. The stop on the source then only cleans up after
``migrate_from``, and the start becomes a pseudo-action that completes the
move."""

from __future__ import annotations

from hapy.scheduler.actions.model import (
    MIGRATE_FROM,
    MIGRATE_TO,
    START,
    STOP,
    Action,
    OrderFlag,
    op_key,
)
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.working_set import Resource, Role, WorkingSet


def _can_migrate(rsc: Resource) -> bool:
    if rsc.variant != "primitive" or rsc.parent is not None or not rsc.allow_migrate:
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
        if not rsc.is_remote_connection:
            migrate_to.meta["record_pending"] = "true"
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
    do the stops its own stop waits for, except of resources migrating too."""
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
        firsts: list[tuple[Action, OrderFlag]] = [
            (o.first, o.flags) for o in start.inputs if id(o.first) not in own
        ]
        if any(_blocks(first, rsc, moving) for first, _ in firsts):
            _cancel(rsc, start)
            continue
        for first, flags in firsts:
            table.order(arrival.get(id(first), first), migrate_to, flags)
        # what must stop before this resource leaves its node must stop
        # before it migrates away (unless that is itself migrating)
        stop = table.find(op_key(rsc.name, STOP), rsc.running_on[0])
        if stop is None:
            continue
        for ordering in list(stop.inputs):
            first = ordering.first
            if id(first) in own or (first.rsc is not None and first.rsc in moving):
                continue
            table.order(first, migrate_to, ordering.flags)


def _blocks(first: Action, rsc: Resource, moving: set[Resource]) -> bool:
    """An action of another resource that is not migrating, which the start
    waits for and which is to happen (or cannot): the start cannot be
    replaced by a migration that happens before it."""
    other = first.rsc
    if other is None or other is rsc or other in moving or first.task not in _CHANGES:
        return False
    return first.required or not first.runnable


_CHANGES = frozenset((START, STOP, "promote", "demote"))


def _cancel(rsc: Resource, start: Action) -> None:
    """Back to a plain stop and start."""
    start.pseudo = False
    for action in rsc.actions:
        if action.task in (MIGRATE_TO, MIGRATE_FROM):
            action.deleted = True
