"""Pseudo-actions of nested collectives (a clone of groups)."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, input_keys, run, synapse


def test_clone_of_groups_orders_instance_pseudo_actions() -> None:
    text = cib_text('<clone id="c"><group id="g">' + dummy("a") + dummy("b") + "</group></clone>")
    graph = run(text).graph
    assert "c_start_0" in input_keys(graph, synapse(graph, "g:0_start_0"))
    running = synapse(graph, "c_running_0")
    assert {"g:0_running_0", "g:1_running_0"} <= input_keys(graph, running)
    assert "CRM_meta_clone" not in synapse(graph, "g:0_start_0").action.attributes
    assert synapse(graph, "a:0_start_0", "n1").action.attributes.get("CRM_meta_clone") in ("0", "1")


def _all_running_on_n1(*rids: str) -> str:
    ops = "".join(
        f'<lrm_resource id="{r}" class="ocf" provider="pacemaker" type="Dummy">'
        f'<lrm_rsc_op id="{r}_last_0" operation_key="{r}_start_0" operation="start" '
        f'interval="0" op-status="0" rc-code="0" call-id="1" '
        f'transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/></lrm_resource>'
        for r in rids
    )
    return ('<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member" '
            f'expected="member"><lrm id="n1"><lrm_resources>{ops}</lrm_resources></lrm>'
            '</node_state>')


def _keys(graph: object) -> set[str]:
    return {s.action.operation_key for s in graph.synapses}  # type: ignore[attr-defined]


def test_group_stopping_everywhere_has_no_start() -> None:
    ban = '<rsc_location id="l" rsc="g" node="n1" score="-INFINITY"/>'
    text = cib_text('<group id="g">' + dummy("a") + dummy("b") + "</group>", constraints=ban,
                    status=_all_running_on_n1("a", "b"), nodes=("n1",))
    keys = _keys(run(text).graph)
    assert {"g_stop_0", "g_stopped_0"} <= keys
    assert "g_start_0" not in keys


def test_group_partly_stopping_is_started_again() -> None:
    off = ('<meta_attributes id="m"><nvpair id="tr" name="target-role" value="Stopped"/>'
           '</meta_attributes>')
    text = cib_text('<group id="g">' + dummy("a") + dummy("b", meta=off) + dummy("c")
                    + "</group>", status=_all_running_on_n1("a", "b", "c"), nodes=("n1",))
    graph = run(text).graph
    assert "g_stopped_0" in input_keys(graph, synapse(graph, "g_start_0"))
