"""Changes crm_simulate makes to a CIB's status section, before or during a run.

The pre-scheduling injections of ``crm_simulate`` (``-u`` node up, ``-d``
node down, ``-f`` node failed, ``-i`` operation result) and the shared
primitives the simulator's fake executor uses to record operation results,
fencing and fail counts.  Everything works on an lxml ``<cib>`` element in
place and writes what Pacemaker 2.1.5's ``crm_simulate`` writes (learnt by
comparing its ``-O`` output on the regression inputs):

* a node_state created for a configured node is ``<node_state id uname>``
  (id from ``<nodes>``); ``-u`` sets ``in_ccm=true crmd=online join=member
  expected=member``, ``-d`` sets ``false offline down down``, ``-f`` sets
  ``false online member member``, each adding ``crm-debug-origin=
  "crm_simulate"``;
* an operation result is an ``<lrm_rsc_op>`` under ``lrm/lrm_resources/
  lrm_resource``; its id is ``RSC_last_0`` for one-off operations,
  ``RSC_TASK_INTERVAL`` for recurring ones and migrations,
  ``RSC_{pre,post}_notify_OP_0`` for notifications, and a failed result also
  writes ``RSC_last_failure_0`` (first; one-off operations then also update
  ``RSC_last_0``, recurring ones do not);
* ``call-id`` is one more than the highest call-id already recorded for that
  lrm_resource; ``transition-key`` is ``CALLID:-1:TARGETRC:xxxxxxxx-...``;
* an existing ``<lrm_rsc_op>`` is updated in place (attributes it has keep
  their position, e.g. ``last-run`` is kept) and new ones are appended;
* each change bumps the CIB's ``num_updates``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping

from lxml import etree

from hapy.records import record
from hapy.reports import HapyError, Report, report
from hapy.scheduler.digests import digest_of

__all__ = [
    "CRM_FEATURE_SET",
    "FAKE_UUID",
    "OpSpec",
    "StatusEditor",
    "apply_injections",
    "op_digest",
    "parse_op_key",
    "parse_op_spec",
]

CRM_FEATURE_SET = "3.16.1"
FAKE_UUID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
ORIGIN = "crm_simulate"

_HISTORY_ATTRS = (
    "id", "operation_key", "operation", "crm-debug-origin", "crm_feature_set",
    "transition-key", "transition-magic", "exit-reason", "call-id", "rc-code",
    "op-status", "interval", "last-rc-change", "exec-time", "queue-time",
    "migrate_source", "migrate_target", "op-digest",
)


# ----------------------------------------------------------------- op specs


@record
class OpSpec:
    """``RESOURCE_TASK_INTERVAL@NODE=RC`` as crm_simulate's ``-i`` and ``-F`` take it."""

    resource: str
    task: str
    interval_ms: int
    node: str
    rc: int

    @property
    def key(self) -> str:
        return f"{self.resource}_{self.task}_{self.interval_ms}"

    def __str__(self) -> str:
        return f"{self.key}@{self.node}={self.rc}"


_SPECIAL_TASKS = ("migrate_to", "migrate_from")
_NOTIFY_RE = re.compile(r"^(?P<rsc>.+)_(?P<type>pre|post|confirmed-pre|confirmed-post)_notify_"
                        r"(?P<op>[^_]+)$")


def parse_op_key(key: str) -> tuple[str, str, int]:
    """Split ``RSC_TASK_INTERVAL`` into its parts (``migrate_to`` and notify keys included)."""
    head, sep, interval_text = key.rpartition("_")
    if not sep or not head or not interval_text.isdigit():
        raise HapyError.single(
            "SIMULATE_BAD_OP_KEY", f"'{key}' is not of the form RESOURCE_TASK_INTERVAL",
            key=key, hint="for example rsc1_monitor_10000",
        )
    for task in _SPECIAL_TASKS:
        if head.endswith("_" + task) and len(head) > len(task) + 1:
            return head[: -len(task) - 1], task, int(interval_text)
    notify = _NOTIFY_RE.match(head)
    if notify:
        return notify["rsc"], f"{notify['type']}_notify_{notify['op']}", int(interval_text)
    rsc, sep, task = head.rpartition("_")
    if not sep or not rsc or not task:
        raise HapyError.single(
            "SIMULATE_BAD_OP_KEY", f"'{key}' is not of the form RESOURCE_TASK_INTERVAL",
            key=key, hint="for example rsc1_monitor_10000",
        )
    return rsc, task, int(interval_text)


