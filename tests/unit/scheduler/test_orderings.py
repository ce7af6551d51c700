"""Ordering constraints and how they make actions required or unrunnable."""

from __future__ import annotations

from datetime import UTC, datetime

from hapy.cib.parse import cib_from_tree
from hapy.cib.xmlio import parse_xml_text
from hapy.reports import ReportList
from hapy.scheduler.actions.model import Action
from hapy.scheduler.graph import in_graph
from hapy.scheduler.run import Transition, schedule
from hapy.scheduler.summary import transition_summary

NOW = datetime(2026, 1, 1, tzinfo=UTC)
#: the op-digest Pacemaker records for an operation of an agent without parameters
EMPTY_PARAMS_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _lrm(rsc_id: str, op: str = "start", rc: int = 0) -> str:
    return (
        f'<lrm_resource id="{rsc_id}" class="ocf" provider="heartbeat" type="Dummy">'
        f'<lrm_rsc_op id="{rsc_id}_last_0" operation_key="{rsc_id}_{op}_0" operation="{op}"'
        ' crm-debug-origin="x" crm_feature_set="3.0.1" transition-key="1:1:0:abc"'
        f' transition-magic="0:{rc};1:1:0:abc" call-id="1" rc-code="{rc}" op-status="0"'
        f' interval="0" op-digest="{EMPTY_PARAMS_DIGEST}"/></lrm_resource>'
    )


def cib(resources: str, constraints: str = "", running: dict[str, list[str]] | None = None,
        nodes: tuple[str, ...] = ("node1", "node2")) -> str:
    """A CIB with the given nodes online and resources active where listed."""
    running = running or {}
    states = []
    for n in nodes:
        lrms = "".join(_lrm(r) for r in running.get(n, []))
        states.append(
            f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member"'
            f' expected="member"><lrm id="{n}"><lrm_resources>{lrms}</lrm_resources></lrm>'
            "</node_state>"
        )
    node_xml = "".join(f'<node id="{n}" uname="{n}"/>' for n in nodes)
    return (
        '<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"'
        ' have-quorum="1"><configuration><crm_config><cluster_property_set id="cps">'
        '<nvpair id="cps1" name="stonith-enabled" value="false"/>'
        '<nvpair id="cps2" name="enable-startup-probes" value="false"/>'
        f"</cluster_property_set></crm_config><nodes>{node_xml}</nodes>"
        f"<resources>{resources}</resources><constraints>{constraints}</constraints>"
        f'</configuration><status>{"".join(states)}</status></cib>'
    )


def dummy(rsc_id: str, meta: str = "") -> str:
    meta_xml = f'<meta_attributes id="{rsc_id}-m">{meta}</meta_attributes>' if meta else ""
    return f'<primitive id="{rsc_id}" class="ocf" provider="heartbeat" type="Dummy">' \
        f"{meta_xml}</primitive>"


def run(text: str) -> Transition:
    return schedule(cib_from_tree(parse_xml_text(text), ReportList()), NOW, with_scores=False)


def action(t: Transition, key: str, node: str | None = None) -> Action:
    for a in t.actions:
        if a.key == key and (node is None or (a.node is not None and a.node.uname == node)):
            return a
    raise AssertionError(f"no action {key} on {node}")


def planned(t: Transition) -> set[str]:
    return {a.describe() for a in t.actions if in_graph(a)}


def test_active_dependent_stops_when_its_mandatory_first_cannot_start() -> None:
    resources = dummy("A", '<nvpair id="A-r" name="target-role" value="Stopped"/>') + dummy("B")
    order = '<rsc_order id="o" first="A" then="B" kind="Mandatory"/>'
    t = run(cib(resources, order, running={"node1": ["B"]}))
    stop = action(t, "B_stop_0", "node1")
    assert in_graph(stop)
    assert stop.reason == "unrunnable A start"
    assert "B_start_0 on node1" not in planned(t)


