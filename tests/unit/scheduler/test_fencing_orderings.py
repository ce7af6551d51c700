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
