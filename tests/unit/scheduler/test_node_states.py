"""Node states read from node_state, and fencing decisions that follow from them."""

from __future__ import annotations

import pytest
from scheduler_cib import NOW, cib_text, dummy, run

from hapy.scheduler.run import Transition

STONITH = '<primitive id="st" class="stonith" type="fence_dummy"/>'
FENCING_ON = "fencing"


def _cib(resources: str, *, status: str = "", constraints: str = "", options: str = FENCING_ON,
         quorum: bool = True) -> str:
    fencing = options.startswith(FENCING_ON)
    text = cib_text(resources, status=status, constraints=constraints,
                    options=options.removeprefix(FENCING_ON))
    if fencing:
        text = text.replace('name="stonith-enabled" value="false"',
                            'name="stonith-enabled" value="true"')
    if not quorum:
        text = text.replace('have-quorum="1"', 'have-quorum="0"')
    return text


def _history(rid: str, task: str = "start", rc: int = 0, on_fail_rc: int | None = None) -> str:
    ops = (f'<lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_{task}_0" operation="{task}" '
           f'interval="0" op-status="0" rc-code="{rc}" call-id="1" '
           f'transition-key="1:1:0:x" transition-magic="0:{rc};1:1:0:x"/>')
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
            f"{ops}</lrm_resource>")


def _states(n1_attrs: str, n1_history: str = "", transient: str = "") -> str:
    return (
        f'<node_state id="n1" uname="n1" {n1_attrs}>{transient}'
        f'<lrm id="n1"><lrm_resources>{n1_history}</lrm_resources></lrm></node_state>'
        '<node_state id="n2" uname="n2" in_ccm="true" crmd="online" join="member" '
        'expected="member"/>'
    )


def _run(n1_attrs: str, history: str = "", *, options: str = FENCING_ON,
         resources: str = STONITH + dummy("r"), transient: str = "") -> Transition:
    return run(_cib(resources, status=_states(n1_attrs, history, transient), options=options))


def _fence_keys(t: Transition) -> set[str]:
    return {a.key for a in t.actions if a.task == "stonith"}


@pytest.mark.parametrize(
    ("attrs", "online", "unclean", "pending", "reason"),
    [
        ('in_ccm="true" crmd="offline" join="member" expected="member"',
         True, True, False, "peer process is no longer available"),
        ('in_ccm="true" crmd="online" join="banned" expected="member"',
         True, True, False, "peer failed Pacemaker membership criteria"),
        ('in_ccm="true" crmd="online" join="member" expected="down"',
         False, False, True, ""),
        ('in_ccm="false" crmd="online" join="member" expected="down"',
         False, False, True, ""),
        ('in_ccm="false" crmd="offline" join="down" expected="member"',
         False, True, False, "peer is no longer part of the cluster"),
        ('crmd="offline" join="down" expected="down"',
         False, True, False, "peer has not been seen by the cluster"),
        ('in_ccm="false" crmd="offline" join="down" expected="down"',
         False, False, False, ""),
    ],
)
def test_member_states_with_fencing(attrs: str, online: bool, unclean: bool, pending: bool,
                                    reason: str) -> None:
    node = _run(attrs).working_set.nodes_by_name["n1"]
    assert (node.online, node.unclean, node.pending) == (online, unclean, pending)
    assert node.fence_reason == reason


def test_a_node_asking_to_leave_is_up_while_its_controller_runs() -> None:
    shutdown = ('<transient_attributes id="n1"><instance_attributes id="t1">'
                '<nvpair id="t1s" name="shutdown" value="1234"/>'
                "</instance_attributes></transient_attributes>")
    up = _run('in_ccm="false" crmd="online" join="down" expected="down"', transient=shutdown)
    node = up.working_set.nodes_by_name["n1"]
    assert (node.online, node.shutdown, node.unclean) == (True, True, False)
    gone = _run('in_ccm="false" crmd="offline" join="down" expected="member"',
                transient=shutdown)
    assert not gone.working_set.nodes_by_name["n1"].unclean


def test_down_node_that_seems_to_run_a_resource_is_fenced_and_its_failures_are_moot() -> None:
    history = _history("r", "stop", rc=1)
    t = _run('in_ccm="false" crmd="offline" join="down" expected="down"', history)
    node = t.working_set.nodes_by_name["n1"]
    assert node.unclean and node.fence_reason == "r is thought to be active there"
    rsc = t.working_set.resources_by_id["r"]
    assert not rsc.failed and rsc.managed
    assert _fence_keys(t) == {"stonith-n1-reboot"}


def test_without_fencing_a_down_node_runs_nothing() -> None:
    t = _run('in_ccm="true" crmd="offline" join="member" expected="member"', _history("r"),
             options="")
    node = t.working_set.nodes_by_name["n1"]
    assert node.unclean and not node.online
    assert t.working_set.resources_by_id["r"].running_on == []


