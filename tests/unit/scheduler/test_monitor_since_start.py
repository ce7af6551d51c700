"""A recurring monitor recorded before what started the resource stopped
with it and is scheduled again.  What started it is the latest start; a
history without one (only its last operations kept) counts from its latest
promote or demote."""

from __future__ import annotations

from scheduler_cib import cib_text, run

_MONITOR_10S = "4811cef7f7f94e3a35a70be7916cb2fd"  # no parameters, default timeout


def _op(op_id: str, task: str, call: int, rc: int = 0, interval: int = 0) -> str:
    expected = 8 if rc == 8 else 0
    digest = _MONITOR_10S if interval else "f2317cad3d54cec5d7d7aa7d0bf35cf8"
    return (f'<lrm_rsc_op id="{op_id}" operation="{task}" interval="{interval}" '
            f'call-id="{call}" rc-code="{rc}" op-status="0" op-digest="{digest}" '
            f'transition-key="{call}:1:{expected}:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" '
            f'transition-magic="0:{rc};{call}:1:{expected}:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"/>')


def _monitor_scheduled(history: str) -> bool:
    clone = ('<clone id="c"><meta_attributes id="c-m"><nvpair id="c-p" name="promotable" '
             'value="true"/><nvpair id="c-cm" name="clone-max" value="1"/></meta_attributes>'
             '<primitive id="r" class="ocf" provider="pacemaker" type="Stateful"><operations>'
             '<op id="r-m" name="monitor" interval="10s" role="Promoted"/>'
             '<op id="r-m2" name="monitor" interval="11s" role="Unpromoted"/>'
             "</operations></primitive></clone>")
    status = ('<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member" '
              'expected="member"><lrm id="n1"><lrm_resources><lrm_resource id="r" class="ocf" '
              f'provider="pacemaker" type="Stateful">{history}</lrm_resource></lrm_resources>'
              "</lrm></node_state>")
    cons = '<rsc_location id="l" rsc="c" role="Promoted" node="n1" score="100"/>'
    graph = run(cib_text(clone, constraints=cons, status=status, nodes=("n1",))).graph
    return any(s.action.operation_key == "r_monitor_10000" for s in graph.synapses)


def test_monitor_after_the_start_keeps_running() -> None:
    assert not _monitor_scheduled(_op("r_start_0", "start", 2)
                                  + _op("r_monitor_10000", "monitor", 3, 8, 10000)
                                  + _op("r_last_0", "promote", 5))


def test_monitor_before_the_promote_standing_for_the_start_is_scheduled_again() -> None:
    assert _monitor_scheduled(_op("r_monitor_10000", "monitor", 4, 8, 10000)
                              + _op("r_last_0", "promote", 5))
    assert not _monitor_scheduled(_op("r_last_0", "promote", 4)
                                  + _op("r_monitor_10000", "monitor", 5, 8, 10000))
