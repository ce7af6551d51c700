"""Nodes that asked to leave the cluster."""

from __future__ import annotations

from scheduler_cib import cib_text, input_keys, run, synapse

_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _state(node: str, lrm: str) -> str:
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online"'
            f' join="member" expected="member"><transient_attributes id="{node}-t">'
            f'<instance_attributes id="{node}-a"><nvpair id="{node}-s" name="shutdown"'
            ' value="1234"/></instance_attributes></transient_attributes>'
            f'<lrm id="{node}"><lrm_resources>{lrm}</lrm_resources></lrm></node_state>')


def _promoted(rid: str) -> str:
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Stateful">'
            f'<lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_promote_0"'
            ' operation="promote" call-id="2" rc-code="0" op-status="0" interval="0"'
            f' transition-key="1:1:0:x" op-digest="{_DIGEST}"/></lrm_resource>')


def test_the_dc_shuts_down_last_and_only_stops_hold_a_shutdown() -> None:
    clone = ('<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-m1" name="promotable"'
             ' value="true"/></meta_attributes><primitive id="st" class="ocf"'
             ' provider="pacemaker" type="Stateful"/></clone>')
    status = _state("n1", "") + _state("n2", _promoted("st"))
    graph = run(cib_text(clone, status=status)).graph  # (n1 is the DC)
    assert "do_shutdown-n2@n2" in input_keys(graph, synapse(graph, "do_shutdown-n1", "n1"))
    n2_inputs = input_keys(graph, synapse(graph, "do_shutdown-n2", "n2"))
    assert "st:0_stop_0@n2" in n2_inputs or "st_stop_0@n2" in n2_inputs
    assert not any("demote" in key for key in n2_inputs)
