"""An interleaved clone colocated with another clone: each instance pairs
with one of the primary's instances."""

from __future__ import annotations

from pathlib import Path

from tests.unit.scheduler.placement_cib import (
    colocation,
    nvpair,
    placed,
    primitive,
    run,
    scores,
)


def _clones(interleave: str) -> str:
    return ('<clone id="A">' + primitive("a") + "</clone>"
            + f'<clone id="B"><meta_attributes id="B-m">{nvpair("B", "interleave", interleave)}'
            + "</meta_attributes>" + primitive("b") + "</clone>")


def test_interleaved_instance_pairs_with_the_primary_instance_on_its_node(
        tmp_path: Path) -> None:
    active = {"n1": [("a", "run")], "n3": [("a", "run"), ("b", "run")]}
    result = run(tmp_path, "n1 n2 n3", _clones("true"), colocation("B", "A", "INFINITY")
                 + '<rsc_location id="l" rsc="A" node="n2" score="-INFINITY"/>', active=active)
    # b:0 is active on n3: it pairs with A's instance there, not the one on n1
    assert scores(result, "b:0") == {"n1": "-INFINITY", "n2": "-INFINITY", "n3": "1"}
    assert scores(result, "b:1") == {"n1": "0", "n2": "-INFINITY", "n3": "-INFINITY"}


def test_instance_of_a_clone_not_interleaved_may_use_any_primary_node(tmp_path: Path) -> None:
    active = {"n1": [("a", "run")], "n3": [("a", "run"), ("b", "run")]}
    result = run(tmp_path, "n1 n2 n3", _clones("false"), colocation("B", "A", "INFINITY")
                 + '<rsc_location id="l" rsc="A" node="n2" score="-INFINITY"/>', active=active)
    assert scores(result, "b:0") == {"n1": "0", "n2": "-INFINITY", "n3": "1"}


def test_group_instance_pairs_through_its_first_member(tmp_path: Path) -> None:
    # the pairing with A's instance shows on the group's first member as it is
    # placed, not in the group's own scores
    resources = ('<clone id="A">' + primitive("a") + "</clone>"
                 + f'<clone id="B"><meta_attributes id="B-m">{nvpair("B", "interleave", "true")}'
                 + '</meta_attributes><group id="g">' + primitive("b1") + primitive("b2")
                 + "</group></clone>")
    active = {"n1": [("a", "run")], "n2": [("a", "run")]}
    result = run(tmp_path, "n1 n2", resources, colocation("B", "A", "INFINITY"), active=active)
    assert scores(result, "g:0", "pcmk__group_assign") == {"n1": "0", "n2": "0"}
    assert scores(result, "b1:0", "pcmk__group_assign") == {"n1": "0", "n2": "0"}
    assert scores(result, "b1:0") == {"n1": "0", "n2": "-INFINITY"}
    assert placed(result, "b1:0") == "n1"
    assert placed(result, "b2:0") == "n1"
