"""Where probes sit in the graph: before a clone's start, before stopped-role monitors."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, input_keys, run, synapse


def test_clone_instance_probes_come_before_the_clone_start() -> None:
    graph = run(cib_text('<clone id="c">' + dummy("r") + "</clone>")).graph
    clone_start = synapse(graph, "c_start_0")
    assert {"r:0_monitor_0@n1", "r:0_monitor_0@n2"} <= input_keys(graph, clone_start) or \
        {"r:0_monitor_0@n1", "r:1_monitor_0@n2"} <= input_keys(graph, clone_start)
    for syn in graph.synapses:
        if syn.action.operation == "start" and syn.action.on_node is not None:
            assert not any(k.endswith("monitor_0@" + syn.action.on_node)
                           for k in input_keys(graph, syn))


def test_stopped_role_monitor_expects_not_running_and_follows_the_probe() -> None:
    ops = '<op id="ms" name="monitor" interval="20s" role="Stopped"/>'
    loc = '<rsc_location id="l" rsc="r" node="n1" score="100"/>'
    graph = run(cib_text(dummy("r", ops=ops), constraints=loc)).graph
    mon = synapse(graph, "r_monitor_20000", "n2")
    assert mon.action.attributes["CRM_meta_op_target_rc"] == "7"
    assert input_keys(graph, mon) == {"r_monitor_0@n2"}
