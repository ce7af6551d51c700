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


def _running_on_n1(*rids: str) -> str:
    ops = "".join(
        f'<lrm_resource id="{r}" class="ocf" provider="pacemaker" type="Dummy">'
        f'<lrm_rsc_op id="{r}_last_0" operation_key="{r}_start_0" operation="start" '
        f'interval="0" op-status="0" rc-code="0" call-id="1" '
        f'transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/></lrm_resource>'
        for r in rids
    )
    return (
        '<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><lrm id="n1"><lrm_resources>{ops}</lrm_resources></lrm></node_state>'
        '<node_state id="n2" uname="n2" in_ccm="true" crmd="online" join="member" '
        'expected="member"/>'
    )


def test_probes_of_a_group_member_come_before_restarts_it_forces() -> None:
    group = '<group id="g">' + dummy("a") + dummy("b") + dummy("c") + "</group>"
    ban = '<rsc_location id="l" rsc="g" node="n1" score="-INFINITY"/>'
    graph = run(cib_text(group, constraints=ban, status=_running_on_n1("a", "b", "c"))).graph
    # a's probe: b and c restart after a starts; c's probe: b stops after c stops
    assert "a_monitor_0@n2" in input_keys(graph, synapse(graph, "c_stop_0", "n1"))
    assert "c_monitor_0@n2" in input_keys(graph, synapse(graph, "b_stop_0", "n1"))
    assert "a_monitor_0@n2" in input_keys(graph, synapse(graph, "g_stopped_0"))


def test_optional_order_puts_then_probe_before_first_stop_only() -> None:
    order = ('<rsc_order id="o" first="a" then="b" kind="Optional"/>'
             '<rsc_location id="la" rsc="a" node="n1" score="-INFINITY"/>'
             '<rsc_location id="lb" rsc="b" node="n1" score="-INFINITY"/>')
    graph = run(cib_text(dummy("a") + dummy("b"), constraints=order,
                         status=_running_on_n1("a", "b"))).graph
    assert "b_monitor_0@n2" in input_keys(graph, synapse(graph, "a_stop_0", "n1"))
    assert "a_monitor_0@n2" not in input_keys(graph, synapse(graph, "b_stop_0", "n1"))


def test_ordered_clone_probes_of_a_later_instance_come_before_earlier_stops() -> None:
    clone = ('<clone id="c"><meta_attributes id="cm">'
             '<nvpair id="cm1" name="ordered" value="true"/>'
             '<nvpair id="cm2" name="globally-unique" value="true"/>'
             '<nvpair id="cm3" name="clone-node-max" value="2"/></meta_attributes>'
             + dummy("r") + "</clone>")
    ban = '<rsc_location id="l" rsc="c" node="n1" score="-INFINITY"/>'
    graph = run(cib_text(clone, constraints=ban,
                         status=_running_on_n1("r:0", "r:1"))).graph
    # r:1 stops before r:0, so r:1's probe elsewhere comes before r:0's stop
    assert {"r:1_stop_0@n1", "r:1_monitor_0@n2"} <= input_keys(
        graph, synapse(graph, "r:0_stop_0", "n1"))
