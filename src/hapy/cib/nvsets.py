"""Name/value sets (instance_attributes, meta_attributes, utilization...)."""

from __future__ import annotations

from dataclasses import dataclass

from hapy.cib.rules import Rule, RuleContext, evaluate_rule, parse_rule
from hapy.cib.scores import parse_score
from hapy.reports import ReportList


@dataclass(frozen=True)
class NvSet:
    id: str
    score: int
    rule: Rule | None
    pairs: tuple[tuple[str, str | None], ...]


def parse_nvsets(parent: object, tag: str, reports: ReportList) -> tuple[NvSet, ...]:
    from lxml import etree

    assert isinstance(parent, etree._Element)
    out = []
    for elem in parent:
        if not isinstance(elem.tag, str) or elem.tag != tag:
            continue
        try:
            score = parse_score(elem.get("score", "0"))
        except ValueError:
            score = 0
        rule = None
        rule_elem = elem.find("rule")
        if rule_elem is not None:
            rule = parse_rule(rule_elem, reports)
        pairs = tuple(
            (nv.get("name", ""), nv.get("value"))
            for nv in elem if isinstance(nv.tag, str) and nv.tag == "nvpair"
        )
        out.append(NvSet(elem.get("id", ""), score, rule, pairs))
    return tuple(out)


def unpack_nvsets(sets: tuple[NvSet, ...], ctx: RuleContext, *,
                  first_id: str | None = None) -> dict[str, str]:
    ordered = sorted(
        enumerate(sets),
        key=lambda item: (0 if first_id is not None and item[1].id == first_id else 1,
                          -item[1].score, item[0]),
    )
    result: dict[str, str] = {}
    for _, nvset in ordered:
        if nvset.rule is not None and not evaluate_rule(nvset.rule, ctx):
            continue
        for name, value in nvset.pairs:
            if name in result or value is None:
                continue
            result[name] = value
    return result
