"""Pacemaker scores: integers clamped to +/-INFINITY (1000000).

Behaviour checked against Pacemaker 2.1.5 (``crm_simulate -s`` on location
rules with odd ``score`` values):

* ``INFINITY``, ``+INFINITY`` and ``-INFINITY`` are case-sensitive
  (``infinity`` is 0);
* ``red``, ``yellow`` and ``green`` (any case) take the node-health score
  given in ``health`` (0 when none is given: that is what Pacemaker uses while
  no ``node-health-strategy`` is set);
* anything else is read like C's ``strtoll``: leading blanks, an optional sign,
  the leading decimal digits; trailing text is ignored (``"5abc"`` and
  ``"5.7"`` are 5, ``"1e3"`` is 1) and text without digits is 0;
* the result saturates at +/-INFINITY.
"""

from __future__ import annotations

from collections.abc import Mapping

INFINITY = 1_000_000

_NAMED = {"INFINITY": INFINITY, "+INFINITY": INFINITY, "-INFINITY": -INFINITY}
_HEALTH = frozenset(("red", "yellow", "green"))
_BLANKS = " \t\n\v\f\r"
_DIGITS = frozenset("0123456789")


def leading_int(text: str) -> int | None:
    """C ``strtoll`` on ``text``: the leading integer, or None without digits.

    Leading blanks and one sign are skipped; anything after the digits is
    ignored.  (Overflow is not clamped here: callers clamp as they need.)
    """
    i = 0
    n = len(text)
    while i < n and text[i] in _BLANKS:
        i += 1
    start = i
    if i < n and text[i] in "+-":
        i += 1
    digits_start = i
    while i < n and text[i] in _DIGITS:
        i += 1
    if i == digits_start:
        return None
    return int(text[start:i])


def clamp_score(value: int) -> int:
    return max(-INFINITY, min(INFINITY, value))


def scaled_score(score: int, factor: float) -> int:
    """``score`` times ``factor`` (a colocation's score / INFINITY), as Pacemaker
    weighs another resource's node score: rounded to the nearest integer (halves
    away from zero), saturating at +/-INFINITY; a non-zero result of less than
    half a point still counts as one point, of the factor's sign (a positive
    colocation's share of a slightly negative score is +1)."""
    value = score * factor
    if value >= INFINITY:
        return INFINITY
    if value <= -INFINITY:
        return -INFINITY
    magnitude = int(abs(value) + 0.5)
    if magnitude == 0 and value != 0:
        return 1 if factor > 0 else -1
    return magnitude if value > 0 else -magnitude


def parse_score(text: str, *, health: Mapping[str, int] | None = None,
                strict: bool = False) -> int:
    """A score as Pacemaker reads one (never fails unless ``strict``).

    ``strict=True`` raises ValueError for text that is not wholly a score
    (an integer, a signed INFINITY or a health colour), for validators that
    want to warn where Pacemaker silently reads 0 or a prefix.
    """
    named = _NAMED.get(text)
    if named is not None:
        return named
    lowered = text.lower()
    if lowered in _HEALTH:
        return clamp_score(health.get(lowered, 0)) if health else 0
    value = leading_int(text)
    if strict:
        stripped = text.strip()
        body = stripped[1:] if stripped[:1] in ("+", "-") else stripped
        if not body or not body.isdigit() or not body.isascii():
            raise ValueError(f"'{text}' is not a score (use an integer, INFINITY or -INFINITY)")
    if value is None:
        return 0
    return clamp_score(value)


def add_scores(a: int, b: int) -> int:
    """Add two scores: -INFINITY wins over +INFINITY; results saturate."""
    if a <= -INFINITY or b <= -INFINITY:
        return -INFINITY
    if a >= INFINITY or b >= INFINITY:
        return INFINITY
    return clamp_score(a + b)


def score_text(score: int) -> str:
    """A score as Pacemaker prints it."""
    if score >= INFINITY:
        return "INFINITY"
    if score <= -INFINITY:
        return "-INFINITY"
    return str(score)
