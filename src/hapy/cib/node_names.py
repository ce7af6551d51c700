"""Pacemaker's order of node names (case-insensitive, runs of digits by
value), shared by the scheduler (what it does node by node in name order)
and the displays (node lists)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any


def _digit_run(s: str, i: int) -> int:
    j = i
    while j < len(s) and s[j].isdigit():
        j += 1
    return j


def compare_node_names(a: str, b: str) -> int:
    """Pacemaker's node-name order: case-insensitive, digit runs numerically.

    Equal numbers with different widths put the shorter run first
    (``n7 < n07 < n007``).  Returns -1, 0 or 1.
    """
    i = j = 0
    while i < len(a) and j < len(b):
        ca, cb = a[i], b[j]
        if ca.isdigit() and cb.isdigit():
            ei, ej = _digit_run(a, i), _digit_run(b, j)
            na, nb = int(a[i:ei]), int(b[j:ej])
            if na != nb:
                return -1 if na < nb else 1
            if ei - i != ej - j:
                return -1 if ei - i < ej - j else 1
            i, j = ei, ej
            continue
        la, lb = ca.lower(), cb.lower()
        if la != lb:
            return -1 if la < lb else 1
        i += 1
        j += 1
    if i < len(a):
        return 1
    if j < len(b):
        return -1
    return 0


def sort_node_names(names: Iterable[str]) -> list[str]:
    """Stable sort of node names with :func:`compare_node_names`."""
    return sorted(names, key=functools.cmp_to_key(compare_node_names))


#: a sort key for node names in :func:`compare_node_names` order
node_name_key: Callable[[str], Any] = functools.cmp_to_key(compare_node_names)
