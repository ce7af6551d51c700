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
from hapy.scheduler.assign.nodes import (
    any_available,
    attr_value,
    can_run,
    merge_dependent_scores,
    sort_nodes,
)
from hapy.scheduler.assign.primitive import assign_primitive, sorted_nodes_for_trace
from hapy.scheduler.explain.ledger import colocation_text, noting
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
#: a bundled instance's starting score on its replica's guest node
GUEST_WEIGHT = 500


def host_of(node: Node | None) -> Node | None:
    """The cluster node that reaches ``node``: itself, or for a remote or
    guest node the host of its connection."""
    if node is None or not node.is_remote or node.remote_rsc is None:
        return node
    conn = node.remote_rsc
    return conn.assigned_node if not conn.provisional else conn.current_node()


def seed_bundle_scores(ws: WorkingSet) -> None:
    """Before constraints: a bundled instance may run only on its replica's
    guest node (where it starts at ``GUEST_WEIGHT``); the bundled clone
    knows the bundle's guest nodes, banned until the instances are placed."""
    for top in ws.resources:
        if top.variant != "bundle":
            continue
        clone = bundle_clone(top)
        if clone is None:
            continue
        parts = replica_parts(top)
        if ws.options.symmetric:
            _seed_declared_guests(ws, top, parts)
        guests = [n for p in parts if "remote" in p
                  for n in [p["remote"].remote_node] if n is not None]
        with noting(ws, clone, "bundle", top.id,
                    "the bundle's guest nodes run only its replicas' instances"):
            for node in guests:
                clone.allowed[node.id] = -INFINITY
        for rep in parts:
            inst = rep.get("child")
            conn = rep.get("remote")
            guest = conn.remote_node if conn is not None else None
            if inst is None or guest is None:
                continue
            with noting(ws, inst, "bundle", top.id,
                        "an instance runs only on its replica's guest node", tree=True):
                for prim in inst.walk():
                    prim.allowed = {guest.id: GUEST_WEIGHT}


def _seed_declared_guests(ws: WorkingSet, bundle: Resource,
                          parts: list[dict[str, Resource]]) -> None:
    """A guest node the configuration names is known (as every node is, in
    a symmetric cluster) to the resources defined before its replica: banned
    for those defined before the bundle, allowed for the bundle's containers
    and addresses of its replica and those before (the connections before
    it, which may not run there)."""
    earlier = [r for top in ws.resources if top.sort_index < bundle.sort_index
               for r in top.walk()]
    for index, rep in enumerate(parts):
        conn = rep.get("remote")
        guest = conn.remote_node if conn is not None else None
        if guest is None or not guest.declared:
            continue
        with noting(ws, earlier, "bundle", bundle.id,
                    "a bundle's guest node runs nothing defined before the bundle"):
            for rsc in earlier:
                rsc.allowed[guest.id] = -INFINITY
        known = [r for before in parts[:index + 1] for key in ("ip", "container")
                 if (r := before.get(key)) is not None]
        known += [r for before in parts[:index] if (r := before.get("remote")) is not None]
        with noting(ws, known, "default", "symmetric-cluster=true",
                    "the guest node was known when the bundle's replica was defined"):
            for rsc in known:
                rsc.allowed.setdefault(guest.id, guest.config_score)


def assign_bundle(ws: WorkingSet, bundle: Resource) -> None:
    """Place the bundle's replicas (once); every call shows the bundle's
    scores, as Pacemaker does each time something asks for the bundle."""
    if bundle.assign_running:
        return
    if bundle.provisional:
        _seed_replicas(ws, bundle)
    if ws.trace is not None:
        _trace(ws, bundle)
    if not bundle.provisional:
        return
    bundle.assign_running = True
    try:
        parts = replica_parts(bundle)
        _assign_containers(ws, bundle, parts)
        for rep in parts:
            container = rep["container"]
            target = container.assigned_node
            ip = rep.get("ip")
            if ip is not None:
                _follow(ws, ip, target)
            conn = rep.get("remote")
            if conn is None:
                continue
            _assign_connection(ws, conn, container)
            set_host_address(conn, target or container.current_node())
            inst = rep.get("child")
            guest = conn.remote_node
            if inst is not None and guest is not None:
                # a guest that is up keeps its instance assigned even when its
                # connection is to stop (the instance's start then cannot run)
                keep = _held(guest)
                if keep:
                    guest.shutdown = False
                _assign_instance(ws, bundle, inst, guest)
                if keep:
                    guest.shutdown = True
        bundle.provisional = False
        clone = bundle_clone(bundle)
        if clone is not None:
            _assign_bundle_clone(ws, bundle, clone, parts)
    finally:
        bundle.assign_running = False


