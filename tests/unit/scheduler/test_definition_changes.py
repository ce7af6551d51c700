"""Changed resource definitions found from the operation history: restart,
reload, rescheduled and cancelled monitors, deleted history of another agent.

Expected behaviour established with crm_simulate 2.1.5 on the same CIBs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from hapy.cib.parse import cib_from_tree
from hapy.reports import ReportList
from hapy.scheduler.digests import op_digest
from hapy.scheduler.graph import in_graph
from hapy.scheduler.run import Transition, schedule
from hapy.scheduler.summary import transition_summary

NOW = datetime(2026, 1, 1, tzinfo=UTC)
OLD = {"fake": "OLD"}
NEW = {"fake": "NEW"}


def _op(op_id: str, task: str, call: int, interval: int = 0, **extra: str) -> str:
    attrs = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in extra.items())
    return (
        f'<lrm_rsc_op id="{op_id}" operation_key="r_{task}_{interval}" operation="{task}"'
        f' crm_feature_set="3.16.2" transition-key="{call}:1:0:x"'
        f' transition-magic="0:0;{call}:1:0:x" call-id="{call}" rc-code="0" op-status="0"'
        f' interval="{interval}"{attrs}/>'
    )


def _cib(history: str, *, agent: str = 'class="ocf" provider="pacemaker" type="Dummy"',
         constraints: str = "") -> str:
    return f"""<cib admin_epoch="0" epoch="1" num_updates="1" dc-uuid="1" have-quorum="true"
      validate-with="pacemaker-3.7">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
    <resources>
      <primitive id="r" class="ocf" provider="pacemaker" type="Dummy">
        <instance_attributes id="r-ia"><nvpair id="r-ia-1" name="fake" value="NEW"/>
        </instance_attributes>
        <operations><op id="r-m" name="monitor" interval="10s"/></operations>
      </primitive>
    </resources>
    <constraints>{constraints}</constraints>
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources><lrm_resource id="r" {agent}>{history}</lrm_resource>
      </lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="2"><lrm_resources><lrm_resource id="r" class="ocf" provider="pacemaker"
        type="Dummy"><lrm_rsc_op id="r_last_0" operation_key="r_monitor_0"
        operation="monitor" transition-key="1:1:7:x" transition-magic="0:7;1:1:7:x"
        call-id="1" rc-code="7" op-status="0" interval="0"/></lrm_resource>
      </lrm_resources></lrm>
    </node_state>
  </status>