def parse_op_spec(spec: str) -> OpSpec:
    """Parse ``${resource}_${task}_${interval_in_ms}@${node}=${rc}``."""
    match = re.fullmatch(r"(?P<key>[^@=]+)@(?P<node>[^=]+)=(?P<rc>-?\d+)", spec.strip())
    if match is None:
        raise HapyError.single(
            "SIMULATE_BAD_OP_SPEC",
            f"invalid operation spec '{spec}'",
            spec=spec, hint="use RESOURCE_TASK_INTERVALMS@NODE=RC, e.g. rsc1_monitor_0@node1=7",
        )
    try:
        rsc, task, interval = parse_op_key(match["key"])
    except HapyError:
        raise HapyError.single(
            "SIMULATE_BAD_OP_SPEC",
            f"invalid operation spec '{spec}': the key is not RESOURCE_TASK_INTERVAL",
            spec=spec, hint="use RESOURCE_TASK_INTERVALMS@NODE=RC, e.g. rsc1_monitor_0@node1=7",
        ) from None
    return OpSpec(rsc, task, interval, match["node"], int(match["rc"]))


# ----------------------------------------------------------------- digests


# crm_feature_set is not a parameter; pcmk_external_ip is added by the
# scheduler to resources inside bundles and is not part of their definition.
_NOT_DIGESTED = frozenset({"crm_feature_set", "pcmk_external_ip"})


def op_digest(params: Mapping[str, str]) -> str:
    """``op-digest`` of an operation: MD5 of its parameters as Pacemaker serialises them.

    The parameters are the action's attributes without ``CRM_meta_*`` and
    ``crm_feature_set`` and ``pcmk_external_ip`` (a recurring operation
    keeps ``CRM_meta_timeout``),
    sorted by name, written as one
    ``<parameters .../>`` element the way Pacemaker's XML writer does
    (leading space, trailing newline, names starting with a digit included
    as plain attributes).
    """
    recurring = params.get("CRM_meta_interval", "0") not in ("", "0")
    return digest_of(
        {
            k: v
            for k, v in params.items()
            if (not k.startswith("CRM_meta_") and k not in _NOT_DIGESTED)
            or (recurring and k == "CRM_meta_timeout")
        }
    )


def _sanitize_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]", ".", text)


# ----------------------------------------------------------------- status editing


