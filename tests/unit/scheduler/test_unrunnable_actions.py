"""Actions that cannot run: what still happens around them and how the
transition summary explains them."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, run

from hapy.scheduler.summary import transition_summary

_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _running(rid: str) -> str:
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
            f'<lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_start_0" operation="start"'
            f' call-id="1" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"'
            f' op-digest="{_DIGEST}"/></lrm_resource>')


def _state(node: str, lrm: str = "", up: bool = True) -> str:
    where = 'in_ccm="true" crmd="online"' if up else 'in_ccm="false" crmd="offline"'
    return (f'<node_state id="{node}" uname="{node}" {where} join="member" expected="member">'
            f'<lrm id="{node}"><lrm_resources>{lrm}</lrm_resources></lrm></node_state>')


def test_resource_leaving_its_node_stops_because_its_first_cannot_start() -> None:
    disabled = ('<meta_attributes id="a-m"><nvpair id="a-tr" name="target-role"'
                ' value="Stopped"/></meta_attributes>')
    rscs = dummy("a", meta=disabled) + dummy("b")
    constraints = ('<rsc_order id="o" first="a" then="b" kind="Mandatory" symmetrical="false"/>'
                   '<rsc_location id="ban" rsc="b" node="n1" score="-INFINITY"/>')
    text = cib_text(rscs, constraints=constraints,
                    status=_state("n1", _running("b")) + _state("n2"))
    lines = transition_summary(run(text).working_set)
    assert any("Stop       b" in line and "due to unrunnable a start" in line for line in lines)


def test_group_whose_last_member_stops_for_good_is_not_started_again() -> None:
    group = f'<group id="g">{dummy("a")}{dummy("b")}</group>'
    bans = "".join(f'<rsc_location id="ban-{n}" rsc="b" node="{n}" score="-INFINITY"/>'
                   for n in ("n1", "n2"))
    text = cib_text(group, constraints=bans,
                    status=_state("n1", _running("a") + _running("b")) + _state("n2"))
    keys = {s.action.operation_key for s in run(text).graph.synapses}
    assert "b_stop_0" in keys
    assert "g_start_0" not in keys and "a_stop_0" not in keys


def test_clone_stops_around_an_instance_stuck_on_a_node_that_cannot_be_fenced() -> None:
    # no quorum: the lost node cannot be fenced and its instance's stop is
    # blocked, yet the clone's stop and stopped pseudo-actions happen
    device = ('<primitive id="r" class="stonith" type="fence_dummy"><meta_attributes id="rm">'
              '<nvpair id="rq" name="requires" value="nothing"/></meta_attributes></primitive>')
    clone = ('<clone id="c"><meta_attributes id="cm"><nvpair id="cu" name="globally-unique"'
             f' value="true"/></meta_attributes>{device}</clone>')

    def instance(rid: str) -> str:
        return _running(rid).replace('class="ocf" provider="pacemaker" type="Dummy"',
                                     'class="stonith" type="fence_dummy"')

    text = cib_text(clone, status=_state("n1", instance("r:0")) + _state(
        "n2", instance("r:1"), up=False))
    text = text.replace('have-quorum="1"', 'have-quorum="0"').replace(
        '<nvpair id="o1" name="stonith-enabled" value="false"/>',
        '<nvpair id="o1" name="stonith-enabled" value="true"/>')
    keys = {s.action.operation_key for s in run(text).graph.synapses}
    assert {"c_stop_0", "c_stopped_0"} <= keys
    assert "r:1_stop_0" not in keys


def test_inactive_group_held_back_by_the_lost_quorum_has_no_start() -> None:
    group = f'<group id="g">{dummy("a")}{dummy("b")}</group>'
    text = cib_text(group, status=_state("n1"), nodes=("n1",))
    text = text.replace('have-quorum="1"', 'have-quorum="0"')
    keys = {s.action.operation_key for s in run(text).graph.synapses}
    assert "g_start_0" not in keys


def _clone_of(cid: str, rid: str, meta: str = "") -> str:
    return f'<clone id="{cid}">{meta}{dummy(rid)}</clone>'


def test_resource_after_a_clone_whose_instances_must_restart_stops_as_required() -> None:
    # a (disabled) -> clone b -> p: b's instances must restart but cannot
    # start; p stops because b's start was required (not merely unrunnable,
    # as b's are: a starts nowhere)
    disabled = ('<meta_attributes id="a-m"><nvpair id="a-tr" name="target-role"'
                ' value="Stopped"/></meta_attributes>')
    rscs = _clone_of("a", "ad", disabled) + _clone_of("b", "bd") + dummy("p")
    constraints = ('<rsc_order id="ord1" first="a" then="b"/>'
                   '<rsc_order id="ord2" first="b" then="p"/>'
                   '<rsc_location id="l" rsc="p" node="n1" score="INFINITY"/>')
    status = _state("n1", _running("ad") + _running("bd") + _running("p")) \
        + _state("n2", _running("ad") + _running("bd"))
    lines = transition_summary(run(cib_text(rscs, constraints=constraints,
                                            status=status)).working_set)
    assert any("Stop       p " in line and "due to required b running" in line
               for line in lines)
    assert any("Stop       bd:0" in line and "due to unrunnable a running" in line
               for line in lines)


def test_interleaved_instance_without_a_partner_stops_where_it_stays_placed() -> None:
    # b may not run on n1: c's instance there cannot start (interleaved
    # after b) and stops, for no other reason; c's start still happens
    # (it is needed), so d, after c, restarts
    interleaved = ('<meta_attributes id="{0}-m"><nvpair id="{0}-i" name="interleave"'
                   ' value="true"/></meta_attributes>')
    rscs = "".join(_clone_of(c, f"{c}d", interleaved.format(c)) for c in ("a", "b", "c")) \
        + dummy("d")
    constraints = ('<rsc_order id="ord1" first="a" then="b"/>'
                   '<rsc_order id="ord2" first="b" then="c"/>'
                   '<rsc_order id="ord3" first="c" then="d"/>'
                   '<rsc_location id="l1" rsc="b" node="n1" score="-INFINITY"/>'
                   '<rsc_location id="l2" rsc="d" node="n1" score="100"/>')
    on_both = _running("ad") + _running("bd") + _running("cd")
    transition = run(cib_text(rscs, constraints=constraints,
                              status=_state("n1", on_both + _running("d")) + _state("n2", on_both)))
    lines = transition_summary(transition.working_set)
    stop_c = next(line for line in lines if "Stop       cd:" in line)
    assert "n1" in stop_c and "due to" not in stop_c
    assert any("Restart    d " in line and "due to required c running" in line for line in lines)
    assert "c_start_0" in {s.action.operation_key for s in transition.graph.synapses}


def test_group_after_a_clone_starting_elsewhere_is_not_started_again() -> None:
    # the clone starts an instance on n2 only: the group, active on n1,
    # where the clone's instance stays, is left alone (no group start)
    group = f'<group id="g">{dummy("b")}{dummy("c")}</group>'
    rscs = _clone_of("a", "ad") + group
    constraints = ('<rsc_colocation id="col" rsc="g" with-rsc="a" score="INFINITY"/>'
                   '<rsc_order id="ord1" first="a" then="g"/>'
                   '<rsc_location id="l" rsc="g" node="n1" score="100"/>')
    status = _state("n1", _running("ad") + _running("b") + _running("c")) + _state("n2")
    keys = {s.action.operation_key for s in run(cib_text(rscs, constraints=constraints,
                                                         status=status)).graph.synapses}
    assert "ad:1_start_0" in keys or "ad_start_0" in keys
    assert "g_start_0" not in keys


def _members_stopping(first: str) -> list[str]:
    group = '<group id="g">' + "".join(dummy(f"m{i}") for i in range(4)) + "</group>"
    disabled = ('<meta_attributes id="x-m"><nvpair id="x-tr" name="target-role"'
                ' value="Stopped"/></meta_attributes>')
    rscs = (_clone_of("x", "xd", disabled) if first == "clone" else dummy("x", meta=disabled)) \
        + group
    status = _state("n1", _running("xd" if first == "clone" else "x")
                    + "".join(_running(f"m{i}") for i in range(4))) + _state("n2")
    constraints = '<rsc_order id="ord1" first="x" then="g"/>'
    lines = transition_summary(run(cib_text(rscs, constraints=constraints,
                                            status=status)).working_set)
    return [line.split("due to ")[1] for line in lines if "Stop       m" in line]


def test_ordered_group_members_name_their_predecessor_as_the_reason_they_stop() -> None:
    # the first member says why; the others alternate between their
    # predecessor's stop and start (stop first after a requirement, start
    # first after an unrunnable action)
    assert _members_stopping("primitive") == [
        "required x start", "required m0 stop", "required m1 start", "required m2 stop"]
    assert _members_stopping("clone") == [
        "unrunnable x running", "required m0 start", "required m1 stop", "required m2 start"]
