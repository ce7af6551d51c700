"""What waits for fencing, and in which order nodes are fenced."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, input_keys, run, synapse

from hapy.scheduler.summary import transition_summary

_STONITH = '<nvpair id="se" name="stonith-enabled" value="true"/>'


def _cib(resources: str, nodes: tuple[str, ...], seen: tuple[str, ...], dc: str) -> str:
    status = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member"'
        f' expected="member"/>' for n in seen
    )
    text = cib_text(resources, nodes=nodes, status=status or " ")
    text = text.replace('<nvpair id="o1" name="stonith-enabled" value="false"/>', _STONITH)
    return text.replace(f'dc-uuid="{nodes[0]}"', f'dc-uuid="{dc}"')


def _device(rid: str, meta: str = "") -> str:
    return f'<primitive id="{rid}" class="stonith" type="fence_dummy">{meta}</primitive>'


def test_starts_wait_for_fencing_unless_nothing_is_required() -> None:
    nothing = ('<meta_attributes id="mn"><nvpair id="rn" name="requires" value="nothing"/>'
               '</meta_attributes>')
    rscs = dummy("r") + _device("dev") + _device("dev2", nothing)
    graph = run(_cib(rscs, ("n1", "n2"), ("n1",), "n1")).graph
    fence = "stonith-n2-reboot@n2"
    assert fence in input_keys(graph, synapse(graph, "r_start_0", "n1"))
    # a fencing device needs quorum only: it waits as its state on n2 is unknown
    assert fence in input_keys(graph, synapse(graph, "dev_start_0", "n1"))
    assert fence not in input_keys(graph, synapse(graph, "dev2_start_0", "n1"))


def test_dc_is_fenced_last_and_summary_lists_latest_fencing_first() -> None:
    # fencing needs a device
    transition = run(_cib(_device("dev"), ("n1", "n2", "n3", "n4"), ("n4",), "n2"))
    graph = transition.graph
    assert input_keys(graph, synapse(graph, "stonith-n2-reboot")) == {"stonith-n3-reboot@n3"}
    assert input_keys(graph, synapse(graph, "stonith-n3-reboot")) == {"stonith-n1-reboot@n1"}
    lines = [line for line in transition_summary(transition.working_set) if "Fence" in line]
    assert [line.split()[3] for line in lines] == ["n3", "n2", "n1"]


def test_concurrent_fencing_orders_only_the_dc_last() -> None:
    text = _cib(_device("dev"), ("n1", "n2", "n3", "n4"), ("n4",), "n2").replace(
        _STONITH, _STONITH + '<nvpair id="cf" name="concurrent-fencing" value="true"/>')
    graph = run(text).graph
    assert input_keys(graph, synapse(graph, "stonith-n2-reboot")) == {
        "stonith-n1-reboot@n1", "stonith-n3-reboot@n3"}
    assert input_keys(graph, synapse(graph, "stonith-n3-reboot")) == set()


def _running(node: str, *rscs: tuple[str, str]) -> str:
    ops = "".join(
        f'<lrm_resource id="{r}" {agent}><lrm_rsc_op id="{r}_last_0" '
        f'operation_key="{r}_start_0" operation="start" interval="0" op-status="0" '
        f'rc-code="0" call-id="1" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/>'
        f'</lrm_resource>' for r, agent in rscs)
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" '
            f'join="member" expected="member"><lrm id="{node}"><lrm_resources>{ops}'
            '</lrm_resources></lrm></node_state>')


def test_ticket_fencing_orders_group_stop_but_not_a_device_stop() -> None:
    dummy_agent = 'class="ocf" provider="pacemaker" type="Dummy"'
    device_agent = 'class="stonith" type="fence_dummy"'
    rscs = _device("dev") + '<group id="g">' + dummy("a") + dummy("b") + "</group>"
    status = (_running("n1") + _running("n2", ("dev", device_agent), ("a", dummy_agent),
                                        ("b", dummy_agent))
              + '<tickets><ticket_state id="T" granted="false"/></tickets>')
    ticket = '<rsc_ticket id="t" rsc="g" ticket="T" loss-policy="fence"/>'
    text = cib_text(rscs, constraints=ticket, status=status).replace(
        '<nvpair id="o1" name="stonith-enabled" value="false"/>', _STONITH)
    transition = run(text)
    graph = transition.graph
    fence = "stonith-n2-reboot@n2"
    assert fence in input_keys(graph, synapse(graph, "g_stop_0"))
    assert fence in input_keys(graph, synapse(graph, "a_stop_0"))
    assert fence not in input_keys(graph, synapse(graph, "dev_stop_0"))
    # the status as found shows n2 clean: only the ticket's loss fences it
    from hapy.scheduler.view import node_view

    n2 = transition.working_set.nodes_by_id["n2"]
    assert n2.unclean and not node_view(n2).unclean


def test_instance_needing_no_fencing_on_a_lost_node_is_an_orphan_stopped_at_once() -> None:
    agent = 'class="ocf" provider="pacemaker" type="Dummy"'
    quorum = ('<meta_attributes id="pm"><nvpair id="pm1" name="requires" value="quorum"/>'
              '</meta_attributes>')
    rscs = (_device("dev") + '<clone id="c"><meta_attributes id="cm"><nvpair id="cm1" '
            'name="clone-max" value="2"/></meta_attributes>' + dummy("p", meta=quorum)
            + "</clone>")
    lost = _running("n3", ("p", agent)).replace('in_ccm="true" crmd="online"',
                                                 'in_ccm="false" crmd="offline"')
    status = lost + _running("n1", ("p", agent)) + _running("n2")
    text = cib_text(rscs, nodes=("n1", "n2", "n3"), status=status).replace(
        '<nvpair id="o1" name="stonith-enabled" value="false"/>', _STONITH)
    transition = run(text)
    orphans = [r for r in transition.working_set.resources_by_id["c"].children if r.orphan]
    # (with as many instances as nodes, it would keep its instance)
    assert [r.name for r in orphans] == ["p:2"]
    graph = transition.graph
    stop = next(s for s in graph.synapses
                if s.action.internal_operation_key == "p:2_stop_0")
    assert input_keys(graph, stop) == {"c_stop_0"}
    assert input_keys(graph, synapse(graph, "c_stop_0")) == set()


def test_cloned_group_instance_on_a_fenced_node_waits_for_its_members_only() -> None:
    agent = 'class="ocf" provider="pacemaker" type="Dummy"'
    rscs = _device("dev") + '<clone id="c"><group id="g">' + dummy("a") + "</group></clone>"
    lost = _running("n2", ("a", agent)).replace('in_ccm="true" crmd="online"',
                                                 'in_ccm="false" crmd="offline"')
    text = cib_text(rscs, status=_running("n1") + lost).replace(
        '<nvpair id="o1" name="stonith-enabled" value="false"/>', _STONITH)
    graph = run(text).graph
    fence = "stonith-n2-reboot@n2"
    assert fence in input_keys(graph, synapse(graph, "c_stop_0"))
    instance_stop = next(s for s in graph.synapses
                         if s.action.operation_key.startswith("g:")
                         and s.action.operation_key.endswith("_stop_0"))
    assert fence not in input_keys(graph, instance_stop)