def _seed_replicas(ws: WorkingSet, bundle: Resource) -> None:
    """The bundle's own scores (its locations) go to its containers and
    addresses."""
    for rep in replica_parts(bundle):
        for key in ("ip", "container"):
            rsc = rep.get(key)
            if rsc is not None:
                with noting(ws, rsc, "bundle", bundle.id, "the bundle's scores"):
                    _seed(bundle, rsc)


def _trace(ws: WorkingSet, bundle: Resource) -> None:
    assert ws.trace is not None
    shown: list[Resource] = [bundle]
    for rep in replica_parts(bundle):
        shown.extend(rep[key] for key in ("ip", "container", "remote") if key in rep)
    clone = bundle_clone(bundle)
    if clone is not None:
        shown.append(clone)
        shown.extend(r for inst in clone.children if not inst.orphan for r in inst.walk())
    for rsc in shown:
        for node in sorted_nodes_for_trace(ws, rsc):
            ws.trace.allocation(FUNC, rsc.name, node.uname, rsc.allowed[node.id])


def _assign_containers(ws: WorkingSet, bundle: Resource,
                       parts: list[dict[str, Resource]]) -> None:
    """Spread the containers like clone instances: at most
    ``replicas-per-host`` on a node, those that can stay where they are
    active first."""
    from hapy.scheduler.assign.primitive import apply_colocation

    cfg = bundle.config
    assert isinstance(cfg, m.BundleConfig)
    per_host = replicas_per_host(cfg)
    counts: dict[str, int] = {}
    # replicas that can stay where they are active first, then those
    # whose node is going away, then the inactive ones
    # (failed containers after the others; among the rest, those on the
    # nodes the bundle's dependents prefer first)
    wanted = _dependents_scores(ws, bundle)
    staying = sorted((p for p in parts if p["container"].running_on
                      and can_run(p["container"].running_on[0])),
                     key=lambda p: (p["container"].failed,
                                    -wanted.get(p["container"].running_on[0].id, 0)))
    leaving = [p for p in parts if p["container"].running_on and p not in staying]
    ordered = staying + leaving + [p for p in parts if not p["container"].running_on]
    colocs = [c for c in sorted(bundle.colocations_this_with, key=lambda c: -c.primary.priority)
              # (role colocations apply to the promotion of the bundled clone)
              if c.dependent_role not in (Role.PROMOTED, Role.UNPROMOTED)]
    for rep in ordered:
        container = rep["container"]
        with noting(ws, container, "bundle", "replicas-per-host",
                    "a container goes only to a node that can run it and has room "
                    "for another replica"):
            for node_id in list(container.allowed):
                node = ws.nodes_by_id.get(node_id)
                if counts.get(node_id, 0) >= per_host or node is None or not can_run(node):
                    container.allowed[node_id] = -INFINITY
        ip = rep.get("ip")
        if ip is not None:
            # the address goes with its container: what it wants counts fully
            with noting(ws, container, "colocation", "ip-with-container",
                        f"its address {ip.name} goes with it"):
                for node_id, score in ip.allowed.items():
                    if node_id in container.allowed:
                        container.allowed[node_id] = add_scores(container.allowed[node_id],
                                                                score)
        for coloc in colocs:
            with noting(ws, container, "colocation", coloc.id, colocation_text, coloc, "with"):
                if coloc.primary.variant == "bundle":
                    _pair_with_replica(ws, container, coloc)
                else:
                    apply_colocation(ws, container, coloc)
        conn = rep.get("remote")
        if conn is not None and _connection_weighs(container):
            with noting(ws, container, "colocation", "resource-with-container",
                        "where its connection cannot run, a container is less welcome"):
                _weigh_connection(ws, container, conn)
        # (one that can stay keeps its node among equally good ones)
        node = assign_primitive(ws, container,
                                container.running_on[0] if rep in staying else None)
        if node is not None:
            counts[node.id] = counts.get(node.id, 0) + 1


def _dependents_scores(ws: WorkingSet, bundle: Resource) -> dict[str, int]:
    """The bundle's scores with what the resources that follow it prefer."""
    scores = dict(bundle.allowed)
    for coloc in bundle.colocations_with_this:
        if not coloc.influence or not coloc.dependent.provisional \
                or coloc.dependent_role in (Role.PROMOTED, Role.UNPROMOTED):
            continue
        scores = merge_dependent_scores(ws, scores, coloc.dependent, coloc.score / INFINITY,
                                        coloc.node_attribute, {id(bundle)},
                                        only_positive=True)
    return scores


