"""Pseudo-actions of groups and clones (start/running, stop/stopped,
promote/promoted, demote/demoted) and how members are ordered inside them."""

from __future__ import annotations

from hapy.scheduler.actions.model import (
    COMPLETES,
    DEMOTE,
    DEMOTED,
    PROMOTE,
    PROMOTED,
    RUNNING,
    START,
    STOP,
    STOPPED,
    Action,
    OrderFlag,
)
from hapy.scheduler.actions.notifications import confirmed_completion
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.options import is_true
from hapy.scheduler.working_set import Resource, Role, WorkingSet

F = OrderFlag


def _member_actions(table: ActionTable, rsc: Resource, task: str) -> list[Action]:
    """A member's action(s) of a task: a primitive's real ones, a nested
    collective's pseudo-action."""
    if rsc.variant == "primitive":
        return table.rsc_actions(rsc, task)
    return [table.pseudo(rsc, task)]


def _member_done(table: ActionTable, rsc: Resource, task: str) -> list[Action]:
    """What marks a member's task as done: a primitive's action itself, a
    nested collective's completion pseudo-action (running, stopped...; once
    notified, for a clone that notifies)."""
    if rsc.variant == "primitive":
        return table.rsc_actions(rsc, task)
    confirmed = confirmed_completion(table, rsc, COMPLETES[task])
    if confirmed is not None:
        return [confirmed]
    return _member_actions(table, rsc, COMPLETES[task])


