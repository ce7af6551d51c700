"""A node whose legacy ``probe_complete`` attribute is present and not true
gets one ``probe_again`` action instead of a probe of each resource."""

from __future__ import annotations

import pytest
from scheduler_cib import cib_text, dummy, run

from hapy.graph.model import ActionKind


def _status(value: str | None) -> str:
    attrs = "" if value is None else (
        '<transient_attributes id="n1"><instance_attributes id="n1-a">'
        f'<nvpair id="pc" name="probe_complete" value="{value}"/>'
        "</instance_attributes></transient_attributes>")
    return "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member">{attrs if n == "n1" else ""}</node_state>' for n in ("n1", "n2"))


def _keys(value: str | None, options: str = "") -> dict[str, tuple[str | None, ActionKind]]:
    graph = run(cib_text(dummy("r"), status=_status(value), options=options)).graph
    return {s.action.operation_key: (s.action.on_node, s.action.kind) for s in graph.synapses}


@pytest.mark.parametrize("value", ["false", "no", "0", ""])
def test_probes_not_complete_are_done_again_at_once(value: str) -> None:
    keys = _keys(value)
    assert keys["probe_again-n1"] == ("n1", ActionKind.RSC_OP)
    assert "r_monitor_0" in keys  # (n2 still probes r)
    assert keys["r_monitor_0"][0] == "n2"


@pytest.mark.parametrize("value", ["true", "yes", None])
def test_complete_or_unknown_probes_are_done_one_by_one(value: str | None) -> None:
    keys = _keys(value)
    assert not any(k.startswith("probe_again") for k in keys)


def test_no_probe_again_without_startup_probes() -> None:
    keys = _keys("false", '<nvpair id="o2" name="enable-startup-probes" value="false"/>')
    assert not any(k.startswith("probe_again") for k in keys)


def test_probe_again_attributes() -> None:
    graph = run(cib_text(dummy("r"), status=_status("false"))).graph
    action = next(s.action for s in graph.synapses if s.action.operation == "probe_again")
    assert action.resource is None
    assert action.attributes == {"CRM_meta_on_node": "n1", "CRM_meta_on_node_uuid": "n1",
                                 "CRM_meta_op_no_wait": "true"}
