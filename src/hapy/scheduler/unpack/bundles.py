"""Bundles: a container image run as ``replicas`` implicit resources.

A ``<bundle>`` expands, for each replica N, into:

* ``{id}-ip-ADDR`` (ocf:heartbeat:IPaddr2) when the network sets
  ``ip-range-start`` (one address per replica, counting up);
* ``{id}-{docker|podman|rkt}-N``, the container (an OCF agent of that name),
  with parameters built from the bundle's container, network and storage;
* ``{id}-N`` (ocf:pacemaker:remote), when the bundle wraps a primitive: the
  connection of the guest node ``{id}-N`` that runs inside the container;

and, when the bundle wraps a primitive, a clone of it (``{id}-clone``, or
``{id}-master`` when ``promoted-max`` is set) whose instance N runs on the
guest node ``{id}-N``.  The bundle itself is only a collective: it has the
bundle's meta-attributes, which its implicit resources inherit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from hapy.cib import model as m
from hapy.cib.nvsets import NvSet
from hapy.records import record
from hapy.scheduler.options import is_true
from hapy.scheduler.working_set import Node, Resource, WorkingSet

#: the port pacemaker-remoted listens on, unless the network sets control-port
DEFAULT_CONTROL_PORT = "3121"
#: where a replica's pacemaker-remoted writes its log, on the host
LOG_ROOT = "/var/log/pacemaker/bundles"
#: the command a container runs when the bundle wraps a primitive
DEFAULT_RUN_COMMAND = "/usr/sbin/pacemaker-remoted"
CONTAINER_MONITOR = ("monitor", "60s", 60000)
#: meta-attributes of the bundled primitive that configure its clone
CLONE_OPTIONS = frozenset(("notify", "interleave", "ordered"))
CONNECTION_MONITOR = ("monitor", "30s", 30000)


@record
class Replica:
    """The names one replica's implicit resources get."""

    index: int
    container_id: str
    node_name: str  # the guest node (and its connection), when there is a child
    ip: str | None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def promoted_max(cfg: m.BundleConfig) -> int:
    attrs = cfg.container_attrs
    return _int(attrs.get("promoted-max", attrs.get("masters")), 0)


def replica_count(cfg: m.BundleConfig) -> int:
    return max(0, _int(cfg.container_attrs.get("replicas"), max(1, promoted_max(cfg))))


def replicas_per_host(cfg: m.BundleConfig) -> int:
    return max(1, _int(cfg.container_attrs.get("replicas-per-host"), 1))


def replicas(cfg: m.BundleConfig) -> list[Replica]:
    start = cfg.network_attrs.get("ip-range-start")
    first: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    if start:
        try:
            first = ipaddress.ip_address(start)
        except ValueError:
            first = None
    return [
        Replica(index=i, container_id=f"{cfg.id}-{cfg.container_kind}-{i}",
                node_name=f"{cfg.id}-{i}", ip=str(first + i) if first is not None else None)
        for i in range(replica_count(cfg))
    ]


def _nvset(ident: str, pairs: Mapping[str, str]) -> tuple[NvSet, ...]:
    return (NvSet(id=ident, score=0, rule=None, pairs=tuple(pairs.items())),)


def _monitor(rid: str, spec: tuple[str, str, int], timeout: str | None = None) -> m.OpConfig:
    name, interval, ms = spec
    attrs = {"interval": interval}
    if timeout is not None:
        attrs["timeout"] = timeout
    return m.OpConfig(id=f"{rid}-{name}-{ms}", name=name, interval_ms=ms, attrs=attrs)


def _control_port(cfg: m.BundleConfig) -> str:
    return cfg.network_attrs.get("control-port") or DEFAULT_CONTROL_PORT


def _container_params(cfg: m.BundleConfig, rep: Replica,
                      all_replicas: list[Replica]) -> dict[str, str]:
    attrs = cfg.container_attrs
    child = cfg.child is not None
    mounts: list[str] = []
    opts = ""
    if cfg.container_kind == "docker":
        opts += " --restart=no"
    if rep.ip is not None:
        opts += f" -h {rep.node_name}"
    opts += " -e PCMK_stderr=1"
    if attrs.get("network"):
        opts += f" --net={attrs['network']}"
    opts += f" -e PCMK_remote_port={_control_port(cfg)}"
    for mapping in cfg.storage_mappings:
        target = mapping.get("target-dir", "")
        if mapping.get("source-dir-root"):
            source = f"{mapping['source-dir-root']}/{rep.node_name}"
            mounts.append(source)
        else:
            source = mapping.get("source-dir", "")
        opts += f" -v {source}:{target}"
        if mapping.get("options"):
            opts += f":{mapping['options']}"
    if child:
        log_dir = f"{LOG_ROOT}/{rep.node_name}"
        mounts.append(log_dir)
        opts += " -v /etc/pacemaker/authkey:/etc/pacemaker/authkey"
        opts += f" -v {log_dir}:/var/log"
    if rep.ip is not None:
        for port in cfg.port_mappings:
            if port.get("range"):
                opts += f" -p {rep.ip}:{port['range']}:{port['range']}"
            elif port.get("port"):
                inner = port.get("internal-port") or port["port"]
                opts += f" -p {rep.ip}:{port['port']}:{inner}"
        if child:
            ctl = _control_port(cfg)
            opts += f" -p {rep.ip}:{ctl}:{ctl}"
    if attrs.get("options"):
        opts += f" {attrs['options']}"
    opts += " "
    if rep.ip is not None:
        opts += "".join(f" --add-host={r.node_name}:{r.ip}" for r in all_replicas)
    run_cmd = attrs.get("run-command") or (DEFAULT_RUN_COMMAND if child else "")
    params = {
        "image": attrs.get("image", ""),
        "allow_pull": "true",
        "force_kill": "false",
        "reuse": "false",
        "monitor_cmd": "/bin/true",
        "mount_points": ",".join(mounts),
        "run_opts": opts,
    }
    if run_cmd:
        params["run_cmd"] = run_cmd
    return params


