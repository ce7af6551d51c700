"""Pacemaker Remote and guest nodes.

A *remote node* is run through a connection resource, a primitive of agent
``ocf:pacemaker:remote``; the node is named after the resource.  A *guest
node* is a resource (the *container*, a VM...) with the meta-attribute
``remote-node=NAME``: the scheduler adds an implicit connection resource
``NAME`` that runs where the container runs, after it.

A remote or guest node is online while its connection resource is started
(and, for a guest, while its container is); its history can be read only
then.  A failed connection fences the remote node (``on-fail=reset_remote``
by default for a connection's failures); a guest node is "fenced" by
recovering its container.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hapy.cib import model as m
from hapy.cib.nvsets import NvSet, unpack_nvsets
from hapy.cib.rules import RuleContext
from hapy.scheduler.explain.ledger import noting
from hapy.scheduler.working_set import INFINITY, Node, Resource, Role, WorkingSet

if TYPE_CHECKING:
    from hapy.scheduler.unpack.constraints import ConstraintData

#: how long the implicit connection of a guest node may take to connect
DEFAULT_CONNECT_TIMEOUT = "60s"
#: the implicit connection's recurring monitor
GUEST_MONITOR_INTERVAL = "30s"


def is_connection_config(cfg: m.PrimitiveConfig) -> bool:
    return cfg.rclass == "ocf" and cfg.provider == "pacemaker" and cfg.type == "remote"


def _config_primitives(ws: WorkingSet) -> list[m.PrimitiveConfig]:
    """Primitives that may define remote or guest nodes (not clone members)."""
    out: list[m.PrimitiveConfig] = []
    for cfg in ws.cib.resources:
        if isinstance(cfg, m.PrimitiveConfig):
            out.append(cfg)
        elif isinstance(cfg, m.GroupConfig):
            out.extend(cfg.children)
    return out


def _meta(ws: WorkingSet, cfg: m.PrimitiveConfig) -> dict[str, str]:
    ctx = RuleContext(node_attrs={}, now=ws.now, rsc_class=cfg.rclass,
                      rsc_provider=cfg.provider, rsc_type=cfg.type)
    return unpack_nvsets(cfg.meta_sets, ctx)


def guest_node_name(ws: WorkingSet, cfg: m.PrimitiveConfig) -> str | None:
    name = _meta(ws, cfg).get("remote-node")
    return name or None


def add_remote_nodes(ws: WorkingSet) -> None:
    """A node for each connection resource and each guest container (one
    configured in ``<nodes>`` already is taken over, its kind corrected)."""
    from hapy.scheduler.unpack.nodes import add_node

    for cfg in _config_primitives(ws):
        if is_connection_config(cfg):
            name, kind = cfg.id, "remote"
        else:
            guest = guest_node_name(ws, cfg)
            if guest is None:
                continue
            name, kind = guest, "guest"
        _claim_node(ws, name, kind)
    # connections no longer configured but still active somewhere
    configured = {cfg.id for cfg in _config_primitives(ws)}
    for state in ws.cib.node_states:
        for lrm in state.lrm_resources:
            if (lrm.rclass, lrm.provider, lrm.type) == ("ocf", "pacemaker", "remote") \
                    and lrm.id not in configured and ws.node(lrm.id) is None:
                kind = "guest" if lrm.container else "remote"
                add_node(ws, Node(id=lrm.id, uname=lrm.id, kind=kind, from_status=True))


def _claim_node(ws: WorkingSet, name: str, kind: str) -> None:
    from hapy.scheduler.unpack.nodes import add_node

    node = ws.node(name)
    if node is None:
        add_node(ws, Node(id=name, uname=name, kind=kind))
    else:
        node.kind = kind
        node.attrs["#kind"] = "remote" if kind == "remote" else "container"


def _guest_connection_config(ws: WorkingSet, container: m.PrimitiveConfig,
                             name: str) -> m.PrimitiveConfig:
    meta = _meta(ws, container)
    params: list[tuple[str, str]] = []
    if meta.get("remote-addr"):
        params.append(("addr", meta["remote-addr"]))
    if meta.get("remote-port"):
        params.append(("port", meta["remote-port"]))
    conn_meta: list[tuple[str, str]] = [("container", container.id)]
    if meta.get("remote-allow-migrate"):
        conn_meta.append(("allow-migrate", meta["remote-allow-migrate"]))
    timeout = meta.get("remote-connect-timeout", DEFAULT_CONNECT_TIMEOUT)
    ops = (
        m.OpConfig(id=f"{name}-monitor-interval-{GUEST_MONITOR_INTERVAL}", name="monitor",
                   interval_ms=30000, attrs={"interval": GUEST_MONITOR_INTERVAL,
                                             "timeout": "30s"}),
        m.OpConfig(id=f"{name}-start-interval-0", name="start", interval_ms=0,
                   attrs={"interval": "0", "timeout": timeout}),
    )
    return m.PrimitiveConfig(
        id=name, rclass="ocf", provider="pacemaker", type="remote",
        instance_sets=(NvSet(id=f"{name}-instance_attributes", score=0, rule=None,
                             pairs=tuple(params)),),
        meta_sets=(NvSet(id=f"{name}-meta_attributes", score=0, rule=None,
                         pairs=tuple(conn_meta)),),
        ops=ops,
    )


def add_guest_connections(ws: WorkingSet) -> None:
    """The implicit connection resource of each guest node (appended to the
    top-level resources), and every remote node's link to its connection."""
    from hapy.scheduler.unpack.resources import build_primitive

    for cfg in _config_primitives(ws):
        if is_connection_config(cfg):
            continue
        name = guest_node_name(ws, cfg)
        container = ws.resources_by_id.get(cfg.id)
        if name is None or container is None or name in ws.resources_by_id:
            continue
        conn = build_primitive(ws, _guest_connection_config(ws, cfg, name), None)
        conn.container = container
        container.fillers.append(conn)
        conn.sort_index = len(ws.resources)
        ws.resources.append(conn)
    link_connections(ws)


