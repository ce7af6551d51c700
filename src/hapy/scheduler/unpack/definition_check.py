"""Comparing the operation history with the current resource definitions.

Each ``<lrm_resource>`` of a node that can run resources (online, clean, not
shutting down, not in standby - or in maintenance) is checked against the
configuration of the resource it belongs to:

* the agent (class, provider, type) changed: the history is deleted on that
  node, and the resource restarted there if it is active;
* otherwise, for a resource active on the node, the operations recorded since
  its last start:

  - a recurring operation while the resource or the node is in maintenance,
    or one no longer configured (or disabled) when ``stop-orphan-actions`` is
    on: cancelled;
  - a recurring operation whose parameters changed (:mod:`digests`):
    rescheduled (run again with the new parameters, the resource stays);
  - a start, promote, migrate_from or probe whose parameters changed: the
    resource is restarted ("resource definition change") when a parameter
    needing a restart changed or the agent cannot reload (the entry records
    no ``op-restart-digest``), else reloaded in place - unless a start is
    still pending there (then restarted) or the resource is failed or
    unmanaged (then nothing is added).

The findings are stored on the resource (``history_digest_mismatch``,
``reload_on``, ``reschedule_on``, ``cancel_ops``, ``delete_on``); the actions
are made from them once resources are assigned (actions/definition_changes.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hapy.cib import model as m
from hapy.cib.iso8601 import parse_msec
from hapy.cib.nvsets import NvSet, unpack_nvsets
from hapy.cib.rules import RuleContext
from hapy.scheduler.digests import (
    DigestResult,
    RecordedDigests,
    compare_digests,
    compute_digests,
)
from hapy.scheduler.working_set import Node, Resource, WorkingSet

#: restart reason shown in the transition summary
DEFINITION_CHANGE = "resource definition change"

#: one-shot operations whose recorded parameters are checked
_CHECKED_TASKS = frozenset({"start", "promote", "migrate_from", "monitor"})

_OCF_OK = 0
_OCF_NOT_RUNNING = 7
_OCF_RUNNING_PROMOTED = 8
_EXEC_PENDING = -1
_EXEC_CANCELLED = 1
#: a result the agent gave (done, or error: the rc tells what it found)
_FINISHED = frozenset({0, 4})


def checked_node(node: Node) -> bool:
    """Is the history of ``node`` compared with the configuration?"""
    if not node.online or node.unclean or node.shutdown or node.pending:
        return False
    return node.maintenance or not (node.standby or node.standby_onfail)


def agent_changed(prim: m.PrimitiveConfig, lrm: m.LrmResource) -> bool:
    """Was the history recorded for another agent than the configured one?"""
    return (
        (lrm.rclass or "") != prim.rclass
        or (lrm.type or "") != prim.type
        or (lrm.provider or "") != (prim.provider or "")
    )


def _chain(rsc: Resource) -> list[Resource]:
    """``rsc`` and its parents, outermost first."""
    out: list[Resource] = []
    holder: Resource | None = rsc
    while holder is not None:
        out.append(holder)
        holder = holder.parent
    out.reverse()
    return out


def _instance_sets(rsc: Resource) -> tuple[NvSet, ...]:
    cfg = rsc.config
    if isinstance(cfg, m.PrimitiveConfig | m.GroupConfig | m.CloneConfig):
        return cfg.instance_sets
    return ()


def node_params(ws: WorkingSet, rsc: Resource, node: Node) -> Mapping[str, str]:
    """The instance attributes of ``rsc`` as evaluated for ``node``.

    Only instance attribute sets with rules depend on the node; without any
    the resource's own evaluation is returned.
    """
    chain = _chain(rsc)
    sets = [s for r in chain for s in _instance_sets(r)]
    if not any(s.rule is not None for s in sets):
        return rsc.params
    prim = rsc.primitive
    ctx = RuleContext(
        node_attrs=node.attrs,
        now=ws.now,
        rsc_class=prim.rclass if prim else None,
        rsc_provider=prim.provider if prim else None,
        rsc_type=prim.type if prim else None,
    )
    params: dict[str, str] = {}
    for holder in chain:
        params.update(unpack_nvsets(_instance_sets(holder), ctx))
    return params


def _op_config(prim: m.PrimitiveConfig, task: str, interval_ms: int) -> m.OpConfig | None:
    for op in prim.ops:
        if op.name == task and op.interval_ms == interval_ms:
            return op
    return None


def op_timeout_ms(ws: WorkingSet, prim: m.PrimitiveConfig, op: m.OpConfig) -> int | None:
    """The configured timeout of ``op`` (own attribute, its meta-attributes,
    then op_defaults); ``None`` when none is configured."""
    text = op.attrs.get("timeout")
    if text is None:
        text = unpack_nvsets(op.meta_sets, RuleContext(node_attrs={}, now=ws.now)).get("timeout")
    if text is None:
        ctx = RuleContext(
            node_attrs={},
            now=ws.now,
            rsc_class=prim.rclass,
            rsc_provider=prim.provider,
            rsc_type=prim.type,
            op_name=op.name,
            op_interval_ms=op.interval_ms,
        )
        text = unpack_nvsets(ws.cib.op_defaults, ctx).get("timeout")
    if text is None:
        return None
    try:
        return parse_msec(text)
    except ValueError:
        return None


def _digest_result(
    ws: WorkingSet, rsc: Resource, node: Node, op: m.LrmOp, op_cfg: m.OpConfig | None
) -> DigestResult:
    prim = rsc.primitive
    assert prim is not None
    op_params: Mapping[str, str] = {}
    timeout: int | None = None
    if op_cfg is not None:
        op_params = unpack_nvsets(op_cfg.instance_sets, RuleContext(node_attrs=node.attrs,
                                                                   now=ws.now))
        timeout = op_timeout_ms(ws, prim, op_cfg)
    recorded = RecordedDigests.from_attrs(op.attrs)
    computed = compute_digests(
        node_params(ws, rsc, node),
        recorded,
        interval_ms=op.interval_ms,
        timeout_ms=timeout,
        op_params=op_params,
        fencing=prim.rclass == "stonith",
    )
    return compare_digests(recorded, computed, interval_ms=op.interval_ms)


def _since_last_start(ops: list[m.LrmOp]) -> list[m.LrmOp]:
    """The operations from the last start (or probe that found it running) on;
    nothing when a later stop means the resource is stopped there."""
    start = -1
    stop = -1
    for index, op in enumerate(ops):
        task = op.operation
        if task in ("start", "migrate_from"):
            start = index
        elif task == "monitor" and op.interval_ms == 0 and op.op_status in _FINISHED:
            if op.rc_code in (_OCF_OK, _OCF_RUNNING_PROMOTED):
                start = index
            elif op.rc_code == _OCF_NOT_RUNNING:
                stop = index
        elif task == "stop" and op.op_status == 0 and op.rc_code in (_OCF_OK, _OCF_NOT_RUNNING):
            stop = index
    if stop > start:
        return []
    return ops[max(start, 0):]


class DefinitionChecker:
    """Records what the history of resources implies (see the module docstring)."""

    def __init__(self, ws: WorkingSet) -> None:
        self.ws = ws
        self.cancel_orphans = ws.options.flag("stop-orphan-actions")

    def check(self, rsc: Resource, node: Node, lrm: m.LrmResource, ops: list[m.LrmOp]) -> None:
        """Check one resource's history (``ops`` in call order) on ``node``."""
        prim = rsc.primitive
        if prim is None or rsc.orphan or not checked_node(node):
            return
        active = any(n is node for n in rsc.running_on)
        if agent_changed(prim, lrm):
            rsc.delete_on[node.id] = node
            _forget_failures(rsc, node)
            if active:
                rsc.history_digest_mismatch.setdefault(node.id, "")
            return
        self._check_failed(rsc, node, ops, prim)
        if not active:
            return
        maintenance = rsc.maintenance or node.maintenance
        start_pending = any(
            op.operation == "start" and op.op_status == _EXEC_PENDING for op in ops
        )
        for op in _since_last_start(ops):
            if op.op_status == _EXEC_CANCELLED:
                continue
            if op.interval_ms > 0:
                self._check_recurring(rsc, node, op, prim, maintenance)
            elif op.operation in _CHECKED_TASKS:
                self._check_one_shot(rsc, node, op, prim, start_pending)

    def _check_recurring(
        self, rsc: Resource, node: Node, op: m.LrmOp, prim: m.PrimitiveConfig, maintenance: bool
    ) -> None:
        op_cfg = _op_config(prim, op.operation, op.interval_ms)
        if maintenance or op_cfg is None or not op_cfg.enabled:
            if maintenance or self.cancel_orphans:
                rsc.cancel_ops.append((node, op))
            if not maintenance:
                _forget_failures(rsc, node)
            return
        if _digest_result(self.ws, rsc, node, op, op_cfg) is not DigestResult.MATCH:
            rsc.reschedule_on.setdefault(node.id, set()).add(op.interval_ms)
            _forget_failures(rsc, node)

    def _check_one_shot(
        self, rsc: Resource, node: Node, op: m.LrmOp, prim: m.PrimitiveConfig,
        start_pending: bool,
    ) -> None:
        op_cfg = _op_config(prim, op.operation, 0)
        result = _digest_result(self.ws, rsc, node, op, op_cfg)
        if result is not DigestResult.MATCH:
            _forget_failures(rsc, node)
        if result is DigestResult.RESTART:
            rsc.history_digest_mismatch.setdefault(node.id, DEFINITION_CHANGE)
        elif result is DigestResult.RELOAD:
            if not rsc.managed or node.id in rsc.failed_on:
                return
            if start_pending:
                rsc.history_digest_mismatch.setdefault(node.id, "")
            else:
                rsc.reload_on[node.id] = node


    def _check_failed(
        self, rsc: Resource, node: Node, ops: list[m.LrmOp], prim: m.PrimitiveConfig
    ) -> None:
        """The recorded failure of an operation whose definition changed
        since is cleared (whatever the failcount says)."""
        for op in ops:
            if not op.id.endswith("_last_failure_0") or not op.attrs.get("op-digest") \
                    or op.operation not in _CHECKED_TASKS:
                continue
            op_cfg = _op_config(prim, op.operation, op.interval_ms)
            if op.interval_ms > 0 and (op_cfg is None or not op_cfg.enabled):
                changed = True
            else:
                changed = _digest_result(self.ws, rsc, node, op, op_cfg) \
                    is not DigestResult.MATCH
            if changed and node.online:
                rsc.clear_failcount_on[node.id] = node


def _forget_failures(rsc: Resource, node: Node) -> None:
    """The definition a resource failed with changed: its failures there are
    cleared (and no longer count)."""
    from hapy.scheduler.unpack.history import fail_count

    if node.online and fail_count(rsc, node) > 0:
        rsc.clear_failcount_on[node.id] = node


def check_definitions(
    ws: WorkingSet, entries: Iterable[tuple[Resource, Node, m.LrmResource, list[m.LrmOp]]]
) -> None:
    """Check every (resource, node, history, sorted operations) entry."""
    checker = DefinitionChecker(ws)
    for rsc, node, lrm, ops in entries:
        checker.check(rsc, node, lrm, ops)
