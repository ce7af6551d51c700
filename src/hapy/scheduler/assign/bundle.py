"""Assigning a bundle: its containers, then what each replica runs.

The containers take the bundle's node scores (location constraints and
colocations of the bundle) and are spread like clone instances, at most
``replicas-per-host`` on a node, those already active first so that they
keep their node.  Each replica's IP address goes with its container; its
connection too (when the container runs on a Pacemaker Remote node, the
connection goes where that node's own connection runs).  The bundled
primitive's clone is then assigned: instance N may run only on the guest
node of replica N.
"""

from __future__ import annotations

from hapy.cib import model as m
from hapy.cib.scores import add_scores
from hapy.scheduler.assign.nodes import any_available, attr_value, can_run
from hapy.scheduler.assign.primitive import assign_primitive
from hapy.scheduler.unpack.bundles import (
    bundle_clone,
    replica_parts,
    replicas_per_host,
    set_host_address,
)
from hapy.scheduler.working_set import INFINITY, Colocation, Node, Resource, Role, WorkingSet

FUNC = "pcmk__bundle_allocate"
#: how much a replica's connection weighs in its container's placement
CONNECTION_WEIGHT = 10000


def host_of(node: Node | None) -> Node | None:
    """The cluster node that reaches ``node``: itself, or for a remote or
    guest node the host of its connection."""
    if node is None or not node.is_remote or node.remote_rsc is None:
        return node
    conn = node.remote_rsc
    return conn.assigned_node if not conn.provisional else conn.current_node()


def assign_bundle(ws: WorkingSet, bundle: Resource) -> None:
    from hapy.scheduler.assign.clone import assign_clone
    from hapy.scheduler.assign.primitive import apply_colocation

    if not bundle.provisional or bundle.assign_running:
        return
    bundle.assign_running = True
    try:
        for coloc in sorted(bundle.colocations_this_with, key=lambda c: -c.primary.priority):
            if coloc.dependent_role in (Role.PROMOTED, Role.UNPROMOTED):
                continue  # applies to the promotion of the bundled clone
            apply_colocation(ws, bundle, coloc)
        cfg = bundle.config
        assert isinstance(cfg, m.BundleConfig)
        parts = replica_parts(bundle)
        per_host = replicas_per_host(cfg)
        counts: dict[str, int] = {}
        # replicas that can stay where they are active first, then those
        # whose node is going away, then the inactive ones
        staying = [p for p in parts if p["container"].running_on
                   and can_run(p["container"].running_on[0])]
        leaving = [p for p in parts if p["container"].running_on and p not in staying]
        ordered = staying + leaving + [p for p in parts if not p["container"].running_on]
        for rep in ordered:
            container = rep["container"]
            _seed(bundle, container)
            ip = rep.get("ip")
            if ip is not None:
                _seed(bundle, ip)
                for node_id, score in ip.allowed.items():
                    if score <= -INFINITY:
                        container.allowed[node_id] = -INFINITY
            for node_id in container.allowed:
                if counts.get(node_id, 0) >= per_host:
                    container.allowed[node_id] = -INFINITY
            conn = rep.get("remote")
            if conn is not None:
                # where its connection cannot run, a container is less
                # welcome (unless that leaves it nowhere to go)
                work = dict(container.allowed)
                for node_id, score in conn.allowed.items():
                    if score <= -INFINITY and node_id in work:
                        work[node_id] = add_scores(work[node_id], -CONNECTION_WEIGHT)
                if any_available(ws, work):
                    container.allowed = work
            node = assign_primitive(ws, container)
            if node is not None:
                counts[node.id] = counts.get(node.id, 0) + 1
        for rep in parts:
            container = rep["container"]
            target = container.assigned_node
            ip = rep.get("ip")
            if ip is not None:
                _follow(ws, ip, target)
            conn = rep.get("remote")
            if conn is not None:
                if target is None:
                    # (its start then waits for the container's, which cannot be)
                    assign_primitive(ws, conn)
                else:
                    _follow(ws, conn, host_of(target))
                set_host_address(conn, target or container.current_node())
        bundle.provisional = False
        clone = bundle_clone(bundle)
        if clone is not None:
            _pin_instances(ws, clone, parts)
            # a guest that is up keeps its instance assigned even when its
            # connection is to stop (the instance's start then cannot run)
            held = [n for p in parts if "remote" in p
                    for n in [p["remote"].remote_node]
                    if n is not None and n.shutdown and n.unpacked_state is not None
                    and not n.unpacked_state[2]]
            for node in held:
                node.shutdown = False
            assign_clone(ws, clone)
            for node in held:
                node.shutdown = True
    finally:
        bundle.assign_running = False


