"""The status section's records as the controller writes them: node states,
and operation history (``lrm_rsc_op``) named and filled as Pacemaker does.

The functions return XML text for :class:`hapy.cib.ops.CibRequest`: a
``modify`` of the ``status`` section merges them into place by element name
and id, so a record replaces the one with the same id.

History entry ids:

* ``RSC_last_0``: the last non-recurring operation (start, stop, probe...);
* ``RSC_last_failure_0``: the last failed operation, kept beside it;
* ``RSC_monitor_INTERVAL``: a recurring monitor's latest result.
"""

from __future__ import annotations

import copy

from lxml import etree

from hapy.cib.xmlio import Element
from hapy.records import record

CRM_FEATURE_SET = "3.16.1"
#: op-status and rc-code of an operation still running (record-pending)
PENDING_STATUS = -1
PENDING_RC = 193


@record
class OpRecord:
    """One operation result, with what identifies it in the transition."""

    rsc: str
    rsc_class: str
    rsc_type: str
    rsc_provider: str | None
    operation: str
    interval_ms: int
    call_id: int
    rc: int
    op_status: int
    target_rc: int
    transition_key: str
    exec_ms: int = 0
    queue_ms: int = 0
    last_rc_change: int = 0
    exit_reason: str = ""
    op_digest: str | None = None

    @property
    def is_probe(self) -> bool:
        return self.operation == "monitor" and self.interval_ms == 0

    @property
    def unexpected(self) -> bool:
        """Not the result the transition expected (it must be aborted)."""
        return self.op_status != 0 or self.rc != self.target_rc

    @property
    def pending(self) -> bool:
        """An operation that is running, recorded before its result (Pacemaker's
        record-pending): op-status -1, rc 193, call-id -1."""
        return self.op_status == PENDING_STATUS

    @property
    def failed(self) -> bool:
        """A failure to record and count: a probe finding the resource running
        (rc 0 or 8) is news, not a failure; a pending operation has no result."""
        if self.pending:
            return False
        if self.is_probe and self.op_status == 0 and self.rc in (0, 7, 8):
            return False
        return self.unexpected

    def entry_ids(self) -> list[str]:
        """The history entries this result writes."""
        if self.interval_ms:
            main = f"{self.rsc}_{self.operation}_{self.interval_ms}"
        else:
            main = f"{self.rsc}_last_0"
        return [main, f"{self.rsc}_last_failure_0"] if self.failed else [main]


def _node_state(node_id: str, uname: str) -> etree._Element:
    return etree.Element("node_state", id=node_id, uname=uname)


def node_state_xml(node_id: str, uname: str, *, online: bool, expected_up: bool | None,
                   origin: str = "hapy-controller") -> str:
    """A node_state update for a node that joined (``online``) or left.

    ``expected_up`` is whether the node should be up: None leaves it as it
    was.  A node that left while expected up is lost (unclean, to be fenced
    where fencing is enabled); one that left after the DC let it shut down,
    or was fenced, is expected down."""
    state = _node_state(node_id, uname)
    state.set("in_ccm", "true" if online else "false")
    state.set("crmd", "online" if online else "offline")
    state.set("join", "member" if online else "down")
    if expected_up is not None:
        state.set("expected", "member" if expected_up else "down")
    state.set("crm-debug-origin", origin)
    return etree.tostring(state, encoding="unicode")


def node_expected_xml(node_id: str, uname: str, *, up: bool) -> str:
    """A node_state update saying only whether the node should be up."""
    state = _node_state(node_id, uname)
    state.set("expected", "member" if up else "down")
    return etree.tostring(state, encoding="unicode")


def node_fenced_xml(node_id: str, uname: str) -> str:
    """The node_state of a node just fenced: down, and expected down."""
    return node_state_xml(node_id, uname, online=False, expected_up=False,
                          origin="hapy-fencing")


def op_record_xml(node_id: str, uname: str, record: OpRecord) -> str:
    """The node_state update recording one operation result."""
    state = _node_state(node_id, uname)
    lrm = etree.SubElement(state, "lrm", id=node_id)
    resources = etree.SubElement(lrm, "lrm_resources")
    rsc = etree.SubElement(resources, "lrm_resource", id=record.rsc)
    rsc.set("class", record.rsc_class)
    if record.rsc_provider:
        rsc.set("provider", record.rsc_provider)
    rsc.set("type", record.rsc_type)
    key = f"{record.rsc}_{record.operation}_{record.interval_ms}"
    for entry_id in record.entry_ids():
        op = etree.SubElement(rsc, "lrm_rsc_op", id=entry_id)
        op.set("operation_key", key)
        op.set("operation", record.operation)
        op.set("crm-debug-origin", "hapy-executor")
        op.set("crm_feature_set", CRM_FEATURE_SET)
        op.set("transition-key", record.transition_key)
        op.set("transition-magic",
               f"{record.op_status}:{record.rc};{record.transition_key}")
        op.set("exit-reason", record.exit_reason)
        op.set("on_node", uname)
        op.set("call-id", str(record.call_id))
        op.set("rc-code", str(record.rc))
        op.set("op-status", str(record.op_status))
        op.set("interval", str(record.interval_ms))
        op.set("last-rc-change", str(record.last_rc_change))
        op.set("exec-time", str(record.exec_ms))
        op.set("queue-time", str(record.queue_ms))
        if record.op_digest is not None:
            op.set("op-digest", record.op_digest)
    return etree.tostring(state, encoding="unicode")


