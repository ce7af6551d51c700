"""Resources: the resource tree with evaluated meta-attributes and parameters."""

from __future__ import annotations

from hapy.cib import model as m
from hapy.cib.iso8601 import parse_interval_ms
from hapy.cib.nvsets import unpack_nvsets
from hapy.cib.rules import RuleContext
from hapy.cib.scores import parse_score
from hapy.scheduler.options import is_true
from hapy.scheduler.working_set import INFINITY, Resource, Role, WorkingSet

#: meta-attributes a child takes from its group/clone when it has none of its own
_INHERITED_SKIP = frozenset(("id",))


def _rsc_context(ws: WorkingSet, prim: m.PrimitiveConfig | None) -> RuleContext:
    name = ws.options.get("cluster-name")
    return RuleContext(
        # rules on instance attributes may test the cluster's name
        node_attrs={"#cluster-name": name} if name else {},
        now=ws.now,
        changes=ws.rule_changes,
        rsc_class=prim.rclass if prim else None,
        rsc_provider=prim.provider if prim else None,
        rsc_type=prim.type if prim else None,
    )


def meta_int(value: str | None, default: int) -> int:
    """An integer meta-attribute (a score: INFINITY allowed), ``default`` when unset."""
    if value is None:
        return default
    try:
        return parse_score(value)
    except ValueError:
        return default


def _apply_meta(ws: WorkingSet, rsc: Resource) -> None:
    meta = rsc.meta
    rsc.priority = meta_int(meta.get("priority"), 0)
    managed = meta.get("is-managed")
    rsc.managed = True if managed is None else is_true(managed)
    if ws.options.flag("maintenance-mode") or is_true(meta.get("maintenance")):
        rsc.managed = False
        rsc.maintenance = True
    rsc.stickiness = meta_int(meta.get("resource-stickiness"), 0)
    rsc.migration_threshold = meta_int(meta.get("migration-threshold"), INFINITY)
    if rsc.migration_threshold < 0:
        rsc.migration_threshold = 0
    try:
        rsc.failure_timeout_ms = parse_interval_ms(meta.get("failure-timeout", "0"))
    except ValueError:
        rsc.failure_timeout_ms = 0
    rsc.target_role = Role.parse(meta.get("target-role"))
    rsc.multiple_active = meta.get("multiple-active", "stop_start")
    rsc.allow_migrate = is_true(meta.get("allow-migrate"))
    rsc.critical = meta.get("critical") is None or is_true(meta.get("critical"))
    prim = rsc.primitive
    if prim is not None and prim.rclass == "stonith":
        # fencing devices never wait for fencing, but do need quorum
        rsc.requires = "nothing" if meta.get("requires") == "nothing" else "quorum"
    elif "requires" in meta:
        rsc.requires = meta["requires"]
    else:
        rsc.requires = "fencing" if ws.options.stonith_enabled else "quorum"
    if rsc.requires == "unfencing" and not ws.options.stonith_enabled:
        rsc.requires = "quorum"
    if rsc.requires == "fencing" and not ws.options.stonith_enabled:
        rsc.requires = "quorum"
    rsc.needs_fencing = rsc.requires in ("fencing", "unfencing")


def _meta_for(
    ws: WorkingSet, cfg: m.ResourceConfig, parent: Resource | None, prim: m.PrimitiveConfig | None
) -> dict[str, str]:
    ctx = _rsc_context(ws, prim)
    meta = unpack_nvsets(cfg.meta_sets, ctx)
    if parent is not None:
        for name, value in parent.meta.items():
            if name not in _INHERITED_SKIP:
                meta.setdefault(name, value)
    for name, value in unpack_nvsets(ws.cib.rsc_defaults, ctx).items():
        meta.setdefault(name, value)
    return meta


def _register(ws: WorkingSet, rsc: Resource) -> None:
    ws.resources_by_id.setdefault(rsc.name, rsc)
    ws.resources_by_id.setdefault(rsc.id, rsc)


def build_primitive(
    ws: WorkingSet, cfg: m.PrimitiveConfig, parent: Resource | None, instance: int | None = None
) -> Resource:
    rsc = Resource(id=cfg.id, variant="primitive", parent=parent, primitive=cfg, config=cfg)
    if instance is not None:
        rsc.instance_number = instance
        rsc.clone_name = f"{cfg.id}:{instance}"
    rsc.meta = _meta_for(ws, cfg, parent, cfg)
    ctx = _rsc_context(ws, cfg)
    params: dict[str, str] = {}
    if parent is not None:
        params.update(_inherited_params(parent))
    own = unpack_nvsets(cfg.instance_sets, ctx)
    params.update(own)
    rsc.params = params
    rsc.utilization = unpack_nvsets(cfg.utilization_sets, ctx)
    _apply_meta(ws, rsc)
    rsc.is_remote_connection = cfg.rclass == "ocf" and cfg.provider == "pacemaker" and (
        cfg.type == "remote"
    )
    if rsc.is_remote_connection and "allow-migrate" not in rsc.meta \
            and "container" not in rsc.meta:
        rsc.allow_migrate = True  # a connection moves without dropping its node
    _register(ws, rsc)
    if cfg.rclass == "stonith":
        ws.stonith_devices.append(rsc)
    return rsc


def _inherited_params(parent: Resource) -> dict[str, str]:
    return dict(parent.params)