def test_optional_order_does_not_stop_the_dependent() -> None:
    resources = dummy("A", '<nvpair id="A-r" name="target-role" value="Stopped"/>') + dummy("B")
    order = '<rsc_order id="o" first="A" then="B" kind="Optional"/>'
    t = run(cib(resources, order, running={"node1": ["B"]}))
    assert not in_graph(action(t, "B_stop_0", "node1"))


def test_clone_that_cannot_run_anywhere_blocks_its_dependents() -> None:
    clone = '<clone id="C"><meta_attributes id="C-m">' \
        '<nvpair id="C-r" name="target-role" value="Stopped"/></meta_attributes>' \
        f'{dummy("P")}</clone>'
    order = '<rsc_order id="o" first="C" then="B"/>'
    t = run(cib(clone + dummy("B"), order, running={"node1": ["B"]}))
    assert not action(t, "C_running_0").runnable
    stop = action(t, "B_stop_0", "node1")
    assert in_graph(stop)
    assert stop.reason == "unrunnable C running"
    # nothing of the clone is to start, so its start pseudo-action is not planned
    assert not in_graph(action(t, "C_start_0"))


def test_unordered_group_members_stop_independently() -> None:
    group = '<group id="G"><meta_attributes id="G-m">' \
        '<nvpair id="G-o" name="ordered" value="false"/>' \
        '<nvpair id="G-r" name="target-role" value="Stopped"/></meta_attributes>' \
        f'{dummy("M1")}{dummy("M2")}</group>'
    t = run(cib(group, running={"node1": ["M1", "M2"]}))
    stop1 = action(t, "M1_stop_0", "node1")
    assert in_graph(stop1)
    assert all(o.first.key != "M2_stop_0" for o in stop1.inputs)


def test_asymmetrical_order_only_blocks_the_start() -> None:
    resources = dummy("A", '<nvpair id="A-r" name="target-role" value="Stopped"/>') + dummy("B")
    order = '<rsc_order id="o" first="A" then="B" symmetrical="false"/>'
    t = run(cib(resources, order, running={"node1": ["B"]}))
    assert not in_graph(action(t, "B_stop_0", "node1"))


def _clone(cid: str, prim: str, meta: str = "") -> str:
    meta_xml = f'<meta_attributes id="{cid}-m">{meta}</meta_attributes>' if meta else ""
    return f'<clone id="{cid}">{meta_xml}{dummy(prim)}</clone>'


def test_non_interleaved_clone_restarts_after_the_clone_it_follows() -> None:
    ban = '<rsc_location id="l" rsc="B" node="node3" score="-INFINITY"/>'
    order = '<rsc_order id="o" first="A" then="B"/>'
    t = run(cib(_clone("A", "a") + _clone("B", "b"), order + ban, nodes=("node1", "node2", "node3"),
                running={"node1": ["a:0", "b:0"], "node2": ["a:1", "b:1"]}))
    assert "a:2_start_0 on node3" in planned(t)
    assert {"b:0_stop_0 on node1", "b:0_start_0 on node1"} <= planned(t)
    # the restart is implied, not an extra graph edge
    start = action(t, "b:0_start_0", "node1")
    assert all(o.first.key != "A_running_0" for o in start.inputs)
    assert start.reason == "required A running"


def test_interleaved_instances_wait_for_their_own_node_only() -> None:
    ban = '<rsc_location id="l" rsc="A" node="node2" score="-INFINITY"/>'
    order = '<rsc_order id="o" first="A" then="B"/>'
    interleave = '<nvpair id="B-i" name="interleave" value="true"/>'
    t = run(cib(_clone("A", "a") + _clone("B", "b", interleave), order + ban))
    starts = {a.node.uname: a for a in t.actions
              if a.key.startswith("b:") and a.task == "start" and a.node is not None}
    assert starts["node1"].runnable
    assert {o.first.key for o in starts["node1"].inputs} >= {"a:0_start_0"}
    # nothing of A can run on node2, so neither can B's instance there
    assert not starts["node2"].runnable
    assert not in_graph(starts["node2"])


