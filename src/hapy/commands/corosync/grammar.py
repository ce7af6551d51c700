"""``hapy cluster setup``'s words, in pcs 0.11's grammar:

    NAME NODE [addr=ADDR]... [NODE [addr=ADDR]...]...
        [transport knet [OPTION=VALUE]... [link [OPTION=VALUE]...]...
                        [compression [OPTION=VALUE]...] [crypto [OPTION=VALUE]...]]
        [totem [OPTION=VALUE]...] [quorum [OPTION=VALUE]...]

:func:`parse_setup` turns them into a :class:`SetupSpec` (syntax only; the
options' names and values are checked by :mod:`.validate`).
"""

from __future__ import annotations

from collections.abc import Sequence

from hapy.records import record
from hapy.reports import HapyError, report

Pairs = tuple[tuple[str, str], ...]

#: the words that open a section after the nodes
TOP_KEYWORDS = ("transport", "totem", "quorum")
#: the words that open a sub-section of ``transport``
TRANSPORT_KEYWORDS = ("link", "compression", "crypto")


@record
class NodeSpec:
    name: str
    addrs: tuple[str, ...] = ()


@record
class SetupSpec:
    cluster_name: str
    nodes: tuple[NodeSpec, ...]
    transport: str = "knet"
    transport_options: Pairs = ()
    links: tuple[Pairs, ...] = ()
    compression: Pairs = ()
    crypto: Pairs = ()
    totem: Pairs = ()
    quorum: Pairs = ()


def _syntax(message: str, hint: str = "") -> HapyError:
    return HapyError([report(
        "CLUSTER_SETUP_SYNTAX", message,
        hint=hint or "hapy cluster setup NAME NODE [addr=ADDR]... [transport knet [OPTIONS] "
                     "[link OPTIONS]... [compression OPTIONS] [crypto OPTIONS]] "
                     "[totem OPTIONS] [quorum OPTIONS]")])


def _pair(word: str, where: str) -> tuple[str, str]:
    if "=" not in word:
        raise _syntax(f"expected OPTION=VALUE in {where}, not {word!r}")
    key, value = word.split("=", 1)
    if not key:
        raise _syntax(f"an option without a name in {where}: {word!r}")
    return key, value


def parse_setup(cluster_name: str, words: Sequence[str]) -> SetupSpec:
    """The setup :class:`SetupSpec` ``words`` describe (raises ``CLUSTER_SETUP_SYNTAX``)."""
    if not cluster_name:
        raise _syntax("the cluster needs a name")
    nodes: list[NodeSpec] = []
    index = 0
    while index < len(words) and words[index] not in TOP_KEYWORDS:
        word = words[index]
        if "=" in word:
            key, value = _pair(word, "the node list")
            if key != "addr":
                raise _syntax(f"unknown node option {key!r} (only addr=ADDRESS)")
            if not nodes:
                raise _syntax(f"{word!r} comes before any node name")
            last = nodes[-1]
            nodes[-1] = NodeSpec(last.name, (*last.addrs, value))
        elif word in TRANSPORT_KEYWORDS:
            raise _syntax(f"{word!r} must follow 'transport knet'")
        else:
            nodes.append(NodeSpec(word))
        index += 1
    if not nodes:
        raise _syntax("no nodes given")
    sections: dict[str, list[tuple[str, str]]] = {}
    links: list[list[tuple[str, str]]] = []
    transport = "knet"
    seen: set[str] = set()
    current: list[tuple[str, str]] | None = None
    current_name = ""
    in_transport = False
    while index < len(words):
        word = words[index]
        index += 1
        if word in TOP_KEYWORDS:
            if word in seen:
                raise _syntax(f"{word!r} is given twice")
            seen.add(word)
            in_transport = word == "transport"
            if in_transport:
                if index >= len(words) or "=" in words[index] or \
                        words[index] in (*TOP_KEYWORDS, *TRANSPORT_KEYWORDS):
                    raise _syntax("'transport' needs a type (knet)")
                transport = words[index]
                index += 1
                word = "transport_options"
            current = sections.setdefault(word, [])
            current_name = word
        elif word in TRANSPORT_KEYWORDS:
            if not in_transport:
                raise _syntax(f"{word!r} must follow 'transport knet'")
            if word == "link":
                links.append([])
                current = links[-1]
            else:
                if word in seen:
                    raise _syntax(f"{word!r} is given twice")
                seen.add(word)
                current = sections.setdefault(word, [])
            current_name = word
        else:
            if current is None:
                raise _syntax(f"unexpected {word!r}")
            current.append(_pair(word, current_name))
    return SetupSpec(
        cluster_name, tuple(nodes), transport,
        tuple(sections.get("transport_options", ())), tuple(tuple(link) for link in links),
        tuple(sections.get("compression", ())), tuple(sections.get("crypto", ())),
        tuple(sections.get("totem", ())), tuple(sections.get("quorum", ())))
