"""Orderings inside a bundle's replicas.

A replica's IP address is up before its container starts and goes down
after it stops; a container starts or stops on a node once all of the
bundle's containers have been probed there; its connection is probed only
once the container is up (the guest's pacemaker-remoted runs inside it),
wherever it is probed.
"""

from __future__ import annotations

from hapy.scheduler.actions.model import MONITOR, START, STOP, Action, OrderFlag
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.unpack.bundles import bundle_clone, replica_parts
from hapy.scheduler.working_set import Resource

F = OrderFlag


def order_replicas(table: ActionTable, bundle: Resource) -> None:
    clone = bundle_clone(bundle)
    _probe_before_starting_there(table, bundle)
    bundle_stop = table.pseudo(bundle, STOP) if clone is not None else None
    for parts in replica_parts(bundle):
        container = parts["container"]
        child = parts.get("child")
        if bundle_stop is not None and child is not None:
            # the bundle's stop comes before its instances' (not only through
            # its clone's)
            for prim in child.primitives():
                for stop in table.rsc_actions(prim, STOP):
                    table.order(bundle_stop, stop, F.OPTIONAL)
        ip = parts.get("ip")
        if ip is not None:
            for first in table.rsc_actions(ip, START):
                for then in table.rsc_actions(container, START):
                    table.order(first, then, F.IMPLIES_THEN | F.RUNNABLE_LEFT)
            for first in table.rsc_actions(container, STOP):
                for then in table.rsc_actions(ip, STOP):
                    table.order(first, then, F.IMPLIES_FIRST)
        if clone is not None:
            # the bundled instances start only once it is known where the
            # containers are
            clone_start = table.pseudo(clone, START)
            for probe in table.rsc_actions(container, MONITOR):
                if probe.probe:
                    table.order(probe, clone_start, F.OPTIONAL)
        conn = parts.get("remote")
        if conn is not None:
            for probe in table.rsc_actions(conn, MONITOR):
                if not probe.probe:
                    continue
                for start in table.rsc_actions(container, START):
                    table.order(start, probe, F.OPTIONAL | F.RUNNABLE_LEFT)


def _probe_before_starting_there(table: ActionTable, bundle: Resource) -> None:
    """A container starts or stops on a node only once every container of
    its bundle has been probed there (any of them may be running on it)."""
    containers = [p["container"] for p in replica_parts(bundle)]
    probes_on: dict[str, list[Action]] = {}
    for container in containers:
        for probe in table.rsc_actions(container, MONITOR):
            if probe.probe and probe.node is not None:
                probes_on.setdefault(probe.node.id, []).append(probe)
    for container in containers:
        for action in (*table.rsc_actions(container, START),
                       *table.rsc_actions(container, STOP)):
            if action.node is None:
                continue
            for probe in probes_on.get(action.node.id, ()):
                if probe.rsc is not container:
                    table.order(probe, action, F.OPTIONAL)
