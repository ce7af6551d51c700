"""Text rendering of a :class:`~hapy.display.view.ClusterView`.

Produces the lines ``crm_simulate -S`` (Pacemaker 2.1.5) prints under
``Current cluster status:`` / ``Revised Cluster Status:``, and the lines it
prints before the first of those headers.  Lines carry their own leading
indentation (``"  * Node List:"``) and the tab characters Pacemaker emits
between a resource's id, agent and state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from hapy.cib.node_names import compare_node_names, sort_node_names
from hapy.display.view import (
    BundleReplicaView,
    BundleView,
    CloneView,
    ClusterView,
    GroupView,
    Health,
    NodeType,
    NodeView,
    PrimitiveView,
    ResourceView,
    Role,
)
from hapy.records import record

__all__ = [
    "compare_node_names",
    "ocf_exit_reason",
    "render_preamble",
    "render_status",
    "resource_counts",
    "sort_node_names",
]

MAINTENANCE_BANNER = "              *** Resource management is DISABLED ***"
MAINTENANCE_TEXT = "  The cluster will not attempt to start, stop or recover services"

_OCF_EXIT_REASONS = {
    0: "ok",
    1: "error",
    2: "invalid parameter",
    3: "unimplemented feature",
    4: "insufficient privileges",
    5: "not installed",
    6: "not configured",
    7: "not running",
    8: "promoted",
    9: "promoted (failed)",
    190: "degraded",
    191: "degraded promoted",
}

# Pending operation -> word replacing the role ("Starting node1").
_PENDING_STATES = {
    "start": "Starting",
    "stop": "Stopping",
    "migrate_to": "Migrating",
    "migrate_from": "Migrating",
    "promote": "Promoting",
    "demote": "Demoting",
}


def ocf_exit_reason(rc: int) -> str:
    """Human text of an OCF exit code, as shown in ``Stopped (not installed)``."""
    return _OCF_EXIT_REASONS.get(rc, "unknown")


# ---------------------------------------------------------------------------
# Node name ordering
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Shared state queries
# ---------------------------------------------------------------------------


@record
class _Ctx:
    nodes: dict[str, NodeView]

    def online(self, name: str) -> bool:
        node = self.nodes.get(name)
        return True if node is None else node.online

    def unclean(self, name: str) -> bool:
        node = self.nodes.get(name)
        return False if node is None else node.unclean


Instance = PrimitiveView | GroupView


def _primitives(rsc: ResourceView) -> Iterator[PrimitiveView]:
    """Every primitive below (and including) ``rsc``, bundle internals too."""
    if isinstance(rsc, PrimitiveView):
        yield rsc
    elif isinstance(rsc, GroupView):
        yield from rsc.children
    elif isinstance(rsc, CloneView):
        for inst in rsc.instances:
            yield from _primitives(inst)
    else:
        for rep in rsc.replicas:
            for part in (rep.ip, rep.child, rep.container, rep.remote):
                if part is not None:
                    yield part


def _prim_active(p: PrimitiveView, ctx: _Ctx) -> bool:
    """Active: on an unclean node, an online node, or unmanaged anywhere."""
    for name in p.nodes:
        if ctx.unclean(name):
            return True
        if not ctx.online(name) and p.managed:
            continue
        return True
    return False


def _active(rsc: Instance, ctx: _Ctx, *, fully: bool) -> bool:
    if isinstance(rsc, PrimitiveView):
        return _prim_active(rsc, ctx)
    states = [_prim_active(c, ctx) for c in rsc.children]
    if not any(states):
        return False
    return all(states) if fully else True


def _running_on(rsc: Instance) -> list[str]:
    """Union of nodes the resource (or its members) run on, first-seen order."""
    if isinstance(rsc, PrimitiveView):
        return list(dict.fromkeys(rsc.nodes))
    seen: dict[str, None] = {}
    for child in rsc.children:
        for name in child.nodes:
            seen.setdefault(name)
    return list(seen)


def _propagated_nodes(rsc: ResourceView, ctx: _Ctx) -> set[str]:
    """Nodes a resource's own ``running_on`` holds once its members report in.

    A member reports its node to its parents, except that an unmanaged member
    (or one below an unmanaged group) on an offline node does not: such a
    node is missing from the clone's list (so it shows in ``Stopped: [ ]``)
    and a clone or group active only there is not displayed at all.
    """

    def reach(p: PrimitiveView, group_managed: bool = True) -> Iterator[str]:
        for name in p.nodes:
            if (p.managed and group_managed) or ctx.online(name):
                yield name

    out: set[str] = set()
    if isinstance(rsc, PrimitiveView):
        out.update(rsc.nodes)
    elif isinstance(rsc, GroupView):
        for child in rsc.children:
            out.update(reach(child))
    elif isinstance(rsc, CloneView):
        for inst in rsc.instances:
            if isinstance(inst, PrimitiveView):
                out.update(reach(inst))
            else:
                for child in inst.children:
                    out.update(reach(child, inst.managed))
    else:
        for p in _primitives(rsc):
            out.update(reach(p))
    return out


def _partially_active(rsc: ResourceView, ctx: _Ctx) -> bool:
    return any(_prim_active(p, ctx) for p in _primitives(rsc) if not p.internal)


def _state(rsc: Instance) -> Role:
    if isinstance(rsc, PrimitiveView):
        return rsc.role
    best = Role.UNKNOWN
    for child in rsc.children:
        if child.role.rank > best.rank:
            best = child.role
    return best


def _any_set(rsc: Instance, pred: Callable[[PrimitiveView], bool]) -> bool:
    if isinstance(rsc, PrimitiveView):
        return pred(rsc)
    return any(pred(c) for c in rsc.children)


def _is_disabled(target_role: str | None, promotable: bool) -> bool:
    if target_role is None:
        return False
    role = Role.parse(target_role)
    return role is Role.STOPPED or (role is Role.UNPROMOTED and promotable)


def _failed_probe(p: PrimitiveView | CloneView, node: str | None) -> int | None:
    for where, rc in p.probe_failures:
        if node is None or where.lower() == node.lower():
            return rc
    return None


# ---------------------------------------------------------------------------
# Primitive line
# ---------------------------------------------------------------------------


def _current_node(p: PrimitiveView) -> str | None:
    return p.nodes[0] if p.nodes else None


def _primitive_text(
    p: PrimitiveView,
    ctx: _Ctx,
    *,
    promotable: bool,
    name: str | None = None,
    node: str | None = None,
    node_given: bool = False,
) -> str:
    """``id\\t(class:provider:type):\\t state [node] [(flags)] [desc] [[ nodes ]]``.

    The node shown is the resource's current node, or ``node`` when
    ``node_given`` (bundle replicas show their container's node).
    """
    multiple = len(p.nodes) > 1
    shown = node if node_given else _current_node(p)
    if shown is None and p.pending_node is not None:
        shown = p.pending_node
    if shown is None and p.locked_to is not None:
        shown = p.locked_to
    if multiple:
        shown = None

    provider = f":{p.provider}" if p.rclass == "ocf" and p.provider is not None else ""
    out = f"{p.id if name is None else name}\t({p.rclass}{provider}:{p.agent}):\t"

    role = p.role
    if role is Role.STARTED and promotable:
        role = Role.UNPROMOTED
    pending = p.pending_task.lower() if p.pending_task is not None else None

    words: list[str] = []
    if p.orphan:
        words.append("ORPHANED")
    if p.failed:
        words.append("FAILED")
        if role.rank > Role.UNPROMOTED.rank:
            words.append(role.value)
    else:
        state = _PENDING_STATES.get(pending or "")
        words.append(state if state is not None else role.value)
    if shown is not None:
        words.append(shown)
    out += " " + " ".join(words)

    if role is Role.STOPPED:
        rc = _failed_probe(p, shown)
        if rc is not None:
            out += f" ({ocf_exit_reason(rc)}) "

    flags: list[str] = []
    if shown is not None and not ctx.online(shown) and ctx.unclean(shown):
        flags.append("UNCLEAN")
    if shown is not None and shown == p.locked_to:
        flags.append("LOCKED")
    if pending == "monitor":
        flags.append("Monitoring")
    if p.target_role is not None:
        target = Role.parse(p.target_role)
        if target is Role.STOPPED:
            flags.append("disabled")
        elif target is Role.UNPROMOTED and promotable:
            flags.append(f"target-role:{p.target_role}")
    if p.blocked:
        flags.append("blocked")
    elif not p.managed:
        flags.append("unmanaged")
    if p.failure_ignored:
        flags.append("failure ignored")
    if flags:
        out += " (" + ", ".join(flags) + ")"

    if multiple:
        if p.description:
            out += " " + p.description
        out += " [ " + " ".join(p.nodes) + " ]"
    return out


# ---------------------------------------------------------------------------
# Resource blocks
# ---------------------------------------------------------------------------


def _item(depth: int, text: str) -> str:
    return "  " * depth + "* " + text


def _render_group(g: GroupView, ctx: _Ctx, depth: int, promotable: bool) -> list[str]:
    if not g.children:
        return []
    attrs = []
    if not g.managed:
        attrs.append("unmanaged")
    if _is_disabled(g.target_role, promotable):
        attrs.append("disabled")
    suffix = f" ({', '.join(attrs)})" if attrs else ""
    lines = [_item(depth, f"Resource Group: {g.id}{suffix}:")]
    for child in g.children:
        lines.append(_item(depth + 1, _primitive_text(child, ctx, promotable=promotable)))
    return lines


def _clone_configured_role(c: CloneView) -> Role:
    target = c.target_role
    if target is None and c.instances:
        target = c.instances[0].target_role
    return Role.parse(target)


def _render_clone(c: CloneView, ctx: _Ctx, depth: int) -> list[str]:
    attrs = []
    if c.promotable:
        attrs.append("promotable")
    if c.unique:
        attrs.append("unique")
    if _is_disabled(c.target_role, c.promotable):
        attrs.append("disabled")
    if not c.managed:
        attrs.append("unmanaged")
    suffix = f" ({', '.join(attrs)})" if attrs else ""
    lines = [_item(depth, f"Clone Set: {c.id} [{c.child_id}]{suffix}:")]

    promoted: list[str] = []
    started: list[str] = []
    for inst in c.instances:
        if _instance_listed_alone(inst, c, ctx, promoted, started):
            if isinstance(inst, PrimitiveView):
                text = _primitive_text(inst, ctx, promotable=c.promotable)
                lines.append(_item(depth + 1, text))
            else:
                lines.extend(_render_group(inst, ctx, depth + 1, c.promotable))

    active_instances = len(promoted) + len(started)
    if promoted:
        lines.append(_item(depth + 1, f"Promoted: [ {' '.join(sort_node_names(promoted))} ]"))
    if started:
        names = " ".join(sort_node_names(started))
        if not c.promotable:
            label = "Started"
        elif _clone_configured_role(c) is Role.UNPROMOTED:
            label = "Unpromoted (target-role)"
        else:
            label = "Unpromoted"
        lines.append(_item(depth + 1, f"{label}: [ {names} ]"))

    if not c.unique and c.clone_max > active_instances:
        lines.extend(_clone_stopped_lines(c, ctx, depth + 1))
    return lines


def _instance_listed_alone(
    inst: Instance, c: CloneView, ctx: _Ctx, promoted: list[str], started: list[str]
) -> bool:
    """Whether a clone instance gets its own line(s); otherwise record its node."""
    partially_active = _active(inst, ctx, fully=False)
    if c.unique:
        return True
    if (
        isinstance(inst, PrimitiveView)
        and inst.pending_task is not None
        and inst.pending_task.lower() != "probe"
    ):
        return True
    if not partially_active:
        return False  # summarised in the Stopped list (or hidden, for orphans)
    if (
        _any_set(inst, lambda p: p.orphan)
        or (isinstance(inst, GroupView) and not inst.managed)
        or _any_set(inst, lambda p: not p.managed)
        or _any_set(inst, lambda p: p.failed)
    ):
        return True
    if not _active(inst, ctx, fully=True):
        return True
    nodes = _running_on(inst)
    if len(nodes) != 1:
        return True
    where = nodes[0]
    if not ctx.online(where) and ctx.unclean(where):
        return True
    if _state(inst).rank > Role.UNPROMOTED.rank:
        promoted.append(where)
    else:
        started.append(where)
    return False


def _clone_stopped_lines(c: CloneView, ctx: _Ctx, depth: int) -> list[str]:
    running = {n.lower() for n in _propagated_nodes(c, ctx)}
    disabled = _clone_configured_role(c) is Role.STOPPED
    by_status: dict[str, list[str]] = {}
    for name in sort_node_names(dict.fromkeys(c.allowed_nodes)):
        if name.lower() in running:
            continue
        rc = _failed_probe(c, name)
        if rc is not None:
            status = f"Stopped ({ocf_exit_reason(rc)})"
        elif disabled:
            status = "Stopped (disabled)"
        else:
            status = "Stopped"
        by_status.setdefault(status, []).append(name)
    return [
        _item(depth, f"{status}: [ {' '.join(by_status[status])} ]") for status in sorted(by_status)
    ]


def _replica_line(rep: BundleReplicaView, ctx: _Ctx) -> str:
    rsc = rep.child if rep.child is not None else rep.container
    name = rep.remote.id if rep.remote is not None else rep.container.id
    if rep.ip_address:
        name += f" ({rep.ip_address})"
    node = _current_node(rep.container)
    return _primitive_text(rsc, ctx, promotable=False, name=name, node=node, node_given=True)


def _render_bundle(b: BundleView, ctx: _Ctx, depth: int) -> list[str]:
    if not b.replicas:
        return []
    kind = "Container bundle set" if len(b.replicas) > 1 else "Container bundle"
    suffix = (" (unique)" if b.unique else "") + ("" if b.managed else " (unmanaged)")
    lines = [_item(depth, f"{kind}: {b.id} [{b.image}]{suffix}:")]
    for rep in b.replicas:
        lines.append(_item(depth + 1, _replica_line(rep, ctx)))
    return lines


def _render_resource(rsc: ResourceView, ctx: _Ctx, depth: int) -> list[str]:
    if isinstance(rsc, PrimitiveView):
        return [_item(depth, _primitive_text(rsc, ctx, promotable=False))]
    if isinstance(rsc, GroupView):
        return _render_group(rsc, ctx, depth, promotable=False)
    if isinstance(rsc, CloneView):
        return _render_clone(rsc, ctx, depth)
    return _render_bundle(rsc, ctx, depth)


# ---------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------

_NODE_PREFIX = {NodeType.MEMBER: "Node", NodeType.REMOTE: "RemoteNode", NodeType.GUEST: "GuestNode"}


def _node_shown_alone(n: NodeView) -> bool:
    return (
        n.unclean
        or n.pending
        or (n.standby_onfail and n.online)
        or n.standby
        or n.maintenance
        or n.health is not Health.GREEN
    )


def _node_status(n: NodeView, has_resources: bool) -> str:
    if n.unclean:
        text = "UNCLEAN (" + ("online" if n.online else "pending" if n.pending else "offline") + ")"
    elif n.pending:
        text = "pending"
    elif n.standby_onfail and n.online:
        text = "standby (on-fail)"
    elif n.standby:
        if not n.online:
            text = "OFFLINE (standby)"
        elif has_resources:
            text = "standby (with active resources)"
        else:
            text = "standby"
    elif n.maintenance:
        text = "maintenance" if n.online else "OFFLINE (maintenance)"
    else:
        text = "online" if n.online else "OFFLINE"
    if n.health is Health.RED:
        text += " (health is RED)"
    elif n.health is Health.YELLOW:
        text += " (health is YELLOW)"
    return text


def _render_nodes(view: ClusterView) -> list[str]:
    if not view.nodes:
        return []
    busy: set[str] = set()
    for rsc in view.resources:
        for p in _primitives(rsc):
            busy.update(p.nodes)

    by_name = {n.name: n for n in view.nodes}
    alone: list[str] = []
    groups: dict[str, list[str]] = {
        "Online": [],
        "OFFLINE": [],
        "RemoteOnline": [],
        "RemoteOFFLINE": [],
        "GuestOnline": [],
    }
    for name in sort_node_names(n.name for n in view.nodes):
        n = by_name[name]
        if _node_shown_alone(n):
            status = _node_status(n, n.name in busy)
            alone.append(_item(2, f"{_NODE_PREFIX[n.type]} {n.name}: {status}"))
        elif n.online:
            label = {NodeType.MEMBER: "Online", NodeType.REMOTE: "RemoteOnline"}.get(
                n.type, "GuestOnline"
            )
            groups[label].append(n.name)
        elif n.type is NodeType.MEMBER:
            groups["OFFLINE"].append(n.name)
        elif n.type is NodeType.REMOTE:
            groups["RemoteOFFLINE"].append(n.name)
        # offline guest nodes are not listed
    lines = [_item(1, "Node List:"), *alone]
    for label, names in groups.items():
        if names:
            lines.append(_item(2, f"{label}: [ {' '.join(names)} ]"))
    return lines


# ---------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------


def render_status(view: ClusterView, *, indent: str = "") -> list[str]:
    """Lines of one status block (without its ``Current cluster status:`` title).

    The node list, a blank line, then the resource list; no trailing blank
    line.  ``indent`` is prepended to every non-empty line.
    """
    ctx = _Ctx({n.name: n for n in view.nodes})
    lines = _render_nodes(view)
    if lines:
        lines.append("")
    lines.append(_item(1, "Full List of Resources:"))
    shown = 0
    for rsc in view.resources:
        if isinstance(rsc, PrimitiveView) and (
            rsc.internal or (rsc.orphan and not _prim_active(rsc, ctx))
        ):
            continue  # implicit resources and inactive orphans are not displayed
        if _partially_active(rsc, ctx) and not _propagated_nodes(rsc, ctx):
            continue  # active only as unmanaged members on offline nodes
        block = _render_resource(rsc, ctx, 2)
        shown += 1
        lines.extend(block)
    if shown == 0:
        lines.append(_item(2, "No resources"))
    return [indent + line if line else line for line in lines]


def resource_counts(view: ClusterView) -> tuple[int, int, int]:
    """``(instances, disabled, blocked)`` over every primitive instance.

    Counts all primitives, clone instances and bundle-internal resources,
    except orphans that are stopped.  ``disabled``: effective target-role
    Stopped (or Unpromoted inside a promotable clone/bundle).
    """
    total, disabled, blocked = view.implicit_instances, 0, 0
    for rsc in view.resources:
        promotable = isinstance(rsc, CloneView) and rsc.promotable
        for p in _primitives(rsc):
            if p.orphan and p.role.rank <= Role.STOPPED.rank:
                continue
            total += 1
            if _is_disabled(p.target_role, promotable):
                disabled += 1
            if p.blocked:
                blocked += 1
    return total, disabled, blocked


def render_preamble(view: ClusterView) -> list[str]:
    """Lines ``crm_simulate`` prints right before ``Current cluster status:``.

    The maintenance-mode banner and the ``N of M resource instances
    DISABLED ...`` line, each followed by a blank line; empty when neither
    applies.  (The "Using the original execution date" line, when present,
    comes before these and is not produced here.)
    """
    lines: list[str] = []
    if view.maintenance_mode:
        lines += ["", MAINTENANCE_BANNER, MAINTENANCE_TEXT]
    total, disabled, blocked = resource_counts(view)
    if disabled or blocked:
        if lines:
            lines.append("")
        lines.append(
            f"{disabled} of {total} resource instances DISABLED and {blocked} BLOCKED "
            "from further action due to failure"
        )
    if lines:
        lines.append("")
    return lines
