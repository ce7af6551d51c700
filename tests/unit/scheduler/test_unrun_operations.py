"""Operations recorded in the history that never ran."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, run

from hapy.scheduler.digests import op_digest

_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"
_MONITOR_10S = "4811cef7f7f94e3a35a70be7916cb2fd"


def test_recurring_monitor_never_given_a_call_id_is_asked_for_again() -> None:
    lrm = ('<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">'
           '<lrm_rsc_op id="r_start_0" operation_key="r_start_0" operation="start" call-id="1"'
           ' rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"'
           f' op-digest="{_DIGEST}"/>'
           '<lrm_rsc_op id="r_monitor_10000" operation_key="r_monitor_10000" operation="monitor"'
           ' call-id="-1" rc-code="-1" op-status="-1" interval="10000" transition-key="2:1:0:x"'
           f' op-digest="{_MONITOR_10S}"/></lrm_resource>')
    status = ('<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
              f' expected="member"><lrm id="n1"><lrm_resources>{lrm}</lrm_resources></lrm>'
              '</node_state>')
    mon = '<op id="r-mon" name="monitor" interval="10s"/>'
    graph = run(cib_text(dummy("r", ops=mon), status=status, nodes=("n1",))).graph
    keys = {s.action.operation_key for s in graph.synapses}
    assert "r_monitor_10000" in keys
    assert "r_start_0" not in keys


def _op(op: str, call: int, *, interval: int = 0, magic: str = "1:1:0:x",
        pending: bool = False) -> str:
    status = "-1" if pending else "0"
    rc = "-1" if pending else "0"
    digest = _MONITOR_10S if interval else _DIGEST
    return (f'<lrm_rsc_op id="r_{op}_{interval}_{call}" operation_key="r_{op}_{interval}"'
            f' operation="{op}" call-id="{call}" rc-code="{rc}" op-status="{status}"'
            f' interval="{interval}" transition-key="{magic}"'
            f' transition-magic="0:0;{magic}" op-digest="{digest}"/>')


def _status(ops: str) -> str:
    lrm = f'<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">{ops}</lrm_resource>'
    return ('<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
            f' expected="member"><lrm id="n1"><lrm_resources>{lrm}</lrm_resources></lrm>'
            '</node_state>')


_MON = '<op id="r-mon" name="monitor" interval="10s"/>'


def test_start_recorded_in_flight_is_run_again_alone() -> None:
    ops = _op("start", -1, magic="3:1:0:x", pending=True) + _op("monitor", 2, interval=10000,
                                                                magic="4:1:0:x")
    tr = run(cib_text(dummy("r", ops=_MON), status=_status(ops), nodes=("n1",)))
    starts = [s for s in tr.graph.synapses if s.action.operation_key == "r_start_0"]
    assert len(starts) == 1 and starts[0].inputs == ()
    keys = {s.action.operation_key for s in tr.graph.synapses}
    assert "r_stop_0" not in keys and "r_monitor_10000" not in keys


def test_pending_operation_is_placed_by_its_transition() -> None:
    # the pending start (transition 1) was asked before the stop (transition
    # 2) by the same transition engine: the resource is stopped
    def active(start_key: str, stop_key: str, call: int = -1) -> list[str]:
        ops = _op("start", call, magic=start_key, pending=True) + _op("stop", 7, magic=stop_key)
        tr = run(cib_text(dummy("r", ops=_MON), status=_status(ops), nodes=("n1",)))
        return [n.uname for n in tr.working_set.resources_by_id["r"].running_on]

    assert active("3:1:0:x", "1:2:0:x") == []
    assert active("3:2:0:x", "1:1:0:x") == ["n1"]
    # transition -1 (outside any transition) comes last
    assert active("3:1:0:x", "1:-1:0:x") == []
    # from one transition, or asked by another engine: the pending one is last
    assert active("3:1:0:x", "5:1:0:x") == ["n1"]
    assert active("3:1:0:y", "1:2:0:x") == ["n1"]
    # a pending operation given a call-id is placed by it
    assert active("3:2:0:x", "1:1:0:x", call=5) == []


def test_monitor_recorded_before_the_latest_start_is_started_again() -> None:
    ops = _op("monitor", 2, interval=10000) + _op("stop", 3) + _op("start", 4)
    tr = run(cib_text(dummy("r", ops=_MON), status=_status(ops), nodes=("n1",)))
    keys = {s.action.operation_key for s in tr.graph.synapses}
    assert keys == {"r_monitor_10000"}


def test_monitor_recorded_before_the_latest_promote_is_started_again() -> None:
    # no start in the history: the promote (after the monitor) cancelled it
    def op(task: str, call: int, rc: int, interval: int = 0) -> str:
        return (f'<lrm_rsc_op id="r_{task}_{interval}" operation_key="r_{task}_{interval}"'
                f' operation="{task}" call-id="{call}" rc-code="{rc}" op-status="0"'
                f' interval="{interval}" transition-key="{call}:1:{rc}:x"'
                f' transition-magic="0:{rc};{call}:1:{rc}:x"'
                f' op-digest="{op_digest({}, interval_ms=interval) if interval else _DIGEST}"/>')

    lrm = ('<lrm_resource id="r" class="ocf" provider="pacemaker" type="Stateful">'
           + op("monitor", 2, 8, 10000) + op("promote", 5, 0) + "</lrm_resource>")
    status = ('<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
              f' expected="member"><lrm id="n1"><lrm_resources>{lrm}</lrm_resources></lrm>'
              '<transient_attributes id="t1"><instance_attributes id="a1">'
              '<nvpair id="a1-m" name="master-r" value="10"/></instance_attributes>'
              '</transient_attributes></node_state>')
    clone = ('<clone id="ms"><meta_attributes id="ms-m">'
             '<nvpair id="ms-p" name="promotable" value="true"/></meta_attributes>'
             '<primitive id="r" class="ocf" provider="pacemaker" type="Stateful"><operations>'
             '<op id="r-mon" name="monitor" interval="10s" role="Promoted"/>'
             '</operations></primitive></clone>')
    graph = run(cib_text(clone, status=status, nodes=("n1",))).graph
    keys = {s.action.operation_key for s in graph.synapses}
    assert "r:0_monitor_10000" in keys or "r_monitor_10000" in keys