def create_collective_actions(ws: WorkingSet, table: ActionTable, rsc: Resource) -> None:
    """A group's or clone's pseudo-actions; a bundle's are made of its
    containers' actions and its bundled clone's pseudo-actions."""
    members = rsc.children
    if rsc.variant == "bundle":
        from hapy.scheduler.unpack.bundles import bundle_clone, bundle_containers

        clone = bundle_clone(rsc)
        members = bundle_containers(rsc) + ([clone] if clone is not None else [])
    start = table.pseudo(rsc, START)
    running = table.pseudo(rsc, RUNNING)
    stop = table.pseudo(rsc, STOP)
    stopped = table.pseudo(rsc, STOPPED)
    # a group that stops but stays active (some members keep running) is
    # restarted as a whole: its start follows
    restart = F.RESTART if rsc.variant == "group" else F.NONE
    promotable = rsc.promotable or any(c.promotable for c in members)
    bundle = rsc.variant == "bundle"
    if not bundle or promotable:
        # (a bundle starts without waiting for its stop, unless it promotes)
        table.order(stopped, start, F.OPTIONAL | restart)
    # a clone's start pseudo-action always completes with its running one
    # (whose runnability depends on its instances alone); a group's running
    # waits for a member to start
    collective = rsc.variant in ("clone", "bundle")
    if rsc.variant != "bundle":
        # (a bundle is running once its containers and clone are)
        table.order(start, running, F.IMPLIES_THEN if collective
                    else F.OPTIONAL | F.RUNNABLE_LEFT)
    if not bundle:
        # (a bundle has stopped once its containers and clone have)
        table.order(stop, stopped, F.IMPLIES_THEN)
    if promotable:
        promote = table.pseudo(rsc, PROMOTE)
        table.pseudo(rsc, PROMOTED)
        demote = table.pseudo(rsc, DEMOTE)
        demoted = table.pseudo(rsc, DEMOTED)
        if rsc.variant == "group":
            # a group instance of a promotable clone: its role changes are
            # ordered by its members, and by the clone (demote before
            # promote, like any instance)
            table.order(demote, promote, F.OPTIONAL)
        else:
            # promoted completes with the instances' promotions alone
            table.order(demote, demoted, F.OPTIONAL)
            table.order(demoted, stop, F.OPTIONAL)
            table.order(running, promote, F.OPTIONAL | F.RUNNABLE_LEFT)
            table.order(stopped, promote, F.OPTIONAL)
            table.order(demoted, promote, F.OPTIONAL)
            table.order(demoted, start, F.OPTIONAL)
    # a group runs only once every member can start
    started = F.IMPLIES_THEN | F.RUNNABLE_LEFT if rsc.variant == "group" else F.IMPLIES_THEN
    stopped_flags = started if rsc.variant == "group" else F.IMPLIES_THEN
    implies_first = F.IMPLIES_FIRST
    if collective:
        # a clone is running once any of its instances can be
        running.required_runnable = 1
        started |= F.ONE_OR_MORE
    for child in members:
        for a in _member_actions(table, child, START):
            table.order(start, a, implies_first | F.RUNNABLE_LEFT)
        for a in _member_done(table, child, START):
            table.order(a, running, started)
        for a in _member_actions(table, child, STOP):
            table.order(stop, a, implies_first)
        for a in _member_done(table, child, STOP):
            # (a group has stopped only once every member could stop)
            table.order(a, stopped, stopped_flags)
        if promotable:
            for a in _member_actions(table, child, PROMOTE):
                table.order(table.pseudo(rsc, PROMOTE), a, implies_first | F.RUNNABLE_LEFT)
            for a in _member_done(table, child, PROMOTE):
                table.order(a, table.pseudo(rsc, PROMOTED), F.IMPLIES_THEN)
            for a in _member_actions(table, child, DEMOTE):
                table.order(table.pseudo(rsc, DEMOTE), a, implies_first)
            for a in _member_done(table, child, DEMOTE):
                table.order(a, table.pseudo(rsc, DEMOTED), F.IMPLIES_THEN)
    if not any(
        a.runnable or (a.reason == "no quorum" and rsc.variant == "group")
        for child in members for a in _member_actions(table, child, START)
    ):
        # no member can start anywhere: neither can the group or clone
        start.runnable = False
    if promotable and not any(p.next_role is Role.PROMOTED and p.assigned_node is not None
                              for p in rsc.primitives()):
        # nothing will be promoted: what waits for a promotion waits forever
        table.pseudo(rsc, PROMOTE).runnable = False
        table.pseudo(rsc, PROMOTED).runnable = False
    if not any(table.rsc_actions(prim, STOP) for prim in rsc.primitives()):
        # nothing of it is active: there is nothing to stop
        stop.runnable = stopped.runnable = False
    bundled = rsc.parent is not None and rsc.parent.variant == "bundle"
    if rsc.variant == "clone" and (is_true(rsc.meta.get("ordered")) or bundled):
        # instances start one after the other (an ordered clone's in the
        # order they were placed, a bundle's always, by replica), and stop
        # in reverse
        order = rsc.children if bundled else (rsc.instance_order or rsc.children)
        for prev, cur in zip(order, order[1:], strict=False):
            for a in _member_done(table, prev, START):
                for b in _member_actions(table, cur, START):
                    table.order(a, b, F.OPTIONAL)
            for b in _member_done(table, cur, STOP):
                for a in _member_actions(table, prev, STOP):
                    table.order(b, a, F.OPTIONAL)
            if bundled:
                # (and a bundle's are promoted one after the other)
                for a in _member_done(table, prev, PROMOTE):
                    for b in _member_actions(table, cur, PROMOTE):
                        table.order(a, b, F.OPTIONAL)
    if rsc.variant == "group" and is_true(rsc.meta.get("ordered", "true")):
        members = rsc.children
        for prev, cur in zip(members, members[1:], strict=False):
            for a in _member_actions(table, prev, START):
                for b in _member_actions(table, cur, START):
                    if b.node is not None and a.node is not None and a.node is not b.node:
                        continue
                    table.order(a, b, F.IMPLIES_THEN | F.RUNNABLE_LEFT)
            # (stops wherever they are: a member active on several nodes
            # leaves them all after the next member has stopped)
            for b in _member_actions(table, cur, STOP):
                for a in _member_actions(table, prev, STOP):
                    table.order(b, a, F.IMPLIES_FIRST)
            if promotable:
                # members are promoted in order and demoted in reverse order
                for a in _member_actions(table, prev, PROMOTE):
                    for b in _member_actions(table, cur, PROMOTE):
                        if a.node is b.node:
                            table.order(a, b, F.IMPLIES_THEN | F.RUNNABLE_LEFT)
                for b in _member_actions(table, cur, DEMOTE):
                    for a in _member_actions(table, prev, DEMOTE):
                        if a.node is b.node:
                            table.order(b, a, F.IMPLIES_FIRST)
    if not rsc.managed:
        for action in (start, running, stop, stopped):
            action.runnable = False
