"""Placing clone instances: instances that can stay where they are keep
their node before the others are placed."""

from __future__ import annotations

from pathlib import Path

from tests.unit.scheduler.placement_cib import (
    colocation,
    location,
    nvpair,
    placed,
    primitive,
    scores,
)
from tests.unit.scheduler.placement_cib import run as run_placement
from tests.unit.scheduler.scheduler_cib import cib_text, run

_OK = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _state(node: str, running: bool, extra: str = "") -> str:
    lrm = ""
    if running:
        lrm = ('<lrm_resource id="d" class="ocf" provider="pacemaker" type="Dummy">'
               '<lrm_rsc_op id="d_start_0" operation="start" call-id="1" rc-code="0"'
               ' op-status="0" interval="0" transition-key="1:1:0:x"'
               f' transition-magic="0:0;1:1:0:x" op-digest="{_OK}"/></lrm_resource>')
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online"'
            f' join="member" expected="member"><lrm id="{node}"><lrm_resources>{lrm}'
            f'</lrm_resources></lrm>{extra}</node_state>')


def test_instance_on_a_node_it_must_leave_does_not_displace_another() -> None:
    clone = ('<clone id="c"><primitive id="d" class="ocf" provider="pacemaker"'
             ' type="Dummy"/></clone>')
    text = cib_text(clone, nodes=("n1", "n2", "n3"),
                    status=_state("n1", True) + _state("n2", True) + _state("n3", True))
    # n2 goes to standby: its instance stops, the others stay
    text = text.replace('<node id="n2" uname="n2"/>',
                        '<node id="n2" uname="n2"><instance_attributes id="n2-a">'
                        '<nvpair id="n2-s" name="standby" value="on"/>'
                        '</instance_attributes></node>')
    ws = run(text).working_set
    placed = {inst.name: (inst.running_on[0].uname if inst.running_on else None,
                          inst.assigned_node.uname if inst.assigned_node else None)
              for inst in ws.resources_by_id["c"].children}
    assert sorted(placed.values(), key=str) == [("n1", "n1"), ("n2", None), ("n3", "n3")]


def test_clone_allocation_trace_shows_the_members_of_cloned_groups(tmp_path: Path) -> None:
    group = f'<group id="g">{primitive("a")}{primitive("b")}</group>'
    result = run_placement(tmp_path, "n1 n2", f'<clone id="c">{group}</clone>',
                           active={"n1": [("a", "run")]})
    assert scores(result, "g:0", "pcmk__clone_allocate") == {"n1": "0", "n2": "0"}
    assert scores(result, "a:0", "pcmk__clone_allocate") == {"n1": "1", "n2": "0"}
    assert scores(result, "b:1", "pcmk__clone_allocate") == {"n1": "0", "n2": "0"}


def test_failed_instance_is_placed_after_the_healthy_ones(tmp_path: Path) -> None:
    # the failed instance on n1 is not kept first: the healthy one on n2 is
    # placed before it (so n2 is already taken when the failed one is placed,
    # and n1 was still free when the healthy one was)
    ops = ('<operations><op id="d-mon" name="monitor" interval="10s" on-fail="block"/>'
           "</operations>")
    result = run_placement(tmp_path, "n1 n2", f'<clone id="c">{primitive("d", extra=ops)}</clone>',
                           active={"n1": [("d", "fail_monitor")], "n2": [("d", "run")]})
    assert scores(result, "d:0")["n2"] == "-INFINITY"
    assert scores(result, "d:1")["n1"] == "0"


def test_instance_active_on_two_usable_nodes_is_placed_before_one_whose_node_goes() -> None:
    clone = ('<clone id="c"><meta_attributes id="c-m">'
             '<nvpair id="c-u" name="globally-unique" value="true"/>'
             '<nvpair id="c-x" name="clone-max" value="3"/></meta_attributes>'
             '<primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></clone>')

    def lrm(inst: str) -> str:
        return (f'<lrm_resource id="d:{inst}" class="ocf" provider="pacemaker" type="Dummy">'
                f'<lrm_rsc_op id="d:{inst}_start_0" operation="start" call-id="1" rc-code="0"'
                ' op-status="0" interval="0" transition-key="1:1:0:x"'
                f' transition-magic="0:0;1:1:0:x" op-digest="{_OK}"/></lrm_resource>')

    def state(node: str, *insts: str) -> str:
        return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online"'
                f' join="member" expected="member"><lrm id="{node}"><lrm_resources>'
                f'{"".join(lrm(i) for i in insts)}</lrm_resources></lrm></node_state>')

    # d:0 is active on n1 and n2, d:1 on n3, which goes to standby, d:2 on n2
    text = cib_text(clone, nodes=("n1", "n2", "n3"),
                    status=state("n1", "0") + state("n2", "0", "2") + state("n3", "1"))
    text = text.replace('<node id="n3" uname="n3"/>',
                        '<node id="n3" uname="n3"><instance_attributes id="n3-a">'
                        '<nvpair id="n3-s" name="standby" value="on"/>'
                        '</instance_attributes></node>')
    ws = run(text).working_set
    placed = {inst.name: inst.assigned_node.uname if inst.assigned_node else None
              for inst in ws.resources_by_id["c"].children}
    assert placed == {"d:0": "n1", "d:1": None, "d:2": "n2"}


