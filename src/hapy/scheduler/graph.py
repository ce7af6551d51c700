"""Scheduler actions and orderings -> the transition graph model."""

from __future__ import annotations

from hapy.cib import model as m
from hapy.cib.iso8601 import parse_datetime, parse_msec
from hapy.cib.nvsets import unpack_nvsets
from hapy.cib.rules import RuleContext
from hapy.graph.model import (
    ActionKind,
    DownedNode,
    GraphAction,
    ResourceRef,
    Synapse,
    TransitionGraph,
)
from hapy.scheduler.actions.model import (
    CLEAR_FAILCOUNT,
    LRM_DELETE,
    MIGRATE_TO,
    NOTIFIED,
    NOTIFY,
    REPROBE,
    Action,
    OrderFlag,
)
from hapy.scheduler.actions.remote import physical_host, router_node
from hapy.scheduler.options import is_true
from hapy.scheduler.unpack.history import find_op_config
from hapy.scheduler.working_set import INFINITY, Node, Resource, WorkingSet

DEFAULT_TIMEOUT_MS = 20000


def in_graph(action: Action) -> bool:
    return (action.required or action.print_always) and action.runnable and not action.deleted


def _op_defaults(ws: WorkingSet, rsc: Resource | None, task: str, interval: int) -> dict[str, str]:
    prim = rsc.primitive if rsc else None
    ctx = RuleContext(
        node_attrs={},
        now=ws.now,
        rsc_class=prim.rclass if prim else None,
        rsc_provider=prim.provider if prim else None,
        rsc_type=prim.type if prim else None,
        op_name=task,
        op_interval_ms=interval,
    )
    return unpack_nvsets(ws.cib.op_defaults, ctx)


def _timeout_ms(ws: WorkingSet, rsc: Resource | None, task: str, interval: int) -> int:
    prim = rsc.primitive if rsc else None
    op = find_op_config(prim, task, interval)
    if op is None and task == "monitor" and interval == 0 and prim is not None:
        # a probe without its own op definition takes the timeout of the
        # most frequent monitor
        monitors = [o for o in prim.ops if o.name == "monitor" and o.enabled]
        op = min(monitors, key=lambda o: o.interval_ms) if monitors else None
    text: str | None = None
    if op is not None:
        text = op.attrs.get("timeout")
        if text is None:
            ctx = RuleContext(node_attrs={}, now=ws.now)
            text = unpack_nvsets(op.meta_sets, ctx).get("timeout")
    if text is None:
        text = _op_defaults(ws, rsc, task, interval).get("timeout")
    if text is None:
        text = ws.options.values.get("default-action-timeout")
    if text is None:
        return DEFAULT_TIMEOUT_MS
    try:
        return parse_msec(text)
    except ValueError:
        return DEFAULT_TIMEOUT_MS


_OP_META_SKIP = frozenset(("id", "name", "interval", "timeout", "description", "enabled"))


def _start_delay_ms(ws: WorkingSet, op: m.OpConfig, interval_ms: int) -> int | None:
    """The delay before a recurring op's first run: its ``start-delay``, or
    the wait until the next multiple of the interval after ``interval-origin``."""
    origin_text = op.attrs.get("interval-origin")
    if origin_text is not None and interval_ms > 0:
        try:
            origin = parse_datetime(origin_text, now=ws.now)
        except ValueError:
            origin = None
        if origin is not None:
            now_ms = int(ws.now.timestamp() * 1000)
            origin_ms = int(origin.timestamp() * 1000)
            return (origin_ms - now_ms) % interval_ms
    text = op.attrs.get("start-delay")
    if text is None:
        return None
    try:
        return parse_msec(text)
    except ValueError:
        return None


def op_meta(ws: WorkingSet, action: Action) -> dict[str, str]:
    """The ``CRM_meta_*`` (without prefix) an action takes from the op
    defaults and from its ``<op>`` definition."""
    rsc = action.rsc
    assert rsc is not None
    meta: dict[str, str] = {}
    for name, value in _op_defaults(ws, rsc, action.task, action.interval_ms).items():
        if name not in _OP_META_SKIP:
            meta[name.replace("-", "_")] = value
    op = find_op_config(rsc.primitive, action.task, action.interval_ms)
    if op is None:
        return meta
    meta["name"] = op.name
    for name, value in op.attrs.items():
        if name not in _OP_META_SKIP:
            meta[name.replace("-", "_")] = value
    ctx = RuleContext(node_attrs={}, now=ws.now)
    for name, value in unpack_nvsets(op.meta_sets, ctx).items():
        if name not in _OP_META_SKIP:
            meta[name.replace("-", "_")] = value
    delay = _start_delay_ms(ws, op, action.interval_ms)
    if delay is not None:
        meta["start_delay"] = str(delay)
    return meta


