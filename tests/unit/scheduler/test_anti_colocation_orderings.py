"""Mandatory anti-colocation: leave a node before the other resource arrives."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, input_keys, run, synapse


def test_stop_before_anti_colocated_start_on_the_same_node() -> None:
    status = (
        '<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member" '
        'expected="member"><lrm id="n1"><lrm_resources>'
        '<lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy">'
        '<lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start" interval="0" '
        'op-status="0" rc-code="0" call-id="1" transition-key="1:1:0:x" '
        'transition-magic="0:0;1:1:0:x"/></lrm_resource>'
        '<lrm_resource id="b" class="ocf" provider="pacemaker" type="Dummy">'
        '<lrm_rsc_op id="b_last_0" operation_key="b_monitor_0" operation="monitor" '
        'interval="0" op-status="0" rc-code="7" call-id="2" transition-key="2:1:7:x" '
        'transition-magic="0:7;2:1:7:x"/></lrm_resource>'
        '</lrm_resources></lrm></node_state>'
    )
    prio = '<meta_attributes id="m"><nvpair id="p" name="priority" value="5"/></meta_attributes>'
    cons = '<rsc_colocation id="c" rsc="a" with-rsc="b" score="-INFINITY"/>'
    transition = run(cib_text(dummy("a") + dummy("b", meta=prio), constraints=cons,
                              status=status, nodes=("n1",)))
    graph = transition.graph
    assert "a_stop_0@n1" in input_keys(graph, synapse(graph, "b_start_0", "n1"))
    # resources are listed highest priority first
    assert [r.id for r in transition.working_set.resources] == ["b", "a"]


def test_probe_of_the_leaving_resource_comes_before_the_arriving_start() -> None:
    cons = '<rsc_colocation id="c" rsc="a" with-rsc="b" score="-INFINITY"/>'
    graph = run(cib_text(dummy("a") + dummy("b"), constraints=cons)).graph
    b_start = next(s for s in graph.synapses if s.action.operation_key == "b_start_0")
    node = b_start.action.on_node
    assert f"a_monitor_0@{node}" in input_keys(graph, b_start)
    other = "n2" if node == "n1" else "n1"
    assert f"a_monitor_0@{other}" not in input_keys(graph, b_start)


def _op(rid: str, task: str, rc: int, call: int) -> str:
    return (f'<lrm_rsc_op id="{rid}_{task}_{call}" operation_key="{rid}_{task}_0" '
            f'operation="{task}" interval="0" op-status="0" rc-code="{rc}" call-id="{call}" '
            f'transition-key="{call}:1:{rc}:x" transition-magic="0:{rc};{call}:1:{rc}:x"/>')


def _state(node: str, ops: str, attrs: str) -> str:
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" '
            f'join="member" expected="member"><transient_attributes id="{node}-t">'
            f'<instance_attributes id="{node}-a">{attrs}</instance_attributes>'
            f'</transient_attributes><lrm id="{node}"><lrm_resources>{ops}'
            '</lrm_resources></lrm></node_state>')


def test_anti_colocation_with_a_promoted_clone_uses_its_pseudo_actions() -> None:
    stateful = '<lrm_resource id="st" class="ocf" provider="pacemaker" type="Stateful">'
    a = '<lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy">'
    status = (
        _state("n1", stateful + _op("st", "promote", 0, 3) + "</lrm_resource>",
               '<nvpair id="n1-p" name="master-st" value="10"/>')
        + _state("n2", stateful + _op("st", "start", 0, 3) + "</lrm_resource>"
                 + a + _op("a", "start", 0, 4) + "</lrm_resource>",
                 '<nvpair id="n2-p" name="master-st" value="10"/>'))
    clone = ('<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-m1" name="promotable" '
             'value="true"/></meta_attributes><primitive id="st" class="ocf" '
             'provider="pacemaker" type="Stateful"/></clone>')
    cons = ('<rsc_colocation id="c" rsc="a" with-rsc="ms" with-rsc-role="Promoted" '
            'score="-INFINITY"/>'
            '<rsc_location id="l" rsc="ms" role="Promoted" node="n1" score="-INFINITY"/>')
    graph = run(cib_text(dummy("a") + clone, constraints=cons, status=status)).graph
    # a leaves n2 before the clone promotes anywhere, and arrives on n1 once
    # the clone has demoted
    assert "a_stop_0@n2" in input_keys(graph, synapse(graph, "ms_promote_0"))
    assert "ms_demoted_0" in input_keys(graph, synapse(graph, "a_start_0", "n1"))


def test_anti_colocated_groups_use_their_pseudo_actions() -> None:
    status = _state("n1", "", "") + _state(
        "n2", '<lrm_resource id="a1" class="ocf" provider="pacemaker" type="Dummy">'
        + _op("a1", "start", 0, 3) + "</lrm_resource>", "")
    groups = ('<group id="ga">' + dummy("a1") + "</group>"
              '<group id="gb">' + dummy("b1") + "</group>")
    cons = ('<rsc_colocation id="c" rsc="ga" with-rsc="gb" score="-INFINITY"/>'
            '<rsc_location id="l1" rsc="gb" node="n2" score="100"/>'
            '<rsc_location id="l2" rsc="ga" node="n2" score="-INFINITY"/>')
    graph = run(cib_text(groups, constraints=cons, status=status)).graph
    # gb arrives where ga leaves once the whole group ga has stopped
    assert "ga_stopped_0" in input_keys(graph, synapse(graph, "gb_start_0"))
