"""A failure followed by a completed stop: which on-fail policies the stop settles."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from hapy.cib.parse import cib_from_tree
from hapy.reports import ReportList
from hapy.scheduler.digests import op_digest
from hapy.scheduler.run import unpack
from hapy.scheduler.working_set import Role, WorkingSet

_REMOTE = 'class="ocf" provider="pacemaker" type="remote"'
_DUMMY = 'class="ocf" provider="pacemaker" type="Dummy"'


def _op(rid: str, op: str, call: int, rc: int = 0, interval: int = 0) -> str:
    return (f'<lrm_rsc_op id="{rid}_{op}_{call}" operation="{op}" transition-key="1:1:0:x"'
            f' call-id="{call}" rc-code="{rc}" op-status="{4 if rc else 0}"'
            f' interval="{interval}" last-rc-change="1000"/>')


def _ws(rid: str, agent: str, on_fail: str = "", params: str = "",
        remote_state: str = "", year: int = 2026) -> WorkingSet:
    """``rid`` started on n1, its monitor failed, then it was stopped."""
    history = (_op(rid, "start", 1) + _op(rid, "monitor", 2, rc=1, interval=10000)
               + _op(rid, "stop", 3))
    text = f"""<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true"
      validate-with="pacemaker-3.7">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="true"/></cluster_property_set></crm_config>
    <nodes><node id="n1" uname="n1"/><node id="n2" uname="n2"/></nodes>
    <resources><primitive id="{rid}" {agent}>{params}
      <operations><op id="m" name="monitor" interval="10s" {on_fail}/></operations>
    </primitive></resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="n1"><lrm_resources><lrm_resource id="{rid}" {agent}>{history}
      </lrm_resource></lrm_resources></lrm>
    </node_state>
    <node_state id="n2" uname="n2" in_ccm="true" crmd="online" join="member"
      expected="member"/>{remote_state}
  </status>
