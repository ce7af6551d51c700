"""``hapy explain``: the contributions recorded by the scheduler's own run,
for groups, clones and promotable clones, adding up to the printed scores."""

from __future__ import annotations

from tests.unit.explain.explain_cib import (
    all_reports,
    by_source,
    effect,
    explained,
    on,
    printed_promotions,
    printed_scores,
    report_of,
)
from tests.unit.scheduler.scheduler_cib import NOW, cib_text, dummy

from hapy.cib.parse import cib_from_tree
from hapy.cib.scores import score_text
from hapy.cib.xmlio import parse_xml_text
from hapy.explain.build import UNRECORDED, explain
from hapy.graph.xml import graph_to_xml
from hapy.reports import ReportList
from hapy.scheduler.explain.ledger import ScoreLedger
from hapy.scheduler.run import schedule

INF = 1_000_000
NODES = ("n1", "n2", "n3")

GROUP_CIB = cib_text(
    f'<group id="g">{dummy("a")}{dummy("b")}</group>{dummy("c")}',
    constraints='<rsc_location id="loc-g" rsc="g" node="n1" score="100"/>'
                '<rsc_location id="loc-b" rsc="b" node="n2" score="50"/>'
                '<rsc_colocation id="c-with-g" rsc="c" with-rsc="g" score="200"/>',
    nodes=NODES)


def _state(node: str, extra: str = "", lrm: str = "") -> str:
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online"'
            f' join="member" expected="member"><lrm id="{node}"><lrm_resources>{lrm}'
            f'</lrm_resources></lrm><transient_attributes id="t{node}">'
            f'<instance_attributes id="i{node}">{extra}</instance_attributes>'
            '</transient_attributes></node_state>')


_RUNNING_P = ('<lrm_resource id="p" class="ocf" provider="pacemaker" type="Dummy">'
              '<lrm_rsc_op id="p_start_0" operation="start" call-id="1" rc-code="0"'
              ' op-status="0" interval="0" transition-key="1:1:0:x"'
              ' transition-magic="0:0;1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>'
              '</lrm_resource>')

CLONE_CIB = cib_text(
    '<clone id="cl"><meta_attributes id="cl-m">'
    '<nvpair id="cl-m1" name="migration-threshold" value="3"/>'
    '<nvpair id="cl-m2" name="resource-stickiness" value="100"/></meta_attributes>'
    f'{dummy("p")}</clone>',
    constraints='<rsc_location id="loc-rule" rsc="cl"><rule id="r1" score="25">'
                '<expression id="e1" attribute="#uname" operation="eq" value="n2"/>'
                '</rule></rsc_location>',
    nodes=NODES,
    status=_state("n1", lrm=_RUNNING_P) + _state("n2")
    + _state("n3", '<nvpair id="f3" name="fail-count-p#monitor_10000" value="3"/>'),
    feature_set="3.16.1")

PROMOTABLE_CIB = cib_text(
    '<clone id="ms"><meta_attributes id="ms-m">'
    '<nvpair id="ms-m1" name="promotable" value="true"/></meta_attributes>'
    '<primitive id="st" class="ocf" provider="pacemaker" type="Stateful"/></clone>'
    + dummy("d"),
    constraints='<rsc_location id="loc-prom" rsc="ms" role="Promoted" node="n1" score="50"/>'
                '<rsc_location id="loc-rule" rsc="ms"><rule id="r1" score="25">'
                '<expression id="e1" attribute="#uname" operation="eq" value="n2"/>'
                '</rule></rsc_location>'
                '<rsc_colocation id="d-with-prom" rsc="d" with-rsc="ms"'
                ' with-rsc-role="Promoted" score="INFINITY"/>',
    nodes=NODES,
    status=_state("n1") + _state("n2", '<nvpair id="m2" name="master-st" value="10"/>')
    + _state("n3"))


def _assert_totals_printed(text: str, resource: str) -> None:
    """Every score explain shows is the one ``-s`` prints, and every step
    leads to the next (nothing unrecorded)."""
    printed = printed_scores(text)
    promotions = printed_promotions(text)
    ex = explained(text, resource)
    assert ex.unexplained == 0
    for rsc in all_reports(ex.resource):
        for score in rsc.scores:
            shown = printed.get((rsc.name, score.node))
            assert (score_text(score.score) if score.score is not None else None) == shown
            if score.contributions:
                assert score.contributions[-1].after == score.score
            if score.promotion is not None:
                assert promotions[(rsc.name, score.node)] == score_text(score.promotion)
                assert score.promotion_contributions[-1].after == score.promotion


def test_group_members_show_the_group_location_they_inherit() -> None:
    ex = explained(GROUP_CIB, "g")
    assert ex.resource.variant == "group"
    assert ex.resource.outcome == "placed on n1"
    assert ex.resource.actions == ("Start a (n1)", "Start b (n1)")
    a_n1 = on(report_of(ex, "a"), "n1")
    assert a_n1.score == 100 and a_n1.chosen
    inherited = by_source(a_n1.contributions, "g")
    assert inherited.kind == "group" and effect(inherited) == 100
    assert effect(by_source(inherited.parts, "loc-g")) == 100
    # the second member's preference weighs on the first member's nodes
    assert effect(by_source(on(report_of(ex, "a"), "n2").contributions, "g-internal")) == 50
    # ... while the member itself must follow the first member
    b_n2 = on(report_of(ex, "b"), "n2").contributions
    assert effect(by_source(b_n2, "loc-b")) == 50
    assert by_source(b_n2, "g-internal").after == -INF


def test_colocation_with_a_group_shows_its_score_where_the_group_goes() -> None:
    ex = explained(GROUP_CIB, "c")
    c_n1 = on(ex.resource, "n1")
    assert effect(by_source(c_n1.contributions, "c-with-g")) == 200
    assert "g is placed on n1" in by_source(c_n1.contributions, "c-with-g").detail
    assert on(ex.resource, "n2").score == 0


