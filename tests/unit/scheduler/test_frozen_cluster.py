"""Fencing enabled without any fencing device: the cluster starts, stops and
recovers nothing; it only probes and monitors what is active."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, run

from hapy.scheduler.graph import in_graph

EMPTY_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _op(rsc_id: str, task: str, rc: int, interval: int = 0, call: int = 1) -> str:
    key = f"{rsc_id}_{task}_{interval}"
    return (f'<lrm_rsc_op id="{key}" operation_key="{key}" operation="{task}"'
            f' crm-debug-origin="x" crm_feature_set="3.0.1" transition-key="{call}:1:0:abc"'
            f' transition-magic="0:{rc};{call}:1:0:abc" call-id="{call}" rc-code="{rc}"'
            f' op-status="0" interval="{interval}" op-digest="{EMPTY_DIGEST}"/>')


def _lrm(rsc_id: str, ops: str) -> str:
    return (f'<lrm_resource id="{rsc_id}" class="ocf" provider="pacemaker" type="Dummy">'
            f"{ops}</lrm_resource>")


MONITOR = '<op id="{0}-mon" name="monitor" interval="10s"/>'
STOPPED = '<meta_attributes id="m"><nvpair id="m1" name="target-role" value="Stopped"/>' \
    "</meta_attributes>"


def _cib(stonith: bool) -> str:
    status = (
        '<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
        ' expected="member"><lrm id="n1"><lrm_resources>'
        + _lrm("B", _op("B", "start", 0) + _op("B", "monitor", 1, 10000, 2))
        + _lrm("C", _op("C", "start", 0))
        + "</lrm_resources></lrm></node_state>"
        '<node_state id="n2" uname="n2" in_ccm="true" crmd="online" join="member"'
        ' expected="member"/>'
    )
    text = cib_text(
        dummy("A", MONITOR.format("A")) + dummy("B", MONITOR.format("B"))
        + dummy("C", MONITOR.format("C"), meta=STOPPED),
        status=status,
    )
    if stonith:
        text = text.replace('name="stonith-enabled" value="false"',
                            'name="stonith-enabled" value="true"')
    return text


def _graph(text: str) -> set[str]:
    return {f"{a.key}@{a.node.uname if a.node else ''}" for a in run(text).actions
            if in_graph(a)}


def test_without_fencing_devices_nothing_starts_stops_or_recovers() -> None:
    keys = _graph(_cib(stonith=True))
    assert not any("_start_" in k or "_stop_" in k for k in keys)
    # probes, and the monitors of what stays active, still run
    assert {"A_monitor_0@n1", "A_monitor_0@n2", "B_monitor_10000@n1",
            "C_monitor_10000@n1"} <= keys


def test_with_fencing_disabled_the_cluster_acts() -> None:
    keys = _graph(_cib(stonith=False))
    assert {"C_stop_0@n1", "B_stop_0@n1"} <= keys
    assert any(k.startswith("A_start_0") for k in keys)


def test_node_never_seen_is_offline_not_standby() -> None:
    text = cib_text(dummy("A"), nodes=("n1", "n2"))
    text = text.replace('<node id="n2" uname="n2"/>',
                        '<node id="n2" uname="n2"><instance_attributes id="n2-a">'
                        '<nvpair id="n2-s" name="standby" value="on"/>'
                        "</instance_attributes></node>")
    text = text.replace('<node_state id="n2" uname="n2" in_ccm="true" crmd="online"'
                        ' join="member" expected="member"/>', "")
    node = run(text).working_set.nodes_by_name["n2"]
    assert not node.online and not node.standby


def test_a_watchdog_can_fence_without_devices() -> None:
    text = _cib(stonith=True).replace(
        'name="stonith-enabled" value="true"/>',
        'name="stonith-enabled" value="true"/>'
        '<nvpair id="o-wd" name="have-watchdog" value="true"/>')
    keys = _graph(text)
    assert {"C_stop_0@n1", "B_stop_0@n1"} <= keys