def _pair_with_replica(ws: WorkingSet, container: Resource, coloc: Colocation) -> None:
    """A bundle colocated with another bundle: each container goes with one
    of the other bundle's replicas, the one on the best node for it."""
    from hapy.scheduler.assign.primitive import assign_any

    assign_any(ws, coloc.primary)
    hosts = {node.id for rep in replica_parts(coloc.primary)
             if (node := rep["container"].assigned_node) is not None}
    known = [ws.nodes_by_id[n] for n in container.allowed if n in ws.nodes_by_id]
    paired = next((n for n in sort_nodes(ws, container, known) if n.id in hosts), None)
    score = coloc.score
    for node_id in list(container.allowed):
        if paired is not None and node_id == paired.id:
            if score < INFINITY:
                container.allowed[node_id] = add_scores(container.allowed[node_id], score)
        elif score >= INFINITY:
            container.allowed[node_id] = -INFINITY


def _connection_weighs(container: Resource) -> bool:
    """A clean container active on one node is not moved for its
    connection's sake (moving a connection is cheap, a container is not)."""
    return container.failed or len(container.running_on) != 1


def _weigh_connection(ws: WorkingSet, container: Resource, conn: Resource) -> None:
    """Where its connection cannot run, a container is less welcome (unless
    that leaves it nowhere to go)."""
    work = dict(container.allowed)
    for node_id, score in conn.allowed.items():
        if node_id in work:
            weighed = -CONNECTION_WEIGHT if score <= -INFINITY else \
                score * CONNECTION_WEIGHT // INFINITY
            work[node_id] = add_scores(work[node_id], weighed)
    if any_available(ws, work):
        container.allowed = work


def _assign_connection(ws: WorkingSet, conn: Resource, container: Resource) -> None:
    """A replica's connection prefers its container's node; when the
    container runs on a remote or guest node, the connection must run where
    that node's own connection does."""
    target = container.assigned_node
    if target is not None:
        with noting(ws, conn, "colocation", "resource-with-container",
                    f"its container {container.name} runs on {target.uname}"):
            if target.is_remote:
                host = host_of(target)
                for node_id in conn.allowed:
                    if host is None or node_id != host.id:
                        conn.allowed[node_id] = -INFINITY
            if target.id in conn.allowed:
                conn.allowed[target.id] = add_scores(conn.allowed[target.id],
                                                     CONNECTION_WEIGHT)
    else:
        # the container will not run: the colocation counts against every
        # node (unless that leaves none usable)
        work = {n: add_scores(s, -CONNECTION_WEIGHT) for n, s in conn.allowed.items()}
        if any_available(ws, work):
            with noting(ws, conn, "colocation", "resource-with-container",
                        f"its container {container.name} will not run"):
                conn.allowed = work
    # (with no container, its start waits for the container's, which cannot be)
    assign_primitive(ws, conn)


def _assign_instance(ws: WorkingSet, bundle: Resource, inst: Resource, guest: Node) -> None:
    """Instance N of the bundled clone runs on replica N's guest node."""
    with noting(ws, inst, "bundle", bundle.id, "an instance runs on its replica's guest node",
                tree=True):
        for prim in inst.walk():
            for node_id, score in prim.allowed.items():
                prim.allowed[node_id] = INFINITY if node_id == guest.id and \
                    score > -INFINITY else -INFINITY
    if inst.variant == "primitive":
        assign_primitive(ws, inst, guest)


def _held(node: Node) -> bool:
    """A guest node that is up, whose connection is to stop."""
    return node.shutdown and node.unpacked_state is not None and not node.unpacked_state[2]


def _assign_bundle_clone(ws: WorkingSet, bundle: Resource, clone: Resource,
                         parts: list[dict[str, Resource]]) -> None:
    from hapy.scheduler.assign.clone import assign_clone

    guests = {p["remote"].remote_node.id for p in parts
              if "remote" in p and p["remote"].remote_node is not None}
    with noting(ws, clone, "bundle", bundle.id,
                "the bundled clone runs only on the bundle's guest nodes"):
        for node_id in clone.allowed:
            clone.allowed[node_id] = 0 if node_id in guests else -INFINITY
    # (its instances are placed already: a held guest whose container will
    # not run is no place to promote one)
    assign_clone(ws, clone)


def _seed(bundle: Resource, rsc: Resource) -> None:
    for node_id, score in bundle.allowed.items():
        rsc.allowed[node_id] = add_scores(rsc.allowed.get(node_id, 0), score)


def _follow(ws: WorkingSet, rsc: Resource, target: Node | None) -> None:
    """Place ``rsc`` on ``target`` (where its container went), if it may run there."""
    with noting(ws, rsc, "colocation", "with-container", "goes where its container goes"):
        for node_id in rsc.allowed:
            if target is None or node_id != target.id:
                rsc.allowed[node_id] = -INFINITY
        if target is not None and target.id not in rsc.allowed:
            rsc.allowed[target.id] = 0
    assign_primitive(ws, rsc)


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

