"""Rules: parsing and evaluation, checked against Pacemaker 2.1.5.

Every expected value below was produced by the real Pacemaker: a CIB with one
location constraint per rule (``score="1"``) was run through ``crm_simulate -s``
(with ``-t DATE`` for the date rules) and the allocation score tells whether
the rule was true on the node.  CIBs with invalid elements were run with
``validate-with="none"``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import etree

from hapy.cib.iso8601 import Duration, parse_datetime
from hapy.cib.rules import (
    AttrExpression,
    DateExpression,
    OpExpression,
    RscExpression,
    Rule,
    RuleContext,
    UnknownExpression,
    compare_values,
    compare_versions,
    evaluate_rule,
    moon_phase,
    parse_rule,
    parse_spec_range,
    rule_score,
)
from hapy.cib.scores import INFINITY
from hapy.reports import ReportList


def rule_of(xml: str) -> tuple[Rule, ReportList]:
    reports = ReportList()
    parsed = parse_rule(etree.fromstring(xml), reports, "test.xml")
    assert parsed is not None
    return parsed, reports


def true_on(xml: str, attrs: dict[str, str] | None = None, now: str | None = None,
            **ctx: object) -> bool:
    rule, _ = rule_of(xml)
    when = parse_datetime(now) if now else None
    return evaluate_rule(rule, RuleContext(node_attrs=attrs or {}, now=when, **ctx))  # type: ignore[arg-type]


def codes(reports: ReportList) -> set[str]:
    return {r.code for r in reports}


# -- node attribute expressions: the crm_simulate matrix ------------------------------

#: node attribute values (None: the node lacks the attribute), in column order
MATRIX_NODE_VALUES: tuple[str | None, ...] = (
    '10', '9', '10.0', '1e1', 'abc', '', '0x10', ' 10', '10 ', '-5', '1.5', '2', '1.2.3',
    '1.10', '1.9', '010', '99999999999999999999', '+10', '10abc', 'ABC', 'inf', 'nan', '9.99',
    '-0', None,
)
#: (operation, type, expression value) -> one digit per node value: 1 when
#: crm_simulate gave the rule's score, i.e. the expression was true
MATRIX: dict[tuple[str, str | None, str], str] = {
    ('lt', None, '10'): '0101011001111110000000110',
    ('lt', None, '9.5'): '0100010001111110000000010',
    ('lt', None, 'abc'): '1111011111111111111000110',
    ('lt', None, '1.9'): '0000010001101100000000010',
    ('lt', None, ''): '0000000000000000000000000',
    ('lt', None, '1e1'): '0000011001101110000000110',
    ('lt', None, '10abc'): '0101011001111110000000110',
    ('lt', None, '1.2'): '0000010001000100000000010',
    ('lt', 'string', '10'): '0000011101101111010000010',
    ('lt', 'string', '9.5'): '1111011111111111011000010',
    ('lt', 'string', 'abc'): '1111011111111111111000110',
    ('lt', 'string', '1.9'): '0000011101101101010000010',
    ('lt', 'string', ''): '0000000000000000000000000',
    ('lt', 'string', '1e1'): '1010011111101111011000010',
    ('lt', 'string', '10abc'): '1010011111101111010000010',
    ('lt', 'string', '1.2'): '0000011101000101010000010',
    ('lt', 'integer', '10'): '0101011001111110000000110',
    ('lt', 'integer', '9.5'): '0001011001111110000000010',
    ('lt', 'integer', 'abc'): '1111011111111111111000110',
    ('lt', 'integer', '1.9'): '0000011001000000000000010',
    ('lt', 'integer', ''): '0000000000000000000000000',
    ('lt', 'integer', '1e1'): '0000011001000000000000010',
    ('lt', 'integer', '10abc'): '0101011001111110000000110',
    ('lt', 'integer', '1.2'): '0000011001000000000000010',
    ('lt', 'number', '10'): '0100010001111110000000110',
    ('lt', 'number', '9.5'): '0100010001111110000000010',
    ('lt', 'number', 'abc'): '1111011111111111111000110',
    ('lt', 'number', '1.9'): '0000010001101100000000010',
    ('lt', 'number', ''): '0000000000000000000000000',
    ('lt', 'number', '1e1'): '0100010001111110000000110',
    ('lt', 'number', '10abc'): '0100010001111110000000110',
    ('lt', 'number', '1.2'): '0000010001000100000000010',
    ('gt', None, '10'): '0000100000000000100111000',
    ('gt', None, '9.5'): '1011101110000001111110100',
    ('gt', None, 'abc'): '0000000000000000000011000',
    ('gt', None, '1.9'): '1111101110010001111110100',
    ('gt', None, ''): '0000000000000000000000000',
    ('gt', None, '1e1'): '1100100110010001111111000',
    ('gt', None, '10abc'): '0000100000000000100111000',
    ('gt', None, '1.2'): '1111101110110011111110100',
    ('gt', 'string', '10'): '0111100010010000101111100',
    ('gt', 'string', '9.5'): '0000100000000000100111100',
    ('gt', 'string', 'abc'): '0000000000000000000011000',
    ('gt', 'string', '1.9'): '1111100010010000101111100',
    ('gt', 'string', ''): '0000000000000000000000000',
    ('gt', 'string', '1e1'): '0100100000010000100111100',
    ('gt', 'string', '10abc'): '0101100000010000100111100',
    ('gt', 'string', '1.2'): '1111100010111010101111100',
    ('gt', 'integer', '10'): '0000100000000000100111000',
    ('gt', 'integer', '9.5'): '1010100110000001111111000',
    ('gt', 'integer', 'abc'): '0000000000000000000011000',
    ('gt', 'integer', '1.9'): '1110100110010001111111100',
    ('gt', 'integer', ''): '0000000000000000000000000',
    ('gt', 'integer', '1e1'): '1110100110010001111111100',
    ('gt', 'integer', '10abc'): '0000100000000000100111000',
    ('gt', 'integer', '1.2'): '1110100110010001111111100',
    ('gt', 'number', '10'): '0000101000000000100110000',
    ('gt', 'number', '9.5'): '1011101110000001111110100',
    ('gt', 'number', 'abc'): '0000000000000000000011000',
    ('gt', 'number', '1.9'): '1111101110010001111110100',
    ('gt', 'number', ''): '0000000000000000000000000',
    ('gt', 'number', '1e1'): '0000101000000000100110000',
    ('gt', 'number', '10abc'): '0000101000000000100110000',
    ('gt', 'number', '1.2'): '1111101110110011111110100',
    ('lte', None, '10'): '1111011111111111011000110',
    ('lte', None, '9.5'): '0100010001111110000001010',
    ('lte', None, 'abc'): '1111111111111111111100110',
    ('lte', None, '1.9'): '0000010001101110000001010',
    ('lte', None, ''): '0000000000000000000000000',
    ('lte', None, '1e1'): '0011011001101110000000110',
    ('lte', None, '10abc'): '1111011111111111011000110',
    ('lte', None, '1.2'): '0000010001001100000001010',
    ('lte', 'string', '10'): '1000011101101111010000010',
    ('lte', 'string', '9.5'): '1111011111111111011000010',
    ('lte', 'string', 'abc'): '1111111111111111111100110',
    ('lte', 'string', '1.9'): '0000011101101111010000010',
    ('lte', 'string', ''): '0000000000000000000000000',
    ('lte', 'string', '1e1'): '1011011111101111011000010',
    ('lte', 'string', '10abc'): '1010011111101111011000010',
    ('lte', 'string', '1.2'): '0000011101000101010000010',
    ('lte', 'integer', '10'): '1111011111111111011000110',
    ('lte', 'integer', '9.5'): '0101011001111110000000110',
    ('lte', 'integer', 'abc'): '1111111111111111111100110',
    ('lte', 'integer', '1.9'): '0001011001101110000000010',
    ('lte', 'integer', ''): '0000000000000000000000000',
    ('lte', 'integer', '1e1'): '0001011001101110000000010',
    ('lte', 'integer', '10abc'): '1111011111111111011000110',
    ('lte', 'integer', '1.2'): '0001011001101110000000010',
    ('lte', 'number', '10'): '1111010111111111011001110',
    ('lte', 'number', '9.5'): '0100010001111110000001010',
    ('lte', 'number', 'abc'): '1111111111111111111100110',
    ('lte', 'number', '1.9'): '0000010001101110000001010',
    ('lte', 'number', ''): '0000000000000000000000000',
    ('lte', 'number', '1e1'): '1111010111111111011001110',
    ('lte', 'number', '10abc'): '1111010111111111011001110',
    ('lte', 'number', '1.2'): '0000010001001100000001010',
    ('gte', None, '10'): '1010100110000001111111000',
    ('gte', None, '9.5'): '1011101110000001111111100',
    ('gte', None, 'abc'): '0000100000000000000111000',
    ('gte', None, '1.9'): '1111101110010011111111100',
    ('gte', None, ''): '0000000000000000000000000',
    ('gte', None, '1e1'): '1111100110010001111111000',
    ('gte', None, '10abc'): '1010100110000001111111000',
    ('gte', None, '1.2'): '1111101110111011111111100',
    ('gte', 'string', '10'): '1111100010010000101111100',
    ('gte', 'string', '9.5'): '0000100000000000100111100',
    ('gte', 'string', 'abc'): '0000100000000000000111000',
    ('gte', 'string', '1.9'): '1111100010010010101111100',
    ('gte', 'string', ''): '0000000000000000000000000',
    ('gte', 'string', '1e1'): '0101100000010000100111100',
    ('gte', 'string', '10abc'): '0101100000010000101111100',
    ('gte', 'string', '1.2'): '1111100010111010101111100',
    ('gte', 'integer', '10'): '1010100110000001111111000',
    ('gte', 'integer', '9.5'): '1110100110000001111111100',
    ('gte', 'integer', 'abc'): '0000100000000000000111000',
    ('gte', 'integer', '1.9'): '1111100110111111111111100',
    ('gte', 'integer', ''): '0000000000000000000000000',
    ('gte', 'integer', '1e1'): '1111100110111111111111100',
    ('gte', 'integer', '10abc'): '1010100110000001111111000',
    ('gte', 'integer', '1.2'): '1111100110111111111111100',
    ('gte', 'number', '10'): '1011101110000001111111000',
    ('gte', 'number', '9.5'): '1011101110000001111111100',
    ('gte', 'number', 'abc'): '0000100000000000000111000',
    ('gte', 'number', '1.9'): '1111101110010011111111100',
    ('gte', 'number', ''): '0000000000000000000000000',
    ('gte', 'number', '1e1'): '1011101110000001111111000',
    ('gte', 'number', '10abc'): '1011101110000001111111000',
    ('gte', 'number', '1.2'): '1111101110111011111111100',
    ('eq', None, '10'): '1000000000000000000000000',
    ('eq', None, '9.5'): '0000000000000000000000000',
    ('eq', None, 'abc'): '0000100000000000000100000',
    ('eq', None, '1.9'): '0000000000000010000000000',
    ('eq', None, ''): '0000000000000000000000001',
    ('eq', None, '1e1'): '0001000000000000000000000',
    ('eq', None, '10abc'): '0000000000000000001000000',
    ('eq', None, '1.2'): '0000000000000000000000000',
    ('eq', 'string', '10'): '1000000000000000000000000',
    ('eq', 'string', '9.5'): '0000000000000000000000000',
    ('eq', 'string', 'abc'): '0000100000000000000100000',
    ('eq', 'string', '1.9'): '0000000000000010000000000',
    ('eq', 'string', ''): '0000000000000000000000001',
    ('eq', 'string', '1e1'): '0001000000000000000000000',
    ('eq', 'string', '10abc'): '0000000000000000001000000',
    ('eq', 'string', '1.2'): '0000000000000000000000000',
    ('eq', 'integer', '10'): '1010000110000001011000000',
    ('eq', 'integer', '9.5'): '0100000000000000000000100',
    ('eq', 'integer', 'abc'): '0000100000000000000100000',
    ('eq', 'integer', '1.9'): '0001000000101110000000000',
    ('eq', 'integer', ''): '0000000000000000000000001',
    ('eq', 'integer', '1e1'): '0001000000101110000000000',
    ('eq', 'integer', '10abc'): '1010000110000001011000000',
    ('eq', 'integer', '1.2'): '0001000000101110000000000',
    ('eq', 'number', '10'): '1011000110000001011001000',
    ('eq', 'number', '9.5'): '0000000000000000000001000',
    ('eq', 'number', 'abc'): '0000100000000000000100000',
    ('eq', 'number', '1.9'): '0000000000000010000001000',
    ('eq', 'number', ''): '0000000000000000000000001',
    ('eq', 'number', '1e1'): '1011000110000001011001000',
    ('eq', 'number', '10abc'): '1011000110000001011001000',
    ('eq', 'number', '1.2'): '0000000000001000000001000',
    ('ne', None, '10'): '0111111111111111111111111',
    ('ne', None, '9.5'): '1111111111111111111111111',
    ('ne', None, 'abc'): '1111011111111111111011111',
    ('ne', None, '1.9'): '1111111111111101111111111',
    ('ne', None, ''): '1111111111111111111111110',
    ('ne', None, '1e1'): '1110111111111111111111111',
    ('ne', None, '10abc'): '1111111111111111110111111',
    ('ne', None, '1.2'): '1111111111111111111111111',
    ('ne', 'string', '10'): '0111111111111111111111111',
    ('ne', 'string', '9.5'): '1111111111111111111111111',
    ('ne', 'string', 'abc'): '1111011111111111111011111',
    ('ne', 'string', '1.9'): '1111111111111101111111111',
    ('ne', 'string', ''): '1111111111111111111111110',
    ('ne', 'string', '1e1'): '1110111111111111111111111',
    ('ne', 'string', '10abc'): '1111111111111111110111111',
    ('ne', 'string', '1.2'): '1111111111111111111111111',
    ('ne', 'integer', '10'): '0101111001111110100111111',
    ('ne', 'integer', '9.5'): '1011111111111111111111011',
    ('ne', 'integer', 'abc'): '1111011111111111111011111',
    ('ne', 'integer', '1.9'): '1110111111010001111111111',
    ('ne', 'integer', ''): '1111111111111111111111110',
    ('ne', 'integer', '1e1'): '1110111111010001111111111',
    ('ne', 'integer', '10abc'): '0101111001111110100111111',
    ('ne', 'integer', '1.2'): '1110111111010001111111111',
    ('ne', 'number', '10'): '0100111001111110100110111',
    ('ne', 'number', '9.5'): '1111111111111111111110111',
    ('ne', 'number', 'abc'): '1111011111111111111011111',
    ('ne', 'number', '1.9'): '1111111111111101111110111',
    ('ne', 'number', ''): '1111111111111111111111110',
    ('ne', 'number', '1e1'): '0100111001111110100110111',
    ('ne', 'number', '10abc'): '0100111001111110100110111',
    ('ne', 'number', '1.2'): '1111111111110111111110111',
}

#: (attribute, value) -> lt gt lte gte eq ne, from crm_simulate
VERSIONS: dict[tuple[str, str], str] = {
    ('1.2.3', '1.2.3'): '001110',
    ('1.2.3', '1.10'): '101001',
    ('1.2.3', '1.9'): '101001',
    ('1.2.3', '10'): '101001',
    ('1.2.3', '1.2'): '010101',
    ('1.2.3', '1.2.0'): '010101',
    ('1.2.3', '01.2'): '010101',
    ('1.2.3', '1.2a'): '010101',
    ('1.2.3', 'abc'): '010101',
    ('1.2.3', '1..2'): '010101',
    ('1.2.3', '1.2.'): '010101',
    ('1.2.3', '.1'): '010101',
    ('1.2.3', '2'): '101001',
    ('1.2.3', '1.02'): '010101',
    ('1.2.3', '-1.2'): '010101',
    ('1.2.3', ' 1.2'): '010101',
    ('1.10', '1.2.3'): '010101',
    ('1.10', '1.10'): '001110',
    ('1.10', '1.9'): '010101',
    ('1.10', '10'): '101001',
    ('1.10', '1.2'): '010101',
    ('1.10', '1.2.0'): '010101',
    ('1.10', '01.2'): '010101',
    ('1.10', '1.2a'): '010101',
    ('1.10', 'abc'): '010101',
    ('1.10', '1..2'): '010101',
    ('1.10', '1.2.'): '010101',
    ('1.10', '.1'): '010101',
    ('1.10', '2'): '101001',
    ('1.10', '1.02'): '010101',
    ('1.10', '-1.2'): '010101',
    ('1.10', ' 1.2'): '010101',
    ('1.9', '1.2.3'): '010101',
    ('1.9', '1.10'): '101001',
    ('1.9', '1.9'): '001110',
    ('1.9', '10'): '101001',
    ('1.9', '1.2'): '010101',
    ('1.9', '1.2.0'): '010101',
    ('1.9', '01.2'): '010101',
    ('1.9', '1.2a'): '010101',
    ('1.9', 'abc'): '010101',
    ('1.9', '1..2'): '010101',
    ('1.9', '1.2.'): '010101',
    ('1.9', '.1'): '010101',
    ('1.9', '2'): '101001',
    ('1.9', '1.02'): '010101',
    ('1.9', '-1.2'): '010101',
    ('1.9', ' 1.2'): '010101',
    ('10', '1.2.3'): '010101',
    ('10', '1.10'): '010101',
    ('10', '1.9'): '010101',
    ('10', '10'): '001110',
    ('10', '1.2'): '010101',
    ('10', '1.2.0'): '010101',
    ('10', '01.2'): '010101',
    ('10', '1.2a'): '010101',
    ('10', 'abc'): '010101',
    ('10', '1..2'): '010101',
    ('10', '1.2.'): '010101',
    ('10', '.1'): '010101',
    ('10', '2'): '010101',
    ('10', '1.02'): '010101',
    ('10', '-1.2'): '010101',
    ('10', ' 1.2'): '010101',
    ('1.2', '1.2.3'): '101001',
    ('1.2', '1.10'): '101001',
    ('1.2', '1.9'): '101001',
    ('1.2', '10'): '101001',
    ('1.2', '1.2'): '001110',
    ('1.2', '1.2.0'): '001110',
    ('1.2', '01.2'): '001110',
    ('1.2', 'abc'): '010101',
    ('1.2', '1..2'): '010101',
    ('1.2', '1.2.'): '001110',
    ('1.2', '.1'): '010101',
    ('1.2', '2'): '101001',
    ('1.2', '1.02'): '001110',
    ('1.2', '-1.2'): '010101',
    ('1.2', ' 1.2'): '001110',
    ('1.2.0', '1.2.3'): '101001',
    ('1.2.0', '1.10'): '101001',
    ('1.2.0', '1.9'): '101001',
    ('1.2.0', '10'): '101001',
    ('1.2.0', '1.2'): '001110',
    ('1.2.0', '1.2.0'): '001110',
    ('1.2.0', '01.2'): '001110',
    ('1.2.0', 'abc'): '010101',
    ('1.2.0', '1..2'): '010101',
    ('1.2.0', '1.2.'): '001110',
    ('1.2.0', '.1'): '010101',
    ('1.2.0', '2'): '101001',
    ('1.2.0', '1.02'): '001110',
    ('1.2.0', '-1.2'): '010101',
    ('1.2.0', ' 1.2'): '001110',
    ('01.2', '1.2.3'): '101001',
    ('01.2', '1.10'): '101001',
    ('01.2', '1.9'): '101001',
    ('01.2', '10'): '101001',
    ('01.2', '1.2'): '001110',
    ('01.2', '1.2.0'): '001110',
    ('01.2', '01.2'): '001110',
    ('01.2', 'abc'): '010101',
    ('01.2', '1..2'): '010101',
    ('01.2', '1.2.'): '001110',
    ('01.2', '.1'): '010101',
    ('01.2', '2'): '101001',
    ('01.2', '1.02'): '001110',
    ('01.2', '-1.2'): '010101',
    ('01.2', ' 1.2'): '001110',
    ('1.2a', '1.2.3'): '101001',
    ('1.2a', '1.10'): '101001',
    ('1.2a', '1.9'): '101001',
    ('1.2a', '10'): '101001',
    ('1.2a', 'abc'): '010101',
    ('1.2a', '1..2'): '010101',
    ('1.2a', '.1'): '010101',
    ('1.2a', '2'): '101001',
    ('1.2a', '-1.2'): '010101',
    ('', '1.2.3'): '101001',
    ('', '1.10'): '101001',
    ('', '1.9'): '101001',
    ('', '10'): '101001',
    ('', '1.2'): '101001',
    ('', '1.2.0'): '101001',
    ('', '01.2'): '101001',
    ('', '1.2a'): '101001',
    ('', 'abc'): '101001',
    ('', '1..2'): '101001',
    ('', '1.2.'): '101001',
    ('', '.1'): '101001',
    ('', '2'): '101001',
    ('', '1.02'): '101001',
    ('', '-1.2'): '101001',
    ('', ' 1.2'): '101001',
    ('abc', '1.2.3'): '101001',
    ('abc', '1.10'): '101001',
    ('abc', '1.9'): '101001',
    ('abc', '10'): '101001',
    ('abc', '1.2'): '101001',
    ('abc', '1.2.0'): '101001',
    ('abc', '01.2'): '101001',
    ('abc', '1.2a'): '101001',
    ('abc', '1..2'): '101001',
    ('abc', '1.2.'): '101001',
    ('abc', '.1'): '101001',
    ('abc', '2'): '101001',
    ('abc', '1.02'): '101001',
    ('abc', '-1.2'): '010101',
    ('abc', ' 1.2'): '101001',
    ('1..2', '1.2.3'): '101001',
    ('1..2', '1.10'): '101001',
    ('1..2', '1.9'): '101001',
    ('1..2', '10'): '101001',
    ('1..2', '1.2'): '101001',
    ('1..2', '1.2.0'): '101001',
    ('1..2', '01.2'): '101001',
    ('1..2', '1.2a'): '101001',
    ('1..2', 'abc'): '010101',
    ('1..2', '1..2'): '001110',
    ('1..2', '1.2.'): '101001',
    ('1..2', '.1'): '010101',
    ('1..2', '2'): '101001',
    ('1..2', '1.02'): '101001',
    ('1..2', '-1.2'): '010101',
    ('1..2', ' 1.2'): '101001',
    ('1.2.', '1.2.3'): '101001',
    ('1.2.', '1.10'): '101001',
    ('1.2.', '1.9'): '101001',
    ('1.2.', '10'): '101001',
    ('1.2.', '1.2'): '001110',
    ('1.2.', '1.2.0'): '001110',
    ('1.2.', '01.2'): '001110',
    ('1.2.', 'abc'): '010101',
    ('1.2.', '1..2'): '010101',
    ('1.2.', '1.2.'): '001110',
    ('1.2.', '.1'): '010101',
    ('1.2.', '2'): '101001',
    ('1.2.', '1.02'): '001110',
    ('1.2.', '-1.2'): '010101',
    ('1.2.', ' 1.2'): '001110',
    ('.1', '1.2.3'): '101001',
    ('.1', '1.10'): '101001',
    ('.1', '1.9'): '101001',
    ('.1', '10'): '101001',
    ('.1', '1.2'): '101001',
    ('.1', '1.2.0'): '101001',
    ('.1', '01.2'): '101001',
    ('.1', '1.2a'): '101001',
    ('.1', 'abc'): '010101',
    ('.1', '1..2'): '101001',
    ('.1', '1.2.'): '101001',
    ('.1', '.1'): '001110',
    ('.1', '2'): '101001',
    ('.1', '1.02'): '101001',
    ('.1', '-1.2'): '010101',
    ('.1', ' 1.2'): '101001',
    ('2', '1.2.3'): '010101',
    ('2', '1.10'): '010101',
    ('2', '1.9'): '010101',
    ('2', '10'): '101001',
    ('2', '1.2'): '010101',
    ('2', '1.2.0'): '010101',
    ('2', '01.2'): '010101',
    ('2', '1.2a'): '010101',
    ('2', 'abc'): '010101',
    ('2', '1..2'): '010101',
    ('2', '1.2.'): '010101',
    ('2', '.1'): '010101',
    ('2', '2'): '001110',
    ('2', '1.02'): '010101',
    ('2', '-1.2'): '010101',
    ('2', ' 1.2'): '010101',
    ('1.02', '1.2.3'): '101001',
    ('1.02', '1.10'): '101001',
    ('1.02', '1.9'): '101001',
    ('1.02', '10'): '101001',
    ('1.02', '1.2'): '001110',
    ('1.02', '1.2.0'): '001110',
    ('1.02', '01.2'): '001110',
    ('1.02', 'abc'): '010101',
    ('1.02', '1..2'): '010101',
    ('1.02', '1.2.'): '001110',
    ('1.02', '.1'): '010101',
    ('1.02', '2'): '101001',
    ('1.02', '1.02'): '001110',
    ('1.02', '-1.2'): '010101',
    ('1.02', ' 1.2'): '001110',
    ('-1.2', '1.2.3'): '101001',
    ('-1.2', '1.10'): '101001',
    ('-1.2', '1.9'): '101001',
    ('-1.2', '10'): '101001',
    ('-1.2', '1.2'): '101001',
    ('-1.2', '1.2.0'): '101001',
    ('-1.2', '01.2'): '101001',
    ('-1.2', '1.2a'): '101001',
    ('-1.2', 'abc'): '101001',
    ('-1.2', '1..2'): '101001',
    ('-1.2', '1.2.'): '101001',
    ('-1.2', '.1'): '101001',
    ('-1.2', '2'): '101001',
    ('-1.2', '1.02'): '101001',
    ('-1.2', '-1.2'): '001110',
    ('-1.2', ' 1.2'): '101001',
    (' 1.2', '1.2.3'): '101001',
    (' 1.2', '1.10'): '101001',
    (' 1.2', '1.9'): '101001',
    (' 1.2', '10'): '101001',
    (' 1.2', '1.2'): '001110',
    (' 1.2', '1.2.0'): '001110',
    (' 1.2', '01.2'): '001110',
    (' 1.2', 'abc'): '010101',
    (' 1.2', '1..2'): '010101',
    (' 1.2', '1.2.'): '001110',
    (' 1.2', '.1'): '010101',
    (' 1.2', '2'): '101001',
    (' 1.2', '1.02'): '001110',
    (' 1.2', '-1.2'): '010101',
    (' 1.2', ' 1.2'): '001110',
}


@pytest.mark.parametrize("key", sorted(MATRIX, key=repr))
def test_attribute_expression_matrix(key: tuple[str, str | None, str]) -> None:
    op, kind, value = key
    type_attr = f' type="{kind}"' if kind else ""
    rule, _ = rule_of(
        f'<rule id="r"><expression id="e" attribute="a" operation="{op}" '
        f'value="{value}"{type_attr}/></rule>'
    )
    got = "".join(
        "1" if evaluate_rule(rule, RuleContext({} if v is None else {"a": v})) else "0"
        for v in MATRIX_NODE_VALUES
    )
    assert got == MATRIX[key]


def test_matrix_defined_and_not_defined() -> None:
    # an attribute set to "" is defined; only the missing one is not
    for node in MATRIX_NODE_VALUES:
        attrs = {} if node is None else {"a": node}
        xml = '<rule id="r"><expression id="e" attribute="a" operation="{}"/></rule>'
        assert true_on(xml.format("defined"), attrs) is (node is not None)
        assert true_on(xml.format("not_defined"), attrs) is (node is None)


@pytest.mark.parametrize("pair", sorted(VERSIONS))
def test_version_comparisons(pair: tuple[str, str]) -> None:
    left, right = pair
    got = "".join(
        "1" if compare_values(op, left, right, "version") else "0"
        for op in ("lt", "gt", "lte", "gte", "eq", "ne")
    )
    assert got == VERSIONS[pair]


def test_versions_that_hang_pacemaker_compare_equal() -> None:
    # crm_simulate never finishes on these (1.2a against 1.2, abc against abc)
    assert compare_versions("1.2a", "1.2") == 0
    assert compare_versions("abc", "abc") == 0
    assert compare_versions("", "1") == -1
    assert compare_versions("1.10", "1.9") == 1


def test_expression_value_missing_or_empty() -> None:
    # value="" is no value: eq matches only a missing attribute, ne the rest
    assert true_on('<rule id="r"><expression id="e" attribute="a" operation="eq" value=""/>'
                   '</rule>', {}) is True
    assert true_on('<rule id="r"><expression id="e" attribute="a" operation="eq" value=""/>'
                   '</rule>', {"a": ""}) is False
    # no value attribute at all (crm_simulate: eq false, ne true)
    rule, reports = rule_of('<rule id="r"><expression id="e" attribute="a" operation="eq"/>'
                            '</rule>')
    assert evaluate_rule(rule, RuleContext({"a": "5"})) is False
    assert "RULE_NO_VALUE" in codes(reports)
    assert true_on('<rule id="r"><expression id="e" attribute="a" operation="ne"/></rule>',
                   {"a": "5"}) is True


def test_expression_oddities_seen_in_pacemaker() -> None:
    five = {"a": "5"}
    # operation and type are case-insensitive
    assert true_on('<rule id="r"><expression id="e" attribute="a" operation="EQ" value="5"/>'
                   '</rule>', five)
    assert true_on('<rule id="r"><expression id="e" attribute="a" operation="lt" value="10" '
                   'type="INTEGER"/></rule>', five)
    assert true_on('<rule id="r"><expression id="e" attribute="a" operation="eq" value="5.0" '
                   'type="Number"/></rule>', five)
    # attribute names are not
    assert not true_on('<rule id="r"><expression id="e" attribute="A" operation="eq" '
                       'value="5"/></rule>', five)
    # defined ignores a value; an unknown value-source is literal
    assert true_on('<rule id="r"><expression id="e" attribute="a" operation="defined" '
                   'value="7"/></rule>', five)
    assert true_on('<rule id="r"><expression id="e" attribute="a" operation="eq" value="5" '
                   'value-source="bogus"/></rule>', five)


def test_bad_type_compares_strings_and_is_reported() -> None:
    rule, reports = rule_of('<rule id="r"><expression id="e" attribute="a" operation="lt" '
                            'value="10" type="bogus"/></rule>')
    # as strings "5" > "10": crm_simulate said false; eq still works
    assert evaluate_rule(rule, RuleContext({"a": "5"})) is False
    assert "RULE_BAD_TYPE" in codes(reports)
    assert true_on('<rule id="r"><expression id="e" attribute="a" operation="eq" value="5" '
                   'type="bogus"/></rule>', {"a": "5"})


def test_bad_operation_or_attribute_is_false_and_reported() -> None:
    rule, reports = rule_of('<rule id="r"><expression id="e" attribute="a" operation="bogus" '
                            'value="5"/></rule>')
    assert evaluate_rule(rule, RuleContext({"a": "5"})) is False
    assert "RULE_BAD_OPERATION" in codes(reports)
    rule, reports = rule_of('<rule id="r"><expression id="e" operation="eq" value="5"/></rule>')
    assert evaluate_rule(rule, RuleContext({"a": "5"})) is False
    assert "RULE_BAD_EXPRESSION" in codes(reports)
    rule, reports = rule_of('<rule id="r"><expression id="e" attribute="a" value="5"/></rule>')
    assert evaluate_rule(rule, RuleContext({"a": "5"})) is False
    assert all(r.is_error() for r in reports)
    report = next(iter(reports))
    assert report.context["id"] == "e" and report.context["file"] == "test.xml"


def test_value_source_param_and_meta() -> None:
    xml = ('<rule id="r"><expression id="e" attribute="a" operation="eq" value="p" '
           'value-source="{}"/></rule>')
    params = {"p": "5"}
    assert true_on(xml.format("param"), {"a": "5"}, instance_params=params)
    assert not true_on(xml.format("param"), {"a": "6"}, instance_params=params)
    assert true_on(xml.format("meta"), {"a": "5"}, meta=params)
    assert not true_on(xml.format("meta"), {"a": "5"}, instance_params=params)
    # a missing parameter is no value: ne is true
    ne = xml.format("param").replace('"eq"', '"ne"')
    assert true_on(ne, {"a": "5"}, instance_params={})
    # literal: the text itself
    assert true_on(xml.format("literal"), {"a": "p"}, instance_params=params)


def test_role_attribute_from_context() -> None:
    xml = '<rule id="r"><expression id="e" attribute="#role" operation="eq" value="{}"/></rule>'
    assert true_on(xml.format("Promoted"), {}, role="Promoted")
    assert not true_on(xml.format("Promoted"), {}, role="Unpromoted")
    assert true_on(xml.format("Unpromoted"), {"#role": "Unpromoted"}, role="Promoted")


# -- rules ----------------------------------------------------------------------------

T = '<expression id="t{}" attribute="a" operation="eq" value="5"/>'
F = '<expression id="f{}" attribute="a" operation="eq" value="6"/>'


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        ('<rule id="r"/>', True),
        ('<rule id="r" boolean-op="or"/>', False),
        (f'<rule id="r" boolean-op="or">{T.format(1)}{F.format(1)}</rule>', True),
        (f'<rule id="r" boolean-op="OR">{T.format(1)}{F.format(1)}</rule>', True),
        (f'<rule id="r" boolean-op="bogus">{T.format(1)}{F.format(1)}</rule>', False),
        (f'<rule id="r" boolean-op="bogus">{T.format(1)}</rule>', True),
        (f'<rule id="r" boolean-op="and">{T.format(1)}{F.format(1)}</rule>', False),
        (f'<rule id="r">{T.format(1)}<rule id="n" score="7"/></rule>', True),
        (f'<rule id="r" boolean-op="or">{F.format(1)}<rule id="n" score="7"/></rule>', True),
        (f'<rule id="r" boolean-op="or">{F.format(1)}<rule id="n" boolean-op="and">'
         f'{T.format(2)}</rule></rule>', True),
        (f'<rule id="r">{T.format(1)}<bogus id="b"/></rule>', False),
        (f'<rule id="r" boolean-op="or">{F.format(1)}<bogus id="b"/></rule>', False),
        # no resource or operation in a location constraint: always false
        ('<rule id="r"><rsc_expression id="x" class="ocf"/></rule>', False),
        ('<rule id="r"><op_expression id="x" name="monitor"/></rule>', False),
        (f'<rule id="r" boolean-op="or">{F.format(1)}<rsc_expression id="x" class="ocf"/>'
         '</rule>', False),
    ],
)
def test_rule_combinations(xml: str, expected: bool) -> None:
    assert true_on(xml, {"a": "5"}) is expected


def test_unknown_condition_is_reported_and_modelled() -> None:
    rule, reports = rule_of('<rule id="r"><!-- note --><bogus id="b"/></rule>')
    assert rule.children == (UnknownExpression("b", "bogus"),)
    assert "RULE_UNKNOWN_CONDITION" in codes(reports)


def test_parse_rule_model() -> None:
    rule, reports = rule_of(
        '<rule id="r" score="INFINITY" role="Promoted" boolean-op="Or">'
        '<expression id="e" attribute="#uname" operation="EQ" value="n1" type="String"/>'
        '<date_expression id="d" operation="in_range" start="2005-001">'
        '<duration id="du" years="1" days="2"/></date_expression>'
        '<rsc_expression id="x" class="ocf" provider="heartbeat" type="IPaddr2"/>'
        '<op_expression id="o" name="monitor" interval="10s"/>'
        "</rule>"
    )
    assert not list(reports)
    assert rule.id == "r" and rule.boolean_op == "or" and rule.score == "INFINITY"
    assert rule.role == "Promoted" and rule.score_attribute is None
    assert rule.children == (
        AttrExpression("e", "#uname", "eq", "n1", "string", "literal"),
        DateExpression("d", "in_range", datetime(2005, 1, 1, tzinfo=UTC), None,
                       Duration(years=1, days=2), None),
        RscExpression("x", "ocf", "heartbeat", "IPaddr2"),
        OpExpression("o", "monitor", 10_000),
    )


def test_parse_rule_rejects_other_elements() -> None:
    reports = ReportList()
    assert parse_rule(etree.fromstring('<expression id="e"/>'), reports) is None
    assert "RULE_NOT_A_RULE" in codes(reports)


def test_rsc_and_op_expressions() -> None:
    ctx = RuleContext({}, rsc_class="ocf", rsc_provider="heartbeat", rsc_type="IPaddr2",
                      op_name="monitor", op_interval_ms=10_000)
    def ok(xml: str) -> bool:
        return evaluate_rule(rule_of(f'<rule id="r">{xml}</rule>')[0], ctx)
    assert ok('<rsc_expression id="x" class="ocf" provider="heartbeat" type="IPaddr2"/>')
    assert ok('<rsc_expression id="x" type="IPaddr2"/>')
    assert ok('<rsc_expression id="x"/>')
    assert not ok('<rsc_expression id="x" class="stonith"/>')
    assert not ok('<rsc_expression id="x" class="ocf" provider="pacemaker"/>')
    assert ok('<op_expression id="o" name="monitor"/>')
    assert ok('<op_expression id="o" name="monitor" interval="10s"/>')
    assert ok('<op_expression id="o" name="monitor" interval="PT10S"/>')
    assert not ok('<op_expression id="o" name="monitor" interval="20"/>')
    assert not ok('<op_expression id="o" name="start"/>')
    rule, reports = rule_of('<rule id="r"><op_expression id="o" name="monitor" interval="x"/>'
                            '</rule>')
    assert not evaluate_rule(rule, ctx)
    assert "RULE_BAD_INTERVAL" in codes(reports)
    # a stonith resource has no provider
    fence = RuleContext({}, rsc_class="stonith", rsc_type="fence_xvm")
    assert evaluate_rule(rule_of('<rule id="r"><rsc_expression id="x" class="stonith" '
                                 'type="fence_xvm"/></rule>')[0], fence)


# -- date expressions -----------------------------------------------------------------


def date_rule(inner: str) -> str:
    return f'<rule id="r">{inner}</rule>'


@pytest.mark.parametrize(
    ("inner", "now", "expected"),
    [
        # crm_rule -c and crm_simulate -t: gt/lt are strict, in_range inclusive
        ('<date_expression id="d" operation="gt" start="2019-01-01"/>', "2019-01-01", False),
        ('<date_expression id="d" operation="gt" start="2019-01-01"/>',
         "2019-01-01 00:00:01", True),
        ('<date_expression id="d" operation="lt" end="2019-01-01"/>', "2019-01-01", False),
        ('<date_expression id="d" operation="lt" end="2019-01-01"/>',
         "2018-12-31 23:59:59", True),
        ('<date_expression id="d" operation="in_range" start="2019-01-01" end="2019-01-02"/>',
         "2019-01-01", True),
        ('<date_expression id="d" operation="in_range" start="2019-01-01" end="2019-01-02"/>',
         "2018-12-31 23:59:59", False),
        ('<date_expression id="d" operation="in_range" start="2019-01-01" end="2019-01-02"/>',
         "2019-01-02", True),
        ('<date_expression id="d" operation="in_range" start="2019-01-01" end="2019-01-02"/>',
         "2019-01-02 00:00:01", False),
        ('<date_expression id="d" operation="in_range" end="2019-01-02"/>',
         "2000-01-02 00:00:01", True),
        # crm_simulate -t "2030-01-02 00:00:01", validate-with="none"
        ('<date_expression id="d" start="2019-01-02"/>', "2030-01-02 00:00:01", True),
        ('<date_expression id="d" start="2031-01-02"/>', "2030-01-02 00:00:01", False),
        ('<date_expression id="d" operation="in_range"/>', "2030-01-02 00:00:01", False),
        ('<date_expression id="d" operation="gt"/>', "2030-01-02 00:00:01", False),
        ('<date_expression id="d" operation="lt"/>', "2030-01-02 00:00:01", False),
        ('<date_expression id="d" operation="gt" start="garbage"/>',
         "2030-01-02 00:00:01", False),
        ('<date_expression id="d" operation="in_range" start="2019-01-01" end="garbage"/>',
         "2030-01-02 00:00:01", True),
        ('<date_expression id="d" operation="in_range" start="garbage" end="2031-01-01"/>',
         "2030-01-02 00:00:01", True),
        ('<date_expression id="d" operation="bogus" start="2019-01-01"/>',
         "2030-01-02 00:00:01", False),
        ('<date_expression id="d" operation="gt" start="now"/>', "2030-01-02 00:00:01", False),
        ('<date_expression id="d" operation="lt" end="now"/>', "2030-01-02 00:00:01", False),
        ('<date_expression id="d" operation="date_spec"/>', "2030-01-02 00:00:01", True),
        ('<date_expression id="d" operation="in_range" start="2019-01-01" end="2018-01-01"/>',
         "2030-01-02 00:00:01", False),
        # offsets: only a blank-separated one counts (crm_simulate -t)
        ('<date_expression id="d" operation="gt" start="2019-09-23 23:29:59"/>',
         "2019-09-24 00:30:00 +01:00", True),
        ('<date_expression id="d" operation="gt" start="2019-09-23 23:30:00"/>',
         "2019-09-24 00:30:00 +01:00", False),
        ('<date_expression id="d" operation="gt" start="2019-09-23 23:30:00"/>',
         "2019-09-24T00:30:00+01:00", True),
        ('<date_expression id="d" operation="gt" start="2019-09-24 00:29:59 +01:00"/>',
         "2019-09-24 00:30:00 +01:00", True),
    ],
)
def test_date_expressions(inner: str, now: str, expected: bool) -> None:
    assert true_on(date_rule(inner), now=now) is expected


def test_bad_dates_are_reported() -> None:
    _, reports = rule_of(date_rule('<date_expression id="d" operation="gt" start="now"/>'))
    assert "RULE_BAD_DATE" in codes(reports)
    _, reports = rule_of(date_rule('<date_expression id="d" operation="lt"/>'))
    assert "RULE_BAD_DATE" in codes(reports)
    _, reports = rule_of(date_rule('<date_expression id="d" operation="sometimes"/>'))
    assert "RULE_BAD_OPERATION" in codes(reports)


@pytest.mark.parametrize(
    ("duration", "results"),
    [
        # in_range from 2019-01-31 with a <duration>: true at 2019-02-28 00:00:00,
        # 2019-02-28 00:00:01 and 2019-03-01 00:00:00 (crm_simulate -t)
        ('months="1"', "100"),
        ('months="1" days="1"', "111"),
        ('days="28"', "100"),
        ('days="abc"', "000"),
        ('days="27" hours="24"', "100"),
        ('weeks="4"', "100"),
        ('days="28abc"', "100"),
        ('days="27.9"', "000"),
        ('seconds="2419200"', "100"),
        ('minutes="40320"', "100"),
        ('days=" 28"', "100"),
        ('days="-1" months="1"', "000"),
        ("", "000"),
    ],
)
def test_in_range_with_duration(duration: str, results: str) -> None:
    xml = date_rule('<date_expression id="d" operation="in_range" start="2019-01-31">'
                    f'<duration id="du" {duration}/></date_expression>')
    got = "".join(
        "1" if true_on(xml, now=now) else "0"
        for now in ("2019-02-28 00:00:00", "2019-02-28 00:00:01", "2019-03-01 00:00:00")
    )
    assert got == results


def test_end_wins_over_duration_and_bad_end_falls_back_to_it() -> None:
    now = "2019-02-20"
    assert not true_on(date_rule(
        '<date_expression id="d" operation="in_range" start="2019-01-31" end="2019-02-15">'
        '<duration id="du" days="28"/></date_expression>'), now=now)
    # crm_simulate: an unreadable end is replaced by start + duration (27 days)
    assert not true_on(date_rule(
        '<date_expression id="d" operation="in_range" start="2019-01-31" end="garbage">'
        '<duration id="du" days="27"/></date_expression>'), now="2019-02-28")
    assert true_on(date_rule(
        '<date_expression id="d" operation="in_range" start="2019-01-31" end="garbage">'
        '<duration id="du" days="27"/></date_expression>'), now="2019-02-27")


#: date_spec at 2019-09-24 10:30:45 (a Tuesday, day 267, ISO week 39) -> crm_simulate
DATE_SPECS = [
    ('hours="10"', True), ('hours="9-16"', True), ('hours="11-16"', False),
    ('hours="10-10"', True), ('hours="16-9"', False), ('hours="-10"', True),
    ('hours="10-"', True), ('hours="11-"', False), ('hours="-9"', False),
    ('hours=" 10"', True), ('hours=" 11"', False), ('hours="  11"', False),
    ('hours="+11"', False), ('hours="011"', False), ('hours="9-+9"', False),
    ('hours="-+9"', False), ('hours="--9"', False), ('hours="-0"', False), ('hours="-1"', False),
    ('hours="24"', False), ('hours="99"', False), ('hours="10-9"', False),
    ('hours="4294967296"', False), ('hours="2147483648-"', False),
    # unreadable fields are ignored
    ('hours="11abc"', True), ('hours="11 "', True), ('hours="11,12"', True),
    ('hours="9,12"', True), ('hours="11-16-20"', True), ('hours="9 - 9"', True),
    ('hours="abc-12"', True), ('hours="12-abc"', True), ('hours="-"', True),
    ('hours="0x0b"', True), ('hours="11.5"', True), ('hours="1-2-"', True),
    ('hours="99999999999999999999"', True), ('hours=""', True), ('hours="abc"', True),
    ('hours="11 - 16"', True), ('hours="-9223372036854775809"', True),
    ('hours="abc" minutes="31"', False), ('hours="11-abc" minutes="30"', True),
    ('weekdays="2"', True), ('weekdays="1-5"', True), ('weekdays="3-7"', False),
    ('weekdays="0"', False), ('monthdays="24"', True), ('monthdays="0-31"', True),
    ('yeardays="267"', True), ('yeardays="266"', False), ('yeardays="267-"', True),
    ('months="9"', True), ('years="2019"', True), ('years="2019-2019"', True),
    ('weekyears="2019"', True), ('weeks="39"', True), ('weeks="38"', False),
    ('weeks="39" weekyears="2018"', False), ('minutes="30"', True), ('minutes="31"', False),
    ('seconds="45"', True), ('seconds="44"', False), ('hours="10" years="2018"', False),
    ('moon="7"', True), ('moon="0"', False), ('moon="4"', False), ('moon="7-7"', True),
    ('moon="abc"', True), ('years="2019" moon="7"', True),
]


@pytest.mark.parametrize(("spec", "expected"), DATE_SPECS)
def test_date_spec(spec: str, expected: bool) -> None:
    xml = date_rule(f'<date_expression id="d" operation="date_spec"><date_spec id="s" {spec}/>'
                    "</date_expression>")
    assert true_on(xml, now="2019-09-24 10:30:45") is expected


def test_date_spec_uses_the_local_fields_of_the_date() -> None:
    def spec(attr: str, now: str) -> bool:
        return true_on(date_rule('<date_expression id="d" operation="date_spec">'
                                 f'<date_spec id="s" {attr}/></date_expression>'), now=now)
    for now in ("2019-09-24 00:30:00 +01:00", "2019-09-24T00:30:00+01:00"):
        assert spec('hours="0"', now) and spec('monthdays="24"', now)
        assert not spec('hours="23"', now) and not spec('monthdays="23"', now)


def test_date_spec_reports_unreadable_fields() -> None:
    _, reports = rule_of(date_rule('<date_expression id="d" operation="date_spec">'
                                   '<date_spec id="s" hours="9,10"/></date_expression>'))
    assert [r.code for r in reports] == ["RULE_BAD_DATE_SPEC"]
    assert not reports.has_errors()


def test_parse_spec_range() -> None:
    assert parse_spec_range("9-16") == (9, 16)
    assert parse_spec_range("9-") == (9, None)
    assert parse_spec_range("-16") == (None, 16)
    assert parse_spec_range("7") == (7, 7)
    assert parse_spec_range("9,16") is None


@pytest.mark.parametrize(
    ("day", "phase"),
    # crm_simulate -t "DAY 12:00:00" with one rule per moon phase
    [("2019-09-14", 5), ("2019-09-28", 0), ("2020-01-01", 2), ("2000-06-15", 4),
     ("2021-03-28", 4), ("2044-11-22", 1), ("1969-04-30", 4), ("2019-09-24", 7)],
)
def test_moon_phase(day: str, phase: int) -> None:
    assert moon_phase(parse_datetime(day + " 12:00:00")) == phase


def test_week_based_fields_at_year_ends() -> None:
    for day, (year, week, weekday) in {
        "2020-12-31": (2020, 53, 4), "2021-01-03": (2020, 53, 7), "2019-12-30": (2020, 1, 1),
        "2018-12-31": (2019, 1, 1), "2005-01-01": (2004, 53, 6),
    }.items():
        xml = date_rule('<date_expression id="d" operation="date_spec"><date_spec id="s" '
                        f'weekyears="{year}" weeks="{week}" weekdays="{weekday}"/>'
                        "</date_expression>")
        assert true_on(xml, now=day + " 12:00:00")
        assert not true_on(xml.replace(f'weeks="{week}"', f'weeks="{week % 53 + 1}"'),
                           now=day + " 12:00:00")


def test_now_defaults_to_the_current_time() -> None:
    xml = date_rule('<date_expression id="d" operation="gt" start="2000-01-01"/>')
    assert true_on(xml)
    rule, _ = rule_of(xml)
    past = datetime(1999, 1, 1, tzinfo=timezone(timedelta(hours=2)))
    assert not evaluate_rule(rule, RuleContext({}, now=past))


# -- scores of location rules ---------------------------------------------------------


@pytest.mark.parametrize(
    ("attrs", "expected"),
    # score-attribute="s" on a true rule (crm_simulate allocation scores)
    [({"s": "7"}, 7), ({}, -INFINITY), ({"s": "abc"}, 0), ({"s": "INFINITY"}, INFINITY),
     ({"s": ""}, 0), ({"s": "9"}, 9)],
)
def test_rule_score_attribute(attrs: dict[str, str], expected: int) -> None:
    rule, _ = rule_of('<rule id="r" score-attribute="s"/>')
    assert rule_score(rule, RuleContext(attrs)) == expected


def test_rule_score() -> None:
    both, _ = rule_of('<rule id="r" score-attribute="s" score="5"/>')
    assert rule_score(both, RuleContext({"s": "7"})) == 5
    neither, _ = rule_of('<rule id="r"/>')
    assert rule_score(neither, RuleContext({})) == 0
    inf, _ = rule_of('<rule id="r" score="-INFINITY"/>')
    assert rule_score(inf, RuleContext({})) == -INFINITY
    red, _ = rule_of('<rule id="r" score="red"/>')
    assert rule_score(red, RuleContext({})) == 0
    assert rule_score(red, RuleContext({}, health={"red": -100})) == -100