def _node_params(ws: WorkingSet, rsc: Resource, node: Node | None) -> dict[str, str]:
    """The resource's parameters as they are on ``node``: sets with rules
    (on #uname, node attributes...) are evaluated for the node they run on."""
    prim = rsc.primitive
    if node is None or prim is None or all(s.rule is None for s in prim.instance_sets):
        return rsc.params
    ctx = RuleContext(node_attrs=node.attrs, now=ws.now, rsc_class=prim.rclass,
                      rsc_provider=prim.provider, rsc_type=prim.type)
    params = dict(rsc.parent.params) if rsc.parent is not None else {}
    params.update(unpack_nvsets(prim.instance_sets, ctx))
    return params


def _op_params(ws: WorkingSet, action: Action) -> dict[str, str]:
    """Parameters an ``<op>`` adds for its own runs (``OCF_CHECK_LEVEL``...)."""
    rsc = action.rsc
    op = find_op_config(rsc.primitive if rsc else None, action.task, action.interval_ms)
    if op is None or not op.instance_sets:
        return {}
    return unpack_nvsets(op.instance_sets, RuleContext(node_attrs={}, now=ws.now))


def _clone_meta(ws: WorkingSet, rsc: Resource, meta: dict[str, str]) -> None:
    from hapy.scheduler.unpack.resources import clone_max, clone_node_max

    clone = rsc.clone_parent() if rsc.variant != "clone" else rsc
    if clone is None:
        return
    if rsc is not clone and rsc.variant == "primitive":
        inst = rsc
        while inst.parent is not None and inst.parent is not clone:
            inst = inst.parent
        if inst.instance_number is not None:
            meta["clone"] = str(inst.instance_number)
    meta["clone_max"] = str(clone_max(ws, clone))
    meta["clone_node_max"] = str(clone_node_max(clone))
    meta["globally_unique"] = "true" if clone.unique else "false"
    meta["notify"] = "true" if is_true(clone.meta.get("notify")) else "false"
    if clone.promotable:
        pm = clone.meta.get("promoted-max", clone.meta.get("master-max", "1"))
        pnm = clone.meta.get("promoted-node-max", clone.meta.get("master-node-max", "1"))
        meta["promoted_max"] = pm
        meta["promoted_node_max"] = pnm
        meta["master_max"] = pm
        meta["master_node_max"] = pnm


def action_attributes(ws: WorkingSet, action: Action) -> dict[str, str]:
    meta: dict[str, str] = {}
    rsc = action.rsc
    if rsc is not None and not action.is_cluster_event:
        meta.update(op_meta(ws, action))
        _clone_meta(ws, rsc, meta)
        if action.interval_ms > 0:
            meta["interval"] = str(action.interval_ms)
            meta["name"] = action.task
        meta["timeout"] = str(_timeout_ms(ws, rsc, action.task, action.interval_ms))
        if action.task == "migrate_to" and not rsc.is_remote_connection:
            # a migration records that it is under way, unless the op says not to
            meta.setdefault("record_pending", "true")
    if rsc is not None and rsc.primitive is not None and action.task != "stonith":
        # a guest's container and its connection name each other
        for name in ("remote-node", "container"):
            if rsc.meta.get(name):
                meta[name.replace("-", "_")] = rsc.meta[name]
    meta.update(action.meta)
    if action.node is not None and not action.pseudo:
        meta["on_node"] = action.node.uname
        meta["on_node_uuid"] = action.node.id
    if action.node is not None and rsc is not None and not action.is_cluster_event:
        host = physical_host(action)
        if host is not None:
            meta["physical_host"] = host.uname
    if action.task == LRM_DELETE and rsc is not None:
        meta["timeout"] = str(_timeout_ms(ws, rsc, action.task, 0))
    if action.pseudo and rsc is not None and "timeout" not in meta:
        meta["timeout"] = str(DEFAULT_TIMEOUT_MS)
    clearing = action.task == CLEAR_FAILCOUNT and rsc is not None and not rsc.orphan
    if clearing and rsc is not None:
        # clearing a configured resource's failures names it as it is
        _clone_meta(ws, rsc, meta)
    attrs = {f"CRM_meta_{k}": v for k, v in meta.items()}
    if rsc is not None and rsc.primitive is not None and not action.is_cluster_event:
        attrs.update(_node_params(ws, rsc, action.node if not action.pseudo else None))
        attrs.update(_op_params(ws, action))
    elif clearing and rsc is not None and rsc.primitive is not None:
        attrs.update(_node_params(ws, rsc, action.node))
    return attrs