def node_state_of(root: Element, uname: str) -> Element | None:
    """The ``node_state`` of ``uname`` in the CIB ``root``, if it has one."""
    return next((s for s in root.iterfind("status/node_state") if s.get("uname") == uname),
                None)


def own_history(root: Element, uname: str) -> str | None:
    """The ``node_state`` of ``uname`` in ``root`` reduced to its id, uname and
    resource history (``lrm``), serialised; None when it has none."""
    state = node_state_of(root, uname)
    lrm = state.find("lrm") if state is not None else None
    if state is None or lrm is None:
        return None
    reduced = _node_state(state.get("id", uname), uname)
    reduced.append(copy.deepcopy(lrm))
    return etree.tostring(reduced, encoding="unicode")


def put_history(root: Element, node_state: Element) -> None:
    """Make the resource history of ``node_state``'s node in ``root`` the one
    ``node_state`` holds (creating the node's ``node_state`` if needed)."""
    uname = node_state.get("uname")
    lrm = node_state.find("lrm")
    status = root.find("status")
    if status is None:
        status = etree.SubElement(root, "status")
    target = node_state_of(root, uname or "")
    if target is None:
        target = etree.SubElement(status, "node_state", id=node_state.get("id", ""),
                                  uname=uname or "")
    old = target.find("lrm")
    if old is not None:
        target.remove(old)
    if lrm is not None:
        target.append(copy.deepcopy(lrm))


def lrm_xpath(uname: str, rsc: str | None = None) -> str:
    """XPath of a node's resource history (or of one resource's)."""
    path = f"/cib/status/node_state[@uname='{_checked(uname)}']/lrm"
    if rsc is not None:
        path += f"/lrm_resources/lrm_resource[@id='{_checked(rsc)}']"
    return path


def transient_xpath(uname: str) -> str:
    """XPath of a node's transient attributes."""
    return f"/cib/status/node_state[@uname='{_checked(uname)}']/transient_attributes"


def recurring_entries_xpath(uname: str, rsc: str) -> str:
    """XPath of a resource's recurring-operation history entries on a node."""
    return (lrm_xpath(uname, rsc) + "/lrm_rsc_op[@interval!='0' and "
            "not(contains(@id, '_last_'))]")


def _checked(name: str) -> str:
    if "'" in name or '"' in name:
        raise ValueError(f"name {name!r} cannot be used in a status path")
    return name


def transient_attribute_xml(node_id: str, uname: str, name: str, value: str) -> str:
    """The node_state update setting one transient node attribute."""
    state = _node_state(node_id, uname)
    transient = etree.SubElement(state, "transient_attributes", id=node_id)
    attrs = etree.SubElement(transient, "instance_attributes", id=f"status-{node_id}")
    etree.SubElement(attrs, "nvpair", id=f"status-{node_id}-{name}".replace("#", "."),
                     name=name, value=value)
    return etree.tostring(state, encoding="unicode")


def transient_attribute_xpath(uname: str, name: str) -> str:
    """The path of a node's transient attribute's nvpair (ValueError for a
    name that cannot be quoted in it)."""
    return f"{transient_xpath(uname)}/instance_attributes/nvpair[@name='{_checked(name)}']"


def transient_attribute(root: etree._Element, uname: str, name: str) -> str | None:
    """A node's transient attribute in the CIB ``root``, if set."""
    found = root.xpath(f"{transient_attribute_xpath(uname, name)}/@value")
    return str(found[0]) if isinstance(found, list) and found else None


def active_resources(root: etree._Element, uname: str) -> list[str]:
    """Resources whose history on ``uname`` says they are active there: the
    newest operation (by call id, recurring monitors included) was not a
    successful stop nor a monitor that found nothing."""
    active = []
    found = root.xpath(f"/cib/status/node_state[@uname='{_checked(uname)}']"
                       "/lrm/lrm_resources/lrm_resource")
    resources = [e for e in found if isinstance(e, etree._Element)] \
        if isinstance(found, list) else []
    for rsc in resources:
        newest: etree._Element | None = None
        newest_call = -2
        for op in rsc.iterfind("lrm_rsc_op"):
            if "_last_failure_" in str(op.get("id", "")):
                continue
            try:
                call = int(op.get("call-id", "-1"))
            except ValueError:
                continue
            if call > newest_call:
                newest, newest_call = op, call
        if newest is None:
            continue
        rc, task = newest.get("rc-code"), newest.get("operation")
        if task == "stop" and rc == "0":
            continue
        if task == "monitor" and rc == "7":
            continue
        active.append(str(rsc.get("id")))
    return active
