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
