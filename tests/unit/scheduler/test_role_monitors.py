"""Recurring monitors of a promotable instance's role."""

from __future__ import annotations

from scheduler_cib import cib_text, input_keys, run, synapse

from hapy.scheduler.digests import op_digest

_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def test_unpromoted_monitor_waits_for_the_demote_wherever_it_was_promoted() -> None:
    clone = ('<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-m1" name="promotable"'
             ' value="true"/><nvpair id="ms-m2" name="clone-max" value="1"/>'
             '</meta_attributes><primitive id="st" class="ocf" provider="pacemaker"'
             ' type="Stateful"><operations><op id="st-m" name="monitor" interval="11s"'
             ' role="Unpromoted"/></operations></primitive></clone>')
    promoted = ('<lrm_resource id="st:0" class="ocf" provider="pacemaker" type="Stateful">'
                '<lrm_rsc_op id="st_last_0" operation_key="st_promote_0" operation="promote"'
                ' call-id="2" rc-code="0" op-status="0" interval="0"'
                f' transition-key="1:1:0:x" op-digest="{_DIGEST}"/></lrm_resource>')
    status = (
        '<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
        f' expected="member"><lrm id="n1"><lrm_resources>{promoted}</lrm_resources></lrm>'
        '</node_state><node_state id="n2" uname="n2" in_ccm="true" crmd="online"'
        ' join="member" expected="member"/>')
    ban = '<rsc_location id="l" rsc="ms" node="n1" score="-INFINITY"/>'
    graph = run(cib_text(clone, constraints=ban, status=status)).graph
    monitor = synapse(graph, "st:0_monitor_11000", "n2")
    assert "st:0_demote_0@n1" in input_keys(graph, monitor)


def test_stopped_role_monitor_is_cancelled_where_the_resource_starts() -> None:
    rsc = ('<primitive id="r" class="ocf" provider="pacemaker" type="Dummy"><operations>'
           '<op id="r-m" name="monitor" interval="20s" role="Stopped"/></operations>'
           '</primitive>')
    stopped_monitor = ('<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">'
                       '<lrm_rsc_op id="r_monitor_20000" operation_key="r_monitor_20000"'
                       ' operation="monitor" call-id="2" rc-code="7" op-status="0"'
                       f' interval="20000" transition-key="1:1:7:x" op-digest="{_DIGEST}"/>'
                       '</lrm_resource>')
    status = (
        '<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
        f' expected="member"><lrm id="n1"><lrm_resources>{stopped_monitor}</lrm_resources>'
        '</lrm></node_state>')
    prefer = '<rsc_location id="l" rsc="r" node="n1" score="100"/>'
    graph = run(cib_text(rsc, constraints=prefer, status=status, nodes=("n1",))).graph
    cancel = next(s for s in graph.synapses if s.action.operation == "cancel")
    assert cancel.action.on_node == "n1"
    assert cancel.action.attributes["CRM_meta_role"] == "Stopped"
    assert "r_monitor_20000@n1" in input_keys(graph, synapse(graph, "r_start_0", "n1"))


def test_monitor_recorded_before_the_last_restart_is_scheduled_again() -> None:
    rsc = ('<primitive id="r" class="ocf" provider="pacemaker" type="Dummy"><operations>'
           '<op id="r-m" name="monitor" interval="5s"/></operations></primitive>')

    def op(task: str, call: int, interval: int = 0) -> str:
        return (f'<lrm_rsc_op id="r_{task}_{call}" operation_key="r_{task}_{interval}"'
                f' operation="{task}" call-id="{call}" rc-code="0" op-status="0"'
                f' interval="{interval}" transition-key="{call}:1:0:x"'
                f' op-digest="{op_digest({}, interval_ms=interval) if interval else _DIGEST}"/>')

    def status(history: str) -> str:
        return ('<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
                ' expected="member"><lrm id="n1"><lrm_resources><lrm_resource id="r"'
                f' class="ocf" provider="pacemaker" type="Dummy">{history}</lrm_resource>'
                '</lrm_resources></lrm></node_state>')

    def monitors(history: str) -> list[str]:
        graph = run(cib_text(rsc, status=status(history), nodes=("n1",))).graph
        return [s.action.operation_key for s in graph.synapses
                if s.action.operation_key == "r_monitor_5000"]

    # started, monitored: nothing to do
    assert monitors(op("start", 1) + op("monitor", 2, 5000)) == []
    # monitored, then stopped and started again: the monitor ended with the stop
    assert monitors(op("start", 1) + op("monitor", 2, 5000) + op("stop", 3)
                    + op("start", 4)) == ["r_monitor_5000"]
    # no start recorded: the first monitor that found it running stands for it
    assert monitors(op("monitor", 2, 5000) + op("monitor", 5)) == []