class StatusEditor:
    """Edits the status section of a ``<cib>`` element the way crm_simulate does."""

    def __init__(self, cib: etree._Element, now: int | None = None) -> None:
        if cib.tag != "cib":
            raise HapyError.single("SIMULATE_NOT_A_CIB", f"expected <cib>, got <{cib.tag}>")
        self.cib = cib
        self.now = int(time.time()) if now is None else now
        status = cib.find("status")
        if status is None:
            status = etree.SubElement(cib, "status")
        self.status = status
        # each <lrm_resources>' histories by id (first one of an id), built on
        # first use: a transition records an operation for every action
        self._histories: dict[etree._Element, dict[str, etree._Element]] = {}

    # -- bookkeeping

    def bump(self, count: int = 1) -> None:
        """Count CIB updates in ``num_updates``."""
        try:
            current = int(self.cib.get("num_updates", "0"))
        except ValueError:
            current = 0
        self.cib.set("num_updates", str(current + count))

    # -- nodes

    def configured_node_id(self, uname: str) -> str | None:
        for node in self.cib.iterfind("configuration/nodes/node"):
            if node.get("uname") == uname:
                return node.get("id") or uname
        return None

    def find_node_state(self, uname: str) -> etree._Element | None:
        for state in self.status.iterfind("node_state"):
            if state.get("uname") == uname:
                return state
        return None

    def node_state(
        self, uname: str, *, node_id: str | None = None, allow_unknown: bool = False
    ) -> etree._Element:
        """The node's ``<node_state>``, created as ``<node_state id uname>`` if missing.

        Raises ``SIMULATE_UNKNOWN_NODE`` for a node neither in the status nor in
        ``<nodes>`` unless ``node_id`` is given or ``allow_unknown`` is set.
        """
        state = self.find_node_state(uname)
        if state is not None:
            return state
        known = self.configured_node_id(uname)
        if known is None:
            known = node_id
        if known is None:
            if not allow_unknown:
                raise HapyError.single(
                    "SIMULATE_UNKNOWN_NODE", f"node '{uname}' is not part of the cluster",
                    node=uname, hint="name a node from the <nodes> section",
                )
            # crm_simulate creates and sets such a node in one update
            return etree.SubElement(self.status, "node_state", id=uname, uname=uname)
        state = etree.SubElement(self.status, "node_state", id=known, uname=uname)
        self.bump()
        return state

    def _set_node(self, uname: str, values: Iterable[tuple[str, str]], *,
                  allow_unknown: bool = False) -> etree._Element:
        state = self.node_state(uname, allow_unknown=allow_unknown)
        for name, value in values:
            state.set(name, value)
        state.set("crm-debug-origin", ORIGIN)
        self.bump()
        return state

    def node_up(self, uname: str) -> etree._Element:
        return self._set_node(uname, [("in_ccm", "true"), ("crmd", "online"),
                                      ("join", "member"), ("expected", "member")],
                              allow_unknown=True)

    def node_down(self, uname: str) -> etree._Element:
        return self._set_node(uname, [("in_ccm", "false"), ("crmd", "offline"),
                                      ("join", "down"), ("expected", "down")])

    def node_fail(self, uname: str) -> etree._Element:
        return self._set_node(uname, [("in_ccm", "false"), ("crmd", "online"),
                                      ("join", "member"), ("expected", "member")])

    def fence(self, uname: str, node_id: str | None = None) -> etree._Element:
        """A completed fencing (off/reboot): node down, history and attributes gone."""
        state = self.node_state(uname, node_id=node_id, allow_unknown=True)
        for name, value in (("in_ccm", "false"), ("crmd", "offline"),
                            ("join", "down"), ("expected", "down")):
            state.set(name, value)
        state.set("crm-debug-origin", "simulate_fencing_action")
        self.bump()
        for tag in ("lrm", "transient_attributes"):
            for child in state.findall(tag):
                state.remove(child)
                self.bump()
        return state

    # -- resources

    def find_primitive(self, rsc: str) -> etree._Element | None:
        """The configured primitive named ``rsc`` (clone instance suffixes ignored)."""
        resources = self.cib.find("configuration/resources")
        if resources is None:
            return None
        for name in (rsc, rsc.split(":", 1)[0]):
            for prim in resources.iter("primitive"):
                if prim.get("id") == name:
                    return prim
        return None

    def primitive_agent(self, prim: etree._Element) -> tuple[str, str | None, str]:
        """(class, provider, type) of a primitive, following a ``template`` reference."""
        rclass, provider, rtype = prim.get("class"), prim.get("provider"), prim.get("type")
        template_id = prim.get("template")
        if template_id and (rclass is None or rtype is None):
            for tmpl in self.cib.iter("template"):
                if tmpl.get("id") == template_id:
                    rclass = rclass or tmpl.get("class")
                    provider = provider or tmpl.get("provider")
                    rtype = rtype or tmpl.get("type")
        if rclass is None or rtype is None:
            raise HapyError.single(
                "SIMULATE_BAD_RESOURCE", f"resource '{prim.get('id')}' has no class or type",
                resource=str(prim.get("id")),
            )
        return rclass, provider, rtype

    def lrm_resource(
        self,
        state: etree._Element,
        rsc_id: str,
        rclass: str,
        rtype: str,
        provider: str | None = None,
        long_id: str | None = None,
        key_name: str | None = None,
    ) -> etree._Element:
        """The history element for the resource on that node, created if missing.

        Looked up by ``rsc_id`` first, then by ``long_id`` (the clone instance
        name some histories use), then by ``key_name`` (the name in the
        operation key: the history an orphan instance was found under);
        created under ``rsc_id``.
        """
        lrm = state.find("lrm")
        if lrm is None:
            lrm = etree.SubElement(state, "lrm", id=state.get("id", ""))
        resources = lrm.find("lrm_resources")
        if resources is None:
            resources = etree.SubElement(lrm, "lrm_resources")
        index = self._history_index(resources)
        for name in (rsc_id, long_id, key_name):
            if name is None:
                continue
            found = index.get(name)
            if found is not None and found.getparent() is not resources:
                # removed since it was indexed: look again
                index = self._history_index(resources, rebuild=True)
                found = index.get(name)
            if found is not None:
                return found
        rsc = etree.SubElement(resources, "lrm_resource", id=rsc_id)
        index.setdefault(rsc_id, rsc)
        rsc.set("class", rclass)
        if provider is not None:
            rsc.set("provider", provider)
        rsc.set("type", rtype)
        return rsc

    def _history_index(self, resources: etree._Element,
                       rebuild: bool = False) -> dict[str, etree._Element]:
        index = None if rebuild else self._histories.get(resources)
        if index is None:
            index = {}
            for rsc in resources.iterfind("lrm_resource"):
                index.setdefault(rsc.get("id", ""), rsc)
            self._histories[resources] = index
        return index

    @staticmethod
    def next_call_id(lrm_rsc: etree._Element) -> int:
        highest = 0
        for op in lrm_rsc.iterfind("lrm_rsc_op"):
            try:
                highest = max(highest, int(op.get("call-id", "0")))
            except ValueError:
                continue
        return highest + 1

    def record_op(
        self,
        lrm_rsc: etree._Element,
        *,
        rsc: str,
        task: str,
        interval_ms: int,
        rc: int,
        target_rc: int,
        exit_reason: str = "",
        digest: str | None = None,
        notify: tuple[str, str] | None = None,
        op_status: int = 0,
        migrate: tuple[str, str] | None = None,
    ) -> etree._Element:
        """Write one operation result (and its ``_last_failure_0`` if it failed).

        ``rsc`` names the resource in the ids (``RSC_last_0``); ``notify`` is
        (type, operation) for a notification, e.g. ("post", "demote");
        ``migrate`` is (source, target) for migrate_to/migrate_from.
        Returns the main history entry written.
        """
        call_id = self.next_call_id(lrm_rsc)
        key = f"{rsc}_{task}_{interval_ms}"
        if notify is not None:
            main_id = f"{rsc}_{notify[0]}_notify_{notify[1]}_0"
        elif interval_ms > 0 or task in _SPECIAL_TASKS:
            main_id = key
        else:
            main_id = f"{rsc}_last_0"
        failed = rc != target_rc
        failure_path = failed and notify is None and task not in _SPECIAL_TASKS
        if not failure_path:
            exit_reason = ""  # only the failure history carries the reason
        transition_key = f"{call_id}:-1:{target_rc}:{FAKE_UUID}"
        values = {
            "operation_key": key,
            "operation": task,
            "crm-debug-origin": ORIGIN,
            "crm_feature_set": CRM_FEATURE_SET,
            "transition-key": transition_key,
            "transition-magic": f"{op_status}:{rc};{transition_key}",
            "exit-reason": exit_reason,
            "call-id": str(call_id),
            "rc-code": str(rc),
            "op-status": str(op_status),
            "interval": str(interval_ms),
            "last-rc-change": str(self.now),
            "exec-time": "0",
            "queue-time": "0",
        }
        if migrate is not None:
            values["migrate_source"], values["migrate_target"] = migrate
        if digest is not None:
            values["op-digest"] = digest
        ids: list[str] = []
        if failure_path:
            ids.append(f"{rsc}_last_failure_0")
            if interval_ms == 0:
                ids.append(main_id)
        else:
            ids.append(main_id)
        written: etree._Element | None = None
        for op_id in ids:
            written = self._write_history(lrm_rsc, op_id, values)
        self.bump()
        assert written is not None
        return written

    @staticmethod
    def _write_history(
        lrm_rsc: etree._Element, op_id: str, values: Mapping[str, str]
    ) -> etree._Element:
        op = None
        for existing in lrm_rsc.iterfind("lrm_rsc_op"):
            if existing.get("id") == op_id:
                op = existing
                break
        if op is None:
            op = etree.SubElement(lrm_rsc, "lrm_rsc_op", id=op_id)
        for name in _HISTORY_ATTRS:
            if name in values:
                op.set(name, values[name])
        return op

    def inject_failcount(self, state: etree._Element, rsc: str, task: str,
                         interval_ms: int) -> list[str]:
        """``fail-count-RSC#TASK_INTERVAL`` incremented, ``last-failure-...`` set to now.

        Returns crm_simulate's two "Injecting attribute ..." lines.
        """
        attrs = self._transient_attributes(state)
        suffix = f"{rsc}#{task}_{interval_ms}"
        fail_name = f"fail-count-{suffix}"
        current = attrs.find(f"nvpair[@name='{fail_name}']") if "'" not in fail_name else None
        value = 1
        if current is not None:
            old = current.get("value", "0")
            if old.upper() in ("INFINITY", "+INFINITY"):
                value = 1_000_000
            else:
                try:
                    value = int(old) + 1
                except ValueError:
                    value = 1
        self._set_nvpair(attrs, fail_name, "INFINITY" if value >= 1_000_000 else str(value))
        self._set_nvpair(attrs, f"last-failure-{suffix}", str(self.now))
        where = f"/node_state '{state.get('id', '')}'"
        return [f"Injecting attribute {fail_name}=value++ into {where}",
                f"Injecting attribute last-failure-{suffix}={self.now} into {where}"]

    def _transient_attributes(self, state: etree._Element) -> etree._Element:
        node_id = state.get("id", "")
        transient = state.find("transient_attributes")
        if transient is None:
            transient = etree.SubElement(state, "transient_attributes", id=node_id)
        attrs = transient.find("instance_attributes")
        if attrs is None:
            attrs = etree.SubElement(transient, "instance_attributes", id=node_id)
        return attrs

    def _set_nvpair(self, attrs: etree._Element, name: str, value: str) -> None:
        for pair in attrs.iterfind("nvpair"):
            if pair.get("name") == name:
                pair.set("value", value)
                return
        etree.SubElement(attrs, "nvpair", id=_sanitize_id(f"{attrs.get('id', '')}-{name}"),
                         name=name, value=value)


