"""Operations recorded in the history that never ran."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, run

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
