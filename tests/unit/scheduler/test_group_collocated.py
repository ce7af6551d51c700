"""A group's members are chained by colocations unless ``collocated`` is false."""

from __future__ import annotations

from pathlib import Path

from tests.unit.scheduler.placement_cib import location, nvpair, placed, primitive, run, scores


def _group(collocated: str) -> str:
    return (f'<group id="g"><meta_attributes id="g-m">{nvpair("g", "collocated", collocated)}'
            + "</meta_attributes>" + primitive("a") + primitive("b") + "</group>")


def test_members_of_a_collocated_group_follow_the_first(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", _group("true"), location("a", "n1", "100")
                 + location("b", "n2", "50"))
    assert scores(result, "a") == {"n1": "100", "n2": "50"}
    assert placed(result, "b") == "n1"


def test_members_of_a_group_not_collocated_are_placed_each_on_its_own(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", _group("false"), location("a", "n1", "100")
                 + location("b", "n2", "50"))
    # b's preference does not weigh on a, nor a's node on b
    assert scores(result, "a") == {"n1": "100", "n2": "0"}
    assert scores(result, "b") == {"n1": "0", "n2": "50"}
    assert placed(result, "a") == "n1"
    assert placed(result, "b") == "n2"
