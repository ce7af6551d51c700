"""crm_mon's "Failed Resource Actions": the failures recorded in the status
section (each resource's ``*_last_failure_0`` history entry, per node), as
text lines and as crm_mon's ``<failures>`` XML."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import quoteattr

from hapy.cib.xmlio import Element
from hapy.records import record

#: OCF exit codes as crm_mon names them
RC_TEXT = {
    0: "ok", 1: "error", 2: "invalid parameter", 3: "unimplemented feature",
    4: "insufficient privileges", 5: "not installed", 6: "not configured",
    7: "not running", 8: "promoted", 9: "promoted (failed)", 190: "degraded",
    191: "degraded promoted",
}
#: op-status values as crm_mon names them
STATUS_TEXT = {
    -1: "pending", 0: "complete", 1: "Cancelled", 2: "Timed Out", 3: "NOT SUPPORTED",
    4: "Error", 5: "Not installed", 6: "Internal communication failure",
    7: "Not installed", 8: "Unsafe", 9: "Busy",
}


@record
class FailedAction:
    """One failure recorded for a resource on a node."""

    op_key: str
    node: str
    task: str
    interval_ms: int
    rc: int
    op_status: int
    call_id: int
    exit_reason: str
    last_rc_change: int
    queued_ms: int
    exec_ms: int

    @property
    def rc_text(self) -> str:
        return RC_TEXT.get(self.rc, "unknown")

    @property
    def status_text(self) -> str:
        return STATUS_TEXT.get(self.op_status, "unknown")

    def changed_at(self) -> datetime:
        return datetime.fromtimestamp(self.last_rc_change, UTC)


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def failed_actions(root: Element) -> list[FailedAction]:
    """Every recorded failure, in node then resource order."""
    found = []
    for state in root.iterfind("status/node_state"):
        node = state.get("uname", "")
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource/lrm_rsc_op"):
            if not entry.get("id", "").endswith("_last_failure_0"):
                continue
            found.append(FailedAction(
                op_key=entry.get("operation_key", ""), node=node,
                task=entry.get("operation", ""), interval_ms=_int(entry.get("interval")),
                rc=_int(entry.get("rc-code")), op_status=_int(entry.get("op-status")),
                call_id=_int(entry.get("call-id")), exit_reason=entry.get("exit-reason", ""),
                last_rc_change=_int(entry.get("last-rc-change")),
                queued_ms=_int(entry.get("queue-time")), exec_ms=_int(entry.get("exec-time"))))
    return found


def failure_lines(failures: list[FailedAction]) -> list[str]:
    """crm_mon's text section (no lines when nothing failed)."""
    if not failures:
        return []
    out = ["", "Failed Resource Actions:"]
    for f in failures:
        reason = f", exitreason='{f.exit_reason}'" if f.exit_reason else ""
        out.append(f"  * {f.op_key} on {f.node} '{f.rc_text}' ({f.rc}): call={f.call_id}, "
                   f"status='{f.status_text}'{reason}, "
                   f"last-rc-change='{f.changed_at():%a %b %d %H:%M:%S %Y}', "
                   f"queued={f.queued_ms}ms, exec={f.exec_ms}ms")
    return out


def failure_xml(failures: list[FailedAction], indent: str = "  ") -> list[str]:
    """crm_mon's ``<failures>`` element, as lines (none when nothing failed)."""
    if not failures:
        return []
    out = [f"{indent}<failures>"]
    for f in failures:
        attrs = {"op_key": f.op_key, "node": f.node, "exitstatus": f.rc_text,
                 "exitreason": f.exit_reason, "exitcode": str(f.rc), "call": str(f.call_id),
                 "status": f.status_text,
                 "last-rc-change": f"{f.changed_at():%Y-%m-%d %H:%M:%S}Z",
                 "queued": str(f.queued_ms), "exec": str(f.exec_ms),
                 "interval": str(f.interval_ms), "task": f.task}
        out.append(f"{indent}  <failure "
                   + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + "/>")
    out.append(f"{indent}</failures>")
    return out