def _kind(action: Action) -> ActionKind:
    if action.pseudo:
        return ActionKind.PSEUDO
    if action.task == REPROBE:
        return ActionKind.RSC_OP  # (a resource operation naming no resource)
    if action.is_cluster_event or action.rsc is None:
        return ActionKind.CRM_EVENT
    return ActionKind.RSC_OP


def _history_key(action: Action) -> str:
    """An anonymous clone instance's actions are named after the history
    entry it was found under (the instance's own key stays internal)."""
    rsc = action.rsc
    if rsc is None or rsc.unique or rsc.history_name is None or rsc.history_name == rsc.name:
        return action.key
    suffix = action.key[len(rsc.name):] if action.key.startswith(rsc.name + "_") else None
    return action.key if suffix is None else rsc.history_name + suffix


def _router_name(action: Action, kind: ActionKind) -> str | None:
    if kind is not ActionKind.RSC_OP:
        return None
    router = router_node(action)
    return router.uname if router is not None else None


def _pseudo_key(action: Action) -> str:
    """A primitive's pseudo-action is named like its real actions; a pseudo
    notification of one instance (its stop implied by fencing) is shown as
    ``<instance>_post_notify_stop_0`` and ``<instance>_notified_0``."""
    rsc = action.rsc
    assert rsc is not None
    name = rsc.history_name if not rsc.unique and rsc.history_name else rsc.name
    if action.task == NOTIFY:
        return (f"{name}_{action.meta.get('notify_type', 'post')}_notify_"
                f"{action.meta.get('notify_operation', 'stop')}_0")
    if action.task == NOTIFIED:
        return f"{name}_{NOTIFIED}_0"
    return _history_key(action)


def to_graph_action(ws: WorkingSet, action: Action) -> GraphAction:
    kind = _kind(action)
    resource = None
    rsc = action.rsc
    if rsc is not None and rsc.primitive is not None and (
        kind is ActionKind.RSC_OP or action.task in (CLEAR_FAILCOUNT, LRM_DELETE)
    ):
        prim = rsc.primitive
        long_id = None
        rsc_id = rsc.clone_name if rsc.unique and rsc.clone_name else rsc.id
        if rsc.clone_name is not None and not rsc.unique:
            long_id = rsc.clone_name
            # an instance found under another instance's history is named
            # after that history (an orphan instance keeps its own name and
            # its resource is the history's)
            if rsc.history_name is not None and rsc.history_name != rsc.id:
                if rsc.orphan:
                    rsc_id = rsc.history_name
                else:
                    long_id = rsc.history_name
        resource = ResourceRef(
            id=rsc_id,
            rclass=prim.rclass, type=prim.type, provider=prim.provider, long_id=long_id,
        )
    # a guest node's (pseudo) fencing names the node
    node = action.node if kind is not ActionKind.PSEUDO or action.is_cluster_event else None
    # an anonymous instance's own actions (also those implied by fencing)
    # are named after its history
    key = action.key
    if kind is ActionKind.RSC_OP or action.task == CLEAR_FAILCOUNT:
        key = _history_key(action)
    elif kind is ActionKind.PSEUDO and rsc is not None and rsc.variant == "primitive":
        key = _pseudo_key(action)
    return GraphAction(
        id=action.id,
        kind=kind,
        operation=action.task,
        operation_key=key,
        internal_operation_key=action.key if key != action.key else None,
        on_node=node.uname if node else None,
        on_node_uuid=node.id if node else None,
        router_node=_router_name(action, kind),
        resource=resource,
        attributes=action_attributes(ws, action),
        downed=tuple(DownedNode(n.id) for n in action.downed),
        shutdown_lock=str(action.shutdown_lock) if action.shutdown_lock is not None else None,
        mode=action.mode,
        priority=action.priority,
    )


