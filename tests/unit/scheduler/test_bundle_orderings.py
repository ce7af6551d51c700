"""How a bundle's actions are ordered in the transition graph."""

from __future__ import annotations

from scheduler_cib import cib_text, input_keys, run, synapse

_BUNDLE = """<bundle id="B">
  <docker image="img" replicas="2"/>
  <network control-port="3121"/>
  <primitive id="app" class="ocf" provider="pacemaker" type="Dummy"/>
</bundle>"""


def test_bundled_instances_start_one_after_the_other() -> None:
    graph = run(cib_text(_BUNDLE)).graph
    second = synapse(graph, "app:1_start_0")
    assert "app:0_start_0@B-0" in input_keys(graph, second)


def test_a_container_starts_once_every_container_is_probed_there() -> None:
    graph = run(cib_text(_BUNDLE)).graph
    start = synapse(graph, "B-docker-0_start_0")
    node = start.action.on_node
    assert f"B-docker-1_monitor_0@{node}" in input_keys(graph, start)


def test_a_bundle_starts_without_waiting_for_its_stop() -> None:
    graph = run(cib_text(_BUNDLE)).graph
    start = synapse(graph, "B_start_0")
    assert "B_stopped_0" not in input_keys(graph, start)


def _started(rid: str, node: str, extra: str = "") -> str:
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy" {extra}>'
            f'<lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_start_0" operation="start"'
            f' transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="1" rc-code="0"'
            f' op-status="0" interval="0" on_node="{node}"/></lrm_resource>')


def test_a_stopping_bundle_stops_its_instances_after_its_own_stop() -> None:
    status = ""
    for index, node in enumerate(("n1", "n2")):
        container = f'container="B-docker-{index}"'
        status += (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online"'
                   f' join="member" expected="member"><lrm><lrm_resources>'
                   f'{_started(f"B-docker-{index}", node)}'
                   f'{_started(f"B-{index}", node, container)}'
                   f'</lrm_resources></lrm></node_state>')
    for index in range(2):
        status += (f'<node_state id="B-{index}" uname="B-{index}" remote_node="true"'
                   f' in_ccm="true"><lrm><lrm_resources>{_started("app", f"B-{index}")}'
                   f'</lrm_resources></lrm></node_state>')
    stopped = _BUNDLE.replace('<bundle id="B">', '<bundle id="B"><meta_attributes id="bm">'
                              '<nvpair id="bm1" name="target-role" value="Stopped"/>'
                              '</meta_attributes>')
    graph = run(cib_text(stopped, status=status)).graph
    first = synapse(graph, "app_stop_0", "B-0")
    assert {"B_stop_0", "app_stop_0@B-1"} <= input_keys(graph, first)
