"""Unfencing: where a fencing device ``provides=unfencing`` (fabric fencing
such as fence_scsi), a node must be let back in ("on" fencing) before
anything is probed there, or started there of what requires unfencing.

A node needs it until its ``#node-unfenced`` attribute says it was done. The
"on" action carries the digests of the devices that unfence (so the node
records which device definitions it was unfenced with) and is created when
the first action on the node needs it, named in its reason.
"""

from __future__ import annotations

from hapy.scheduler.actions.model import START, STONITH, Action, OrderFlag
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.digests import op_digest, secure_digest, unfencing_digest_entry
from hapy.scheduler.working_set import Node, Resource, WorkingSet

UNFENCED_ATTR = "#node-unfenced"


def unfencing_devices(ws: WorkingSet) -> list[Resource]:
    """The fencing devices that unfence (``provides=unfencing``)."""
    if not ws.options.stonith_enabled:
        return []
    return [
        rsc for rsc in ws.all_primitives()
        if rsc.primitive is not None and rsc.primitive.rclass == "stonith"
        and (rsc.meta.get("provides") == "unfencing"
             or rsc.params.get("provides") == "unfencing")
    ]


def needs_unfencing(node: Node) -> bool:
    return (node.kind == "member" and node.online and not node.unclean
            and UNFENCED_ATTR not in node.attrs)


def create_unfencing(ws: WorkingSet, table: ActionTable) -> None:
    """Unfence each node that needs it before its probes and the starts of
    what requires unfencing there."""
    devices = unfencing_devices(ws)
    if not devices:
        return
    for node in ws.nodes:
        if not needs_unfencing(node):
            continue
        waiting = [a for a in ws.actions if a.node is node and a.rsc is not None
                   and not a.deleted and _waits(a)]
        if not waiting:
            continue
        # (probes come first: they are what is scheduled first on a node)
        first = next((a for a in waiting if a.probe), waiting[0])
        assert first.rsc is not None
        unfence = _unfence_action(ws, table, node, devices,
                                  f"required by {first.rsc.name} {first.task}")
        for action in waiting:
            table.order(unfence, action, OrderFlag.MANDATORY)


def create_reunfencing(ws: WorkingSet, table: ActionTable) -> None:
    """A node where an unfencing device restarts with another definition is
    unfenced again with it: what requires unfencing there stops before and
    starts after (a restart "due to required stonith")."""
    devices = unfencing_devices(ws)
    for device in devices:
        for node in device.running_on:
            if node.id not in device.history_digest_mismatch or not node.online \
                    or node.unclean or node.id in ws.fencing_actions:
                continue
            changed = "definition" if node.id in device.delete_on else "parameters"
            unfence = _unfence_action(ws, table, node, devices, f"Device {changed} changed")
            for start in table.rsc_actions(device, START):
                if start.node is node:
                    table.order(unfence, start, OrderFlag.MANDATORY)
            for rsc in list(node.running):
                if rsc.requires != "unfencing" or not rsc.managed:
                    continue
                stop = table.find(f"{rsc.name}_stop_0", node)
                if stop is None:
                    continue
                stop.optional = False
                stop.reason_source = stop.reason_source or unfence
                table.order(stop, unfence, OrderFlag.MANDATORY)
                for start in table.rsc_actions(rsc, START):
                    if start.node is node:
                        start.optional = False
                        start.reason_source = start.reason_source or unfence
                        table.order(unfence, start, OrderFlag.MANDATORY)


def _waits(action: Action) -> bool:
    rsc = action.rsc
    assert rsc is not None
    if action.probe:
        return True
    return action.task == START and rsc.requires == "unfencing"


def _unfence_action(ws: WorkingSet, table: ActionTable, node: Node,
                    devices: list[Resource], reason: str) -> Action:
    unfence = table.get(None, STONITH, node, key=f"stonith-{node.uname}-on", optional=False)
    unfence.is_cluster_event = True
    unfence.fence_action = "on"
    unfence.runnable = True
    unfence.reason = reason
    unfence.meta.update(_digests(devices))
    unfence.meta["on_node"] = node.uname
    unfence.meta["on_node_uuid"] = node.id
    unfence.meta["stonith_action"] = "on"
    ws.fencing_actions[node.id] = unfence
    return unfence


def _digests(devices: list[Resource]) -> dict[str, str]:
    """The devices' definitions (``digests_all``, ``digests_secure``) that a
    fencing action records on the node it fences."""
    entries_all, entries_secure = "", ""
    for device in devices:
        params = device.params
        kind = device.primitive.type if device.primitive is not None else ""
        entries_all += unfencing_digest_entry(device.id, kind, op_digest(params)) + ","
        entries_secure += unfencing_digest_entry(
            device.id, kind, secure_digest(params, None, fencing=True)) + ","
    return {"digests_all": entries_all, "digests_secure": entries_secure}


def add_unfencing_digests(ws: WorkingSet) -> None:
    """Every fencing action tells which unfencing devices' definitions apply."""
    devices = unfencing_devices(ws)
    if not devices:
        return
    digests = _digests(devices)
    for fence in ws.fencing_actions.values():
        if not fence.pseudo:
            for name, value in digests.items():
                fence.meta.setdefault(name, value)
