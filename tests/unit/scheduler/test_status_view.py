"""What the scheduler hands the status display."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, run

from hapy.display.view import CloneView, GroupView
from hapy.scheduler.view import cluster_view

_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _state(node: str, lrm: str = "") -> str:
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" join="member"'
            f' expected="member"><lrm id="{node}"><lrm_resources>{lrm}</lrm_resources></lrm>'
            "</node_state>")


def test_instances_of_an_anonymous_cloned_group_are_viewed_by_instance_name() -> None:
    running = ('<lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy">'
               '<lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start"'
               ' call-id="1" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"'
               f' op-digest="{_DIGEST}"/></lrm_resource>')
    clone = f'<clone id="c"><group id="g">{dummy("a")}{dummy("b")}</group></clone>'
    ws = run(cib_text(clone, status=_state("n1", running) + _state("n2"))).working_set
    view = cluster_view(ws).resources[0]
    assert isinstance(view, CloneView)
    assert {i.id for i in view.instances if isinstance(i, GroupView)} == {"g:0", "g:1"}


def test_nodes_outside_an_exclusive_discovery_are_not_available_to_notifications() -> None:
    from scheduler_cib import synapse

    running = ('<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">'
               '<lrm_rsc_op id="r_last_0" operation_key="r_start_0" operation="start"'
               ' call-id="1" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"'
               f' op-digest="{_DIGEST}"/></lrm_resource>')
    meta = ('<meta_attributes id="c-m"><nvpair id="c-n" name="notify" value="true"/>'
            '<nvpair id="c-t" name="target-role" value="Stopped"/></meta_attributes>')
    clone = f'<clone id="c">{meta}{dummy("r")}</clone>'
    only_n1 = ('<rsc_location id="l" rsc="c" node="n1" score="0"'
               ' resource-discovery="exclusive"/>')
    text = cib_text(clone, constraints=only_n1, status=_state("n1", running) + _state("n2"))
    graph = run(text).graph
    attrs = synapse(graph, "r_stop_0", "n1").action.attributes
    assert attrs["CRM_meta_notify_available_uname"] == "n1"
