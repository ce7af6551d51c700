"""Working set -> the display's plain data (:mod:`hapy.display.view`)."""

from __future__ import annotations

from hapy.display import view as v
from hapy.scheduler.working_set import Node, Resource, Role, WorkingSet

_ROLE = {
    Role.UNKNOWN: v.Role.UNKNOWN,
    Role.STOPPED: v.Role.STOPPED,
    Role.STARTED: v.Role.STARTED,
    Role.UNPROMOTED: v.Role.UNPROMOTED,
    Role.PROMOTED: v.Role.PROMOTED,
}


def node_view(node: Node) -> v.NodeView:
    kind = {"member": v.NodeType.MEMBER, "remote": v.NodeType.REMOTE,
            "guest": v.NodeType.GUEST}[node.kind]
    online, unclean, shutdown = node.unpacked_state or (node.online, node.unclean,
                                                         node.shutdown)
    return v.NodeView(
        name=node.uname, id=node.id, type=kind, online=online, unclean=unclean,
        pending=node.pending, standby=node.standby, standby_onfail=node.standby_onfail,
        maintenance=node.maintenance, shutdown=shutdown, health=v.Health(node.health),
    )


def primitive_view(rsc: Resource) -> v.PrimitiveView:
    prim = rsc.primitive
    assert prim is not None
    clone = rsc.clone_parent()
    shown_id = rsc.name if clone is None or clone.unique else rsc.id
    return v.PrimitiveView(
        id=shown_id,
        rclass=prim.rclass,
        agent=prim.type,
        provider=prim.provider,
        role=_ROLE[rsc.role],
        nodes=tuple(n.uname for n in rsc.running_on),
        failed=rsc.failed,
        locked_to=rsc.lock_node.uname if rsc.lock_node and not rsc.running_on else None,
        failure_ignored=rsc.failure_ignored,
        probe_failures=tuple(rsc.probe_failures),
        orphan=rsc.orphan,
        managed=rsc.managed or rsc.frozen_by_ticket,
        blocked=rsc.block,
        target_role=rsc.meta.get("target-role"),
        pending_task=rsc.pending_task,
        pending_node=rsc.pending_node.uname if rsc.pending_node and rsc.pending_task else None,
        description=prim.description,
    )


def resource_view(ws: WorkingSet, rsc: Resource) -> v.ResourceView:
    if rsc.variant == "primitive":
        return primitive_view(rsc)
    if rsc.variant == "group":
        return v.GroupView(
            id=rsc.name,
            children=tuple(primitive_view(c) for c in rsc.children),
            managed=rsc.managed,
            target_role=rsc.meta.get("target-role"),
        )
    if rsc.variant == "clone":
        from hapy.scheduler.unpack.resources import clone_max

        instances: list[v.PrimitiveView | v.GroupView] = []
        for inst in rsc.children:
            iv = resource_view(ws, inst)
            assert isinstance(iv, v.PrimitiveView | v.GroupView)
            instances.append(iv)
        child_id = rsc.children[0].id if rsc.children else rsc.id
        if ws.options.symmetric:
            allowed = tuple(n.uname for n in ws.nodes
                            if not n.from_status and _known_to_clone(ws, rsc, n))
        else:
            allowed = tuple(
                n.uname for n in ws.nodes
                if any(n.id in p.known_on for inst in rsc.children for p in inst.primitives())
            )
        return v.CloneView(
            id=rsc.id,
            child_id=child_id,
            instances=tuple(instances),
            unique=rsc.unique,
            promotable=rsc.promotable,
            managed=rsc.managed,
            target_role=rsc.meta.get("target-role"),
            clone_max=clone_max(ws, rsc),
            allowed_nodes=allowed,
            probe_failures=tuple(
                failure
                for inst in rsc.children
                for prim in inst.primitives()
                if prim.id == child_id
                for failure in prim.probe_failures
            ),
        )
    return bundle_view(rsc)


def bundle_view(rsc: Resource) -> v.BundleView:
    from hapy.cib import model as m
    from hapy.scheduler.unpack.bundles import replica_parts

    cfg = rsc.config
    assert isinstance(cfg, m.BundleConfig)
    reps: list[v.BundleReplicaView] = []
    for index, parts in enumerate(replica_parts(rsc)):
        ip = parts.get("ip")
        child = parts.get("child")
        remote = parts.get("remote")
        reps.append(v.BundleReplicaView(
            index=index,
            container=primitive_view(parts["container"]),
            child=primitive_view(child) if child is not None else None,
            ip=primitive_view(ip) if ip is not None else None,
            ip_address=ip.params.get("ip") if ip is not None else None,
            remote=primitive_view(remote) if remote is not None else None,
        ))
    return v.BundleView(
        id=rsc.id,
        image=cfg.container_attrs.get("image", ""),
        replicas=tuple(reps),
        unique=rsc.unique,
        managed=rsc.managed,
    )


def _known_to_clone(ws: WorkingSet, clone: Resource, node: Node) -> bool:
    """A bundle's guest node exists for a clone only when configured as a node
    and its bundle comes later in the configuration (a bundle keeps its nodes
    from the resources unpacked after it)."""
    if node.bundle_id is None:
        return True
    if not any(n.uname == node.uname or n.id == node.id for n in ws.cib.nodes):
        return False
    order = {cfg.id: index for index, cfg in enumerate(ws.cib.resources)}
    top = clone.top
    return order.get(node.bundle_id, -1) > order.get(top.id, -1)


def _implicit(rsc: Resource) -> bool:
    return rsc.container is not None and rsc.is_remote_connection and not rsc.orphan


def cluster_view(ws: WorkingSet) -> v.ClusterView:
    return v.ClusterView(
        nodes=tuple(node_view(n) for n in ws.nodes),
        # a guest node's implicit connection is not listed
        resources=tuple(resource_view(ws, r) for r in ws.resources if not _implicit(r)),
        implicit_instances=sum(1 for r in ws.resources if _implicit(r)),
        maintenance_mode=ws.options.flag("maintenance-mode"),
    )