def build_group(
    ws: WorkingSet, cfg: m.GroupConfig, parent: Resource | None, instance: int | None = None
) -> Resource:
    rsc = Resource(id=cfg.id, variant="group", parent=parent, config=cfg)
    if instance is not None:
        rsc.instance_number = instance
        rsc.clone_name = f"{cfg.id}:{instance}"
    rsc.meta = _meta_for(ws, cfg, parent, None)
    rsc.params = dict(parent.params) if parent is not None else {}
    rsc.params.update(unpack_nvsets(cfg.instance_sets, _rsc_context(ws, None)))
    _apply_meta(ws, rsc)
    _register(ws, rsc)
    for child_cfg in cfg.children:
        rsc.children.append(build_primitive(ws, child_cfg, rsc, instance))
    return rsc


def clone_max(ws: WorkingSet, clone: Resource) -> int:
    """clone-max: by default one instance per node (cluster, remote or guest)."""
    value = clone.meta.get("clone-max")
    if value is None:
        # (not the nodes of orphaned connections, found later in the status,
        # nor the guest nodes of bundles defined after the clone)
        order = {cfg.id: index for index, cfg in enumerate(ws.cib.resources)}
        mine = order.get(clone.top.id, len(order))
        return sum(1 for n in ws.nodes if not n.from_status and (
            n.bundle_id is None or n.declared or order.get(n.bundle_id, -1) < mine))
    return max(0, meta_int(value, 0))


def clone_node_max(clone: Resource) -> int:
    return max(0, meta_int(clone.meta.get("clone-node-max"), 1))


def build_instance(ws: WorkingSet, clone: Resource, number: int) -> Resource:
    """Instance ``number`` of ``clone`` (not yet added to its children)."""
    cfg = clone.config
    assert isinstance(cfg, m.CloneConfig)
    if isinstance(cfg.child, m.GroupConfig):
        inst = build_group(ws, cfg.child, clone, number)
    else:
        inst = build_primitive(ws, cfg.child, clone, number)
    for rsc in inst.walk():
        rsc.unique = clone.unique
        rsc.promotable = clone.promotable
    return inst


#: the resource classes whose agents can run as distinct instances on one
#: node (globally-unique clones); a clone of any other class is anonymous
_UNIQUE_CLASSES = frozenset({"ocf", "stonith"})


def _force_anonymous(ws: WorkingSet, clone: Resource) -> None:
    """A globally-unique clone of agents that cannot be unique is anonymous:
    one instance per node, and no more instances than nodes."""
    clone.unique = False
    clone.meta["globally-unique"] = "false"
    clone.meta["clone-node-max"] = "1"
    nodes = sum(1 for n in ws.nodes if not n.from_status)
    clone.meta["clone-max"] = str(min(clone_max(ws, clone), nodes))


def build_clone(ws: WorkingSet, cfg: m.CloneConfig) -> Resource:
    rsc = Resource(id=cfg.id, variant="clone", config=cfg)
    rsc.meta = _meta_for(ws, cfg, None, cfg.child if isinstance(cfg.child, m.PrimitiveConfig)
                         else None)
    rsc.params = unpack_nvsets(cfg.instance_sets, _rsc_context(ws, None))
    _apply_meta(ws, rsc)
    rsc.unique = is_true(rsc.meta.get("globally-unique"))
    rsc.promotable = is_true(rsc.meta.get("promotable"))
    members = cfg.child.children if isinstance(cfg.child, m.GroupConfig) else (cfg.child,)
    forced = rsc.unique and any(p.rclass not in _UNIQUE_CLASSES for p in members)
    if forced:
        _force_anonymous(ws, rsc)
    if "resource-stickiness" not in rsc.meta:
        rsc.meta["resource-stickiness"] = "1"
        rsc.stickiness = 1
    _register(ws, rsc)
    for member in members:
        ws.clone_of_member.setdefault(member.id, rsc)
    for number in range(clone_max(ws, rsc)):
        rsc.children.append(build_instance(ws, rsc, number))
    if forced:
        _keep_last_instance_unique(rsc)
    return rsc


def _keep_last_instance_unique(clone: Resource) -> None:
    """In a forced-anonymous cloned group, the members of the last instance
    of a class that can be unique still name their actions as unique
    instances (as Pacemaker does: each instance's member that cannot be
    unique makes the instances built before it anonymous, not its own)."""
    if not clone.children:
        return
    for prim in clone.children[-1].primitives():
        if prim.primitive is not None and prim.primitive.rclass in _UNIQUE_CLASSES:
            prim.unique = True


def unpack_resources(ws: WorkingSet) -> None:
    from hapy.scheduler.unpack.bundles import build_bundle

    for cfg in ws.cib.resources:
        if isinstance(cfg, m.PrimitiveConfig):
            rsc = build_primitive(ws, cfg, None)
        elif isinstance(cfg, m.GroupConfig):
            rsc = build_group(ws, cfg, None)
        elif isinstance(cfg, m.CloneConfig):
            rsc = build_clone(ws, cfg)
        else:
            rsc = build_bundle(ws, cfg)
        rsc.sort_index = len(ws.resources)
        ws.resources.append(rsc)
    _default_to_unfencing(ws)


def _default_to_unfencing(ws: WorkingSet) -> None:
    """Where a fencing device provides unfencing, what requires fencing by
    default requires unfencing instead."""
    if not any(dev.meta.get("provides") == "unfencing" or dev.params.get("provides") == "unfencing"
               for dev in ws.stonith_devices):
        return
    for top in ws.resources:
        for rsc in top.walk():
            if rsc.requires == "fencing" and "requires" not in rsc.meta:
                rsc.requires = "unfencing"
    # listed (and displayed) highest priority first, configuration order within
    ws.resources.sort(key=lambda r: -r.priority)