def test_hard_stop_error_blocks_when_the_node_cannot_be_fenced() -> None:
    no_device = _run('in_ccm="true" crmd="online" join="member" expected="member"',
                     _history("r", "stop", rc=5), resources=dummy("r"))
    rsc = no_device.working_set.resources_by_id["r"]
    assert rsc.block and not rsc.managed and rsc.failed
    with_device = _run('in_ccm="true" crmd="online" join="member" expected="member"',
                       _history("r", "stop", rc=5))
    assert not with_device.working_set.resources_by_id["r"].block
    assert _fence_keys(with_device) == {"stonith-n1-reboot"}


def test_without_quorum_only_visible_nodes_are_fenced() -> None:
    t = run(_cib(STONITH + dummy("r"), quorum=False,
                 status=_states('in_ccm="false" crmd="offline" join="member" '
                                'expected="member"', _history("r"))))
    assert t.working_set.nodes_by_name["n1"].unclean
    assert _fence_keys(t) == set()
    stop = next(a for a in t.actions if a.key == "r_stop_0")
    assert not stop.runnable


def test_suicide_fences_every_node_once_quorum_is_lost() -> None:
    options = FENCING_ON + '<nvpair id="o3" name="no-quorum-policy" value="suicide"/>'
    text = _cib(STONITH, options=options, quorum=False)
    assert _fence_keys(run(text)) == set()
    panic = text.replace('have-quorum="0"', 'have-quorum="0" no-quorum-panic="1"')
    assert _fence_keys(run(panic)) == {"stonith-n1-reboot", "stonith-n2-reboot"}


def test_quorum_freeze_keeps_active_resources_but_starts_nothing_new() -> None:
    options = '<nvpair id="o3" name="no-quorum-policy" value="freeze"/>'
    loc = '<rsc_location id="l" rsc="a" node="n2" score="100"/>'
    states = _states('in_ccm="true" crmd="online" join="member" expected="member"',
                     _history("a"))
    t = run(_cib(dummy("a") + dummy("b"), constraints=loc, status=states, options=options,
                 quorum=False))
    starts = {a.key: a for a in t.actions if a.task == "start"}
    assert starts["a_start_0"].runnable
    assert not starts["b_start_0"].runnable and starts["b_start_0"].reason == "quorum freeze"


def test_fencing_devices_need_quorum_to_start() -> None:
    start = next(a for a in run(_cib(STONITH, quorum=False)).actions if a.key == "st_start_0")
    assert not start.runnable


def test_ignored_failure_keeps_the_role_and_does_not_count() -> None:
    ops = '<op id="m" name="monitor" interval="10s" on-fail="ignore"/>'
    meta = ('<meta_attributes id="m1"><nvpair id="m1t" name="migration-threshold" value="1"/>'
            "</meta_attributes>")
    fail = ('<lrm_rsc_op id="r_last_failure_0" operation_key="r_monitor_10000" '
            'operation="monitor" interval="10000" op-status="0" rc-code="7" call-id="2" '
            'transition-key="2:1:0:x" transition-magic="0:7;2:1:0:x"/>')
    history = _history("r").replace("</lrm_resource>", fail + "</lrm_resource>")
    transient = ('<transient_attributes id="n1"><instance_attributes id="t1">'
                 '<nvpair id="t1f" name="fail-count-r" value="3"/>'
                 "</instance_attributes></transient_attributes>")
    t = _run('in_ccm="true" crmd="online" join="member" expected="member"', history,
             options="", resources=dummy("r", ops=ops, meta=meta), transient=transient)
    rsc = t.working_set.resources_by_id["r"]
    assert rsc.failure_ignored and not rsc.failed
    assert rsc.assigned_node is not None and rsc.assigned_node.uname == "n1"


def _health_run(strategy: str, colour: str, meta: str = "") -> Transition:
    options = (f'<nvpair id="o3" name="node-health-strategy" value="{strategy}"/>'
               '<nvpair id="o4" name="node-health-yellow" value="-100"/>'
               '<nvpair id="o5" name="node-health-base" value="10"/>')
    transient = ('<transient_attributes id="n1"><instance_attributes id="t1">'
                 f'<nvpair id="t1h" name="#health-ipmi" value="{colour}"/>'
                 "</instance_attributes></transient_attributes>")
    return _run('in_ccm="true" crmd="online" join="member" expected="member"',
                options=options, resources=dummy("r", meta=meta), transient=transient)


@pytest.mark.parametrize(
    ("strategy", "colour", "score", "shown"),
    [
        ("none", "red", 0, "green"),
        ("migrate-on-red", "yellow", 0, "yellow"),
        ("migrate-on-red", "red", -1_000_000, "red"),
        ("only-green", "yellow", -1_000_000, "yellow"),
        ("progressive", "yellow", -90, "yellow"),
        ("custom", "yellow", -100, "yellow"),
        ("only-green", "-INFINITY", -1_000_000, "red"),
    ],
)
def test_node_health_strategies(strategy: str, colour: str, score: int, shown: str) -> None:
    t = _health_run(strategy, colour)
    assert t.working_set.resources_by_id["r"].allowed["n1"] == score
    assert t.working_set.nodes_by_name["n1"].health == shown


