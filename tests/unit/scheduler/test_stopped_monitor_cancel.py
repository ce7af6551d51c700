"""A monitor of the Stopped role recorded where the resource is to be active
is cancelled there (before the resource starts there)."""

from __future__ import annotations

from scheduler_cib import cib_text, run, synapse

_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _op(task: str, call: int, rc: int, interval: int = 0) -> str:
    key = f"r_{task}_{interval}" if interval else f"r_last_{call}"
    return (f'<lrm_rsc_op id="{key}" operation="{task}" interval="{interval}" '
            f'call-id="{call}" rc-code="{rc}" op-status="0" op-digest="{_DIGEST}" '
            f'transition-key="{call}:1:7:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" '
            f'transition-magic="0:{rc};{call}:1:7:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"/>')


def _cib(history_n1: str, meta: str) -> str:
    rsc = ('<primitive id="r" class="ocf" provider="pacemaker" type="Dummy">'
           f'<meta_attributes id="r-m">{meta}</meta_attributes><operations>'
           '<op id="r-m10" name="monitor" interval="10s"/>'
           '<op id="r-m20" name="monitor" interval="20s" role="Stopped"/>'
           "</operations></primitive>")
    states = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><lrm id="{n}"><lrm_resources><lrm_resource id="r" class="ocf" '
        f'provider="pacemaker" type="Dummy">{h}</lrm_resource></lrm_resources></lrm>'
        "</node_state>"
        for n, h in (("n1", history_n1), ("n2", _op("monitor", 1, 7))))
    return cib_text(rsc, status=states,
                    constraints='<rsc_location id="l" rsc="r" node="n1" score="10"/>')


def test_stopped_monitor_is_cancelled_before_the_start() -> None:
    # r is stopped; its Stopped monitor ran on n1, where it now starts
    graph = run(_cib(_op("monitor", 1, 7) + _op("monitor", 2, 7, 20000), "")).graph
    cancel = synapse(graph, "r_monitor_20000", "n1")
    assert cancel.action.operation == "cancel"
    assert cancel.action.attributes["CRM_meta_role"] == "Stopped"
    start = synapse(graph, "r_start_0", "n1")
    assert cancel.action.id in start.inputs


def test_unmanaged_active_resource_cancels_its_stopped_monitor() -> None:
    meta = '<nvpair id="r-um" name="is-managed" value="false"/>'
    # the Stopped monitor found r active on n1
    graph = run(_cib(_op("monitor", 1, 7) + _op("monitor", 2, 0, 20000), meta)).graph
    assert synapse(graph, "r_monitor_20000", "n1").action.operation == "cancel"
    assert synapse(graph, "r_monitor_10000", "n1").action.operation == "monitor"
    # ... and still watches with it where it is not active
    assert synapse(graph, "r_monitor_20000", "n2").action.operation == "monitor"


def test_unmanaged_stopped_resource_gets_its_stopped_monitors() -> None:
    meta = '<nvpair id="r-um" name="is-managed" value="false"/>'
    graph = run(_cib(_op("monitor", 1, 7), meta)).graph
    for node in ("n1", "n2"):
        mon = synapse(graph, "r_monitor_20000", node).action
        assert mon.attributes["CRM_meta_role"] == "Stopped"
    assert not any(s.action.operation_key == "r_monitor_10000" for s in graph.synapses)
