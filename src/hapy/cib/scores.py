"""Pacemaker scores: integers clamped to +/-INFINITY (1000000)."""

from __future__ import annotations

INFINITY = 1_000_000

_NAMED = {
    "infinity": INFINITY,
    "+infinity": INFINITY,
    "-infinity": -INFINITY,
}


def parse_score(text: str) -> int:
    """Parse a score; raises ValueError for anything that is not one."""
    value = text.strip()
    named = _NAMED.get(value.lower())
    if named is not None:
        return named
    if value.lower() in ("red", "yellow", "green"):
        raise ValueError(f"'{text}' is a node-health color, not a score")
    try:
        number = int(value)
    except ValueError:
        try:
            number = int(float(value))
        except ValueError:
            raise ValueError(f"'{text}' is not a score") from None
    return max(-INFINITY, min(INFINITY, number))


def add_scores(a: int, b: int) -> int:
    """Add two scores: -INFINITY wins over +INFINITY; results saturate."""
    if a <= -INFINITY or b <= -INFINITY:
        return -INFINITY
    if a >= INFINITY or b >= INFINITY:
        return INFINITY
    return max(-INFINITY, min(INFINITY, a + b))


def score_text(score: int) -> str:
    if score >= INFINITY:
        return "INFINITY"
    if score <= -INFINITY:
        return "-INFINITY"
    return str(score)
