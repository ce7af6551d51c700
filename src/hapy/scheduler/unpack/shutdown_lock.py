"""Shutdown locks (the shutdown-lock cluster option).

A resource active on a node that shuts down cleanly stays locked to that node:
it is stopped there and may run nowhere else until the node comes back, or
until shutdown-lock-limit has passed since the shutdown. The lock is recorded
in the node's history (the ``shutdown-lock`` time of the ``lrm_resource``) once
the node is down. Fencing devices, remote connections and clone instances are
never locked.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hapy.scheduler.explain.ledger import noting
from hapy.scheduler.working_set import INFINITY, Node, Resource, WorkingSet


def _lockable(rsc: Resource) -> bool:
    prim = rsc.primitive
    if prim is None or prim.rclass == "stonith" or rsc.is_remote_connection:
        return False
    return rsc.clone_parent() is None


def _time(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def apply_shutdown_locks(ws: WorkingSet) -> None:
    """Find the locked resources; must run after the history is unpacked."""
    if not ws.options.flag("shutdown-lock"):
        return
    limit = ws.options.ms("shutdown-lock-limit") // 1000
    now = int(ws.now.timestamp())

    def lock(rsc: Resource, node: Node, since: int | None, recorded: bool = False) -> None:
        if since is None or not _lockable(rsc):
            return
        if limit > 0 and now > since + limit:
            if recorded:
                # the lock expired: its record is deleted
                rsc.expired_lock_on[node.id] = node
            return
        rsc.lock_node = node
        rsc.lock_time = since
        if limit > 0:
            # the scheduler must run again when the lock expires
            ws.rule_changes.append(datetime.fromtimestamp(since + limit + 1, UTC))

    for node in ws.nodes:
        if node.kind != "member":
            continue
        if node.shutdown:
            # what runs on a node leaving cleanly is locked from its request on
            for rsc in node.running:
                lock(rsc, node, _time(node.attrs.get("shutdown")))
        elif not node.online and node.state is not None:
            for lrm in node.state.lrm_resources:
                recorded = ws.resources_by_id.get(lrm.id)
                if recorded is not None and lrm.shutdown_lock is not None \
                        and not recorded.running_on:
                    lock(recorded, node, _time(lrm.shutdown_lock), recorded=True)


def apply_lock_scores(ws: WorkingSet) -> None:
    """A locked resource may run on its lock node only."""
    for rsc in ws.all_primitives():
        if rsc.lock_node is None:
            continue
        with noting(ws, rsc, "shutdown-lock", "shutdown-lock",
                    f"locked to {rsc.lock_node.uname}, which shut down"):
            for node in ws.nodes:
                rsc.allowed[node.id] = INFINITY if node is rsc.lock_node else -INFINITY
