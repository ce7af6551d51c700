"""Name/value sets and their precedence, checked against Pacemaker 2.1.5.

Each case put the sets into a primitive's ``instance_attributes`` and read the
parameters ``crm_simulate -S -G`` wrote on the start action in the transition
graph; the cluster-property cases watched ``symmetric-cluster`` take effect.
The node had the attribute ``a=5``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from hapy.cib.nvsets import NvSet, ordered_nvsets, parse_nvsets, unpack_nvsets
from hapy.cib.rules import RuleContext
from hapy.cib.scores import INFINITY
from hapy.reports import ReportList

TRUE_RULE = ('<rule id="rt{n}" score="0"><expression id="et{n}" attribute="a" '
             'operation="eq" value="5"/></rule>')
FALSE_RULE = ('<rule id="rf{n}" score="0"><expression id="ef{n}" attribute="a" '
              'operation="eq" value="6"/></rule>')


def nv(name: str, value: str | None = None) -> str:
    val = f' value="{value}"' if value is not None else ""
    return f'<nvpair id="nv-{name}-{value}" name="{name}"{val}/>'


def ia(ident: str, body: str, score: str | None = None) -> str:
    sc = f' score="{score}"' if score is not None else ""
    return f'<instance_attributes id="{ident}"{sc}>{body}</instance_attributes>'


def effective(sets_xml: str, first_id: str | None = None) -> dict[str, str]:
    parent = etree.fromstring(f'<primitive id="P">{sets_xml}</primitive>')
    reports = ReportList()
    sets = parse_nvsets(parent, "instance_attributes", reports)
    ctx = RuleContext(node_attrs={"a": "5"}, now=datetime(2019, 9, 24, tzinfo=UTC))
    return unpack_nvsets(sets, ctx, first_id=first_id)


@pytest.mark.parametrize(
    ("sets_xml", "expected"),
    [
        # higher score first
        (ia("A", nv("p", "a"), "1") + ia("B", nv("p", "b"), "2"), {"p": "b"}),
        # equal scores: the LAST set listed wins (the documentation says otherwise)
        (ia("A", nv("p", "a"), "1") + ia("B", nv("p", "b"), "1"), {"p": "b"}),
        (ia("A", nv("p", "a")) + ia("B", nv("p", "b")), {"p": "b"}),
        (ia("A", nv("p", "a")) + ia("B", nv("p", "b") + nv("q", "b"))
         + ia("C", nv("q", "c") + nv("r", "c")), {"p": "b", "q": "c", "r": "c"}),
        (ia("X", nv("p", "x"), "1") + ia("Y", nv("p", "y") + nv("q", "y"), "0")
         + ia("Z", nv("p", "z") + nv("r", "z"), "1") + ia("W", nv("q", "w") + nv("s", "w"), "0"),
         {"p": "z", "q": "w", "r": "z", "s": "w"}),
        # a missing score is 0
        (ia("A", nv("p", "a"), "-1") + ia("B", nv("p", "b")), {"p": "b"}),
        (ia("A", nv("p", "a"), "100") + ia("B", nv("p", "b"), "INFINITY"), {"p": "b"}),
        # scores read like any score: abc is 0, 5abc is 5, both infinities tie
        (ia("X", nv("p", "x"), "abc") + ia("Y", nv("p", "y"), "-1"), {"p": "x"}),
        (ia("X", nv("p", "x"), "5abc") + ia("Y", nv("p", "y"), "1"), {"p": "x"}),
        (ia("X", nv("p", "x"), "-INFINITY") + ia("Y", nv("p", "y"), "-1000000"), {"p": "y"}),
        (ia("X", nv("p", "x"), "2000000") + ia("Y", nv("p", "y"), "INFINITY"), {"p": "y"}),
        # inside a set the first nvpair of a name wins
        (ia("A", nv("p", "a") + nv("p", "b")), {"p": "a"}),
        # an nvpair without value is skipped; value="" is a value
        (ia("A", nv("p"), "2") + ia("B", nv("p", "b"), "1"), {"p": "b"}),
        (ia("A", nv("p", "a") + nv("p")), {"p": "a"}),
        (ia("A", nv("p") + nv("p", "b")), {"p": "b"}),
        (ia("A", nv("p", ""), "2") + ia("B", nv("p", "b"), "1"), {"p": ""}),
        # so is one whose value is #default, in any case
        (ia("A", nv("p", "#default") + nv("p", "a"), "2") + ia("B", nv("p", "b"), "1"),
         {"p": "a"}),
        (ia("A", nv("p", "#DEFAULT"), "2") + ia("B", nv("p", "b"), "1"), {"p": "b"}),
        # rules
        (ia("A", FALSE_RULE.format(n=1) + nv("p", "a"), "2") + ia("B", nv("p", "b"), "1"),
         {"p": "b"}),
        (ia("A", TRUE_RULE.format(n=1) + nv("p", "a"), "2") + ia("B", nv("p", "b"), "1"),
         {"p": "a"}),
        (ia("A", '<rule id="r"><date_expression id="d" operation="gt" start="2000-01-01"/>'
            "</rule>" + nv("p", "a"), "2") + ia("B", nv("p", "b"), "1"), {"p": "a"}),
        # several rules in one set: any true rule applies it
        (ia("A", TRUE_RULE.format(n=1) + FALSE_RULE.format(n=1) + nv("p", "a"), "2")
         + ia("B", nv("p", "b"), "1"), {"p": "a"}),
        (ia("A", FALSE_RULE.format(n=1) + TRUE_RULE.format(n=1) + nv("p", "a"), "2")
         + ia("B", nv("p", "b"), "1"), {"p": "a"}),
        (ia("A", FALSE_RULE.format(n=1) + FALSE_RULE.format(n=2) + nv("p", "a"), "2")
         + ia("B", nv("p", "b"), "1"), {"p": "b"}),
    ],
)
def test_precedence_like_crm_simulate(sets_xml: str, expected: dict[str, str]) -> None:
    assert effective(sets_xml) == expected


def test_cluster_property_sets() -> None:
    # symmetric-cluster in two unscored sets: the second one decides
    sets = [NvSet("A", 0, None, (("symmetric-cluster", "true"),)),
            NvSet("B", 0, None, (("symmetric-cluster", "false"),))]
    assert unpack_nvsets(sets, RuleContext({}))["symmetric-cluster"] == "false"
    # cib-bootstrap-options comes first whatever the scores and order
    sets = [NvSet("Z", 100, None, (("symmetric-cluster", "true"),)),
            NvSet("cib-bootstrap-options", -5, None, (("symmetric-cluster", "false"),)),
            NvSet("Y", 0, None, (("other", "1"),))]
    got = unpack_nvsets(sets, RuleContext({}), first_id="cib-bootstrap-options")
    assert got == {"symmetric-cluster": "false", "other": "1"}
    assert [s.id for s in ordered_nvsets(sets, first_id="cib-bootstrap-options")] == \
        ["cib-bootstrap-options", "Z", "Y"]


def test_parse_nvsets_model() -> None:
    parent = etree.fromstring(
        '<primitive id="P">'
        '<meta_attributes id="M" score="INFINITY">'
        + TRUE_RULE.format(n=1) + nv("target-role", "Stopped") + nv("x") +
        '<nvpair id="noname" value="1"/><!-- comment --></meta_attributes>'
        + ia("I", nv("p", "1"))
        + '<meta_attributes id="M2"/></primitive>'
    )
    reports = ReportList()
    sets = parse_nvsets(parent, "meta_attributes", reports)
    assert [s.id for s in sets] == ["M", "M2"]
    first = sets[0]
    assert first.score == INFINITY
    assert first.pairs == (("target-role", "Stopped"),)
    assert first.rule is not None and first.rule.id == "rt1"
    assert sets[1] == NvSet("M2", 0, None, ())
    assert [r.code for r in reports] == ["NVPAIR_NO_NAME"]


def test_rule_context_reaches_the_set_rules() -> None:
    xml = ia("A", '<rule id="r"><op_expression id="o" name="monitor"/></rule>' + nv("t", "7s"))
    sets = parse_nvsets(etree.fromstring(f"<op_defaults>{xml}</op_defaults>"),
                        "instance_attributes", ReportList())
    assert unpack_nvsets(sets, RuleContext({}, op_name="monitor")) == {"t": "7s"}
    assert unpack_nvsets(sets, RuleContext({}, op_name="start")) == {}
    assert unpack_nvsets(sets, RuleContext({})) == {}
