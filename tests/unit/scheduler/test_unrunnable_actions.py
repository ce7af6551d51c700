"""Actions that cannot run: what still happens around them and how the
transition summary explains them."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, run

from hapy.scheduler.summary import transition_summary

_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _running(rid: str) -> str:
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
            f'<lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_start_0" operation="start"'
            f' call-id="1" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"'
            f' op-digest="{_DIGEST}"/></lrm_resource>')


def _state(node: str, lrm: str = "", up: bool = True) -> str:
    where = 'in_ccm="true" crmd="online"' if up else 'in_ccm="false" crmd="offline"'
    return (f'<node_state id="{node}" uname="{node}" {where} join="member" expected="member">'
            f'<lrm id="{node}"><lrm_resources>{lrm}</lrm_resources></lrm></node_state>')


def test_resource_leaving_its_node_stops_because_its_first_cannot_start() -> None:
    disabled = ('<meta_attributes id="a-m"><nvpair id="a-tr" name="target-role"'
                ' value="Stopped"/></meta_attributes>')
    rscs = dummy("a", meta=disabled) + dummy("b")
    constraints = ('<rsc_order id="o" first="a" then="b" kind="Mandatory" symmetrical="false"/>'
                   '<rsc_location id="ban" rsc="b" node="n1" score="-INFINITY"/>')
    text = cib_text(rscs, constraints=constraints,
                    status=_state("n1", _running("b")) + _state("n2"))
    lines = transition_summary(run(text).working_set)
    assert any("Stop       b" in line and "due to unrunnable a start" in line for line in lines)


def test_group_whose_last_member_stops_for_good_is_not_started_again() -> None:
    group = f'<group id="g">{dummy("a")}{dummy("b")}</group>'
    bans = "".join(f'<rsc_location id="ban-{n}" rsc="b" node="{n}" score="-INFINITY"/>'
                   for n in ("n1", "n2"))
    text = cib_text(group, constraints=bans,
                    status=_state("n1", _running("a") + _running("b")) + _state("n2"))
    keys = {s.action.operation_key for s in run(text).graph.synapses}
    assert "b_stop_0" in keys
    assert "g_start_0" not in keys and "a_stop_0" not in keys