def test_clone_min_needs_that_many_instances_before_the_dependent() -> None:
    clone_min = '<nvpair id="A-cm" name="clone-min" value="2"/>'
    order = '<rsc_order id="o" first="A" then="B"/>'
    ban = '<rsc_location id="l" rsc="A" node="node2" score="-INFINITY"/>'
    t = run(cib(_clone("A", "a", clone_min) + dummy("B"), order + ban))
    assert not action(t, "clone-one-or-more:o").runnable
    assert not action(t, "B_start_0").runnable
    t = run(cib(_clone("A", "a", clone_min) + dummy("B"), order))
    pseudo = action(t, "clone-one-or-more:o")
    assert pseudo.runnable and in_graph(pseudo)
    assert in_graph(action(t, "B_start_0"))


def test_require_all_false_gates_without_restarting_the_dependent() -> None:
    ban = '<rsc_location id="l" rsc="B" node="node3" score="-INFINITY"/>'
    order = '<rsc_order id="o" first="A" then="B" require-all="false"/>'
    t = run(cib(_clone("A", "a") + _clone("B", "b"), order + ban, nodes=("node1", "node2", "node3"),
                running={"node1": ["a:0", "b:0"], "node2": ["a:1", "b:1"]}))
    assert in_graph(action(t, "clone-one-or-more:o"))
    assert not in_graph(action(t, "b:0_stop_0", "node1"))
    assert not in_graph(action(t, "B_start_0"))


def test_interleaved_instance_without_partner_strands_its_own_dependents() -> None:
    interleave = '<nvpair id="{}-i" name="interleave" value="true"/>'
    clones = (_clone("A", "a") + _clone("B", "b", interleave.format("B"))
              + _clone("C", "c", interleave.format("C")))
    ban = '<rsc_location id="l" rsc="A" node="node2" score="-INFINITY"/>'
    orders = '<rsc_order id="o1" first="B" then="C"/><rsc_order id="o2" first="A" then="B"/>'
    t = run(cib(clones, orders + ban))
    for prefix in ("b:", "c:"):
        on_node2 = [a for a in t.actions if a.key.startswith(prefix) and a.task == "start"
                    and a.node is not None and a.node.uname == "node2"]
        # it cannot start there (nor is its start needed), so it is not
        # even shown as a blocked start
        assert on_node2 and all(not a.runnable and a.optional for a in on_node2)
    lines = transition_summary(t.working_set)
    assert not any("node2" in line for line in lines)


def test_ordered_clone_starts_instances_one_after_another() -> None:
    ordered = '<nvpair id="A-o" name="ordered" value="true"/>'
    t = run(cib(_clone("A", "a", ordered), nodes=("node1", "node2", "node3")))
    second = action(t, "a:1_start_0")
    assert "a:0_start_0" in {o.first.key for o in second.inputs}
    t = run(cib(_clone("A", "a"), nodes=("node1", "node2", "node3")))
    assert "a:0_start_0" not in {o.first.key for o in action(t, "a:1_start_0").inputs}


def test_dependent_of_one_or_more_does_not_stop_with_its_first() -> None:
    clone_min = '<nvpair id="A-cm" name="clone-min" value="1"/>'
    ban = '<rsc_location id="l" rsc="A" node="node2" score="-INFINITY"/>' \
        '<rsc_location id="lb" rsc="B" node="node1" score="100"/>'
    order = '<rsc_order id="o" first="A" then="B"/>'
    t = run(cib(_clone("A", "a", clone_min) + dummy("B"), order + ban,
                running={"node1": ["a:0", "B"], "node2": ["a:1"]}))
    assert in_graph(action(t, "a:1_stop_0", "node2"))
    assert not in_graph(action(t, "B_stop_0", "node1"))


def test_inactive_clone_has_nothing_to_stop_for_what_it_follows() -> None:
    # A moves away from a banned node; B, ordered after A but active
    # nowhere, plans no stop pseudo-actions
    ban = '<rsc_location id="l" rsc="A" node="node1" score="-INFINITY"/>'
    order = '<rsc_order id="o" first="A" then="B"/>'
    t = run(cib(dummy("A") + _clone("B", "b"), order + ban, running={"node1": ["A"]}))
    assert in_graph(action(t, "A_stop_0", "node1"))
    assert not in_graph(action(t, "B_stopped_0"))
    assert not in_graph(action(t, "B_stop_0"))