# ----------------------------------------------------------------- -i / -u / -d / -f


def inject_op(editor: StatusEditor, spec: OpSpec) -> list[str]:
    """crm_simulate's ``-i``: record the given result as if the operation had run.

    The target rc is taken as 0, so any other rc is recorded as a failure,
    like crm_simulate does; the fail count is raised too unless a one-off
    operation returned 7 (not running).
    """
    prim = editor.find_primitive(spec.resource)
    if prim is None:
        raise HapyError.single(
            "SIMULATE_UNKNOWN_RESOURCE", f"resource '{spec.resource}' is not configured",
            resource=spec.resource, spec=str(spec),
        )
    rclass, provider, rtype = editor.primitive_agent(prim)
    existed = editor.find_node_state(spec.node) is not None
    state = editor.node_state(spec.node)
    target_rc = 0
    messages: list[str] = []
    failed = spec.rc != target_rc
    # "not running" from a one-off operation (a probe, a stop) is not counted
    counted = failed and not (spec.rc == 7 and spec.interval_ms == 0)
    # crm_simulate writes the fail count straight into an existing node
    # state before the history; a new node state gets its history first
    if counted and existed:
        messages = editor.inject_failcount(state, spec.resource, spec.task, spec.interval_ms)
    lrm_rsc = editor.lrm_resource(state, spec.resource, rclass, rtype, provider)
    editor.record_op(
        lrm_rsc, rsc=spec.resource, task=spec.task, interval_ms=spec.interval_ms,
        rc=spec.rc, target_rc=target_rc,
        exit_reason="Simulated action result" if failed else "",
    )
    if counted and not existed:
        messages = editor.inject_failcount(state, spec.resource, spec.task, spec.interval_ms)
    return messages


