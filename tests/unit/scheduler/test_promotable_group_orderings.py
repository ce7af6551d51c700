"""How a group instance of a promotable clone is ordered: its members order
its role changes; the clone only puts its demote before its promote."""

from __future__ import annotations

from scheduler_cib import cib_text, input_keys, run, synapse

_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"

_CLONE = ('<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-m1" name="promotable"'
          ' value="true"/><nvpair id="ms-m2" name="clone-max" value="1"/>'
          '</meta_attributes><group id="g">'
          '<primitive id="st" class="ocf" provider="pacemaker" type="Stateful"/>'
          '</group></clone>')


def _state(node: str, lrm: str, attrs: str = "") -> str:
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online"'
            f' join="member" expected="member"><transient_attributes id="{node}-t">'
            f'<instance_attributes id="{node}-a">{attrs}</instance_attributes>'
            f'</transient_attributes><lrm id="{node}"><lrm_resources>{lrm}'
            "</lrm_resources></lrm></node_state>")


def _op(task: str, rc: int) -> str:
    return ('<lrm_resource id="st:0" class="ocf" provider="pacemaker" type="Stateful">'
            f'<lrm_rsc_op id="st_last_0" operation_key="st_{task}_0" operation="{task}"'
            f' call-id="2" rc-code="{rc}" op-status="0" interval="0"'
            f' transition-key="1:1:{rc}:x" op-digest="{_DIGEST}"/></lrm_resource>')


def test_group_instance_promotes_after_the_clone_promote_only() -> None:
    score = '<nvpair id="p1" name="master-st" value="10"/>'
    status = _state("n1", "", score) + _state("n2", "", score)
    graph = run(cib_text(_CLONE, status=status)).graph
    assert input_keys(graph, synapse(graph, "g:0_promote_0")) == {"ms_promote_0"}


def test_group_instance_demotes_before_it_promotes_again() -> None:
    # promoted on n1 but allowed only on n2: demoted and stopped, started and
    # promoted there
    status = _state("n1", _op("promote", 0), '<nvpair id="p1" name="master-st" value="10"/>')
    status += _state("n2", "", '<nvpair id="p2" name="master-st" value="10"/>')
    ban = ('<rsc_location id="l" rsc="ms" node="n1" score="-INFINITY"/>'
           '<rsc_location id="l2" rsc="ms" role="Promoted" node="n2" score="100"/>')
    graph = run(cib_text(_CLONE, constraints=ban, status=status)).graph
    assert "g:0_demote_0" in input_keys(graph, synapse(graph, "g:0_promote_0"))
    assert "g:0_demoted_0" not in input_keys(graph, synapse(graph, "g:0_stop_0"))
    assert not any("demote" in key for key in input_keys(graph, synapse(graph, "st:0_promote_0")))
