"""Failures in the operation history: ignored failures and hard errors."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from hapy.cib.parse import cib_from_tree
from hapy.reports import ReportList
from hapy.scheduler.run import unpack
from hapy.scheduler.working_set import INFINITY, Role, WorkingSet


def _ws(op: str, rc: int, *, on_fail: str = "") -> WorkingSet:
    interval = 10000 if op == "monitor" else 0
    ops = f'<op id="r-op" name="{op}" interval="{interval // 1000}s" {on_fail}/>'
    text = f"""<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true"
      validate-with="pacemaker-3.7">
  <configuration>
    <crm_config/>
    <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
    <resources><primitive id="r" class="ocf" provider="pacemaker" type="Dummy">
      <operations>{ops}</operations></primitive></resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources><lrm_resource id="r" class="ocf" provider="pacemaker"
        type="Dummy">
        <lrm_rsc_op id="r_start_0" operation="start" transition-key="1:1:0:x" call-id="1"
          rc-code="0" op-status="0" interval="0"/>
        <lrm_rsc_op id="r_last_failure_0" operation="{op}" transition-key="2:1:0:x"
          call-id="2" rc-code="{rc}" op-status="{4 if rc == 1 else 0}" interval="{interval}"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
  </status>
</cib>"""
    return unpack(cib_from_tree(etree.fromstring(text), ReportList()), datetime(2026, 1, 1,
                                                                                tzinfo=UTC))


def test_ignored_stop_failure_leaves_the_resource_stopped() -> None:
    rsc = _ws("stop", 1, on_fail='on-fail="ignore"').resources_by_id["r"]
    assert rsc.role is Role.STOPPED
    assert rsc.failure_ignored
    assert not rsc.failed


def test_ignored_monitor_failure_keeps_the_resource_running() -> None:
    rsc = _ws("monitor", 7, on_fail='on-fail="ignore"').resources_by_id["r"]
    assert rsc.role is Role.STARTED
    assert rsc.failure_ignored
    assert not rsc.failed


def test_not_installed_bans_the_node_and_not_configured_every_node() -> None:
    rsc = _ws("monitor", 5).resources_by_id["r"]
    assert rsc.failed
    assert rsc.allowed == {"1": -INFINITY}
    rsc = _ws("monitor", 6).resources_by_id["r"]
    assert rsc.allowed == {"1": -INFINITY, "2": -INFINITY}


def test_ignored_failures_do_not_reach_the_migration_threshold() -> None:
    from hapy.scheduler.unpack.history import apply_failcounts

    ws = _ws("monitor", 7, on_fail='on-fail="ignore"')
    rsc = ws.resources_by_id["r"]
    rsc.migration_threshold = 1
    ws.nodes_by_id["1"].attrs["fail-count-r"] = "3"
    apply_failcounts(ws)
    assert rsc.allowed.get("1", 0) == 0


def test_unimplemented_is_an_ordinary_failure() -> None:
    rsc = _ws("monitor", 3).resources_by_id["r"]
    assert rsc.failed
    assert rsc.allowed == {}


def _migration_ws(target_history: str) -> WorkingSet:
    text = f"""<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true"
      validate-with="pacemaker-3.7">
  <configuration><crm_config/>
    <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
    <resources><primitive id="r" class="ocf" provider="pacemaker" type="Dummy"/></resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="2"><lrm_resources><lrm_resource id="r" class="ocf" provider="pacemaker"
        type="Dummy">{target_history}</lrm_resource></lrm_resources></lrm>
    </node_state>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources><lrm_resource id="r" class="ocf" provider="pacemaker"
        type="Dummy">
        <lrm_rsc_op id="r_last_0" operation="migrate_to" transition-key="2:1:0:x" call-id="2"
          rc-code="1" op-status="0" interval="0" migrate_source="n1" migrate_target="n2"
          last-rc-change="2000"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
  </status>
</cib>"""
    return unpack(cib_from_tree(etree.fromstring(text), ReportList()),
                  datetime(2026, 1, 1, tzinfo=UTC))


def test_a_failed_migration_may_have_left_the_resource_on_the_target() -> None:
    stop = ('<lrm_rsc_op id="r_last_0" operation="stop" transition-key="1:1:0:x" call-id="5"'
            ' rc-code="0" op-status="0" interval="0" last-rc-change="{t}"/>')
    ws = _migration_ws(stop.format(t=1000))
    assert [n.uname for n in ws.resources_by_id["r"].running_on] == ["n2", "n1"]
    ws = _migration_ws(stop.format(t=3000))  # the target stopped it since
    assert [n.uname for n in ws.resources_by_id["r"].running_on] == ["n1"]
    ws = _migration_ws("")  # never probed on the target
    assert [n.uname for n in ws.resources_by_id["r"].running_on] == ["n1"]



def test_expected_not_running_result_leaves_it_stopped_whatever_the_task() -> None:
    # the status check recorded under "start" expected (and got) "not running"
    text = """<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true"
      validate-with="pacemaker-3.7">
  <configuration><crm_config/><nodes><node id="1" uname="n1"/></nodes>
    <resources><primitive id="r" class="ocf" provider="pacemaker" type="Dummy"/></resources>
    <constraints/></configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources><lrm_resource id="r" class="ocf" provider="pacemaker"
        type="Dummy">
        <lrm_rsc_op id="r_last_0" operation="start" transition-key="1:1:7:x" call-id="1"
          rc-code="7" op-status="0" interval="0"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
  </status>
</cib>"""
    ws = unpack(cib_from_tree(etree.fromstring(text), ReportList()),
                datetime(2026, 1, 1, tzinfo=UTC))
    rsc = ws.resources_by_id["r"]
    assert rsc.role is Role.STOPPED and not rsc.running_on and not rsc.failed