def test_a_dependent_stopping_does_not_require_the_clone_completion_it_waits_for() -> None:
    # "start P then promote C": P's stop waits for C's demotions, but nothing
    # is demoted, so C's "demoted" pseudo-action is not part of the plan
    clone = ('<clone id="C"><meta_attributes id="C-m"><nvpair id="C-p" name="promotable"'
             ' value="true"/></meta_attributes>' + dummy("S") + "</clone>")
    order = ('<rsc_order id="o" first="P" first-action="start" then="C"'
             ' then-action="promote"/>'
             '<rsc_location id="l" rsc="P" node="node1" score="-INFINITY"/>'
             '<rsc_location id="l2" rsc="P" node="node2" score="-INFINITY"/>')
    t = run(cib(clone + dummy("P"), order, running={"node1": ["P"]}))
    assert "P_stop_0 on node1" in planned(t)
    assert not any(k.startswith("C_demoted") for k in planned(t))


def test_a_clone_starting_an_instance_elsewhere_does_not_restart_its_dependent() -> None:
    clone = '<clone id="C">' + dummy("D") + "</clone>"
    order = '<rsc_order id="o" first="C" then="P"/>'
    t = run(cib(clone + dummy("P"), order, running={"node1": ["D", "P"]}))
    assert any(a.task == "start" and a.node is not None and a.node.uname == "node2"
               and in_graph(a) for a in t.actions if a.rsc is not None and a.rsc.id == "D")
    assert not in_graph(action(t, "P_start_0", "node1"))
    assert not in_graph(action(t, "P_stop_0", "node1"))


def test_dependent_staying_put_restarts_for_an_active_first_that_cannot_start() -> None:
    # A is active and disabled: B, which stays where it is but must start
    # after A, is stopped because A's start (required to restart B) cannot run
    resources = dummy("A", '<nvpair id="A-r" name="target-role" value="Stopped"/>') + dummy("B")
    order = '<rsc_order id="o" first="A" then="B" kind="Mandatory"/>'
    t = run(cib(resources, order, running={"node1": ["A", "B"]}))
    stop = action(t, "B_stop_0", "node1")
    assert in_graph(stop)
    assert stop.reason == "required A start"


def test_a_clone_starting_an_instance_on_its_node_restarts_its_dependent() -> None:
    # (the one-instance clone starts on node2, where P runs: P restarts after
    # it; on another node it would not)
    clone = ('<clone id="C">' + dummy("D")
             + '<meta_attributes id="C-m"><nvpair id="C-m1" name="clone-max" value="1"/>'
             + "</meta_attributes></clone>")
    order = '<rsc_order id="o" first="C" then="P"/>'
    sticky = dummy("P", '<nvpair id="P-s" name="resource-stickiness" value="100"/>')
    location = '<rsc_location id="l" rsc="C" node="node2" score="50"/>'
    for where, restarts in (("node2", True), ("node1", False)):
        t = run(cib(clone + sticky, order + location, running={where: ["P"]}))
        assert in_graph(action(t, "P_start_0", where)) is restarts
        assert in_graph(action(t, "P_stop_0", where)) is restarts


def test_a_restart_says_which_other_resource_requires_it() -> None:
    # A's definition changed: group G restarts; P, ordered after G, restarts
    # too. Its stop (required by G's stop) requires its start, but the reason
    # shown is what another resource requires: G running.
    from hapy.scheduler.summary import transition_summary

    changed = ('<primitive id="A" class="ocf" provider="heartbeat" type="Dummy">'
               '<instance_attributes id="A-i"><nvpair id="A-i1" name="fake" value="x"/>'
               "</instance_attributes></primitive>")
    sticky = '<nvpair id="{0}-s" name="resource-stickiness" value="100"/>'
    group = ('<group id="G">' + changed + dummy("B") + "</group>")
    text = cib(group + dummy("P", sticky.format("P")), '<rsc_order id="o" first="G" then="P"/>',
               running={"node1": ["A", "B"], "node2": ["P"]})
    lines = [" ".join(line.split()) for line in transition_summary(run(text).working_set)]
    assert "* Restart P ( node2 ) due to required G running" in lines


