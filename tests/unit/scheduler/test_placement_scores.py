"""Assignment scores: colocation merges, node baselines, unmanaged and
stopped resources, colocation sets and tie-breaks."""

from __future__ import annotations

from pathlib import Path

from tests.unit.scheduler.placement_cib import (
    colocation,
    location,
    nvpair,
    placed,
    primitive,
    run,
    scores,
)


def _group(gid: str, *members: str) -> str:
    return f'<group id="{gid}">' + "".join(primitive(m) for m in members) + "</group>"


def test_group_first_member_avoids_nodes_its_followers_cannot_use(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 !n2", _group("G", "a", "b"))
    assert scores(result, "a") == {"n1": "0", "n2": "-INFINITY"}


def test_negative_colocation_does_not_turn_unusable_nodes_into_preferences(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, "n1 !n2", primitive("A") + primitive("B"),
                 colocation("B", "A", "-INFINITY"))
    assert scores(result, "A") == {"n1": "0", "n2": "0"}


def test_merge_chain_carries_the_sign_not_the_strength(tmp_path: Path) -> None:
    result = run(
        tmp_path, "n1 n2 n3", primitive("A") + primitive("B") + primitive("C"),
        colocation("B", "A", "-2000") + colocation("C", "B", "INFINITY")
        + location("B", "n2", "1000") + location("C", "n2", "100"),
    )
    assert scores(result, "A")["n2"] == "-102"


def test_followers_of_a_group_weigh_in_on_every_member(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2 n3", _group("G", "a1", "a2", "a3") + primitive("b"),
                 colocation("b", "G", "2000") + location("b", "n3", "1000"))
    assert [scores(result, m)["n3"] for m in ("a1", "a2", "a3")] == ["2", "2", "2"]


def test_target_role_stopped_bans_every_node(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", primitive("A", nvpair("A", "target-role", "Stopped")))
    assert scores(result, "A") == {"n1": "-INFINITY", "n2": "-INFINITY"}


def test_unmanaged_resource_is_held_where_it_is_active(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2 n3", primitive("A", nvpair("A", "is-managed", "false")),
                 active={"n1": [("A", "run")], "n2": [("A", "run")]})
    assert scores(result, "A") == {"n1": "INFINITY", "n2": "INFINITY", "n3": "0"}


def test_failed_stop_bans_the_node(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", primitive("A"), active={"n1": [("A", "fail_stop")]})
    assert scores(result, "A") == {"n1": "-INFINITY", "n2": "0"}


def test_node_score_is_the_baseline(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2 n3", primitive("A"), location("A", "n1", "10"),
                 node_scores={"n1": "100", "n3": "-2000"})
    assert scores(result, "A") == {"n1": "110", "n2": "0", "n3": "-2000"}


def test_orphan_has_no_scores_and_stops(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", primitive("A"), active={"n1": [("Z", "run")]})
    assert scores(result, "Z") == {}
    assert placed(result, "Z") is None


def test_sequential_set_follows_the_last_member_of_the_next_set(tmp_path: Path) -> None:
    sets = ('<rsc_colocation id="c" score="INFINITY">'
            '<resource_set id="s1"><resource_ref id="A"/><resource_ref id="B"/></resource_set>'
            '<resource_set id="s2"><resource_ref id="C"/><resource_ref id="D"/></resource_set>'
            "</rsc_colocation>")
    result = run(tmp_path, "n1 n2 n3 n4", "".join(primitive(r) for r in "ABCD"),
                 sets + location("D", "n4", "100"))
    # A follows D (the last of the later set), so A avoids every other node
    assert scores(result, "A") == {"n1": "-INFINITY", "n2": "-INFINITY",
                                   "n3": "-INFINITY", "n4": "0"}
    assert {placed(result, r) for r in "ABCD"} == {"n4"}


def test_equal_nodes_keep_the_resource_where_it_is(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2 n3", primitive("A"), active={"n3": [("A", "run")]})
    assert placed(result, "A") == "n3"


def test_colocation_loop_is_placed(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", primitive("A") + primitive("B") + primitive("C"),
                 colocation("A", "B", "INFINITY") + colocation("B", "C", "INFINITY")
                 + colocation("C", "A", "INFINITY"))
    assert {placed(result, r) for r in "ABC"} == {"n1"}


def test_optional_colocation_with_a_stopped_primary_counts_against_all_nodes(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, "n1 n2", primitive("A") + primitive("B"),
                 colocation("B", "A", "4000") + location("A", "n1", "-INFINITY")
                 + location("A", "n2", "-INFINITY") + location("B", "n1", "5000"))
    assert scores(result, "B") == {"n1": "1000", "n2": "-4000"}


def test_cloned_group_members_are_traced_and_instances_skip_dependent_preferences(
    tmp_path: Path,
) -> None:
    clone = '<clone id="C">' + _group("G", "a", "b") + "</clone>"
    result = run(tmp_path, "n1 n2", clone + primitive("D"),
                 colocation("D", "C", "INFINITY") + location("D", "n2", "500"))
    # the clone shows what its dependent prefers...
    assert scores(result, "C", "pcmk__clone_allocate") == {"n1": "0", "n2": "500"}
    # ...its instances and their members do not take it
    assert scores(result, "G:0", "pcmk__clone_allocate") == {"n1": "0", "n2": "0"}
    assert scores(result, "a:0", "pcmk__clone_allocate") == {"n1": "0", "n2": "0"}
    assert scores(result, "b:1", "pcmk__clone_allocate") == {"n1": "0", "n2": "0"}


def _sticky_clone(clone_max: str = "") -> str:
    meta = (f'<meta_attributes id="cm">{nvpair("C", "clone-max", clone_max)}</meta_attributes>'
            if clone_max else "")
    return (f'<clone id="C">{meta}' + primitive("P", nvpair("P", "resource-stickiness", "100"))
            + "</clone>" + primitive("D", nvpair("D", "resource-stickiness", "100")))


def test_fewer_instances_than_nodes_weigh_the_clone_dependents(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2 n3", _sticky_clone("2"), colocation("D", "C", "INFINITY"),
                 active={"n1": [("P", "run")], "n2": [("P", "run"), ("D", "run")]})
    # P:1 (on n2, where D is) is placed first, weighing D's stickiness
    assert scores(result, "P:1") == {"n1": "0", "n2": "200", "n3": "0"}
    assert scores(result, "P:0") == {"n1": "100", "n2": "-INFINITY", "n3": "0"}


def test_instance_where_dependents_are_goes_first_without_weighing_them(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, "n1 n2 n3", _sticky_clone(), colocation("D", "C", "INFINITY"),
                 active={"n1": [("P", "run")], "n2": [("P", "run"), ("D", "run")]})
    assert scores(result, "P:1") == {"n1": "0", "n2": "100", "n3": "0"}
    assert scores(result, "P:0") == {"n1": "100", "n2": "-INFINITY", "n3": "0"}


def test_asymmetric_cluster_sticks_to_a_node_allowed_through_the_clone(tmp_path: Path) -> None:
    # the location names the clone; its running instance still sticks there
    clone = ('<clone id="C"><meta_attributes id="C-m">'
             '<nvpair id="C-u" name="globally-unique" value="true"/></meta_attributes>'
             + primitive("c") + "</clone>")
    result = run(tmp_path, "n1 n2", clone, location("C", "n1", "10"),
                 active={"n1": [("c:0", "run")]},
                 options='<nvpair id="o2" name="symmetric-cluster" value="false"/>')
    assert scores(result, "c:0")["n1"] == "11"


def test_scaled_dependent_scores_round_to_nearest_and_never_vanish(tmp_path: Path) -> None:
    # B's scores reach A times 100000/INFINITY = 0.1: 17 -> 1.7 -> 2, 25 -> 2.5 -> 3,
    # and a non-zero share too small to round to a point still counts as one
    result = run(
        tmp_path, "n1 n2 n3 n4",
        primitive("A") + primitive("B") + primitive("C") + primitive("D"),
        colocation("B", "A", "100000") + location("B", "n1", "17") + location("B", "n2", "25")
        + location("B", "n3", "-4")
        + colocation("D", "C", "-500") + location("D", "n3", "25") + location("D", "n4", "-25"),
    )
    # (a positive factor's share of -4 is -0.4: one point of the factor's sign)
    assert scores(result, "A") == {"n1": "2", "n2": "3", "n3": "1", "n4": "0"}
    assert scores(result, "C") == {"n1": "0", "n2": "0", "n3": "-1", "n4": "0"}


def test_a_dependent_group_brings_its_members_followers_not_its_own(tmp_path: Path) -> None:
    # A weighs G (which follows it): each member's scores once, what follows a
    # member (its last one's followers twice), but not what follows G itself
    resources = (primitive("A") + _group("G", "g1", "g2") + primitive("P") + primitive("Q")
                 + primitive("R"))
    result = run(
        tmp_path, "n1 n2 n3 n4", resources,
        colocation("G", "A", "INFINITY") + location("g2", "n1", "40")
        + colocation("P", "g2", "100000") + location("P", "n2", "300")
        + colocation("Q", "g1", "100000") + location("Q", "n3", "300")
        + colocation("R", "G", "100000") + location("R", "n4", "300"),
    )
    assert scores(result, "A") == {"n1": "40", "n2": "60", "n3": "30", "n4": "0"}


def test_what_follows_a_resource_weighs_in_by_name(tmp_path: Path) -> None:
    # g2 weighs g3 and what follows G: the one named first goes first; a merge
    # that leaves no usable node is dropped, so the order shows
    def g2_on_n2(avoiding: str) -> str:
        result = run(
            tmp_path, "n1 n2 n3", _group("G", "g1", "g2", "g3") + primitive("Q")
            + primitive(avoiding),
            colocation("Q", "G", "100000") + location("Q", "n2", "250")
            + colocation(avoiding, "G", "-500") + location(avoiding, "n2", "250"),
        )
        return scores(result, "g2")["n2"]

    assert g2_on_n2("P") == "25"  # P's -1 alone would leave no node: dropped
    assert g2_on_n2("Z") == "24"  # after Q's +25, Z's -1 counts


def _clone_and_dependents(d_n1: str, d_n2: str, e_n1: str, e_n2: str) -> str:
    scored = "".join(
        location(rsc, node, score)
        for rsc, node, score in (("D", "n1", d_n1), ("D", "n2", d_n2),
                                 ("E", "n1", e_n1), ("E", "n2", e_n2))
    )
    return colocation("D", "C", "INFINITY") + colocation("E", "C", "INFINITY") + scored


def _first_placed(tmp_path: Path, constraints: str) -> str:
    result = run(tmp_path, "n1 n2",
                 primitive("D") + primitive("E") + '<clone id="C">' + primitive("P") + "</clone>",
                 constraints, active={"n1": [("P", "run")], "n2": [("P", "run")]})
    first = next(line for line in result.scores
                 if line.startswith("pcmk__primitive_assign: P:"))
    return first.split()[1]


def test_instances_rank_by_the_clone_scores_with_each_dependent_weighed_in(
    tmp_path: Path,
) -> None:
    # D prefers n2, so P:1 (active there) would go first; but E can run
    # nowhere, which brings every positive node down to 1 (nothing is rolled
    # back): the instances tie and P:0 keeps its turn
    assert _first_placed(tmp_path, _clone_and_dependents("200", "210", "-INFINITY",
                                                         "-INFINITY")) == "P:0"
    # with D's score 0 on n1, n1 stays at 0, below P:1's n2: P:1 goes first
    assert _first_placed(tmp_path, _clone_and_dependents("0", "10", "-5",
                                                         "-INFINITY")) == "P:1"
    assert _first_placed(tmp_path, _clone_and_dependents("3", "10", "-2",
                                                         "-INFINITY")) == "P:0"
    # a dependent's dislike of a node never lowers it below the clone's own
    assert _first_placed(tmp_path, _clone_and_dependents("-1", "0", "0", "0")) == "P:0"


def test_instance_where_a_placed_primary_is_goes_first(tmp_path: Path) -> None:
    clone = ('<clone id="C"><meta_attributes id="C-m">' + nvpair("C", "promotable", "true")
             + "</meta_attributes>" + primitive("P") + "</clone>")
    coloc = '<rsc_colocation id="c1" rsc="C" rsc-role="Promoted" with-rsc="A" score="50"/>'
    result = run(tmp_path, "n1 n2 n3", primitive("A") + clone, coloc + location("A", "n2", "10"),
                 active={"n1": [("P", "run")], "n2": [("P", "run")]})
    first = next(line for line in result.scores
                 if line.startswith("pcmk__primitive_assign: P:"))
    assert first.split()[1] == "P:1"  # the instance on n2, where A is