def _seed(bundle: Resource, rsc: Resource) -> None:
    for node_id, score in bundle.allowed.items():
        rsc.allowed[node_id] = add_scores(rsc.allowed.get(node_id, 0), score)


def _follow(ws: WorkingSet, rsc: Resource, target: Node | None) -> None:
    """Place ``rsc`` on ``target`` (where its container went), if it may run there."""
    for node_id in rsc.allowed:
        if target is None or node_id != target.id:
            rsc.allowed[node_id] = -INFINITY
    if target is not None and target.id not in rsc.allowed:
        rsc.allowed[target.id] = 0
    assign_primitive(ws, rsc)


def _pin_instances(ws: WorkingSet, clone: Resource, parts: list[dict[str, Resource]]) -> None:
    """Instance N of the bundled clone may run only on replica N's guest node."""
    guests = [p["remote"].remote_node for p in parts if "remote" in p]
    # (the bundle's own nodes are known to the clone, but it runs on none)
    assert clone.parent is not None
    clone.allowed = {node_id: -INFINITY for node_id in clone.parent.allowed
                     if node_id in ws.nodes_by_id and ws.nodes_by_id[node_id].bundle_id is None}
    clone.allowed.update({n.id: 0 for n in guests if n is not None})
    for index, inst in enumerate(clone.children):
        own = guests[index] if index < len(guests) else None
        for node in guests:
            if node is None:
                continue
            if node is own:
                inst.allowed.setdefault(node.id, 0)
            else:
                inst.allowed[node.id] = -INFINITY
        for node_id in list(inst.allowed):
            if own is None or node_id != own.id:
                inst.allowed[node_id] = -INFINITY
        for prim in inst.walk():
            if prim is not inst:
                prim.allowed = dict(inst.allowed)


def bundle_hosts(coloc: Colocation) -> list[Node]:
    """Where a bundle that is a colocation's primary runs: the hosts of its
    containers (of those whose bundled instance has the colocation's role,
    when it names one)."""
    bundle = coloc.primary
    out: list[Node] = []
    for rep in replica_parts(bundle):
        node = rep["container"].assigned_node
        if node is None:
            continue
        if coloc.primary_role in (Role.PROMOTED, Role.UNPROMOTED):
            child = rep.get("child")
            if child is None or child.assigned_node is None or child.next_role \
                    is not coloc.primary_role:
                continue
        out.append(node)
    return out


def apply_bundle_primary(ws: WorkingSet, dependent: Resource, coloc: Colocation) -> None:
    """Weigh ``dependent``'s nodes by where the primary bundle runs: a
    finite score on those nodes, a mandatory one bans the others."""
    hosts = bundle_hosts(coloc)
    values = {attr_value(n, coloc.node_attribute) for n in hosts}
    values.discard(None)
    score = coloc.score
    for node_id in list(dependent.allowed):
        node = ws.nodes_by_id.get(node_id)
        same = node is not None and attr_value(node, coloc.node_attribute) in values
        if same:
            if score <= -INFINITY:
                dependent.allowed[node_id] = -INFINITY
            elif score < INFINITY:
                dependent.allowed[node_id] = add_scores(dependent.allowed[node_id], score)
        elif score >= INFINITY:
            dependent.allowed[node_id] = -INFINITY

