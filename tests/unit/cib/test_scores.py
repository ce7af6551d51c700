"""Scores, checked against Pacemaker 2.1.5.

The parse table comes from location rules ``<rule score="TEXT">`` that were
true on the node: ``crm_simulate -s`` printed the allocation score.
"""

from __future__ import annotations

import pytest

from hapy.cib.scores import INFINITY, add_scores, leading_int, parse_score, score_text

#: score text -> crm_simulate's allocation score
SCORES: list[tuple[str, int]] = [
    ("5abc", 5), ("abc", 0), (" 5", 5), ("+5", 5), ("5.7", 5), ("1e3", 1),
    ("infinity", 0), ("INFINITY", INFINITY), ("+INFINITY", INFINITY), ("-INFINITY", -INFINITY),
    ("-infinity", 0), ("+inf", 0), ("inf", 0), ("Infinity", 0), ("INFINITYx", 0),
    ("infinity5", 0), ("", 0), ("99999999999", INFINITY), ("-99999999999", -INFINITY),
    ("999999", 999999), ("1000001", INFINITY), ("-5", -5), ("0x10", 0), ("5 ", 5),
    ("-abc", 0), ("- 5", 0), ("--5", 0), ("+-5", 0),
    # no node-health-strategy: the colours are 0
    ("red", 0), ("yellow", 0), ("green", 0), ("RED", 0),
]


@pytest.mark.parametrize(("text", "score"), SCORES)
def test_parse_score_like_pacemaker(text: str, score: int) -> None:
    assert parse_score(text) == score


def test_health_colours() -> None:
    # node-health-strategy=custom, node-health-red=-100, -yellow=-7, -green=3
    custom = {"red": -100, "yellow": -7, "green": 3}
    assert [parse_score(c, health=custom) for c in ("red", "RED", "Red", "yellow", "green")] \
        == [-100, -100, -100, -7, 3]
    assert parse_score("red5", health=custom) == 0
    # migrate-on-red: red is -INFINITY, the others 0
    assert parse_score("red", health={"red": -INFINITY}) == -INFINITY
    assert parse_score("yellow", health={"red": -INFINITY}) == 0


def test_strict_parse() -> None:
    assert parse_score(" -7 ", strict=True) == -7
    assert parse_score("INFINITY", strict=True) == INFINITY
    for text in ("5abc", "abc", "", "1e3", "- 5", "５"):
        with pytest.raises(ValueError, match="not a score"):
            parse_score(text, strict=True)


@pytest.mark.parametrize(
    ("a", "b", "total"),
    [
        (6, 5, 11),
        (INFINITY, 5, INFINITY),
        (INFINITY, -5, INFINITY),
        (-INFINITY, 5, -INFINITY),
        (INFINITY, -INFINITY, -INFINITY),
        (-INFINITY, INFINITY, -INFINITY),
        (999_999, 999_999, INFINITY),
        (-999_999, -2, -INFINITY),
        (-6, 5, -1),
        (2_000_000, -5, INFINITY),
    ],
)
def test_add_scores(a: int, b: int, total: int) -> None:
    assert add_scores(a, b) == total


def test_score_text_and_leading_int() -> None:
    assert [score_text(s) for s in (INFINITY, -INFINITY, 7, 2_000_000)] == \
        ["INFINITY", "-INFINITY", "7", "INFINITY"]
    assert leading_int("\t-12x") == -12
    assert leading_int("x12") is None
    assert leading_int("+") is None