def test_resources_may_allow_unhealthy_nodes() -> None:
    meta = ('<meta_attributes id="m1"><nvpair id="m1u" name="allow-unhealthy-nodes" '
            'value="true"/></meta_attributes>')
    t = _health_run("migrate-on-red", "red", meta)
    assert t.working_set.resources_by_id["r"].allowed["n1"] == 0


def test_resources_on_a_node_in_maintenance_are_left_alone() -> None:
    maint = ('<transient_attributes id="n1"><instance_attributes id="t1">'
             '<nvpair id="t1m" name="maintenance" value="true"/>'
             "</instance_attributes></transient_attributes>")
    loc = '<rsc_location id="l" rsc="r" node="n1" score="-10"/>'
    states = _states('in_ccm="true" crmd="online" join="member" expected="member"',
                     _history("r"), transient=maint)
    t = run(_cib(STONITH + dummy("r"), status=states, constraints=loc))
    rsc = t.working_set.resources_by_id["r"]
    assert not rsc.managed
    assert rsc.assigned_node is not None and rsc.assigned_node.uname == "n1"
    down = _run('in_ccm="false" crmd="offline" join="down" expected="down"', _history("r"),
                transient=maint)
    assert not down.working_set.nodes_by_name["n1"].unclean
    assert _fence_keys(down) == set()


def test_shutdown_lock_keeps_a_resource_on_the_node_that_left() -> None:
    options = FENCING_ON + '<nvpair id="o3" name="shutdown-lock" value="true"/>'
    leaving = ('<transient_attributes id="n1"><instance_attributes id="t1">'
               '<nvpair id="t1s" name="shutdown" value="1700000000"/>'
               "</instance_attributes></transient_attributes>")
    states = _states('in_ccm="true" crmd="online" join="member" expected="member"',
                     _history("r"), transient=leaving)
    t = run(_cib(STONITH + dummy("r"), status=states, options=options))
    rsc = t.working_set.resources_by_id["r"]
    assert rsc.lock_node is not None and rsc.assigned_node is None
    stop = next(a for a in t.actions if a.key == "r_stop_0")
    assert stop.required and stop.shutdown_lock == 1700000000
    # once down, the history records the lock; with a limit it expires
    stopped = _history("r", "stop").replace('type="Dummy">', 'type="Dummy" '
                                            'shutdown-lock="1700000000">', 1)
    down = _states('in_ccm="false" crmd="offline" join="down" expected="down"', stopped)
    locked = run(_cib(STONITH + dummy("r"), status=down, options=options))
    assert locked.working_set.resources_by_id["r"].assigned_node is None
    limit = options + '<nvpair id="o4" name="shutdown-lock-limit" value="5m"/>'
    expired = run(_cib(STONITH + dummy("r"), status=down, options=limit))
    node = expired.working_set.resources_by_id["r"].assigned_node
    assert node is not None and node.uname == "n2"
    # the expired lock's record is deleted in the CIB (the node is down)
    delete = next(s.action for s in expired.graph.synapses
                  if s.action.operation_key == "r_lrm_delete_0")
    assert delete.on_node == "n1" and delete.mode == "cib"


def test_scheduler_runs_again_when_a_shutdown_lock_expires() -> None:
    options = (FENCING_ON + '<nvpair id="o3" name="shutdown-lock" value="true"/>'
               '<nvpair id="o4" name="shutdown-lock-limit" value="5m"/>')
    recent = str(int(NOW.timestamp()) - 60)
    stopped = _history("r", "stop").replace('type="Dummy">', 'type="Dummy" '
                                            f'shutdown-lock="{recent}">', 1)
    down = _states('in_ccm="false" crmd="offline" join="down" expected="down"', stopped)
    t = run(_cib(STONITH + dummy("r"), status=down, options=options))
    assert t.working_set.resources_by_id["r"].lock_node is not None
    assert dict(t.graph.attributes)["recheck-by"] == str(int(recent) + 300 + 1)


def test_a_stop_whose_agent_is_missing_fails_like_any_stop() -> None:
    history = _history("r", "stop", rc=5).replace('op-status="0"', 'op-status="7"')
    t = _run('in_ccm="true" crmd="online" join="member" expected="member"', history)
    node = t.working_set.nodes_by_name["n1"]
    assert node.unclean and node.fence_reason == "r failed there"
    assert _fence_keys(t) == {"stonith-n1-reboot"}


def test_a_node_asking_for_termination_is_fenced() -> None:
    terminate = ('<transient_attributes id="n1"><instance_attributes id="t1">'
                 '<nvpair id="t1-t" name="terminate" value="1"/>'
                 "</instance_attributes></transient_attributes>")
    result = _run('in_ccm="true" crmd="online" join="member" expected="member"',
                  transient=terminate)
    node = result.working_set.nodes_by_name["n1"]
    assert node.unclean and node.fence_reason == "termination was requested"
    assert _fence_keys(result) == {"stonith-n1-reboot"}