</cib>"""
    return unpack(cib_from_tree(etree.fromstring(text), ReportList()),
                  datetime(year, 1, 1, tzinfo=UTC))


def test_a_stop_settles_a_failure_to_be_recovered() -> None:
    ws = _ws("r", _DUMMY)
    rsc = ws.resources_by_id["r"]
    assert not rsc.failed
    assert rsc.target_role is not Role.STOPPED


def test_on_fail_stop_keeps_the_resource_stopped_after_its_stop() -> None:
    rsc = _ws("r", _DUMMY, 'on-fail="stop"').resources_by_id["r"]
    assert rsc.role is Role.STOPPED
    assert not rsc.failed  # shown stopped, not failed
    assert rsc.next_role is Role.STOPPED


def test_on_fail_fence_and_standby_hold_after_the_stop() -> None:
    ws = _ws("r", _DUMMY, 'on-fail="fence"')
    assert ws.nodes_by_id["n1"].unclean
    ws = _ws("r", _DUMMY, 'on-fail="standby"')
    assert ws.nodes_by_id["n1"].standby_onfail


def test_lost_connection_waiting_to_reconnect_stays_failed_and_its_node_unclean() -> None:
    params = ('<instance_attributes id="p"><nvpair id="ri" name="reconnect_interval"'
              ' value="1m"/></instance_attributes>')
    ws = _ws("rn", _REMOTE, params=params)
    conn = ws.resources_by_id["rn"]
    assert conn.failed and conn.role is Role.STOPPED
    assert ws.nodes_by_id["rn"].unclean
    # without a reconnect interval the stop settles it: it may connect again
    ws = _ws("rn", _REMOTE)
    assert not ws.resources_by_id["rn"].failed


_RECONNECT = ('<instance_attributes id="p"><nvpair id="ri" name="reconnect_interval"'
              ' value="1m"/></instance_attributes>')


def _fenced(value: str) -> str:
    return (f'<node_state id="rn" uname="rn" remote_node="true" in_ccm="false"'
            f' node_fenced="{value}"/>')


def test_connection_failure_expires_after_its_reconnect_interval_once_fenced() -> None:
    # node_fenced holds when the node was fenced: its failure expires
    ws = _ws("rn", _REMOTE, params=_RECONNECT, remote_state=_fenced("1000"))
    conn = ws.resources_by_id["rn"]
    assert not conn.failed and not ws.nodes_by_id["rn"].unclean
    assert "n1" in conn.clear_failcount_on
    # not fenced yet (0, or not a time): it is fenced before the failure expires
    for value in ("0", "true"):
        ws = _ws("rn", _REMOTE, params=_RECONNECT, remote_state=_fenced(value))
        assert ws.resources_by_id["rn"].failed and ws.nodes_by_id["rn"].unclean
        assert not ws.resources_by_id["rn"].clear_failcount_on


def test_connection_failure_waits_for_its_reconnect_interval() -> None:
    # the failure was recorded at 1000 s: its interval has not passed at 0 s
    ws = _ws("rn", _REMOTE, params=_RECONNECT, remote_state=_fenced("1000"), year=1970)
    conn = ws.resources_by_id["rn"]
    assert conn.failed and not ws.nodes_by_id["rn"].unclean


def _lost_connection(feature_set: str) -> WorkingSet:
    """A connection whose monitor failed on n1 (still active there), long
    after its reconnect interval, its node not fenced yet, a fail count
    recorded."""
    mon_digest = op_digest({"reconnect_interval": "1m"}, interval_ms=10000, timeout_ms=None)
    failed = ('<lrm_rsc_op id="rn_last_failure_0" operation_key="rn_monitor_10000"'
              ' operation="monitor" transition-key="2:1:0:x" call-id="2" rc-code="1"'
              f' op-status="4" interval="10000" last-rc-change="1000"'
              f' crm_feature_set="{feature_set}" op-digest="{mon_digest}"/>')
    counts = ('<transient_attributes id="n1-t"><instance_attributes id="n1-ta">'
              '<nvpair id="n1-f" name="fail-count-rn#monitor_10000" value="1"/>'
              '<nvpair id="n1-l" name="last-failure-rn#monitor_10000" value="1000"/>'
              "</instance_attributes></transient_attributes>")
    digest = op_digest({"reconnect_interval": "1m"})
    start = _op("rn", "start", 1).replace("/>", f' op-digest="{digest}"/>')
    # (the CIB's own feature set makes its fail counts count per operation)
    text = f"""<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true"
      validate-with="pacemaker-3.7" crm_feature_set="3.16.1">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="true"/></cluster_property_set></crm_config>
    <nodes><node id="n1" uname="n1"/></nodes>
    <resources><primitive id="rn" {_REMOTE}>{_RECONNECT}
      <operations><op id="m" name="monitor" interval="10s"/></operations>
    </primitive><primitive id="dev" class="stonith" type="fence_dummy"/></resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
      {counts}<lrm id="n1"><lrm_resources><lrm_resource id="rn" {_REMOTE}>
      {start}{failed}</lrm_resource></lrm_resources></lrm>
    </node_state>{_fenced("0")}
  </status>
</cib>"""
    return unpack(cib_from_tree(etree.fromstring(text), ReportList()),
                  datetime(2026, 1, 1, tzinfo=UTC))


def test_connection_fail_count_is_cleared_after_its_reconnect_interval_behind_fencing() -> None:
    ws = _lost_connection("3.0.14")
    # the node is fenced first (the failure stays), then the count is cleared
    assert ws.nodes_by_id["rn"].unclean and ws.resources_by_id["rn"].failed
    assert "n1" in ws.resources_by_id["rn"].clear_failcount_on
    # (not for failures recorded before fail counts were kept per operation)
    assert not _lost_connection("3.0.10").resources_by_id["rn"].clear_failcount_on
