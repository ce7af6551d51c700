"""Placement strategies that weigh utilization: capacity checks, which
resource is placed first, free capacity when balancing."""

from __future__ import annotations

from pathlib import Path

from tests.unit.scheduler.placement_cib import colocation, nvpair, placed, primitive, run


def _strategy(name: str) -> str:
    return nvpair("o", "placement-strategy", name)


def _cpu(owner: str, amount: int) -> str:
    return f'<utilization id="{owner}-u">{nvpair(owner + "-u", "cpu", str(amount))}</utilization>'


def _sticky(rid: str, cpu: int) -> str:
    return primitive(rid, nvpair(rid, "resource-stickiness", "100"), _cpu(rid, cpu))


def test_default_strategy_ignores_utilization(tmp_path: Path) -> None:
    result = run(tmp_path, "n1", primitive("A", extra=_cpu("A", 5)),
                 node_extra={"n1": _cpu("n1", 1)})
    assert placed(result, "A") == "n1"


def test_resource_goes_where_there_is_room(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", primitive("A", extra=_cpu("A", 2))
                 + primitive("B", extra=_cpu("B", 2)), options=_strategy("utilization"),
                 node_extra={"n1": _cpu("n1", 2), "n2": _cpu("n2", 1)})
    assert (placed(result, "A"), placed(result, "B")) == ("n1", None)


def test_capacity_counts_mandatory_colocated_resources(tmp_path: Path) -> None:
    # only n2 can take A and B together
    result = run(tmp_path, "n1 n2", primitive("A", extra=_cpu("A", 1))
                 + primitive("B", extra=_cpu("B", 1)), colocation("B", "A", "INFINITY"),
                 options=_strategy("utilization"),
                 node_extra={"n1": _cpu("n1", 1), "n2": _cpu("n2", 2)})
    assert (placed(result, "A"), placed(result, "B")) == ("n2", "n2")


def test_resource_keeping_its_best_node_goes_first(tmp_path: Path) -> None:
    # B is first in line for n2, the only node with room: A, active on the
    # full node n1, is not placed first because of configuration order
    result = run(tmp_path, "n1 n2", _sticky("A", 1) + _sticky("B", 1),
                 options=_strategy("balanced"),
                 node_extra={"n1": _cpu("n1", 0), "n2": _cpu("n2", 1)},
                 active={"n1": [("A", "run")], "n2": [("B", "run")]})
    assert (placed(result, "A"), placed(result, "B")) == (None, "n2")


def test_balanced_prefers_the_node_with_more_room(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", primitive("A", extra=_cpu("A", 1)),
                 options=_strategy("balanced"),
                 node_extra={"n1": _cpu("n1", 2), "n2": _cpu("n2", 4)})
    assert placed(result, "A") == "n2"


def test_template_utilization_is_overridden_by_the_primitive(tmp_path: Path) -> None:
    resources = ('<template id="t" class="ocf" provider="pacemaker" type="Dummy">'
                 + _cpu("t", 1) + '</template><primitive id="A" template="t">'
                 + _cpu("A", 2) + "</primitive>")
    result = run(tmp_path, "n1", resources, options=_strategy("utilization"),
                 node_extra={"n1": _cpu("n1", 1)})
    assert placed(result, "A") is None


def test_starts_wait_for_the_stops_that_free_capacity(tmp_path: Path) -> None:
    # B (higher priority) takes n1 from A, which cannot go anywhere else
    result = run(tmp_path, "n1", primitive("A", extra=_cpu("A", 1))
                 + primitive("B", nvpair("B", "priority", "10"), _cpu("B", 1)),
                 options=_strategy("utilization"), node_extra={"n1": _cpu("n1", 1)},
                 active={"n1": [("A", "run")]})
    actions = {a.key: a for a in result.working_set.actions}
    freed = actions["load_stopped_n1"]
    assert freed.pseudo and freed.required
    assert [o.first.key for o in freed.inputs] == ["A_stop_0"]
    assert "load_stopped_n1" in [o.first.key for o in actions["B_start_0"].inputs]


def test_no_load_orderings_without_utilization(tmp_path: Path) -> None:
    result = run(tmp_path, "n1", primitive("A"), options=_strategy("utilization"))
    assert not [a for a in result.working_set.actions if a.key.startswith("load_stopped")]


