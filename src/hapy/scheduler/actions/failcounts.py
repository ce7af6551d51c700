"""Clearing the failcounts of failures that no longer count: expired
(failure-timeout) or recorded against a definition that changed since."""

from __future__ import annotations

from hapy.scheduler.actions.model import CLEAR_FAILCOUNT, OrderFlag
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.working_set import WorkingSet


def create_failcount_clears(ws: WorkingSet, table: ActionTable) -> None:
    for prim in ws.all_primitives():
        for node in prim.clear_failcount_on.values():
            clear = table.get(prim, CLEAR_FAILCOUNT, node, optional=False,
                              key=f"{prim.name}_{CLEAR_FAILCOUNT}_0")
            clear.is_cluster_event = True
            clear.meta["op_no_wait"] = "true"
            clear.meta["timeout"] = "20000"
            remote = prim.remote_node if prim.is_remote_connection else None
            fence = ws.fencing_actions.get(remote.id) if remote is not None else None
            if fence is not None:
                # a lost connection's failures are forgotten once its node is fenced
                table.order(fence, clear, OrderFlag.OPTIONAL)