def container_config(cfg: m.BundleConfig, rep: Replica,
                     all_replicas: list[Replica]) -> m.PrimitiveConfig:
    rid = rep.container_id
    return m.PrimitiveConfig(
        id=rid, rclass="ocf", provider="heartbeat", type=cfg.container_kind,
        instance_sets=_nvset(f"{rid}-instance_attributes",
                             _container_params(cfg, rep, all_replicas)),
        ops=(_monitor(rid, CONTAINER_MONITOR),),
    )


def ip_config(cfg: m.BundleConfig, rep: Replica) -> m.PrimitiveConfig:
    assert rep.ip is not None
    rid = f"{cfg.id}-ip-{rep.ip}"
    params = {"ip": rep.ip}
    if cfg.network_attrs.get("host-interface"):
        params["nic"] = cfg.network_attrs["host-interface"]
    params["cidr_netmask"] = cfg.network_attrs.get("host-netmask") or "32"
    return m.PrimitiveConfig(
        id=rid, rclass="ocf", provider="heartbeat", type="IPaddr2",
        instance_sets=_nvset(f"{rid}-instance_attributes", params),
        ops=(_monitor(rid, CONTAINER_MONITOR),),
    )


#: a connection's ``addr`` when the container shares its host's network: the
#: host's name, known once the container is placed
HOST_ADDRESS = "#uname"


def connection_config(cfg: m.BundleConfig, rep: Replica) -> m.PrimitiveConfig:
    rid = rep.node_name
    params = {"addr": rep.ip if rep.ip is not None else HOST_ADDRESS,
              "port": _control_port(cfg)}
    return m.PrimitiveConfig(
        id=rid, rclass="ocf", provider="pacemaker", type="remote",
        instance_sets=_nvset(f"{rid}-instance_attributes", params),
        meta_sets=_nvset(f"{rid}-meta_attributes", {"container": rep.container_id}),
        ops=(_monitor(rid, CONNECTION_MONITOR, "30s"),),
    )


def add_bundle_nodes(ws: WorkingSet) -> None:
    """The guest node of each replica of a bundle that wraps a primitive."""
    from hapy.scheduler.unpack.nodes import add_node

    for cfg in ws.cib.resources:
        if not isinstance(cfg, m.BundleConfig) or cfg.child is None:
            continue
        for rep in replicas(cfg):
            node = ws.node(rep.node_name)
            if node is None:
                node = Node(id=rep.node_name, uname=rep.node_name, kind="guest")
                add_node(ws, node)
            else:
                node.declared = not node.from_status
                node.kind = "guest"
                node.attrs["#kind"] = "container"
            node.bundle_id = cfg.id


