"""Fencing rules: who is fenced and why, what a fencing carries (downed
nodes, priority-fencing-delay) and what waits for it."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, input_keys, run, synapse

from hapy.scheduler.summary import transition_summary

_STONITH = '<nvpair id="se" name="stonith-enabled" value="true"/>'
_DEVICE = '<primitive id="dev" class="stonith" type="fence_dummy"/>'
_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _op(rid: str, op: str, rc: int = 0, call: int = 1) -> str:
    key = f"{rid}_{op}_0"
    return (f'<lrm_rsc_op id="{key}" operation_key="{key}" operation="{op}" call-id="{call}"'
            f' rc-code="{rc}" op-status="0" interval="0" transition-key="1:1:0:x"'
            f' op-digest="{_DIGEST}"/>')


def _running(*rids: str, agent: str = 'class="ocf" provider="pacemaker" type="Dummy"') -> str:
    return "".join(f'<lrm_resource id="{r}" {agent}>{_op(r, "start")}</lrm_resource>'
                   for r in rids)


def _state(node: str, lrm: str = "", *, up: bool = True, attrs: str = "") -> str:
    where = 'in_ccm="true" crmd="online"' if up else 'in_ccm="false" crmd="offline"'
    transient = (f'<transient_attributes id="{node}"><instance_attributes id="{node}-a">'
                 f"{attrs}</instance_attributes></transient_attributes>") if attrs else ""
    return (f'<node_state id="{node}" uname="{node}" {where} join="member"'
            f' expected="member">{transient}<lrm id="{node}"><lrm_resources>{lrm}'
            f"</lrm_resources></lrm></node_state>")


def _cib(resources: str, status: str, nodes: tuple[str, ...] = ("n1", "n2"),
         options: str = "", constraints: str = "") -> str:
    text = cib_text(resources, status=status, nodes=nodes, constraints=constraints)
    return text.replace('<nvpair id="o1" name="stonith-enabled" value="false"/>',
                        _STONITH + options)


def _meta(rid: str, **values: str) -> str:
    pairs = "".join(f'<nvpair id="{rid}-{k}" name="{k.replace("_", "-")}" value="{v}"/>'
                    for k, v in values.items())
    return f'<meta_attributes id="{rid}-m">{pairs}</meta_attributes>'


def test_node_whose_termination_was_requested_is_fenced() -> None:
    terminate = '<nvpair id="t" name="terminate" value="true"/>'
    status = _state("n1", _running("dev")) + _state("n2", attrs=terminate)
    transition = run(_cib(_DEVICE, status))
    lines = transition_summary(transition.working_set)
    assert any("Fence (reboot) n2 'termination was requested'" in line for line in lines)


def test_group_stop_waits_for_fencing_but_a_device_stop_does_not() -> None:
    group = f'<group id="g">{dummy("a")}{dummy("b")}</group>'
    status = _state("n1", _running("dev")) + _state("n2", _running("a", "b") + _running(
        "dev2", agent='class="stonith" type="fence_dummy"'), up=False)
    device2 = '<primitive id="dev2" class="stonith" type="fence_dummy"/>'
    graph = run(_cib(_DEVICE + device2 + group, status)).graph
    fence = "stonith-n2-reboot@n2"
    assert fence in input_keys(graph, synapse(graph, "g_stop_0"))
    assert fence not in input_keys(graph, synapse(graph, "dev2_stop_0"))


def _delay(graph_text: str) -> str | None:
    graph = run(graph_text).graph
    return synapse(graph, "stonith-n2-reboot").action.attributes.get(
        "CRM_meta_priority_fencing_delay")


def test_priority_fencing_delay_goes_to_the_weightier_lost_node_without_majority() -> None:
    delay = '<nvpair id="pfd" name="priority-fencing-delay" value="15s"/>'
    rscs = _DEVICE + dummy("big", meta=_meta("big", priority="10")) \
        + dummy("small", meta=_meta("small", priority="5"))
    lost_big = _state("n1", _running("dev", "small")) + _state("n2", _running("big"), up=False)
    assert _delay(_cib(rscs, lost_big, options=delay)) == "15"
    lost_small = _state("n1", _running("dev", "big")) + _state("n2", _running("small"), up=False)
    assert _delay(_cib(rscs, lost_small, options=delay)) == "0"
    # with a majority of the nodes this partition needs no delay
    majority = lost_big + _state("n3")
    assert _delay(_cib(rscs, majority, nodes=("n1", "n2", "n3"), options=delay)) == "0"
    # without the option, nothing is said
    assert _delay(_cib(rscs, lost_big)) is None


def _guest_cib() -> str:
    rscs = _DEVICE + dummy("vm", meta=_meta("vm", remote_node="g1"))
    guest = ('<node_state id="g1" uname="g1" remote_node="true"><lrm id="g1"><lrm_resources>'
             f'{_running("r")}</lrm_resources></lrm></node_state>')
    status = _state("n1", _running("dev")) + _state(
        "n2", _running("vm") + _running("g1", agent='class="ocf" provider="pacemaker"'
                                                     ' type="remote"'), up=False) + guest
    return _cib(rscs + dummy("r"), status)


def test_host_fencing_takes_its_guests_down_and_their_connections_wait_only_for_guests() -> None:
    graph = run(_guest_cib()).graph
    host_fence = synapse(graph, "stonith-n2-reboot")
    assert {d.id for d in host_fence.action.downed} == {"n2", "g1"}
    assert "stonith-n2-reboot@n2" not in input_keys(graph, synapse(graph, "g1_start_0"))
    assert "stonith-g1-reboot@g1" in input_keys(graph, synapse(graph, "g1_start_0"))


def test_guest_whose_container_stays_stopped_is_fenced_off() -> None:
    ban = '<rsc_location id="ban" rsc="vm" node="n1" score="-INFINITY"/>'
    text = _guest_cib().replace("<constraints>", f"<constraints>{ban}")
    lines = transition_summary(run(text).working_set)
    assert any("Fence (off) g1" in line for line in lines)
