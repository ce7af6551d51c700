"""Tickets (``rsc_ticket``): resources that may only be active, or promoted,
while a ticket is granted.

A ticket that is not granted applies its loss-policy: ``stop`` bans the
resource from every node, ``demote`` only keeps it from being promoted (a
ticket for the Promoted role) or bans it (any other role), ``fence`` bans it
and fences the nodes where it is active in the ticket's role, ``freeze``
leaves the resource where it is, unmanaged and without stickiness (what is
not active may not start).  A granted ticket in standby stops
(or, for the Promoted role, demotes) its resources without any loss-policy.
"""

from __future__ import annotations

from collections.abc import Iterable

from hapy.scheduler.explain.ledger import noting
from hapy.scheduler.unpack.constraints import ConstraintData, TicketSpec
from hapy.scheduler.working_set import INFINITY, Node, Resource, Role, WorkingSet

LOST_REASON = "deadman ticket was lost"


def ticket_blocks_promotion(spec: TicketSpec) -> bool:
    """A Promoted-role ticket that is not usable keeps instances from promotion."""
    return spec.role is Role.PROMOTED and (not spec.ticket.granted or spec.ticket.standby)


def apply_tickets(ws: WorkingSet, data: ConstraintData) -> None:
    for spec in data.tickets:
        spec.rsc.ticket_constraints.append(spec)
        ticket = spec.ticket
        if not ticket.granted:
            _apply_loss_policy(ws, spec)
        elif ticket.standby and (spec.role is not Role.PROMOTED or spec.loss_policy == "stop"):
            _ban_everywhere(ws, spec.rsc, f"{spec.id}: ticket {ticket.id} is in standby")


def _apply_loss_policy(ws: WorkingSet, spec: TicketSpec) -> None:
    policy = spec.loss_policy
    rsc = spec.rsc
    if policy == "demote":
        if spec.role is not Role.PROMOTED:
            _ban_everywhere(ws, rsc, _lost(spec))
    elif policy == "fence":
        affected = _affected(rsc, spec.role)
        if spec.role is not Role.PROMOTED or not ws.options.stonith_enabled:
            _ban_everywhere(ws, rsc, _lost(spec))
        else:
            # only the promoted instances are banned (and their nodes fenced)
            _ban_primitives(ws, affected, _lost(spec))
        for prim in affected:
            for node in prim.running_on:
                _fence(node)
    elif policy == "freeze":
        for prim in _affected(rsc, spec.role):
            if prim.running_on:
                prim.managed = False
                prim.frozen_by_ticket = True
        if spec.role in (Role.UNKNOWN, Role.STARTED):
            # what is not active stays stopped
            _ban_primitives(ws, [p for p in rsc.primitives() if not p.running_on],
                            _lost(spec) + ": what is not active stays stopped")
    else:
        _ban_everywhere(ws, rsc, _lost(spec))


def _affected(rsc: Resource, role: Role) -> list[Resource]:
    prims = rsc.primitives()
    if role is Role.UNKNOWN:
        return prims
    return [p for p in prims if p.role is role]


def _lost(spec: TicketSpec) -> str:
    return f"{spec.id}: ticket {spec.ticket.id} is not granted (loss-policy={spec.loss_policy})"


def _ban_everywhere(ws: WorkingSet, rsc: Resource, reason: str) -> None:
    """Ban every primitive of ``rsc`` (a group's members, a clone's
    instances) from every node."""
    _ban_primitives(ws, rsc.primitives(), reason)


def _ban_primitives(ws: WorkingSet, prims: Iterable[Resource], reason: str) -> None:
    for prim in prims:
        with noting(ws, prim, "ticket", reason.split(":")[0], reason):
            for node in ws.nodes:
                prim.allowed[node.id] = -INFINITY


def _fence(node: Node) -> None:
    if node.unclean:
        return
    if node.unpacked_state is None:
        # the status as found shows the node clean: the ticket fences it
        node.unpacked_state = (node.online, node.unclean, node.shutdown)
    node.unclean = True
    node.fence_reason = LOST_REASON
