"""Nodes: configuration, attributes and online/clean state from node_state."""

from __future__ import annotations

from hapy.cib.nvsets import unpack_nvsets
from hapy.cib.rules import RuleContext, compare_versions
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


def can_fence(ws: WorkingSet, node: Node) -> bool:
    """Could this partition fence ``node``? Without quorum only the nodes it
    can see, unless no-quorum-policy is ignore."""
    if not ws.options.stonith_enabled or not ws.stonith_devices:
        return False
    if ws.have_quorum or ws.options.no_quorum_policy == "ignore":
        return True
    return node.online


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


#: the first CIB feature set whose fail-counts are recorded per operation
PER_OPERATION_FAILURES_SINCE = "3.0.13"


def failures_per_operation(ws: WorkingSet) -> bool:
    """Whether the CIB's failures count per operation
    (``fail-count-RSC#TASK_INTERVAL``, feature set 3.0.13 and later) rather
    than per resource (``fail-count-RSC``, older or no feature set): only
    the attributes of that form count toward migration-threshold and
    failure-timeout."""
    feature_set = ws.cib.attrs.get("crm_feature_set", "")
    return bool(feature_set) and compare_versions(
        feature_set, PER_OPERATION_FAILURES_SINCE) >= 0


def add_node(ws: WorkingSet, node: Node) -> None:
    node.index = len(ws.nodes)
    node.failures_per_operation = failures_per_operation(ws)
    ws.nodes.append(node)
    ws.nodes_by_id[node.id] = node
    ws.nodes_by_name[node.uname] = node
    node.attrs.setdefault("#uname", node.uname)
    node.attrs.setdefault("#id", node.id)
    cluster_name = ws.options.get("cluster-name")
    if cluster_name:
        node.attrs.setdefault("#cluster-name", cluster_name)
    node.attrs.setdefault(
        "#kind", {"member": "cluster", "remote": "remote", "guest": "container"}[node.kind]
    )


#: why a cluster node that left the membership unexpectedly is fenced
LOST_REASON = "peer is no longer part of the cluster"


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
            node.unseen = True
            if stonith and startup_fencing and node.kind != "guest":
                node.unclean = True
                node.fence_reason = "node is unclean"
            continue
        node.state = state
        ctx = RuleContext(node_attrs=node.attrs, now=ws.now, changes=ws.rule_changes)
        node.attrs.update(unpack_nvsets(state.transient_attributes, ctx))
        if node.kind != "member":
            node.remote_was_fenced = _fenced_at(state.attrs.get("node_fenced"))
            if is_true(state.attrs.get("node_in_maintenance")):
                node.maintenance = True
            continue
        _member_status(ws, node, stonith)
        if stonith and node.online and not node.unclean and _termination_requested(node):
            node.unclean = True
            node.fence_reason = "termination was requested"
    if _quorum_lost_with_suicide(ws):
        for node in ws.nodes:
            if node.kind == "member" and node.online and not node.unclean:
                node.unclean = True
                node.fence_reason = "cluster does not have quorum"
    for node in ws.nodes:
        node.attrs["#is_dc"] = "true" if node.is_dc else "false"
        apply_node_attributes(ws, node)


def _termination_requested(node: Node) -> bool:
    """The node's ``terminate`` attribute asks for it to be fenced."""
    value = node.attrs.get("terminate")
    if value is None:
        return False
    if is_true(value):
        return True
    try:
        return int(value) > 0
    except ValueError:
        return False


def _quorum_lost_with_suicide(ws: WorkingSet) -> bool:
    """no-quorum-policy=suicide fences this partition's nodes, but only once
    the partition had quorum and lost it (the CIB's no-quorum-panic)."""
    return (
        not ws.have_quorum
        and ws.options.no_quorum_policy == "suicide"
        and is_true(ws.cib.attrs.get("no-quorum-panic"))
        and ws.options.stonith_enabled
    )


def apply_node_attributes(ws: WorkingSet, node: Node) -> None:
    if is_true(node.attrs.get("standby")) and not (node.kind == "member" and node.unseen):
        # a cluster node never seen (no node_state) is merely offline
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
    node.in_ccm = in_ccm

    if not stonith:
        # without fencing a node is either up or down; one whose cluster
        # layer still sees it after its controller went away is unclean
        node.online = in_ccm and crmd_online and join == "member"
        if in_ccm and not crmd_online and node.expected_up and not shutting_down:
            node.unclean = True
        node.shutdown = shutting_down and node.online
        return

    if shutting_down:
        # a node that asked to leave is up while its controller runs
        node.online = crmd_online
        node.shutdown = node.online
        return
    if "in_ccm" not in a:
        # the cluster layer never reported on it
        node.unclean = True
        node.fence_reason = "peer has not been seen by the cluster"
    elif join == "banned":
        node.unclean = True
        node.online = in_ccm
        node.fence_reason = "peer failed Pacemaker membership criteria"
    elif in_ccm and crmd_online:
        if join == "member" and node.expected_up:
            node.online = True
        else:
            node.pending = True
    elif not node.expected_up:
        # not expected up: pending while any part of it is there, else down
        node.pending = in_ccm or crmd_online
    elif in_ccm:
        node.unclean = True
        node.online = True
        node.fence_reason = "peer process is no longer available"
    else:
        node.unclean = True
        node.fence_reason = LOST_REASON
    if node.online and not node.unclean and is_true(node.attrs.get("terminate")):
        # its termination was requested (the terminate node attribute)
        node.unclean = True
        node.fence_reason = "termination was requested"


def _fenced_at(value: str | None) -> bool:
    """A remote node's ``node_fenced``: when it was last fenced (a number of
    seconds, 0 or anything else: not fenced)."""
    try:
        return int(value or "0") != 0
    except ValueError:
        return False
