"""The syntax of the fencer's list parameters.

* ``pcmk_host_list``: node names separated by spaces, commas or semicolons.
* ``pcmk_host_map``: ``node:port`` (or ``node=port``) entries separated by
  semicolons or blanks; the port may itself be a comma-separated list
  (``node2:2,3`` fences node2 through ports 2 and 3).
* ``pcmk_delay_base``: one duration for every target, or a map of them in the
  ``pcmk_host_map`` syntax (``node1:1s;node2:5``; a bare number is seconds).
"""

from __future__ import annotations

import re

from hapy.cib.iso8601 import parse_msec

_LIST_SEPARATORS = re.compile(r"[\s,;]+")
_MAP_SEPARATORS = re.compile(r"[\s;]+")


def parse_host_list(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(dict.fromkeys(n for n in _LIST_SEPARATORS.split(text) if n))


def parse_host_map(text: str | None) -> dict[str, str]:
    """``{node: port}``; ValueError names an entry without a port."""
    result: dict[str, str] = {}
    if not text:
        return result
    for entry in _MAP_SEPARATORS.split(text):
        if not entry:
            continue
        cut = min((i for i in (entry.find(":"), entry.find("=")) if i >= 0), default=-1)
        if cut <= 0 or cut == len(entry) - 1:
            raise ValueError(f"'{entry}' is not node:port")
        result[entry[:cut]] = entry[cut + 1:]
    return result


def parse_delay_base(text: str | None, target: str) -> int:
    """The base delay (ms) for ``target``; ValueError when invalid."""
    if not text:
        return 0
    text = text.strip()
    if ":" in text or "=" in text:
        value = parse_host_map(text).get(target)
        return parse_msec(value) if value else 0
    return parse_msec(text)