def test_group_left_running_in_part_restarts_unless_a_member_is_unmanaged() -> None:
    def group(member2_meta: str) -> str:
        return ('<group id="G">' + dummy("M1") + dummy("M2", member2_meta) + dummy("M3")
                + "</group>")

    disabled = '<nvpair id="M2-r" name="target-role" value="Stopped"/>'
    t = run(cib(group(disabled), running={"node1": ["M1", "M2", "M3"]}))
    # M1 stays: the group stops and starts again around it
    assert in_graph(action(t, "G_start_0"))
    unmanaged = '<nvpair id="M2-u" name="is-managed" value="false"/>'
    t = run(cib(group(unmanaged), running={"node1": ["M1", "M3"]}))
    # M2 stays stopped, unmanaged: M3 stops, the group does not start again
    assert in_graph(action(t, "M3_stop_0", "node1"))
    assert not in_graph(action(t, "G_start_0"))


def test_serialized_set_orders_each_member_before_every_later_one() -> None:
    resources = dummy("A") + dummy("B") + dummy("C")
    cons = ('<rsc_order id="s" kind="Serialize"><resource_set id="s-set">'
            '<resource_ref id="A"/><resource_ref id="B"/><resource_ref id="C"/>'
            "</resource_set></rsc_order>")
    t = run(cib(resources, cons))
    firsts = {o.first.key for o in action(t, "C_start_0").inputs}
    assert {"A_start_0", "B_start_0"} <= firsts


def test_interleaved_group_instance_stops_before_the_instance_it_follows() -> None:
    resources = ('<clone id="ca"><primitive id="a" class="ocf" provider="heartbeat"'
                 ' type="Dummy"/></clone><clone id="cg"><meta_attributes id="cg-m">'
                 '<nvpair id="cg-i" name="interleave" value="true"/></meta_attributes>'
                 '<group id="g"><primitive id="b" class="ocf" provider="heartbeat"'
                 ' type="Dummy"/></group></clone>')
    cons = ('<rsc_order id="o" first="ca" then="cg"/>'
            '<rsc_location id="l" rsc="ca" node="node2" score="-INFINITY"/>')
    t = run(cib(resources, cons, running={"node1": ["a", "b"], "node2": ["a", "b"]}))
    a_stop = next(a for a in t.actions if a.task == "stop" and a.rsc is not None
                  and a.rsc.id == "a" and a.node is not None and a.node.uname == "node2")
    assert any(o.first.task == "stopped" and o.first.rsc is not None
               and o.first.rsc.variant == "group" for o in a_stop.inputs)


def test_ordered_clone_stops_in_reverse_placement_order_skipping_staying_instances() -> None:
    ordered = '<nvpair id="A-o" name="ordered" value="true"/>'
    nodes = ("node1", "node2", "node3", "node4")
    bans = ('<rsc_location id="l1" rsc="A" node="node1" score="-INFINITY"/>'
            '<rsc_location id="l3" rsc="A" node="node3" score="-INFINITY"/>')
    t = run(cib(_clone("A", "a", ordered), bans, running={n: ["a"] for n in nodes},
                nodes=nodes))
    stops = [a for a in t.actions if a.task == "stop" and a.rsc is not None
             and a.rsc.id == "a" and a.required]
    assert sorted(a.node.uname for a in stops if a.node is not None) == ["node1", "node3"]
    first, second = stops
    # the instances that stay are placed first: the two that stop are next to
    # each other in the placement order, and stop one after the other
    assert first in {o.first for o in second.inputs} or second in {o.first for o in first.inputs}
