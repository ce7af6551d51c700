"""Orderings implied by mandatory anti-colocations.

When two resources must never share a node, whichever leaves a node must do
so before the other arrives there: the stop (or demote) of one comes before
the start (or promote) of the other, for actions on the same node only.  A
clone or a group takes part through its own pseudo-actions: the other
resource's start waits for its demoted (or stopped) one, and its promote (or
start) waits for the other's stop, wherever they are.
"""

from __future__ import annotations

from collections.abc import Iterator

from hapy.scheduler.actions.model import COMPLETES, DEMOTE, PROMOTE, START, STOP, OrderFlag
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.working_set import INFINITY, Resource, Role, WorkingSet


def _losing(role: Role) -> tuple[str, ...]:
    """The tasks by which a resource gives up ``role``."""
    if role is Role.PROMOTED:
        return (DEMOTE,)
    if role is Role.UNPROMOTED:
        return (STOP, PROMOTE)
    return (STOP,)


def _gaining(role: Role) -> tuple[str, ...]:
    """The tasks by which a resource takes ``role``."""
    if role is Role.PROMOTED:
        return (PROMOTE,)
    if role is Role.UNPROMOTED:
        return (START, DEMOTE)
    return (START,)


def _top_primitive(rsc: Resource) -> bool:
    return rsc.variant == "primitive" and rsc.parent is None


def _top_party(rsc: Resource) -> bool:
    """A top-level primitive, group or clone (a group or clone takes part
    through its own pseudo-actions)."""
    return rsc.parent is None and rsc.variant in ("primitive", "group", "clone")


def _collective(rsc: Resource) -> bool:
    return rsc.variant in ("group", "clone")


def anti_colocation_orders(ws: WorkingSet) -> Iterator[tuple[Resource, str, Resource, str]]:
    """(first, first task, then, then task) for every mandatory anti-colocation,
    both ways round, between top-level resources."""
    for coloc in ws.colocations:
        if coloc.score > -INFINITY:
            continue
        dependent = coloc.configured_dependent or coloc.dependent
        pairs = (
            (dependent, coloc.dependent_role, coloc.primary, coloc.primary_role),
            (coloc.primary, coloc.primary_role, dependent, coloc.dependent_role),
        )
        for first, first_role, then, then_role in pairs:
            if not _top_party(first) or not _top_party(then) or first is then \
                    or (first.variant == "clone" and then.variant == "clone"):
                continue
            for first_task in _losing(first_role):
                for then_task in _gaining(then_role):
                    yield first, first_task, then, then_task


def order_anti_colocations(ws: WorkingSet, table: ActionTable) -> None:
    for first, first_task, then, then_task in anti_colocation_orders(ws):
        if _collective(first):
            # once the members have given the role up
            first_task = COMPLETES[first_task]
        for a in table.rsc_actions(first, first_task):
            for b in table.rsc_actions(then, then_task):
                if _collective(first) or _collective(then) or (
                        a.node is not None and a.node is b.node):
                    table.order(a, b, OrderFlag.OPTIONAL)