def apply_injections(
    cib: etree._Element,
    *,
    node_up: Iterable[str] = (),
    node_down: Iterable[str] = (),
    node_fail: Iterable[str] = (),
    op_inject: Iterable[str | OpSpec] = (),
    now: int | None = None,
) -> list[str]:
    """Apply crm_simulate's ``-u``, ``-d``, ``-f`` and ``-i`` in its order.

    Returns the lines crm_simulate prints under "Performing Requested
    Modifications" (without the leading ``  * ``).  All specs are checked
    before anything is changed; problems are raised together as one
    ``HapyError``.
    """
    specs: list[OpSpec] = []
    problems: list[Report] = []
    for item in op_inject:
        if isinstance(item, OpSpec):
            specs.append(item)
            continue
        try:
            specs.append(parse_op_spec(item))
        except HapyError as exc:
            problems.extend(exc.reports)
    editor = StatusEditor(cib, now)
    up = set(node_up)
    for node in [*node_down, *node_fail, *(s.node for s in specs)]:
        if (node not in up and editor.find_node_state(node) is None
                and editor.configured_node_id(node) is None):
            problems.append(report("SIMULATE_UNKNOWN_NODE",
                                   f"node '{node}' is not part of the cluster", node=node,
                                   hint="name a node from the <nodes> section"))
    for spec in specs:
        if editor.find_primitive(spec.resource) is None:
            problems.append(report("SIMULATE_UNKNOWN_RESOURCE",
                                   f"resource '{spec.resource}' is not configured",
                                   resource=spec.resource, spec=str(spec)))
    if problems:
        raise HapyError(problems)
    messages: list[str] = []
    for node in node_up:
        messages.append(f"Bringing node {node} online")
        editor.node_up(node)
    for node in node_down:
        messages.append(f"Taking node {node} offline")
        editor.node_down(node)
    for node in node_fail:
        messages.append(f"Failing node {node}")
        editor.node_fail(node)
    for spec in specs:
        messages.append(f"Injecting {spec} into the configuration")
        messages.extend(inject_op(editor, spec))
    return messages
