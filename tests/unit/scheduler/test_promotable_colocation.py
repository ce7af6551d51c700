"""Colocations between the promoted roles of two promotable clones."""

from __future__ import annotations

from tests.unit.scheduler.scheduler_cib import NOW, cib_text

from hapy.cib.parse import cib_from_tree
from hapy.cib.xmlio import parse_xml_text
from hapy.reports import ReportList
from hapy.scheduler.run import Transition, schedule
from hapy.scheduler.working_set import Role


def _clone(cid: str, rid: str) -> str:
    return (f'<clone id="{cid}"><meta_attributes id="{cid}-m">'
            f'<nvpair id="{cid}-m1" name="promotable" value="true"/></meta_attributes>'
            f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Stateful"/></clone>')


def _state(node: str, scores: dict[str, int]) -> str:
    attrs = "".join(f'<nvpair id="{node}-{rid}" name="master-{rid}" value="{value}"/>'
                    for rid, value in scores.items())
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" '
            f'join="member" expected="member"><transient_attributes id="{node}-t">'
            f'<instance_attributes id="{node}-a">{attrs}</instance_attributes>'
            f'</transient_attributes></node_state>')


def _run(score: str) -> Transition:
    status = (_state("n1", {"a": 80, "b": 100}) + _state("n2", {"a": 70, "b": 50})
              + _state("n3", {"a": 60, "b": 30}))
    constraints = ('<rsc_colocation id="c" rsc="A" rsc-role="Promoted" with-rsc="B" '
                   f'with-rsc-role="Promoted" score="{score}"/>')
    text = cib_text(_clone("B", "b") + _clone("A", "a"), constraints=constraints,
                    status=status, nodes=("n1", "n2", "n3"))
    return schedule(cib_from_tree(parse_xml_text(text), ReportList()), NOW)


def _promoted(result: Transition, clone: str) -> list[str]:
    rsc = result.working_set.resources_by_id[clone]
    return [i.assigned_node.uname for i in rsc.children
            if i.next_role is Role.PROMOTED and i.assigned_node is not None]


def _promotion_score(result: Transition, node: str, prefix: str = "a:") -> str:
    return next(line.rsplit(": ", 1)[1] for line in result.scores
                if line.startswith(prefix) and f"promotion score on {node}:" in line)


def test_anti_colocation_subtracts_the_primary_promotion_scores() -> None:
    result = _run("-INFINITY")
    assert _promoted(result, "B") == ["n1"]
    # A is never promoted beside B's promoted instance, and elsewhere B's
    # promotion scores count against it: n2 70-50, n3 60-30
    assert _promotion_score(result, "n2") == "20"
    assert _promotion_score(result, "n3") == "30"
    assert _promoted(result, "A") == ["n3"]


def test_optional_colocation_weighs_the_primary_promotion_scores() -> None:
    result = _run("-50")
    # -50 beside B's promoted instance, and B's promotion scores scaled by
    # the colocation's weight (less than a point still counts as one)
    assert _promotion_score(result, "n1") == "29"
    assert _promotion_score(result, "n2") == "69"
    assert _promoted(result, "A") == ["n2"]


def _run_with_clone(score: str) -> Transition:
    status = (_state("n1", {"b": 100}) + _state("n2", {"b": 50}) + _state("n3", {"b": 30}))
    clone = ('<clone id="D"><primitive id="d" class="ocf" provider="pacemaker" '
             'type="Dummy"/></clone>')
    constraints = ('<rsc_colocation id="c" rsc="D" with-rsc="B" with-rsc-role="Promoted" '
                   f'score="{score}"/>')
    text = cib_text(_clone("B", "b") + clone, constraints=constraints,
                    status=status, nodes=("n1", "n2", "n3"))
    return schedule(cib_from_tree(parse_xml_text(text), ReportList()), NOW)


def _placed(result: Transition, clone: str) -> list[str]:
    rsc = result.working_set.resources_by_id[clone]
    return sorted(i.assigned_node.uname for i in rsc.children if i.assigned_node is not None)


def test_mandatory_role_colocation_places_each_instance_not_the_clone() -> None:
    result = _run_with_clone("INFINITY")
    # the clone's own scores do not show the colocation ...
    assert "pcmk__clone_allocate: D allocation score on n2: 0" in result.scores
    assert "pcmk__clone_allocate: d:0 allocation score on n2: 0" in result.scores
    # ... its instances follow the promoted instance
    assert "pcmk__primitive_assign: d:0 allocation score on n2: -INFINITY" in result.scores
    assert _placed(result, "D") == ["n1"]


def test_finite_positive_role_colocation_does_not_place_clone_instances() -> None:
    result = _run_with_clone("100")
    assert "pcmk__clone_allocate: D allocation score on n1: 0" in result.scores
    assert "pcmk__primitive_assign: d:0 allocation score on n1: 0" in result.scores
    assert _placed(result, "D") == ["n1", "n2", "n3"]


def _group_clone() -> str:
    return ('<clone id="G"><meta_attributes id="G-m">'
            '<nvpair id="G-m1" name="promotable" value="true"/></meta_attributes>'
            '<group id="g"><primitive id="m1" class="ocf" provider="pacemaker" type="Stateful"/>'
            '<primitive id="m2" class="ocf" provider="pacemaker" type="Stateful"/></group>'
            '</clone>')


def test_promoted_group_instances_weigh_their_primary_scores() -> None:
    status = (_state("n1", {"m1": 10, "m2": 10}) + _state("n2", {"m1": 5})
              + _state("n3", {"m1": 7, "m2": 1000}))
    constraints = ('<rsc_location id="l" rsc="X" node="n3" score="100"/>'
                   '<rsc_colocation id="c" rsc="G" rsc-role="Promoted" with-rsc="X" '
                   'score="INFINITY"/>')
    x = '<primitive id="X" class="ocf" provider="pacemaker" type="Dummy"/>'
    text = cib_text(_group_clone() + x, constraints=constraints, status=status,
                    nodes=("n1", "n2", "n3"))
    result = schedule(cib_from_tree(parse_xml_text(text), ReportList()), NOW)
    # no +/-INFINITY for a cloned group: X's scores are added instead
    assert _promotion_score(result, "n3", "g:") == "1107"
    assert _promotion_score(result, "n1", "g:") == "20"
    # the promotion scores go to the group instances, not their members
    assert "pcmk__clone_allocate: m1:0 allocation score on n3: 0" in result.scores
    assert _promoted(result, "G") == ["n3"]


def test_promoted_role_beside_a_clone_gets_no_bonus() -> None:
    status = (_state("n1", {"s": 10}) + _state("n2", {"s": 5}) + _state("n3", {"s": 70}))
    xc = ('<clone id="XC"><meta_attributes id="XC-m"><nvpair id="XC-m1" name="clone-max" '
          'value="2"/></meta_attributes><primitive id="x" class="ocf" provider="pacemaker" '
          'type="Dummy"/></clone>')
    constraints = ('<rsc_location id="l" rsc="XC" node="n3" score="-INFINITY"/>'
                   '<rsc_colocation id="c" rsc="C" rsc-role="Promoted" with-rsc="XC" '
                   'score="INFINITY"/>')
    text = cib_text(_clone("C", "s") + xc, constraints=constraints, status=status,
                    nodes=("n1", "n2", "n3"))
    result = schedule(cib_from_tree(parse_xml_text(text), ReportList()), NOW)
    assert _promotion_score(result, "n1", "s:") == "10"
    assert _promotion_score(result, "n3", "s:") == "-INFINITY"
    assert _promoted(result, "C") == ["n1"]
