"""From a transition's resource action to an executor operation, and from its
result to the history record the CIB keeps."""

from __future__ import annotations

from collections.abc import Mapping

from hapy.cib.status import PENDING_RC, PENDING_STATUS, OpRecord
from hapy.executor.agents import AgentSpec
from hapy.executor.service import Operation, OperationResult
from hapy.graph.model import GraphAction

META = "CRM_meta_"
DEFAULT_TIMEOUT_MS = 20000
# attributes of a graph action that are neither parameters nor meta
_NOT_PARAMS = frozenset({"crm_feature_set"})


def _int(attrs: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(attrs.get(META + name, default))
    except ValueError:
        return default


def target_rc(action: GraphAction) -> int:
    """The result the transition expects (7 for a probe that expects nothing)."""
    return _int(action.attributes, "op_target_rc", 0)


def operation_of(action: GraphAction) -> Operation:
    """The executor operation for a resource action of the graph."""
    rsc = action.resource
    if rsc is None:
        raise ValueError(f"action {action.id} ({action.operation_key}) names no resource")
    attrs = action.attributes
    params = {k: v for k, v in attrs.items() if not k.startswith(META) and k not in _NOT_PARAMS}
    meta = {k[len(META):]: v for k, v in attrs.items() if k.startswith(META)}
    return Operation(
        # an anonymous clone's instances run under their primitive's id
        rsc=rsc.id,
        agent=AgentSpec(rsc.rclass, rsc.type, rsc.provider),
        action=action.operation,
        interval_ms=_int(attrs, "interval", 0),
        timeout_ms=_int(attrs, "timeout", DEFAULT_TIMEOUT_MS),
        start_delay_ms=_int(attrs, "start_delay", 0),
        params=params,
        meta=meta,
    )


def op_digest(op: Operation) -> str:
    from hapy.scheduler.digests import op_digest as digest

    return digest(op.params, interval_ms=op.interval_ms, timeout_ms=op.timeout_ms)


def record_of(done: OperationResult, *, expected_rc: int, transition_key: str) -> OpRecord:
    op = done.operation
    return OpRecord(
        rsc=op.rsc, rsc_class=op.agent.standard, rsc_type=op.agent.type,
        rsc_provider=op.agent.provider, operation=op.action, interval_ms=op.interval_ms,
        call_id=done.call_id, rc=int(done.rc), op_status=int(done.status),
        target_rc=expected_rc, transition_key=transition_key,
        exec_ms=done.result.exec_ms, queue_ms=done.queue_ms,
        last_rc_change=int(done.finished), exit_reason=done.result.exit_reason,
        op_digest=op_digest(op),
    )


#: operations recorded as pending before they run: those that change what
#: runs where, so that a DC elected meanwhile plans with them in mind
RECORDED_PENDING = frozenset({"start", "stop", "promote", "demote", "migrate_to",
                              "migrate_from"})


def pending_record_of(op: Operation, *, expected_rc: int, transition_key: str,
                      now: float) -> OpRecord:
    """The history entry of ``op`` while it runs (Pacemaker's record-pending)."""
    return OpRecord(
        rsc=op.rsc, rsc_class=op.agent.standard, rsc_type=op.agent.type,
        rsc_provider=op.agent.provider, operation=op.action, interval_ms=op.interval_ms,
        call_id=-1, rc=PENDING_RC, op_status=PENDING_STATUS, target_rc=expected_rc,
        transition_key=transition_key, last_rc_change=int(now), op_digest=op_digest(op))
