"""Name/value sets (instance_attributes, meta_attributes, utilization...).

Precedence, as Pacemaker 2.1.5 applies it (checked with the parameters
``crm_simulate`` writes into the transition graph):

* sets are taken highest ``score`` first (a score is read like any Pacemaker
  score: ``INFINITY``, ``5abc`` is 5, ``abc`` is 0, missing is 0);
* among sets with the same score the *last* one in the document comes first,
  contrary to what the documentation says;
* a name already set is kept; inside one set the first nvpair of a name wins;
* an nvpair without ``value``, or whose value is ``#default`` (any case),
  is skipped (it blocks nothing), while ``value=""`` sets the empty string;
* a set whose rule is false is skipped; a set with several rules applies when
  any of them is true;
* the set named by ``first_id`` (``cib-bootstrap-options``) comes before all.
"""

from __future__ import annotations

from lxml import etree

from hapy.cib.rules import Rule, RuleContext, evaluate_rule, parse_rule
from hapy.cib.scores import parse_score
from hapy.records import record
from hapy.reports import ReportList


@record
class NvSet:
    id: str
    score: int
    rule: Rule | None
    pairs: tuple[tuple[str, str], ...]


def parse_nvset(elem: etree._Element, reports: ReportList, source: str = "") -> NvSet:
    """One set element (its ``id-ref`` already resolved by the caller)."""
    rules: list[Rule] = []
    pairs: list[tuple[str, str]] = []
    for child in elem:
        if child.tag == "rule":
            rule = parse_rule(child, reports, source)
            if rule is not None:
                rules.append(rule)
        elif child.tag == "nvpair":
            name = child.get("name")
            value = child.get("value")
            if name is None:
                reports.warning(
                    "NVPAIR_NO_NAME",
                    f"<nvpair id=\"{child.get('id', '')}\"> has no name; it is ignored",
                    hint="give the nvpair a name",
                    element="nvpair", id=child.get("id", ""),
                )
                continue
            if value is None or value.lower() == "#default":
                continue  # Pacemaker skips it: it neither sets nor blocks the name
            pairs.append((name, value))
    rule_value: Rule | None = None
    if len(rules) == 1:
        rule_value = rules[0]
    elif rules:
        # several rules directly in one set: the set applies when any is true
        rule_value = Rule(id=elem.get("id", ""), boolean_op="or", score=None,
                          score_attribute=None, role=None, children=tuple(rules))
    score_text = elem.get("score")
    score = parse_score(score_text) if score_text is not None else 0
    return NvSet(elem.get("id", ""), score, rule_value, tuple(pairs))


def parse_nvsets(parent: etree._Element, tag: str, reports: ReportList,
                 source: str = "") -> tuple[NvSet, ...]:
    """Every direct child ``tag`` of ``parent``, in document order."""
    return tuple(
        parse_nvset(elem, reports, source) for elem in parent if elem.tag == tag
    )


def ordered_nvsets(sets: tuple[NvSet, ...] | list[NvSet], *,
                   first_id: str | None = None) -> list[NvSet]:
    """The sets in the order their values take precedence."""
    indexed = list(enumerate(sets))
    indexed.sort(key=lambda item: (
        0 if first_id is not None and item[1].id == first_id else 1,
        -item[1].score,
        -item[0],
    ))
    return [nvset for _, nvset in indexed]


def unpack_nvsets(sets: tuple[NvSet, ...] | list[NvSet], ctx: RuleContext, *,
                  first_id: str | None = None) -> dict[str, str]:
    """The effective name/value pairs of ``sets`` for ``ctx``."""
    result: dict[str, str] = {}
    for nvset in ordered_nvsets(sets, first_id=first_id):
        if nvset.rule is not None and not evaluate_rule(nvset.rule, ctx):
            continue
        for name, value in nvset.pairs:
            if name not in result:
                result[name] = value
    return result
