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