def test_failed_unique_instance_is_banned_alone() -> None:
    from hapy.scheduler.working_set import INFINITY

    def banned(unique: str, counted: str) -> set[str]:
        clone = ('<clone id="c"><meta_attributes id="c-m"><nvpair id="c-u"'
                 f' name="globally-unique" value="{unique}"/></meta_attributes>'
                 '<primitive id="d" class="ocf" provider="pacemaker" type="Dummy">'
                 '<meta_attributes id="d-m"><nvpair id="d-t" name="migration-threshold"'
                 ' value="1"/></meta_attributes></primitive></clone>')
        failed = ('<transient_attributes id="n1-t"><instance_attributes id="n1-ta">'
                  f'<nvpair id="n1-f" name="fail-count-{counted}" value="1"/>'
                  '</instance_attributes></transient_attributes>')
        ws = run(cib_text(clone, status=_state("n1", False, failed)
                          + _state("n2", False))).working_set
        c = ws.resources_by_id["c"]
        return {r.name for r in [c, *c.children] if r.allowed.get("n1") == -INFINITY}

    # a unique instance's failures ban that instance only
    assert banned("true", "d:0") == {"d:0"}
    # an anonymous clone's instances are interchangeable: the clone is banned
    assert "c" in banned("false", "d")


def test_instance_banned_where_it_is_stops_rather_than_moving(tmp_path: Path) -> None:
    # d:0 may not stay on n1 (a ban, the node is fine): the inactive
    # instances are placed first, so d:0 stops and d:1, d:2 start
    result = run_placement(tmp_path, "n1 n2 n3", f'<clone id="c">{primitive("d")}</clone>',
                           location("c", "n1", "-INFINITY"), active={"n1": [("d", "run")]})
    assert placed(result, "d:0") is None
    assert (placed(result, "d:1"), placed(result, "d:2")) == ("n2", "n3")


def test_instance_on_a_node_in_standby_still_moves(tmp_path: Path) -> None:
    standby = ('<instance_attributes id="n1-a">'
               f'{nvpair("n1", "standby", "on")}</instance_attributes>')
    result = run_placement(tmp_path, "n1 n2 n3", f'<clone id="c">{primitive("d")}</clone>',
                           active={"n1": [("d", "run")]}, node_extra={"n1": standby})
    assert (placed(result, "d:0"), placed(result, "d:1"), placed(result, "d:2")) == \
        ("n2", "n3", None)


def test_instances_crowded_on_one_node_spread_out_when_nothing_holds_them(
        tmp_path: Path) -> None:
    # 4 instances on 2 nodes: 2 are kept on n1 first, the other two are
    # placed afresh (no stickiness): to the less loaded n2
    meta = "".join(nvpair("c", name, value) for name, value in (
        ("globally-unique", "true"), ("clone-max", "4"), ("clone-node-max", "4"),
        ("resource-stickiness", "0")))
    clone = f'<clone id="c"><meta_attributes id="c-m">{meta}</meta_attributes>' \
        f'{primitive("d")}</clone>'
    result = run_placement(tmp_path, "n1 n2", clone,
                           active={"n1": [(f"d:{i}", "run") for i in range(4)]})
    assert [placed(result, f"d:{i}") for i in range(4)] == ["n1", "n1", "n2", "n2"]


def test_cloned_group_member_follows_the_primary_clone_once_its_group_is_placed(
        tmp_path: Path) -> None:
    # the group instance's first member takes the colocation with C1's
    # instances when its group is placed: not yet in the group's trace
    group = f'<group id="g">{primitive("b")}{primitive("c")}</group>'
    result = run_placement(tmp_path, "n1 n2 n3",
                           f'<clone id="C1">{primitive("a")}</clone>'
                           f'<clone id="C2">{group}</clone>',
                           colocation("C2", "C1", "INFINITY") + location("C1", "n1", "-INFINITY"))
    assert scores(result, "b:0", "pcmk__group_assign")["n1"] == "0"
    assert scores(result, "b:0")["n1"] == "-INFINITY"


def _clone_with_primitive(tmp_path: Path, score: str, clone_max: str) -> dict[str, dict[str, str]]:
    meta = f'<meta_attributes id="cm">{nvpair("C", "clone-max", clone_max)}</meta_attributes>'
    result = run_placement(tmp_path, "n1 n2 n3",
                           primitive("A") + f'<clone id="C">{meta}' + primitive("P") + "</clone>",
                           colocation("C", "A", score) + location("A", "n3", "10"))
    return {"clone": scores(result, "C", "pcmk__clone_allocate"),
            "instance": scores(result, "P:0")}


def test_clone_colocation_with_a_primitive_is_weighed_by_each_instance(tmp_path: Path) -> None:
    placed = _clone_with_primitive(tmp_path, "INFINITY", "3")
    assert placed["clone"] == {"n1": "0", "n2": "0", "n3": "0"}
    assert placed["instance"] == {"n1": "-INFINITY", "n2": "-INFINITY", "n3": "0"}
    placed = _clone_with_primitive(tmp_path, "-50", "3")
    assert placed["instance"]["n3"] == "-50"


def test_finite_preference_for_the_primary_node_needs_fewer_instances_than_nodes(
    tmp_path: Path,
) -> None:
    assert _clone_with_primitive(tmp_path, "50", "1")["instance"]["n3"] == "50"
    assert _clone_with_primitive(tmp_path, "50", "3")["instance"]["n3"] == "0"