def link_connections(ws: WorkingSet) -> None:
    """Tie each remote node to its connection resource (which may be an
    orphan known only from the status section)."""
    for node in ws.nodes:
        if not node.is_remote or node.remote_rsc is not None:
            continue
        rsc = ws.resources_by_id.get(node.id)
        if rsc is not None and rsc.variant == "primitive" and rsc.is_remote_connection:
            node.remote_rsc = rsc
            rsc.remote_node = node
            if rsc.orphan and rsc.container is None:
                _link_orphan_container(ws, rsc)


def _link_orphan_container(ws: WorkingSet, conn: Resource) -> None:
    """An orphaned guest connection's history names its container."""
    for state in ws.cib.node_states:
        for lrm in state.lrm_resources:
            if lrm.id == conn.id and lrm.container:
                container = ws.resources_by_id.get(lrm.container)
                if container is not None:
                    conn.container = container
                    conn.meta["container"] = container.id
                    container.fillers.append(conn)
                return


def container_host(node: Node) -> Node | None:
    """Where a guest node's container runs (None: not a guest or not active)."""
    conn = node.remote_rsc
    if conn is None or conn.container is None:
        return None
    return conn.container.current_node()


def history_readable(node: Node) -> bool:
    """Can a remote or guest node's history be read yet: its connection (and
    container) started?"""
    conn = node.remote_rsc
    if conn is None or conn.role is not Role.STARTED or not conn.running_on:
        return False
    container = conn.container
    return container is None or container.role >= Role.STARTED


def decide_remote_state(ws: WorkingSet, node: Node) -> None:
    """Online, unclean or down, from the connection (and container) state."""
    conn = node.remote_rsc
    if conn is None:
        # a leftover node entry: nothing could fence or run it
        node.online = False
        node.unclean = False
        return
    container = conn.container
    if conn.role >= Role.STARTED:
        node.online = True
    host = container.current_node() if container is not None else None
    lost_host = host is not None and host.unclean
    if container is not None and container.failed:
        node.online = False
        node.remote_requires_reset = True
    elif conn.failed:
        node.online = False
    elif conn.role is Role.STOPPED or (container is not None and container.role is Role.STOPPED):
        node.online = False
        node.remote_requires_reset = False
    elif lost_host:
        # the container's host is lost, and the guest with it: what is found
        # active there is recovered with the container
        node.online = False
        node.remote_requires_reset = True
    shutdown = node.attrs.get("shutdown", "0")
    if node.online and shutdown not in ("", "0"):
        node.shutdown = True


def ban_from_remote_nodes(ws: WorkingSet) -> None:
    """Connections and fencing devices never run on remote or guest nodes,
    guest containers never on guest nodes."""
    remote = [n for n in ws.nodes
              if n.is_remote and n.remote_rsc is not None and not n.from_status]
    if not remote:
        return
    guests = [n for n in remote if n.kind == "guest"]
    # (a bundle's connection: also the remote nodes that have no connection)
    every_remote = [n for n in ws.nodes if n.is_remote and not n.from_status]
    for prim in ws.all_primitives():
        cfg = prim.primitive
        if prim.orphan:
            continue
        if prim.is_remote_connection and prim.container is not None \
                and prim.parent is not None and prim.parent.variant == "bundle":
            banned = every_remote
        elif prim.is_remote_connection or (cfg is not None and cfg.rclass == "stonith"):
            banned = remote
        elif any(f.is_remote_connection for f in prim.fillers) \
                and (prim.parent is None or prim.parent.variant != "bundle"):
            banned = guests  # (a bundle's containers may run on guest nodes)
        else:
            continue
        with noting(ws, prim, "remote-node", "remote nodes",
                    "connections and fence devices cannot run on remote or guest nodes, "
                    "containers cannot run on guest nodes"):
            for node in banned:
                if node.bundle_id is not None and node.id not in prim.allowed:
                    continue  # (a bundle's guest node it never knew)
                # (in an opt-in cluster, only where it was allowed at all)
                if ws.options.symmetric or prim.is_remote_connection or node.id in prim.allowed:
                    prim.allowed[node.id] = -INFINITY