def build_bundle(ws: WorkingSet, cfg: m.BundleConfig) -> Resource:
    """The bundle and its implicit resources (see the module's docstring)."""
    from hapy.scheduler.unpack.resources import (
        _apply_meta,
        _meta_for,
        _register,
        build_instance,
        build_primitive,
    )

    bundle = Resource(id=cfg.id, variant="bundle", config=cfg)
    bundle.meta = _meta_for(ws, cfg, None, None)
    _apply_meta(ws, bundle)
    _register(ws, bundle)
    reps = replicas(cfg)
    for rep in reps:
        if rep.ip is not None:
            bundle.children.append(build_primitive(ws, ip_config(cfg, rep), bundle))
        container = build_primitive(ws, container_config(cfg, rep, reps), bundle)
        if cfg.child is not None:
            conn = build_primitive(ws, connection_config(cfg, rep), bundle)
            conn.allow_migrate = False
            conn.container = container
            container.fillers.append(conn)
            # (the connection first: what cannot reach the guest is
            # reported as waiting for it rather than for the container)
            bundle.children.append(conn)
        bundle.children.append(container)
    if cfg.child is not None:
        promotable = promoted_max(cfg) > 0
        clone_cfg = m.CloneConfig(id=f"{cfg.id}-{'master' if promotable else 'clone'}",
                                  child=cfg.child)
        clone = Resource(id=clone_cfg.id, variant="clone", parent=bundle, config=clone_cfg)
        clone.meta = dict(bundle.meta)
        # the bundled primitive's clone options (notify, interleave, ordered...)
        for name, value in _meta_for(ws, cfg.child, None, cfg.child).items():
            if name in CLONE_OPTIONS:
                clone.meta[name] = value
        clone.meta.pop("target-role", None)  # (the instances inherit the bundle's)
        clone.meta.update({
            "clone-max": str(len(reps)),
            "clone-node-max": "1",
            "globally-unique": "false",
        })
        if promotable:
            clone.meta["promotable"] = "true"
            clone.meta["promoted-max"] = str(promoted_max(cfg))
            clone.meta["promoted-node-max"] = "1"
        _apply_meta(ws, clone)
        clone.unique = False
        clone.promotable = promotable
        if "resource-stickiness" not in clone.meta:
            # (like any clone's, its instances stick to their nodes by 1)
            clone.meta["resource-stickiness"] = "1"
            clone.stickiness = 1
        _register(ws, clone)
        bundle.children.append(clone)
        for rep in reps:
            inst = build_instance(ws, clone, rep.index)
            if rep.ip is not None:
                # the bundled agent learns the address its replica is reached at
                for prim in inst.primitives():
                    prim.params["pcmk_external_ip"] = rep.ip
            inst.meta.update({k: v for k, v in clone.meta.items() if k not in inst.meta})
            clone.children.append(inst)
    bundle.unique = is_true(bundle.meta.get("globally-unique"))
    return bundle


def bundle_of(rsc: Resource) -> Resource | None:
    """The bundle ``rsc`` is part of (an implicit resource or a clone instance)."""
    parent = rsc.parent
    while parent is not None:
        if parent.variant == "bundle":
            return parent
        parent = parent.parent
    return None


def replica_parts(bundle: Resource) -> list[dict[str, Resource]]:
    """Each replica's implicit resources: ``ip``, ``container``, ``remote`` and
    ``child`` (those that exist), in replica order."""
    cfg = bundle.config
    assert isinstance(cfg, m.BundleConfig)
    by_id = {c.id: c for c in bundle.children}
    clone = bundle_clone(bundle)
    out: list[dict[str, Resource]] = []
    for rep in replicas(cfg):
        parts: dict[str, Resource] = {}
        container = by_id.get(rep.container_id)
        if container is None:
            continue
        parts["container"] = container
        if rep.ip is not None and f"{cfg.id}-ip-{rep.ip}" in by_id:
            parts["ip"] = by_id[f"{cfg.id}-ip-{rep.ip}"]
        if rep.node_name in by_id:
            parts["remote"] = by_id[rep.node_name]
        if clone is not None and rep.index < len(clone.children):
            parts["child"] = clone.children[rep.index]
        out.append(parts)
    return out


def bundle_clone(bundle: Resource) -> Resource | None:
    for child in bundle.children:
        if child.variant == "clone":
            return child
    return None


def bundle_containers(bundle: Resource) -> list[Resource]:
    return [p["container"] for p in replica_parts(bundle)]


def bundle_primitives(bundle: Resource) -> list[Resource]:
    """Every primitive of a bundle, replica by replica (address, container,
    connection, bundled instance), then any orphaned instance."""
    out: list[Resource] = []
    seen: set[int] = set()
    for parts in replica_parts(bundle):
        for key in ("ip", "container", "remote", "child"):
            if key in parts:
                for prim in parts[key].primitives():
                    out.append(prim)
                    seen.add(id(prim))
    out.extend(p for p in bundle.primitives() if id(p) not in seen)
    return out


def set_host_address(conn: Resource, host: Node | None) -> None:
    """A connection to a container on its host's network reaches it at the
    host's name."""
    bundle = bundle_of(conn)
    if bundle is None or host is None or not isinstance(bundle.config, m.BundleConfig):
        return
    if not bundle.config.network_attrs.get("ip-range-start"):
        conn.params["addr"] = host.uname


def resolve_host_addresses(ws: WorkingSet) -> None:
    """Before the history is compared with the definitions: each bundle
    connection's address is its container's current host."""
    for top in ws.resources:
        if top.variant != "bundle":
            continue
        for parts in replica_parts(top):
            conn = parts.get("remote")
            if conn is not None:
                set_host_address(conn, parts["container"].current_node())


def attribute_node(rsc: Resource, node: Node) -> Node:
    """Where ``rsc``'s node attributes are read when it runs on ``node``: with
    ``container-attribute-target=host``, a guest node's are its container's
    host's."""
    if node.kind != "guest" or rsc.meta.get("container-attribute-target") != "host":
        return node
    conn = node.remote_rsc
    container = conn.container if conn is not None else None
    if container is None:
        return node
    host = container.assigned_node or container.current_node()
    return host if host is not None else node
