"""Clone notifications: the pre/post notify pseudo-actions, the instances'
notify operations and their ``CRM_meta_notify_*`` lists."""

from __future__ import annotations

from tests.unit.scheduler.scheduler_cib import cib_text, input_keys, run, synapse

from hapy.graph.model import TransitionGraph

_OK = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _clone(meta: str = "", ops: str = "") -> str:
    return ('<clone id="c"><meta_attributes id="c-m">'
            '<nvpair id="c-n" name="notify" value="true"/>' + meta + '</meta_attributes>'
            '<primitive id="d" class="ocf" provider="pacemaker" type="Dummy">'
            f'<operations>{ops}</operations></primitive></clone>')


def _history(node: str, *ops: tuple[str, int, int]) -> str:
    entries = "".join(
        f'<lrm_rsc_op id="d_{task}_{interval}" operation="{task}" call-id="{i}" rc-code="{rc}"'
        f' op-status="0" interval="{interval}" transition-key="{i}:1:{7 if rc == 7 else 0}:x"'
        f' transition-magic="0:{rc};{i}:1:{7 if rc == 7 else 0}:x" op-digest="{_OK}"/>'
        for i, (task, rc, interval) in enumerate(ops, 1)
    )
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" join="member"'
            f' expected="member"><lrm id="{node}"><lrm_resources><lrm_resource id="d"'
            f' class="ocf" provider="pacemaker" type="Dummy">{entries}</lrm_resource>'
            '</lrm_resources></lrm></node_state>')


def _keys(graph: TransitionGraph) -> set[str]:
    return {s.action.operation_key + (f"@{s.action.on_node}" if s.action.on_node else "")
            for s in graph.synapses}


def test_start_is_framed_by_pre_and_post_notifications() -> None:
    status = (_history("n1", ("monitor", 7, 0), ("start", 0, 0))
              + _history("n2", ("monitor", 7, 0)))
    graph = run(cib_text(_clone(), status=status)).graph
    keys = _keys(graph)
    assert {"c_pre_notify_start_0", "c_confirmed-pre_notify_start_0",
            "c_post_notify_running_0", "c_confirmed-post_notify_running_0"} <= keys
    # only the active instance hears about the start beforehand, both afterwards
    assert "d_pre_notify_start_0@n1" in keys and "d_pre_notify_start_0@n2" not in keys
    assert {"d_post_notify_start_0@n1", "d_post_notify_start_0@n2"} <= keys
    assert input_keys(graph, synapse(graph, "c_start_0")) == {"c_confirmed-pre_notify_start_0"}
    assert input_keys(graph, synapse(graph, "c_post_notify_running_0")) == {
        "c_running_0", "c_confirmed-pre_notify_start_0"}
    post = synapse(graph, "d_post_notify_start_0", "n1")
    assert post.priority == 1_000_000
    attrs = post.action.attributes
    assert attrs["CRM_meta_notify_type"] == "post"
    assert attrs["CRM_meta_notify_key_operation"] == "running"
    assert attrs["CRM_meta_notify_active_resource"] == "d:0"
    assert attrs["CRM_meta_notify_start_resource"] == "d:1"
    assert attrs["CRM_meta_notify_start_uname"] == "n2"
    assert attrs["CRM_meta_notify_stop_resource"] == " "
    assert attrs["CRM_meta_notify_all_uname"] == "n1 n2"
    # the start itself carries the same lists
    start = synapse(graph, "d_start_0", "n2").action.attributes
    assert start["CRM_meta_notify_start_uname"] == "n2"
    assert "CRM_meta_notify_type" not in start


def test_restart_notifies_the_stop_before_the_start() -> None:
    ops = '<op id="d-m" name="monitor" interval="10s"/>'
    status = (_history("n1", ("monitor", 7, 0), ("start", 0, 0), ("monitor", 1, 10000))
              + _history("n2", ("monitor", 7, 0), ("start", 0, 0)))
    graph = run(cib_text(_clone(ops=ops), status=status)).graph
    keys = _keys(graph)
    # the failed instance is told of its own stop, not of the stop afterwards
    assert {"d_pre_notify_stop_0@n1", "d_pre_notify_stop_0@n2"} <= keys
    assert "d_post_notify_stop_0@n2" in keys and "d_post_notify_stop_0@n1" not in keys
    assert "d_pre_notify_start_0@n1" not in keys
    assert input_keys(graph, synapse(graph, "c_pre_notify_start_0")) == {
        "c_confirmed-post_notify_stopped_0"}
    # the restarted instance's monitor waits for the notifications it gets
    monitor = synapse(graph, "d_monitor_10000", "n1")
    assert "c_confirmed-post_notify_running_0" in input_keys(graph, monitor)


def test_others_wait_for_the_confirmed_post_notification() -> None:
    rscs = _clone() + ('<primitive id="p" class="ocf" provider="pacemaker" type="Dummy"/>')
    graph = run(cib_text(rscs, constraints='<rsc_order id="o" first="c" then="p"/>')).graph
    inputs = input_keys(graph, synapse(graph, "p_start_0"))
    assert "c_confirmed-post_notify_running_0" in inputs and "c_running_0" not in inputs


def test_clone_without_notify_has_no_notifications() -> None:
    graph = run(cib_text(_clone().replace('value="true"', 'value="false"'))).graph
    assert not any("notify" in k for k in _keys(graph))


def test_instance_stopped_by_fencing_notifies_the_others_after_the_fencing() -> None:
    status = (_history("n1", ("monitor", 7, 0), ("start", 0, 0))
              + _history("n2", ("monitor", 7, 0), ("start", 0, 0)))
    # n2 left the cluster unexpectedly: it is fenced, which stops its instance
    status = status.replace('<node_state id="n2" uname="n2" in_ccm="true" crmd="online"',
                            '<node_state id="n2" uname="n2" in_ccm="false" crmd="offline"')
    fencer = '<primitive id="st" class="stonith" type="fence_dummy"/>'
    text = cib_text(fencer + _clone(), status=status).replace(
        'name="stonith-enabled" value="false"', 'name="stonith-enabled" value="true"')
    result = run(text)
    graph = result.graph
    post = next(s for s in graph.synapses if s.action.operation == "notify"
                and s.action.internal_operation_key == "d:1_post_notify_stonith_0")
    assert post.action.operation_key == "d_post_notify_stop_0" and post.action.on_node is None
    assert input_keys(graph, post) == {"stonith-n2-reboot@n2"}
    told = synapse(graph, "d_post_notify_stop_0", "n1")
    assert "d_post_notify_stop_0" in input_keys(graph, told)
    assert told.action.attributes["CRM_meta_notify_key_operation"] == "stonith"
    assert "stonith-n2-reboot@n2" in input_keys(graph, synapse(graph, "c_stop_0"))