def connection_assigned(conn: Resource) -> None:
    """Once its connection is placed, a remote node will be up (or go down)."""
    node = conn.remote_node
    if node is None:
        return
    if node.unpacked_state is None:
        node.unpacked_state = (node.online, node.unclean, node.shutdown)
    if conn.assigned_node is not None and conn.next_role is not Role.STOPPED:
        node.online = True
        if node.unseen or node.fence_revocable:
            # no need to fence: the connection will be tried again
            node.unclean = False
    else:
        node.shutdown = True


def fence_remote_node(ws: WorkingSet, node: Node, reason: str) -> None:
    """Mark a remote node for fencing, a guest node for recovery of its
    container (the guest stays usable: it may run resources again once the
    container is back)."""
    conn = node.remote_rsc
    if node.kind == "guest":
        container = conn.container if conn is not None else None
        if container is None or container.failed:
            return
        if container.managed:
            node.remote_requires_reset = True
            container.failed = True
            for host in container.running_on:
                # recovered where it runs
                container.failed_on.setdefault(host.id, host)
        return
    if conn is not None and not conn.managed:
        return  # an unmanaged connection: nothing is done about the node
    if reason.endswith(" is thought to be active there") and conn is not None \
            and not conn.failed:
        reason = reason.replace(
            " is thought to be active there",
            " is active there (fencing will be revoked if remote connection can be"
            " re-established elsewhere)",
        )
    if not node.unclean:
        node.fence_revocable = reason.endswith("re-established elsewhere)")
    node.remote_requires_reset = True
    node.unclean = True
    if not node.fence_reason:
        node.fence_reason = reason


def reconnect_interval_ms(conn: Resource) -> int:
    """A connection's ``reconnect_interval`` (0: reconnect at once)."""
    from hapy.cib.iso8601 import parse_interval_ms

    try:
        return parse_interval_ms(conn.params.get("reconnect_interval", "0"))
    except ValueError:
        return 0


def link_fillers(ws: WorkingSet) -> None:
    """A primitive with the meta-attribute ``container=ID`` runs inside that
    (primitive) container: it is one of the container's *fillers* (unless
    the container is a guest node's: then it is placed like any resource)."""
    for rsc in ws.all_primitives():
        name = rsc.meta.get("container")
        if rsc.container is not None or not name:
            continue
        container = ws.resources_by_id.get(name)
        if container is rsc:
            del rsc.meta["container"]  # (a group's own container inherits it)
            continue
        if container is None or container.variant != "primitive":
            continue
        if any(f.is_remote_connection for f in container.fillers):
            continue  # a guest's container: what names it runs in the guest node
        rsc.container = container
        container.fillers.append(rsc)


def add_guest_constraints(ws: WorkingSet, data: ConstraintData) -> None:
    """What runs in a container (a guest's connection, or a resource with
    the ``container`` meta-attribute) runs with it, after it starts and
    before it stops."""
    from hapy.scheduler.unpack.constraints import OrderSpec, _add_colocation

    for rsc in ws.all_primitives():
        container = rsc.container
        if container is None:
            continue
        if rsc.is_remote_connection and not ws.options.symmetric:
            # an opt-in cluster: the connection may go wherever its container may
            with noting(ws, rsc, "container", container.id,
                        "allowed wherever its container is"):
                for node_id in container.allowed:
                    rsc.allowed.setdefault(node_id, 0)
        if rsc.parent is None or rsc.parent.variant != "bundle":
            # (a bundle places its replicas' connections itself)
            _add_colocation(ws, f"{rsc.id}-with-container", rsc, container, INFINITY,
                            None, None, None, None)
        data.orders.append(OrderSpec(
            id=f"{rsc.id}-after-container", first=container, first_action="start",
            then=rsc, then_action="start", kind="Mandatory", symmetrical=True,
        ))


def hold_reconnecting_connections(ws: WorkingSet) -> None:
    """A connection with a ``reconnect_interval`` that failed less than that
    long ago stays down (shown failed) until the interval has passed; the
    scheduler must run again then."""
    from datetime import UTC, datetime

    from hapy.scheduler.unpack.history import last_failure_time

    now = int(ws.now.timestamp())
    for rsc in ws.resources:
        if not rsc.is_remote_connection or rsc.container is not None:
            continue
        interval_s = reconnect_interval_ms(rsc) // 1000
        if interval_s <= 0:
            continue
        times = [t for n in ws.nodes if not n.is_remote
                 for t in [last_failure_time(rsc, n)] if t is not None]
        if not times:
            continue
        until = max(times) + interval_s
        if now < until:
            rsc.failed = True
            rsc.next_role = Role.STOPPED
            rsc.target_role = Role.STOPPED
            ws.rule_changes.append(datetime.fromtimestamp(until + 1, UTC))