def test_resources_are_listed_by_priority(tmp_path: Path) -> None:
    result = run(tmp_path, "n1", primitive("A") + primitive("B", nvpair("B", "priority", "5")))
    assert [r.id for r in result.working_set.resources] == ["B", "A"]


def test_group_banned_from_its_node_by_its_last_member_goes_after_others(
    tmp_path: Path,
) -> None:
    # G1's last member may not stay on n1, so G2 (happy on n2) is placed
    # first and keeps n2; G1 then has to go to n3
    def group(gid: str, *members: str) -> str:
        return (f'<group id="{gid}">' + "".join(_sticky(m, 1) for m in members) + "</group>")

    result = run(tmp_path, "n1 n2 n3", group("G1", "a1", "a2") + group("G2", "b1", "b2"),
                 '<rsc_location id="ban" rsc="a2" node="n1" score="-INFINITY"/>'
                 '<rsc_location id="pref" rsc="G1" node="n2" score="50"/>',
                 options=_strategy("utilization"),
                 node_extra={n: _cpu(n, 2) for n in ("n1", "n2", "n3")},
                 active={"n1": [("a1", "run"), ("a2", "run")],
                         "n2": [("b1", "run"), ("b2", "run")]})
    assert (placed(result, "b1"), placed(result, "a1")) == ("n2", "n3")


def _clone(cid: str, child: str, clone_max: int) -> str:
    return (f'<clone id="{cid}"><meta_attributes id="{cid}-m">'
            f'{nvpair(cid, "clone-max", str(clone_max))}</meta_attributes>{child}</clone>')


def test_clone_instance_makes_room_for_an_instance_of_a_clone_colocated_with_it(
        tmp_path: Path) -> None:
    # an instance of C2 (a group: 2 + 2) must go with each instance of C1 (2):
    # n1 (4) cannot take both, so C1's instances go to n2 and n3
    group = f'<group id="g">{primitive("b", extra=_cpu("b", 2))}' \
        f'{primitive("c", extra=_cpu("c", 2))}</group>'
    resources = _clone("C1", primitive("a", extra=_cpu("a", 2)), 2) + _clone("C2", group, 2)
    result = run(tmp_path, "n1 n2 n3", resources, colocation("C2", "C1", "INFINITY"),
                 options=_strategy("utilization"),
                 node_extra={"n1": _cpu("n1", 4), "n2": _cpu("n2", 8), "n3": _cpu("n3", 10)})
    assert {placed(result, "a:0"), placed(result, "a:1")} == {"n2", "n3"}


def test_cloned_group_instance_makes_room_for_what_is_colocated_with_its_clone(
        tmp_path: Path) -> None:
    # G (2 + 2) goes with C2's instances: only n3 has room for an instance
    # of C2 and G, so C2's first instance goes there
    group = f'<group id="g">{primitive("b", extra=_cpu("b", 2))}' \
        f'{primitive("c", extra=_cpu("c", 2))}</group>'
    other = f'<group id="G">{primitive("d", extra=_cpu("d", 2))}' \
        f'{primitive("e", extra=_cpu("e", 2))}</group>'
    resources = _clone("C1", primitive("a", extra=_cpu("a", 2)), 2) + _clone("C2", group, 2) \
        + other
    result = run(tmp_path, "n1 n2 n3", resources,
                 colocation("C2", "C1", "INFINITY") + colocation("G", "C2", "INFINITY"),
                 options=_strategy("utilization"),
                 node_extra={"n1": _cpu("n1", 4), "n2": _cpu("n2", 8), "n3": _cpu("n3", 10)})
    assert (placed(result, "b:0"), placed(result, "b:1"), placed(result, "d")) == \
        ("n3", "n2", "n3")



def test_inactive_clone_instance_makes_room_for_an_active_dependent(
        tmp_path: Path) -> None:
    resources = _clone("C1", primitive("a", extra=_cpu("a", 2)), 1) \
        + primitive("v", extra=_cpu("v", 4))
    result = run(tmp_path, "n1 n2", resources, colocation("v", "C1", "INFINITY"),
                 options=_strategy("utilization"), active={"n1": [("v", "run")]},
                 node_extra={"n1": _cpu("n1", 2), "n2": _cpu("n2", 6)})
    # only n2 can take a and v: v follows a there
    assert (placed(result, "a:0"), placed(result, "v")) == ("n2", "n2")
