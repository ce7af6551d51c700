"""Deleting the record of an expired shutdown lock."""

from __future__ import annotations

from hapy.scheduler.actions.model import LRM_DELETE
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.working_set import WorkingSet


def create_lock_cleanups(ws: WorkingSet, table: ActionTable) -> None:
    """A resource whose shutdown lock on a node expired has its history
    there deleted from the CIB (it is not asked of the node)."""
    for prim in ws.all_primitives():
        for node in prim.expired_lock_on.values():
            delete = table.get(prim, LRM_DELETE, node, optional=False,
                               key=f"{prim.name}_{LRM_DELETE}_0")
            delete.is_cluster_event = True
            delete.mode = "cib"
            delete.runnable = True  # (done in the CIB, the node may be down)
