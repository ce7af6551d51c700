"""Placing clone instances: colocation with another clone, what a clone takes
from its dependents, which active instances are placed first, and orderings
that need only some of a clone's instances."""

from __future__ import annotations

from scheduler_cib import NOW, cib_text, dummy

from hapy.cib.parse import cib_from_tree
from hapy.cib.xmlio import parse_xml_text
from hapy.reports import ReportList
from hapy.scheduler.graph import in_graph
from hapy.scheduler.run import Transition, schedule

EMPTY_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _run(text: str) -> Transition:
    return schedule(cib_from_tree(parse_xml_text(text), ReportList()), NOW, with_scores=True)


def _clone(cid: str, rid: str, meta: str = "") -> str:
    meta_xml = f'<meta_attributes id="{cid}-m">{meta}</meta_attributes>' if meta else ""
    return f'<clone id="{cid}">{dummy(rid)}{meta_xml}</clone>'


def _started(rsc_id: str) -> str:
    return (
        f'<lrm_resource id="{rsc_id}" class="ocf" provider="pacemaker" type="Dummy">'
        f'<lrm_rsc_op id="{rsc_id}_last_0" operation_key="{rsc_id}_start_0" operation="start"'
        ' crm-debug-origin="x" crm_feature_set="3.0.1" transition-key="1:1:0:abc"'
        ' transition-magic="0:0;1:1:0:abc" call-id="1" rc-code="0" op-status="0"'
        f' interval="0" op-digest="{EMPTY_DIGEST}"/></lrm_resource>'
    )


def _state(node: str, lrm: str = "", attrs: str = "") -> str:
    transient = (f'<transient_attributes id="{node}"><instance_attributes id="{node}-ta">'
                 f"{attrs}</instance_attributes></transient_attributes>") if attrs else ""
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online"'
            f' join="member" expected="member">{transient}<lrm id="{node}"><lrm_resources>'
            f"{lrm}</lrm_resources></lrm></node_state>")


def _placed(tr: Transition, prefix: str) -> dict[str, str]:
    return {
        r.name: r.assigned_node.uname
        for top in tr.working_set.resources for r in top.walk()
        if r.variant == "primitive" and r.name.startswith(prefix) and r.assigned_node
    }


def _scores(tr: Transition, rsc: str) -> dict[str, str]:
    prefix = f"pcmk__clone_allocate: {rsc} allocation score on "
    return {line[len(prefix):].split(":")[0]: line.rsplit(" ", 1)[1]
            for line in tr.scores if line.startswith(prefix)}


def test_clone_colocated_with_clone_goes_only_where_its_instances_are() -> None:
    text = cib_text(
        _clone("YC", "Y") + _clone("XC", "X"),
        constraints='<rsc_location id="l" rsc="YC" node="n2" score="-INFINITY"/>'
                    '<rsc_colocation id="c" rsc="XC" with-rsc="YC" score="INFINITY"/>',
        nodes=("n1", "n2", "n3"),
    )
    placed = _placed(_run(text), "X")
    assert sorted(placed.values()) == ["n1", "n3"]


def test_clone_takes_only_positive_preferences_from_its_dependents() -> None:
    # X would add -50 on n2 and 200 on the standby n3: the clone keeps 0 on
    # both; on n1 its own 30 and X's -50 would go negative: it ends at 1
    text = cib_text(
        _clone("YC", "Y") + dummy("X"),
        constraints='<rsc_location id="l1" rsc="X" node="n1" score="-50"/>'
                    '<rsc_location id="l2" rsc="X" node="n2" score="-50"/>'
                    '<rsc_location id="l3" rsc="X" node="n3" score="200"/>'
                    '<rsc_location id="l4" rsc="YC" node="n1" score="30"/>'
                    '<rsc_colocation id="c" rsc="X" with-rsc="YC" score="INFINITY"/>',
        nodes=("n1", "n2", "n3"),
    )
    text = text.replace('<node id="n3" uname="n3"/>',
                        '<node id="n3" uname="n3"><instance_attributes id="n3-a">'
                        '<nvpair id="n3-s" name="standby" value="on"/>'
                        "</instance_attributes></node>")
    assert _scores(_run(text), "YC") == {"n1": "1", "n2": "0", "n3": "0"}


def test_instance_that_can_stay_is_placed_before_one_that_must_move() -> None:
    # A:0 is active on a standby node, A:1 on n2; one instance per node:
    # A:1 keeps n2 and A:0 stops (rather than taking n2 from A:1)
    status = _state("n1", _started("A")) + _state("n2", _started("A"))
    text = cib_text(
        _clone("AC", "A", '<nvpair id="m1" name="clone-max" value="2"/>'),
        status=status,
    )
    text = text.replace('<node id="n1" uname="n1"/>',
                        '<node id="n1" uname="n1"><instance_attributes id="n1-a">'
                        '<nvpair id="n1-s" name="standby" value="on"/>'
                        "</instance_attributes></node>")
    tr = _run(text)
    starts = [a for a in tr.actions if a.task == "start" and in_graph(a)]
    assert starts == []
    assert list(_placed(tr, "A").values()) == ["n2"]


def test_clone_needed_by_some_instances_shows_its_start_even_when_idle() -> None:
    status = _state("n1", _started("A")) + _state("n2", _started("B"))
    text = cib_text(
        _clone("AC", "A") + _clone("BC", "B"),
        constraints='<rsc_location id="la" rsc="AC" node="n2" score="-INFINITY"/>'
                    '<rsc_location id="lb" rsc="BC" node="n1" score="-INFINITY"/>'
                    '<rsc_order id="o" first="AC" then="BC" require-all="false"/>',
        status=status,
    )
    keys = {a.key for a in _run(text).actions if in_graph(a)}
    assert {"AC_start_0", "AC_running_0"} <= keys
    assert not any(k.startswith(("A_start", "A:0_start", "B_start", "B:0_start")) for k in keys)
