"""Nodes: configuration, attributes and online/clean state from node_state."""

from __future__ import annotations

from hapy.cib.nvsets import unpack_nvsets
from hapy.cib.rules import RuleContext
from hapy.cib.scores import parse_score
from hapy.scheduler.options import is_true
from hapy.scheduler.working_set import Node, WorkingSet


def _in_ccm(value: str | None) -> bool:
    if value is None:
        return False
    value = value.strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    # 2.1 records the time the node joined; a positive number means member
    return value.isdigit() and int(value) > 0


def node_context(ws: WorkingSet, node: Node) -> RuleContext:
    return RuleContext(node_attrs=node.attrs, now=ws.now, changes=ws.rule_changes)


def unpack_nodes(ws: WorkingSet) -> None:
    """Create a Node for every configured node and evaluate its attributes."""
    for index, cfg in enumerate(ws.cib.nodes):
        kind = "remote" if cfg.type == "remote" else "member"
        node = Node(id=cfg.id, uname=cfg.uname, kind=kind, index=index)
        if cfg.score is not None:
            try:
                node.config_score = parse_score(cfg.score)
            except ValueError:
                node.config_score = 0
        add_node(ws, node)
        ctx = RuleContext(node_attrs={"#uname": cfg.uname, "#id": cfg.id}, now=ws.now,
                          changes=ws.rule_changes)
        node.attrs.update(unpack_nvsets(cfg.attribute_sets, ctx))
        node.utilization.update(unpack_nvsets(cfg.utilization_sets, ctx))


def add_node(ws: WorkingSet, node: Node) -> None:
    node.index = len(ws.nodes)
    ws.nodes.append(node)
    ws.nodes_by_id[node.id] = node
    ws.nodes_by_name[node.uname] = node
    node.attrs.setdefault("#uname", node.uname)
    node.attrs.setdefault("#id", node.id)
    node.attrs.setdefault(
        "#kind", {"member": "cluster", "remote": "remote", "guest": "container"}[node.kind]
    )


def apply_node_states(ws: WorkingSet) -> None:
    """Read each cluster node's node_state: transient attributes and whether
    it is online, clean, pending or shutting down."""
    dc_uuid = ws.cib.attrs.get("dc-uuid")
    states = {s.id: s for s in ws.cib.node_states}
    stonith = ws.options.stonith_enabled
    startup_fencing = ws.options.flag("startup-fencing")
    for node in ws.nodes:
        state = states.get(node.id)
        if dc_uuid is not None and node.id == dc_uuid and node.kind == "member":
            node.is_dc = True
            ws.dc_node = node
        if state is None:
            # remote nodes' status is the connection resource's, decided later
            if node.kind == "member":
                node.unseen = True
                if stonith and startup_fencing:
                    node.unclean = True
                    node.fence_reason = "node is unclean"
            continue
        node.state = state
        ctx = RuleContext(node_attrs=node.attrs, now=ws.now, changes=ws.rule_changes)
        node.attrs.update(unpack_nvsets(state.transient_attributes, ctx))
        if node.kind != "member":
            continue
        _member_status(ws, node, stonith)
    for node in ws.nodes:
        node.attrs["#is_dc"] = "true" if node.is_dc else "false"
        apply_node_attributes(ws, node)


def apply_node_attributes(ws: WorkingSet, node: Node) -> None:
    if is_true(node.attrs.get("standby")):
        node.standby = True
    if is_true(node.attrs.get("maintenance")):
        node.maintenance = True
    if node.attrs.get("resource-discovery-enabled") is not None:
        node.rsc_discovery_enabled = is_true(node.attrs["resource-discovery-enabled"])


def _member_status(ws: WorkingSet, node: Node, stonith: bool) -> None:
    state = node.state
    assert state is not None
    a = state.attrs
    in_ccm = _in_ccm(a.get("in_ccm"))
    crmd_online = a.get("crmd", "offline") == "online" or (
        a.get("crmd", "").isdigit() and int(a.get("crmd", "0")) > 0
    )
    join = a.get("join", "down")
    expected = a.get("expected", "down")
    shutdown_attr = node.attrs.get("shutdown", "0")
    shutting_down = shutdown_attr not in ("", "0")
    node.expected_up = expected == "member"

    if not stonith:
        if in_ccm and crmd_online and join == "member":
            node.online = True
        elif in_ccm and crmd_online and join == "pending":
            node.pending = True
            node.online = False
        else:
            node.online = False
        if shutting_down and node.online:
            node.shutdown = True
        return

    if in_ccm and crmd_online:
        if join == "member":
            node.online = True
        elif join == "pending":
            node.pending = True
        elif join == "banned":
            node.unclean = True
            node.fence_reason = "peer was in an unknown state"
        else:
            # the node is there but has not joined
            node.pending = True
    elif not in_ccm and not crmd_online and expected != "member":
        node.online = False  # cleanly down
    elif not in_ccm and expected == "member" and join != "down":
        node.unclean = True
        node.fence_reason = "peer is no longer part of the cluster"
    elif in_ccm and not crmd_online:
        if shutting_down or expected != "member":
            node.online = False
        else:
            node.unclean = True
            node.fence_reason = "peer process is no longer available"
    elif not in_ccm and crmd_online:
        node.unclean = True
        node.fence_reason = "peer is no longer part of the cluster"
    else:
        node.online = False
    if shutting_down and node.online:
        node.shutdown = True