</cib>"""


def _run(text: str) -> Transition:
    return schedule(cib_from_tree(etree.fromstring(text), ReportList()), NOW)


def _graph(tr: Transition) -> set[tuple[str, str, str]]:
    return {
        (a.task, a.key, a.node.uname if a.node else "")
        for a in tr.actions
        if in_graph(a)
    }


def _summary(tr: Transition) -> list[str]:
    return [" ".join(line.split()) for line in transition_summary(tr.working_set)]


def _start(params: dict[str, str], **extra: str) -> str:
    return _op("r_last_0", "start", 2, op_digest=op_digest(params), **extra)


def _monitor(params: dict[str, str], interval: int = 10000, call: int = 3) -> str:
    return _op(f"r_monitor_{interval}", "monitor", call, interval,
               op_digest=op_digest(params, interval_ms=interval, timeout_ms=None))


def test_unchanged_definition_does_nothing() -> None:
    tr = _run(_cib(_start(NEW) + _monitor(NEW)))
    assert _graph(tr) == set()
    assert _summary(tr) == []


def test_changed_start_without_reload_support_restarts() -> None:
    tr = _run(_cib(_start(OLD) + _monitor(NEW)))
    assert {("stop", "r_stop_0", "n1"), ("start", "r_start_0", "n1"),
            ("monitor", "r_monitor_10000", "n1")} <= _graph(tr)
    assert _summary(tr) == ["* Restart r ( n1 ) due to resource definition change"]


def test_changed_reloadable_parameter_reloads_and_reruns_monitors() -> None:
    start = _start(OLD, op_force_restart=" state ", op_restart_digest=op_digest({}))
    tr = _run(_cib(start + _monitor(NEW)))
    assert _graph(tr) == {("reload-agent", "r_reload-agent_0", "n1"),
                          ("monitor", "r_monitor_10000", "n1")}
    monitor = next(a for a in tr.actions if a.key == "r_monitor_10000")
    assert any(o.first.task == "reload-agent" for o in monitor.inputs)
    assert _summary(tr) == ["* Reload r ( n1 )"]


def test_changed_restart_parameter_restarts_despite_reload_support() -> None:
    start = _start(OLD, op_force_restart=" fake ", op_restart_digest=op_digest(OLD))
    tr = _run(_cib(start + _monitor(NEW)))
    assert ("stop", "r_stop_0", "n1") in _graph(tr)
    assert ("reload-agent", "r_reload-agent_0", "n1") not in _graph(tr)


def test_reload_is_dropped_when_the_resource_moves() -> None:
    start = _start(OLD, op_force_restart=" state ", op_restart_digest=op_digest({}))
    ban = '<rsc_location id="l" rsc="r" node="n1" score="-INFINITY"/>'
    tr = _run(_cib(start + _monitor(NEW), constraints=ban))
    graph = _graph(tr)
    assert ("stop", "r_stop_0", "n1") in graph
    assert ("start", "r_start_0", "n2") in graph
    assert not any(task == "reload-agent" for task, _, _ in graph)


def test_changed_monitor_is_rescheduled_only() -> None:
    tr = _run(_cib(_start(NEW) + _monitor(OLD)))
    assert _graph(tr) == {("monitor", "r_monitor_10000", "n1")}
    assert _summary(tr) == []


def test_unconfigured_monitor_is_cancelled_after_a_stop() -> None:
    history = _start(NEW) + _monitor(NEW) + _monitor(NEW, interval=20000, call=4)
    tr = _run(_cib(history))
    assert _graph(tr) == {("cancel", "r_monitor_20000", "n1")}
    cancel = next(a for a in tr.actions if a.task == "cancel")
    assert cancel.meta["call_id"] == "4"
    assert cancel.meta["interval"] == "20000"
    assert cancel.meta["operation"] == "monitor"
    ban = '<rsc_location id="l" rsc="r" node="n1" score="-INFINITY"/>'
    tr = _run(_cib(history, constraints=ban))
    cancel = next(a for a in tr.actions if a.task == "cancel")
    assert [o.first.key for o in cancel.inputs] == ["r_stop_0"]


def test_configured_monitor_cancelled_in_maintenance_keeps_its_definition() -> None:
    text = _cib(_start(NEW) + _monitor(NEW)).replace(
        '<operations><op id="r-m" name="monitor" interval="10s"/>',
        '<meta_attributes id="r-meta"><nvpair id="r-meta-m" name="maintenance"'
        ' value="true"/></meta_attributes>'
        '<operations><op id="r-m" name="monitor" interval="10s" on-fail="ignore"/>')
    tr = _run(text)
    assert _graph(tr) == {("cancel", "r_monitor_10000", "n1")}
    cancel = next(a for a in tr.actions if a.task == "cancel")
    assert cancel.meta["name"] == "monitor"
    assert cancel.meta["on_fail"] == "ignore"
    assert cancel.meta["call_id"] == "3"


def test_history_of_another_agent_is_deleted_and_the_resource_restarted() -> None:
    agent = 'class="ocf" provider="heartbeat" type="Dummy"'
    tr = _run(_cib(_start(NEW) + _monitor(NEW), agent=agent))
    graph = _graph(tr)
    assert {("stop", "r_stop_0", "n1"), ("delete", "r_delete_0", "n1"),
            ("start", "r_start_0", "n1")} <= graph
    delete = next(a for a in tr.actions if a.task == "delete")
    assert [o.first.key for o in delete.inputs] == ["r_stop_0"]
    assert _summary(tr) == ["* Restart r ( n1 )"]


def test_probe_reported_as_an_error_that_found_nothing_is_not_checked() -> None:
    # an anonymous clone's two histories on n1: the instance started with the
    # current definition, and a probe (status "error", rc "not running")
    # recorded with an older one, which says nothing about what runs
    probe = ('<lrm_resource id="r:1" class="ocf" provider="pacemaker" type="Dummy">'
             '<lrm_rsc_op id="r:1_last_0" operation_key="r:1_monitor_0" operation="monitor"'
             ' transition-key="1:1:7:x" transition-magic="4:7;1:1:7:x" call-id="1"'
             f' rc-code="7" op-status="4" interval="0" op-digest="{op_digest(OLD)}"/>'
             "</lrm_resource>")
    text = _cib(_start(NEW) + _monitor(NEW)).replace(
        '<primitive id="r" ', '<clone id="c"><primitive id="r" ').replace(
        "</primitive>", "</primitive></clone>").replace(
        '<lrm id="1"><lrm_resources>', f'<lrm id="1"><lrm_resources>{probe}', 1)
    assert probe in text
    tr = _run(text)
    assert not any("Restart" in line for line in _summary(tr))
