"""Resources removed from the configuration (orphans) that are still active."""

from __future__ import annotations

from scheduler_cib import cib_text, input_keys, run, synapse

from hapy.scheduler.summary import transition_summary

_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _promoted(rid: str) -> str:
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Stateful">'
            f'<lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_promote_0"'
            ' operation="promote" call-id="2" rc-code="0" op-status="0" interval="0"'
            f' transition-key="1:1:0:x" op-digest="{_DIGEST}"/></lrm_resource>')


def _state(node: str, lrm: str) -> str:
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online"'
            f' join="member" expected="member"><lrm id="{node}"><lrm_resources>{lrm}'
            "</lrm_resources></lrm></node_state>")


def test_removed_resource_promoted_in_two_places_is_demoted_everywhere_first() -> None:
    status = _state("n1", _promoted("old")) + _state("n2", _promoted("old"))
    transition = run(cib_text("", status=status))
    graph = transition.graph
    for node in ("n1", "n2"):
        assert input_keys(graph, synapse(graph, "old_stop_0", node)) >= {
            "old_demote_0@n1", "old_demote_0@n2"}
    lines = transition_summary(transition.working_set)
    assert any("Stop       old" in line and "Promoted n1" in line for line in lines)


def _started(rid: str) -> str:
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
            f'<lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_start_0"'
            ' operation="start" call-id="2" rc-code="0" op-status="0" interval="0"'
            f' transition-key="1:1:0:x" op-digest="{_DIGEST}"/></lrm_resource>')


def test_clone_with_no_instances_stops_what_its_history_shows_as_its_orphans() -> None:
    clone = ('<clone id="c"><meta_attributes id="c-m"><nvpair id="c-max" name="clone-max"'
             ' value="0"/></meta_attributes><primitive id="d" class="ocf"'
             ' provider="pacemaker" type="Dummy"/></clone>')
    transition = run(cib_text(clone, status=_state("n1", _started("d:1"))))
    orphans = transition.working_set.resources_by_id["c"].children
    assert [(inst.name, inst.orphan) for inst in orphans] == [("d:0", True)]
    graph = transition.graph
    stop = synapse(graph, "d:1_stop_0", "n1").action
    # the resource is the history's; the instance keeps its own name
    assert stop.resource is not None
    assert (stop.resource.id, stop.resource.long_id) == ("d:1", "d:0")
    assert not any(s.action.operation == "delete" for s in graph.synapses)
    assert input_keys(graph, synapse(graph, "c_stopped_0")) >= {"d:1_stop_0@n1"}


def test_removed_resource_history_stays_on_standby_nodes() -> None:
    probe = ('<lrm_resource id="old" class="ocf" provider="pacemaker" type="Dummy">'
             '<lrm_rsc_op id="old_last_0" operation_key="old_monitor_0" operation="monitor"'
             ' call-id="1" rc-code="7" op-status="0" interval="0" transition-key="1:1:7:x"/>'
             '</lrm_resource>')
    text = cib_text("", status=_state("n1", probe) + _state("n2", probe)).replace(
        '<node id="n1" uname="n1"/>',
        '<node id="n1" uname="n1"><instance_attributes id="n1-a">'
        '<nvpair id="n1-s" name="standby" value="on"/></instance_attributes></node>')
    graph = run(text).graph
    deletes = {s.action.on_node for s in graph.synapses
               if s.action.operation_key == "old_delete_0"}
    assert deletes == {"n2"}
