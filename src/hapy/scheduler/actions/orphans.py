"""Cleaning up after resources removed from the configuration.

A resource known only from the status section (an orphan) has its history
deleted from every online node that has some (standby nodes keep it), once
it is stopped: after its stops when it is still active, at once when it is
not. An inactive orphan whose
failures are still counted somewhere keeps its history (the failures are
cleared first, by an administrator or by failure-timeout).
"""

from __future__ import annotations

from hapy.scheduler.actions.model import CLEAR_FAILCOUNT, DELETE, STOP, OrderFlag
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.working_set import Resource, WorkingSet


def create_orphan_cleanup(ws: WorkingSet, table: ActionTable) -> None:
    from hapy.scheduler.unpack.history import fail_count

    for rsc in ws.resources:
        if not _removed(rsc):
            continue
        stops = list(table.rsc_actions(rsc, STOP))
        if not stops and any(fail_count(rsc, n) > 0 for n in ws.nodes if not n.is_remote):
            continue
        for node in ws.nodes:
            if node.id not in rsc.known_on or not node.online or node.unclean \
                    or node.standby:
                continue
            delete = table.get(rsc, DELETE, node, optional=False)
            for stop in stops:
                table.order(stop, delete, OrderFlag.OPTIONAL)
        for stop in stops:
            where = stop.node
            if where is None or stop.pseudo or where.is_remote or fail_count(rsc, where) <= 0:
                continue  # (failures on remote and guest nodes are not cleared)
            # its failures are forgotten before it stops for good
            clear = table.get(rsc, CLEAR_FAILCOUNT, where, optional=False,
                              key=f"{rsc.name}_{CLEAR_FAILCOUNT}_0")
            clear.is_cluster_event = True
            clear.meta["op_no_wait"] = "true"
            clear.meta["timeout"] = "20000"
            table.order(clear, stop, OrderFlag.OPTIONAL)


def _removed(rsc: Resource) -> bool:
    """A top-level primitive known only from the history, managed."""
    return rsc.orphan and rsc.parent is None and rsc.variant == "primitive" and rsc.managed