#: pseudo-actions that mark a clone's (or bundle's) task as done
_COMPLETIONS = frozenset(("running", "stopped", "promoted", "demoted"))


def synapse_priority(action: Action) -> int:
    """A resource's actions run with its priority; the pseudo-actions that
    complete a clone's task are never held back (INFINITY); cluster events,
    fencing included, have none."""
    rsc = action.rsc
    if rsc is None or action.is_cluster_event:
        return 0
    if action.pseudo and action.task in _COMPLETIONS and rsc.variant in ("clone", "bundle"):
        return INFINITY
    if action.task in (NOTIFY, NOTIFIED) and action.meta.get("notify_type") == "post":
        return INFINITY  # post notifications are never held back either
    return rsc.priority


def _dropped_load_orderings(ws: WorkingSet, included: list[Action],
                            ids: set[int]) -> set[int]:
    """Load orderings into a migrate_to that would close a loop: what the
    migrate_to waits for (the target's ``load_stopped``) already waits, in
    the graph, for the migrate_to itself.  They are left out.  The
    migrations are looked at in the order their resources were assigned in,
    a loop counting only through the orderings kept so far: of two
    migrations swapping nodes, the one looked at first keeps its ordering."""
    rank = {id(prim): n for n, prim in enumerate(
        p for top in ws.summary_order or ws.resources for p in top.primitives())}
    migrations = sorted((a for a in included if a.task == MIGRATE_TO and a.rsc is not None),
                        key=lambda a: rank.get(id(a.rsc), len(rank)))
    load = {o.id for a in migrations for o in a.inputs if o.flags & OrderFlag.LOAD}
    skipped = set(load)  # (dropped, or not looked at yet)
    for target in migrations:
        for ordering in target.inputs:
            if ordering.id not in load:
                continue
            if not _reaches(ordering.first, target, ids, skipped):
                skipped.discard(ordering.id)
    return skipped


def _reaches(start: Action, target: Action, ids: set[int], skipped: set[int]) -> bool:
    """Whether ``start`` waits, through the graph's orderings (not those
    ``skipped``), for ``target``."""
    seen: set[int] = set()
    stack = [start]
    while stack:
        action = stack.pop()
        for o in action.inputs:
            if o.id in skipped:
                continue
            first = o.first
            if first is target:
                return True
            if first.id in ids and first.id not in seen:
                seen.add(first.id)
                stack.append(first)
    return False


def build_graph(ws: WorkingSet) -> TransitionGraph:
    included = [a for a in ws.actions if in_graph(a)]
    ids = {a.id for a in included}
    dropped = _dropped_load_orderings(ws, included, ids)
    synapses = []
    for index, action in enumerate(included):
        inputs = sorted(
            {o.first.id for o in action.inputs if o.first.id in ids and o.id not in dropped}
        )
        synapses.append(
            Synapse(id=index, action=to_graph_action(ws, action), inputs=tuple(inputs),
                    priority=synapse_priority(action))
        )
    attrs: list[tuple[str, str]] = [
        ("cluster-delay", ws.options.get("cluster-delay")),
        ("stonith-timeout", ws.options.get("stonith-timeout")),
        ("failed-stop-offset", "INFINITY"),
        # a failed start bans the node only when start failures are fatal
        ("failed-start-offset",
         "INFINITY" if ws.options.flag("start-failure-is-fatal") else "1"),
        ("transition_id", "0"),
    ]
    batch = ws.options.values.get("batch-limit")
    if batch is not None and batch not in ("0", ""):
        attrs.append(("batch-limit", batch))
    later = [c for c in ws.rule_changes if c > ws.now]
    if later:
        # when the scheduler must run again for date rules to take effect
        attrs.append(("recheck-by", str(int(min(later).timestamp()))))
    migration = ws.options.values.get("migration-limit")
    if migration is not None and migration not in ("-1", ""):
        attrs.append(("migration-limit", migration))
    return TransitionGraph(synapses=tuple(synapses), attributes=tuple(attrs))
