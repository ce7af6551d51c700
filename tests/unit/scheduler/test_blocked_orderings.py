"""What cannot happen because an ordered action never can: the stop of a
blocked resource, a group member that cannot start."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, run

from hapy.scheduler.graph import in_graph

EMPTY_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _op(rsc_id: str, task: str, rc: int) -> str:
    return (
        f'<lrm_resource id="{rsc_id}" class="ocf" provider="pacemaker" type="Dummy">'
        f'<lrm_rsc_op id="{rsc_id}_last_0" operation_key="{rsc_id}_{task}_0"'
        f' operation="{task}" crm-debug-origin="x" crm_feature_set="3.0.1"'
        f' transition-key="1:1:0:abc" transition-magic="0:{rc};1:1:0:abc" call-id="1"'
        f' rc-code="{rc}" op-status="0" interval="0" op-digest="{EMPTY_DIGEST}"/>'
        "</lrm_resource>"
    )


def _status(lrm: str) -> str:
    return ('<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
            f' expected="member"><lrm id="n1"><lrm_resources>{lrm}</lrm_resources></lrm>'
            "</node_state>")


STOPPED = '<meta_attributes id="m"><nvpair id="m1" name="target-role" value="Stopped"/>' \
    "</meta_attributes>"


def _in_graph(text: str) -> set[str]:
    return {f"{a.key}@{a.node.uname if a.node else ''}" for a in run(text).actions
            if in_graph(a)}


def test_stop_ordered_after_a_blocked_stop_waits() -> None:
    # rsc2 failed to stop and, without fencing, is blocked: rsc1, which must
    # stop after it, cannot stop either
    text = cib_text(
        dummy("rsc1", meta=STOPPED) + dummy("rsc2"),
        constraints='<rsc_order id="o" first="rsc2" first-action="stop" then="rsc1"'
                    ' then-action="stop"/>',
        status=_status(_op("rsc1", "start", 0) + _op("rsc2", "stop", 1)),
        nodes=("n1",),
    )
    assert "rsc1_stop_0@n1" not in _in_graph(text)


def test_stop_ordered_after_an_unmanaged_resource_proceeds() -> None:
    unmanaged = '<meta_attributes id="m2"><nvpair id="m3" name="is-managed" value="false"/>' \
        "</meta_attributes>"
    text = cib_text(
        dummy("rsc1", meta=STOPPED) + dummy("rsc2", meta=unmanaged),
        constraints='<rsc_order id="o" first="rsc2" first-action="stop" then="rsc1"'
                    ' then-action="stop"/>',
        status=_status(_op("rsc1", "start", 0) + _op("rsc2", "start", 0)),
        nodes=("n1",),
    )
    assert "rsc1_stop_0@n1" in _in_graph(text)


def test_group_with_a_member_that_cannot_start_is_not_running() -> None:
    # B is disabled, so group G never runs: P, which needs G running, stops
    group = f'<group id="G">{dummy("A")}{dummy("B", meta=STOPPED)}</group>'
    text = cib_text(
        group + dummy("P"),
        constraints='<rsc_order id="o" first="G" then="P"/>',
        status=_status(_op("A", "start", 0) + _op("P", "start", 0)),
        nodes=("n1",),
    )
    assert "P_stop_0@n1" in _in_graph(text)


def test_resource_colocated_with_one_that_cannot_start_stops() -> None:
    # central needs a disabled clone started first: it cannot start, so
    # engine, which must run with central, stops too
    clone = f'<clone id="K">{dummy("k")}{STOPPED}</clone>'
    text = cib_text(
        clone + dummy("central") + dummy("engine"),
        constraints='<rsc_order id="o" first="K" then="central"/>'
                    '<rsc_colocation id="c" rsc="engine" with-rsc="central" score="INFINITY"/>',
        status=_status(_op("central", "start", 0) + _op("engine", "start", 0)),
        nodes=("n1",),
    )
    tr = run(text)
    stops = {a.rsc.name: a for a in tr.actions if a.task == "stop" and in_graph(a) and a.rsc}
    assert {"central", "engine"} <= set(stops)
    assert stops["engine"].reason == "colocation with central"


def test_group_members_respect_the_group_mandatory_colocation() -> None:
    # the first member is unmanaged and stays; the others may not start
    # where the group's primary cannot be
    unmanaged = '<meta_attributes id="m2"><nvpair id="m3" name="is-managed" value="false"/>' \
        "</meta_attributes>"
    group = f'<group id="G">{dummy("A", meta=unmanaged)}{dummy("B")}</group>'
    text = cib_text(
        group + dummy("P", meta=STOPPED),
        constraints='<rsc_colocation id="c" rsc="G" with-rsc="P" score="INFINITY"/>',
        status=_status(_op("A", "start", 0)),
        nodes=("n1",),
    )
    placed = {r.name: r.assigned_node for r in run(text).working_set.all_primitives()}
    assert placed["A"] is not None and placed["B"] is None


def test_primitive_after_a_clone_ignores_instances_stopping_elsewhere() -> None:
    # the clone's instance on n1 stops (n1 goes standby); rsc2 on n2, ordered
    # after the clone, is not restarted for it
    clone = f'<clone id="C">{dummy("c")}</clone>'
    status = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member"'
        f' expected="member"><lrm id="{n}"><lrm_resources>{lrm}</lrm_resources></lrm>'
        "</node_state>"
        for n, lrm in (("n1", _op("c", "start", 0)),
                       ("n2", _op("c", "start", 0) + _op("rsc2", "start", 0))))
    text = cib_text(
        clone + dummy("rsc2"),
        constraints='<rsc_order id="o" first="C" then="rsc2"/>'
                    '<rsc_location id="l" rsc="rsc2" node="n2" score="100"/>',
        status=status,
    ).replace('<node id="n1" uname="n1"/>',
              '<node id="n1" uname="n1"><instance_attributes id="n1-a">'
              '<nvpair id="n1-s" name="standby" value="on"/></instance_attributes></node>')
    keys = _in_graph(text)
    assert "c_stop_0@n1" in keys or "c:0_stop_0@n1" in keys
    assert "rsc2_stop_0@n2" not in keys


def test_optional_order_restarts_a_restart_type_restart_resource() -> None:
    restart = '<meta_attributes id="m4"><nvpair id="m5" name="restart-type"' \
        ' value="restart"/></meta_attributes>'
    text = cib_text(
        dummy("A") + dummy("B", meta=restart),
        constraints='<rsc_order id="o" first="A" then="B" kind="Optional"/>'
                    '<rsc_location id="l" rsc="A" node="n1" score="-INFINITY"/>',
        status=_status(_op("A", "start", 0) + _op("B", "start", 0)),
        nodes=("n1", "n2"),
    )
    text = text.replace('</status>', '<node_state id="n2" uname="n2" in_ccm="true"'
                        ' crmd="online" join="member" expected="member"/></status>')
    keys = _in_graph(text)
    assert {"A_stop_0@n1", "B_stop_0@n1", "B_start_0@n1"} <= keys


def test_start_waits_for_the_probe_of_a_node_still_joining() -> None:
    status = _status(_op("B", "start", 0)) + (
        '<node_state id="n2" uname="n2" in_ccm="true" crmd="online" join="pending"'
        ' expected="down"/>')
    fencing = '<primitive id="F" class="stonith" type="fence_dummy"/>'
    text = cib_text(fencing + dummy("A") + dummy("B"), status=status, nodes=("n1", "n2"))
    text = text.replace('name="stonith-enabled" value="false"',
                        'name="stonith-enabled" value="true"')
    tr = run(text)
    keys = {f"{a.key}@{a.node.uname if a.node else ''}" for a in tr.actions if in_graph(a)}
    # A cannot start before n2 is probed; B, already active, stays
    assert not any(k.startswith("A_start") for k in keys)
    assert not any(k.startswith("B_stop") for k in keys)


def test_promotion_colocated_with_a_resource_that_cannot_start_is_held() -> None:
    # P must be promoted where R runs; R cannot start (it waits for a
    # disabled S): P's instances start but none is promoted
    stateful = ('<clone id="PC"><meta_attributes id="pcm"><nvpair id="pcm1" name="promotable"'
                ' value="true"/></meta_attributes><primitive id="P" class="ocf"'
                ' provider="pacemaker" type="Stateful"/></clone>')
    text = cib_text(
        stateful + dummy("R") + dummy("S", meta=STOPPED),
        constraints='<rsc_order id="o" first="S" then="R"/>'
                    '<rsc_colocation id="c" rsc="PC" rsc-role="Promoted" with-rsc="R"'
                    ' score="INFINITY"/>',
        nodes=("n1", "n2"),
    )
    tr = run(text)
    promotes = [a for a in tr.actions if a.task == "promote" and a.rsc is not None
                and a.rsc.variant == "primitive"]
    assert promotes and not any(in_graph(a) for a in promotes)
    assert any(a.reason == "colocation with R" for a in promotes)


def test_primitive_after_a_clone_ignores_instances_starting_elsewhere() -> None:
    # a new instance of C starts on n2; rsc2 on n1, ordered after C, stays
    clone = f'<clone id="C">{dummy("c")}</clone>'
    text = cib_text(
        clone + dummy("rsc2"),
        constraints='<rsc_order id="o" first="C" then="rsc2"/>'
                    '<rsc_location id="l" rsc="rsc2" node="n1" score="100"/>',
        status=_status(_op("c", "start", 0) + _op("rsc2", "start", 0)) + (
            '<node_state id="n2" uname="n2" in_ccm="true" crmd="online" join="member"'
            ' expected="member"/>'),
        nodes=("n1", "n2"),
    )
    keys = _in_graph(text)
    assert any(k.startswith(("c_start_0@n2", "c:1_start_0@n2")) for k in keys)
    assert "rsc2_stop_0@n1" not in keys


def test_group_stopped_for_lost_quorum_still_shows_its_start() -> None:
    # without quorum the members cannot start, yet the group's own start
    # (after its stop) remains part of the transition
    group = f'<group id="G">{dummy("A")}{dummy("B")}</group>'
    text = cib_text(group, status=_status(_op("A", "start", 0)), nodes=("n1",))
    text = text.replace('have-quorum="1"', 'have-quorum="0"')
    keys = _in_graph(text)
    assert "A_stop_0@n1" in keys
    assert "G_start_0@" in keys