def test_group_totals_are_the_printed_scores() -> None:
    _assert_totals_printed(GROUP_CIB, "g")
    _assert_totals_printed(GROUP_CIB, "c")


def test_clone_rule_failcount_and_stickiness() -> None:
    ex = explained(CLONE_CIB, "cl")
    assert ex.resource.variant == "clone"
    clone_n1 = on(ex.resource, "n1").contributions
    missed = by_source(clone_n1, "loc-rule")
    assert missed.before == missed.after and "did not match" in missed.detail
    assert effect(by_source(on(ex.resource, "n2").contributions, "loc-rule")) == 25
    ban = by_source(on(ex.resource, "n3").contributions, "migration-threshold")
    assert ban.kind == "failcount" and ban.after == -INF
    assert "failed 3 time(s) on n3" in ban.detail
    # the instance active on n1 keeps its stickiness there; each instance
    # gets the clone's scores
    running = next(r for r in ex.resource.members if r.current == "n1")
    assert effect(by_source(on(running, "n1").contributions, "resource-stickiness")) == 100
    assert on(running, "n1").chosen
    other = next(r for r in ex.resource.members if r.current != "n1")
    seeded = by_source(on(other, "n2").contributions, "cl")
    assert seeded.kind == "clone" and effect(seeded) == 25
    assert effect(by_source(seeded.parts, "loc-rule")) == 25


def test_clone_totals_are_the_printed_scores() -> None:
    _assert_totals_printed(CLONE_CIB, "cl")


def test_a_cloned_primitive_id_explains_its_clone() -> None:
    assert explained(CLONE_CIB, "p").resource.name == "cl"
    assert explained(CLONE_CIB, "p:1").resource.name == "p:1"


def test_promotion_scores_show_attributes_and_promoted_locations() -> None:
    ex = explained(PROMOTABLE_CIB, "ms")
    assert ex.resource.variant == "promotable clone"
    assert "promoted: " in ex.resource.outcome
    by_node = {r.placed_on: r for r in ex.resource.members if r.placed_on}
    promoted = on(by_node["n1"], "n1")
    assert promoted.promotion == 49
    own = by_source(promoted.promotion_contributions, by_node["n1"].name)
    assert own.kind == "priority"
    assert by_source(own.parts, "master-st").after == -1  # no promotion score there
    location = by_source(own.parts, "ms")
    assert effect(location) == 50
    assert by_source(location.parts, "loc-prom").after == 50
    assert by_node["n1"].next_role == "Promoted"
    unpromoted = on(by_node["n2"], "n2")
    assert unpromoted.promotion == 35
    # the master-st attribute also pulls the instance to n2 before placement
    assert effect(by_source(unpromoted.contributions, "master-st")) == 10
    ranked = by_source(unpromoted.promotion_contributions, "ms")
    assert ranked.kind == "promotion-node" and effect(ranked) == 25
    assert by_node["n2"].next_role == "Unpromoted"


def test_colocation_with_the_promoted_role_names_its_node() -> None:
    ex = explained(PROMOTABLE_CIB, "d")
    banned = by_source(on(ex.resource, "n2").contributions, "d-with-prom")
    assert banned.after == -INF and "Promoted instances are on n1" in banned.detail
    assert ex.resource.placed_on == "n1"


def test_promotable_totals_are_the_printed_scores() -> None:
    _assert_totals_printed(PROMOTABLE_CIB, "ms")
    _assert_totals_printed(PROMOTABLE_CIB, "d")


def test_node_filter_keeps_one_node() -> None:
    ex = explained(GROUP_CIB, "g", "n2")
    assert [n.name for n in ex.nodes] == ["n2"]
    assert [s.node for s in report_of(ex, "a").scores] == ["n2"]


def test_a_change_the_ledger_missed_is_shown_not_hidden() -> None:
    cib = cib_from_tree(parse_xml_text(GROUP_CIB), ReportList())
    ledger = ScoreLedger()
    transition = schedule(cib, NOW, ledger=ledger)
    steps = ledger.entries[("c", "allocation")].steps
    steps[:] = [s for s in steps if s.source != "c-with-g"]
    ex = explain(transition, ledger, transition.working_set.resources_by_id["c"])
    assert ex.unexplained == 1
    gap = on(ex.resource, "n1").contributions[-1]
    assert (gap.kind, gap.before, gap.after) == (UNRECORDED, 0, 200)


def test_the_ledger_changes_nothing_the_scheduler_decides() -> None:
    for text in (GROUP_CIB, CLONE_CIB, PROMOTABLE_CIB):
        plain = schedule(cib_from_tree(parse_xml_text(text), ReportList()), NOW)
        recorded = schedule(cib_from_tree(parse_xml_text(text), ReportList()), NOW,
                            ledger=ScoreLedger())
        assert plain.scores == recorded.scores
        assert graph_to_xml(plain.graph) == graph_to_xml(recorded.graph)


def test_a_stopped_instance_says_what_excluded_each_node() -> None:
    text = cib_text(f'<clone id="cl"><group id="g">{dummy("a")}{dummy("b")}</group></clone>',
                    constraints='<rsc_location id="l1" rsc="cl" node="n2" score="-INFINITY"/>')
    ex = explained(text, "cl")
    stopped = next(r for r in ex.resource.members if r.placed_on is None)
    assert stopped.outcome.startswith("stopped: its first member cannot run anywhere")
    assert "n1 -INFINITY by clone-node-max" in stopped.outcome
    assert f"n2 -INFINITY by group {stopped.name} (from location l1)" in stopped.outcome
    _assert_totals_printed(text, "cl")
