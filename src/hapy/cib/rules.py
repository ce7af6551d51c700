"""Rules: the parsed model of ``<rule>`` elements and their evaluation.

The semantics follow Pacemaker 2.1.5 as observed with ``crm_simulate``:

* ``boolean-op`` is ``or`` (any case) or else ``and``; a rule without
  conditions is true with ``and`` and false with ``or``; an unknown
  condition element, operation or date operation evaluates false.
* ``expression``: ``operation`` and ``type`` are case-insensitive.  Without a
  ``type``, ``lt``/``gt``/``lte``/``gte`` compare as ``number`` when either
  value contains a ``.`` and as ``integer`` otherwise; ``eq``/``ne`` compare
  strings.  ``integer`` reads the leading integer (``10abc`` is 10, ``9.99``
  is 9; out of 64-bit range fails), ``number`` reads like C ``strtod``
  (``1e1``, ``0x10``, ``inf``; ``nan`` compares equal to everything).  When a
  value does not parse, both compare as strings.  String comparison is
  case-insensitive.  An unknown type compares strings.
* An empty ``value`` is no value.  No value on either side: ``eq`` is true only
  when both are missing, ``ne`` the opposite, the orderings are false.
* ``version`` compares dot-separated leading integers, one component at a
  time (``1.2`` = ``1.2.0`` = ``01.2``, ``1.10`` > ``1.9``); an empty string
  sorts first.  (Pacemaker loops forever on two versions that stop making
  progress, such as ``abc`` against ``abc``; they compare equal here.)
* ``date_expression``: ``in_range`` by default; ``gt`` is strictly after
  ``start``, ``lt`` strictly before ``end``, ``in_range`` is
  ``start <= now <= end`` where a missing ``end`` is ``start + duration``; an
  unparsable date counts as absent.  ``date_spec`` fields are ``N``, ``N-M``,
  ``N-`` or ``-M`` (inclusive); a field Pacemaker cannot read is ignored.
  ``date_spec`` looks at the date in its own UTC offset.
* ``score-attribute`` naming an attribute the node lacks gives -INFINITY.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeAlias

from lxml import etree

from hapy.cib.iso8601 import Duration, add_duration, parse_datetime, parse_interval_ms
from hapy.cib.scores import INFINITY, leading_int, parse_score
from hapy.records import record
from hapy.reports import ReportList

ATTR_OPERATIONS = frozenset(("lt", "gt", "lte", "gte", "eq", "ne", "defined", "not_defined"))
ATTR_TYPES = frozenset(("string", "integer", "number", "version"))
DATE_OPERATIONS = frozenset(("gt", "lt", "in_range", "date_spec"))
DATE_SPEC_FIELDS = (
    "years", "months", "monthdays", "hours", "minutes", "seconds",
    "yeardays", "weekyears", "weeks", "weekdays", "moon",
)
DURATION_FIELDS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_BLANKS = " \t\n\v\f\r"

# C strtod's accepted prefix: decimal or hexadecimal floats, inf, infinity, nan
_STRTOD = re.compile(
    r"[ \t\n\v\f\r]*([+-]?)(?:"
    r"(0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?)"
    r"|((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|((?i:inf(?:inity)?))"
    r"|((?i:nan)(?:\([0-9A-Za-z_]*\))?))"
)
# a date_spec field: -M, N, N-M or N- (numbers as strtoll reads them; a leading
# "-" always starts "-M", so "-5" means "up to 5")
_SPEC_RANGE = re.compile(
    r"(?:-[ \t\n\v\f\r]*([+-]?[0-9]+)"
    r"|[ \t\n\v\f\r]*([+-]?[0-9]+)(-(?:[ \t\n\v\f\r]*([+-]?[0-9]+))?)?)"
)


# -- the model ------------------------------------------------------------------------


@record
class AttrExpression:
    """``<expression>``: a node attribute compared with a value."""

    id: str
    attribute: str | None
    operation: str | None  # lower-cased; None or unknown evaluates false
    value: str | None
    type: str | None  # lower-cased; None means the per-operation default
    value_source: str = "literal"  # "literal", "param" or "meta"


@record
class DateSpec:
    """``<date_spec>``: the readable fields as inclusive (low, high) ranges."""

    id: str
    ranges: tuple[tuple[str, int | None, int | None], ...] = ()


@record
class DateExpression:
    """``<date_expression>``; unparsable dates are None (as if absent)."""

    id: str
    operation: str  # lower-cased; unknown evaluates false
    start: datetime | None = None
    end: datetime | None = None
    duration: Duration | None = None
    date_spec: DateSpec | None = None


@record
class RscExpression:
    """``<rsc_expression>``: matches the resource agent (omitted parts match all)."""

    id: str
    rclass: str | None = None
    provider: str | None = None
    type: str | None = None


@record
class OpExpression:
    """``<op_expression>``: matches the action; ``interval_ms`` None matches any
    interval, -1 marks an unreadable interval (matches nothing)."""

    id: str
    name: str | None
    interval_ms: int | None = None


@record
class UnknownExpression:
    """A condition element Pacemaker does not know: always false."""

    id: str
    tag: str


Expression: TypeAlias = (
    AttrExpression | DateExpression | RscExpression | OpExpression | UnknownExpression
)


@record
class Rule:
    id: str
    boolean_op: str  # "and" or "or"
    score: str | None
    score_attribute: str | None
    role: str | None
    children: tuple[Expression | Rule, ...]


@record
class RuleContext:
    """What a rule is evaluated against.

    ``node_attrs`` holds the node's attributes including the built-in ones
    (``#uname``, ``#id``, ``#kind``, ``#is_dc``, ``#cluster-name``...).
    ``now`` None means the current time.  ``rsc_class`` None means there is no
    resource (rsc_expression is false) and ``op_name`` None that there is no
    operation (op_expression is false).  ``role`` is the value of ``#role``
    when ``node_attrs`` has none.  ``health`` maps red/yellow/green to scores.
    """

    node_attrs: Mapping[str, str]
    now: datetime | None = None
    rsc_class: str | None = None
    rsc_provider: str | None = None
    rsc_type: str | None = None
    op_name: str | None = None
    op_interval_ms: int | None = None
    instance_params: Mapping[str, str] | None = None
    meta: Mapping[str, str] | None = None
    role: str | None = None
    health: Mapping[str, int] | None = None
    #: when given, date expressions add the times their result next changes
    changes: list[datetime] | None = None


# -- parsing --------------------------------------------------------------------------


def _context(elem: etree._Element, source: str) -> dict[str, str]:
    ctx = {"element": str(elem.tag), "id": elem.get("id", "")}
    if source:
        ctx["file"] = source
    if elem.sourceline:
        ctx["line"] = str(elem.sourceline)
    return ctx


def _parse_date_attr(elem: etree._Element, attr: str, reports: ReportList,
                     source: str) -> datetime | None:
    text = elem.get(attr)
    if text is None:
        return None
    try:
        return parse_datetime(text, allow_now=False)
    except ValueError as exc:
        reports.error(
            "RULE_BAD_DATE",
            f"<date_expression> {attr}=\"{text}\" is not a date: {exc}",
            hint="use an ISO 8601 date such as 2024-01-31 or 2024-01-31 12:00:00 +01:00; "
                 "Pacemaker ignores a date it cannot read",
            **_context(elem, source),
        )
        return None


def parse_spec_range(text: str) -> tuple[int | None, int | None] | None:
    """A date_spec field as (low, high), either open; None when unreadable."""
    m = _SPEC_RANGE.fullmatch(text)
    if m is None:
        return None
    upper_only, first, dash, second = m.groups()
    numbers = [int(x) for x in (first, second, upper_only) if x is not None]
    if any(not _INT64_MIN <= x <= _INT64_MAX for x in numbers):
        return None
    if upper_only is not None:
        return None, int(upper_only)
    low = int(first)
    if dash is None:
        return low, low
    return low, (int(second) if second is not None else None)


def _parse_date_spec(elem: etree._Element, reports: ReportList, source: str) -> DateSpec:
    ranges: list[tuple[str, int | None, int | None]] = []
    for name in DATE_SPEC_FIELDS:
        text = elem.get(name)
        if text is None:
            continue
        parsed = parse_spec_range(text)
        if parsed is None:
            reports.warning(
                "RULE_BAD_DATE_SPEC",
                f"<date_spec> {name}=\"{text}\" is not a number or range; Pacemaker ignores it",
                hint="use a number such as 9 or a range such as 9-16, 9- or -16",
                **_context(elem, source),
            )
            continue
        ranges.append((name, parsed[0], parsed[1]))
    return DateSpec(elem.get("id", ""), tuple(ranges))


def _parse_duration_elem(elem: etree._Element, reports: ReportList, source: str) -> Duration:
    values: dict[str, int] = {}
    for name in DURATION_FIELDS:
        text = elem.get(name)
        if text is None:
            continue
        number = leading_int(text)
        if number is None or text.strip(_BLANKS) != str(number).lstrip("+"):
            reports.warning(
                "RULE_BAD_DURATION",
                f"<duration> {name}=\"{text}\" is not a whole number; Pacemaker reads "
                f"{number if number is not None else 0}",
                hint="use a whole number",
                **_context(elem, source),
            )
        values[name] = number or 0
    return Duration(**values)


def _parse_attr_expression(child: etree._Element, reports: ReportList,
                           source: str) -> AttrExpression:
    op = child.get("operation")
    op_l = op.lower() if op is not None else None
    if op_l not in ATTR_OPERATIONS:
        reports.error(
            "RULE_BAD_OPERATION",
            f"<expression> has {'no operation' if op is None else f'operation {op!r}'}; "
            "it is always false",
            hint="use lt, gt, lte, gte, eq, ne, defined or not_defined",
            **_context(child, source),
        )
        op_l = None
    kind = child.get("type")
    kind_l = kind.lower() if kind is not None else None
    if kind_l is not None and kind_l not in ATTR_TYPES:
        reports.error(
            "RULE_BAD_TYPE",
            f"<expression> has type {kind!r}; Pacemaker compares the values as strings",
            hint="use string, integer, number or version",
            **_context(child, source),
        )
        kind_l = "string"
    attribute = child.get("attribute")
    if attribute is None:
        reports.error(
            "RULE_BAD_EXPRESSION",
            "<expression> has no attribute; it is always false",
            hint="name the node attribute to test with attribute=",
            **_context(child, source),
        )
    value = child.get("value")
    if op_l not in (None, "defined", "not_defined") and value is None:
        reports.warning(
            "RULE_NO_VALUE",
            f"<expression> with operation {op!r} has no value",
            hint="give the value to compare with",
            **_context(child, source),
        )
    vsource = (child.get("value-source") or "literal").lower()
    if vsource not in ("literal", "param", "meta"):
        vsource = "literal"
    return AttrExpression(
        id=child.get("id", ""), attribute=attribute, operation=op_l, value=value,
        type=kind_l, value_source=vsource,
    )


def _parse_date_expression(child: etree._Element, reports: ReportList,
                           source: str) -> DateExpression:
    op = (child.get("operation") or "in_range").lower()
    if op not in DATE_OPERATIONS:
        reports.error(
            "RULE_BAD_OPERATION",
            f"<date_expression> has operation {child.get('operation')!r}; it is always false",
            hint="use gt, lt, in_range or date_spec",
            **_context(child, source),
        )
    start = _parse_date_attr(child, "start", reports, source)
    end = _parse_date_attr(child, "end", reports, source)
    spec_elem = child.find("date_spec")
    dur_elem = child.find("duration")
    spec = _parse_date_spec(spec_elem, reports, source) if spec_elem is not None else None
    duration = _parse_duration_elem(dur_elem, reports, source) if dur_elem is not None else None
    if (op == "gt" and child.get("start") is None) or (op == "lt" and child.get("end") is None):
        reports.error(
            "RULE_BAD_DATE",
            f"<date_expression> operation {op} needs {'start' if op == 'gt' else 'end'}",
            hint="add the date to compare with",
            **_context(child, source),
        )
    elif op == "in_range" and child.get("start") is None and child.get("end") is None:
        reports.error(
            "RULE_BAD_DATE",
            "<date_expression> operation in_range needs start or end",
            hint="add start, end or both",
            **_context(child, source),
        )
    return DateExpression(id=child.get("id", ""), operation=op, start=start, end=end,
                          duration=duration, date_spec=spec)


def _parse_op_expression(child: etree._Element, reports: ReportList,
                         source: str) -> OpExpression:
    text = child.get("interval")
    interval: int | None = None
    if text is not None:
        try:
            interval = parse_interval_ms(text)
        except ValueError as exc:
            reports.error(
                "RULE_BAD_INTERVAL",
                f"<op_expression> interval=\"{text}\" is invalid ({exc}); it matches nothing",
                hint="use a number of seconds or a value with a unit such as 10s or 1min",
                **_context(child, source),
            )
            interval = -1
    return OpExpression(child.get("id", ""), child.get("name"), interval)


def _parse_children(elem: etree._Element, reports: ReportList,
                    source: str) -> tuple[Expression | Rule, ...]:
    children: list[Expression | Rule] = []
    for child in elem:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # comments, processing instructions
        if tag == "expression":
            children.append(_parse_attr_expression(child, reports, source))
        elif tag == "date_expression":
            children.append(_parse_date_expression(child, reports, source))
        elif tag == "rsc_expression":
            children.append(RscExpression(child.get("id", ""), child.get("class"),
                                          child.get("provider"), child.get("type")))
        elif tag == "op_expression":
            children.append(_parse_op_expression(child, reports, source))
        elif tag == "rule":
            children.append(_build_rule(child, reports, source))
        else:
            reports.error(
                "RULE_UNKNOWN_CONDITION",
                f"<rule> contains <{tag}>, which is no rule condition; it is always false",
                hint="use expression, date_expression, rsc_expression, op_expression or rule",
                **_context(child, source),
            )
            children.append(UnknownExpression(child.get("id", ""), tag))
    return tuple(children)


def _build_rule(elem: etree._Element, reports: ReportList, source: str) -> Rule:
    boolean_op = "or" if (elem.get("boolean-op") or "").lower() == "or" else "and"
    return Rule(
        id=elem.get("id", ""),
        boolean_op=boolean_op,
        score=elem.get("score"),
        score_attribute=elem.get("score-attribute"),
        role=elem.get("role"),
        children=_parse_children(elem, reports, source),
    )


def parse_rule(elem: etree._Element, reports: ReportList, source: str = "") -> Rule | None:
    """The model of a ``<rule>`` element; None when ``elem`` is no rule.

    Problems are reported (codes RULE_BAD_OPERATION, RULE_BAD_TYPE,
    RULE_BAD_DATE, RULE_BAD_EXPRESSION, RULE_UNKNOWN_CONDITION, RULE_BAD_INTERVAL
    as errors; RULE_BAD_DATE_SPEC, RULE_BAD_DURATION, RULE_NO_VALUE as
    warnings) and the rule keeps Pacemaker's meaning for them: the faulty
    condition is false, or the unreadable field is ignored.
    """
    if not isinstance(elem.tag, str) or elem.tag != "rule":
        reports.error(
            "RULE_NOT_A_RULE",
            f"expected a <rule> element, found <{elem.tag}>",
            hint="rules are written <rule id=...>",
            **_context(elem, source),
        )
        return None
    return _build_rule(elem, reports, source)


# -- value comparison -----------------------------------------------------------------


def _int_value(text: str) -> int | None:
    number = leading_int(text)
    if number is None or not _INT64_MIN <= number <= _INT64_MAX:
        return None
    return number


def _float_value(text: str) -> float | None:
    m = _STRTOD.match(text)
    if m is None:
        return None
    sign, hexa, dec, inf, _nan = m.groups()
    if hexa is not None:
        try:
            value = float.fromhex(hexa)
        except (ValueError, OverflowError):
            return None
    elif dec is not None:
        value = float(dec)
        if math.isinf(value):
            return None  # overflow: strtod reports ERANGE
    elif inf is not None:
        value = math.inf
    else:
        value = math.nan
    return -value if sign == "-" else value


def _sign(less: bool, greater: bool) -> int:
    return -1 if less else (1 if greater else 0)


def _strcasecmp(a: str, b: str) -> int:
    la, lb = a.encode().lower(), b.encode().lower()
    return _sign(la < lb, la > lb)


def compare_versions(left: str, right: str) -> int:
    """-1, 0 or 1: dot-separated leading integers compared one by one."""
    if not left or not right:
        return (1 if left else 0) - (1 if right else 0)
    i = j = 0
    nl, nr = len(left), len(right)
    while i < nl or j < nr:
        a, i2 = _version_component(left, i)
        b, j2 = _version_component(right, j)
        if a != b:
            return -1 if a < b else 1
        if i2 < nl and left[i2] == ".":
            i2 += 1
        if j2 < nr and right[j2] == ".":
            j2 += 1
        if i2 == i and j2 == j:
            return 0  # neither side advances (Pacemaker would loop forever)
        i, j = i2, j2
    return 0


def _version_component(text: str, pos: int) -> tuple[int, int]:
    """(value, next position) of the strtol number at ``pos`` (0 when none)."""
    n = len(text)
    if pos >= n:
        return 0, pos
    k = pos
    while k < n and text[k] in _BLANKS:
        k += 1
    start = k
    if k < n and text[k] in "+-":
        k += 1
    end = k
    while end < n and text[end] in "0123456789":
        end += 1
    if end == k:
        return 0, pos
    value = int(text[start:end])
    return max(_INT64_MIN, min(_INT64_MAX, value)), end


def _default_type(op: str, left: str, right: str) -> str:
    if op in ("lt", "gt", "lte", "gte"):
        return "number" if "." in left or "." in right else "integer"
    return "string"


def compare_values(op: str, left: str | None, right: str | None, kind: str | None) -> bool:
    """``left`` (the attribute) against ``right`` (the expression's value)."""
    if left is None or right is None:
        if op == "eq":
            return left is None and right is None
        if op == "ne":
            return (left is None) != (right is None)
        return False
    if kind is None:
        kind = _default_type(op, left, right)
    result: int
    if kind == "integer":
        ia, ib = _int_value(left), _int_value(right)
        if ia is not None and ib is not None:
            result = _sign(ia < ib, ia > ib)
        else:
            result = _strcasecmp(left, right)
    elif kind == "number":
        fa, fb = _float_value(left), _float_value(right)
        if fa is not None and fb is not None:
            result = _sign(fa < fb, fa > fb)
        else:
            result = _strcasecmp(left, right)
    elif kind == "version":
        result = compare_versions(left, right)
    else:
        result = _strcasecmp(left, right)
    if op == "lt":
        return result < 0
    if op == "gt":
        return result > 0
    if op == "lte":
        return result <= 0
    if op == "gte":
        return result >= 0
    if op == "eq":
        return result == 0
    return result != 0


# -- evaluation -----------------------------------------------------------------------


def _eval_attr(expr: AttrExpression, ctx: RuleContext) -> bool:
    if expr.attribute is None or expr.operation is None:
        return False
    value = ctx.node_attrs.get(expr.attribute)
    if value is None and expr.attribute == "#role":
        value = ctx.role
    if expr.operation == "defined":
        return value is not None
    if expr.operation == "not_defined":
        return value is None
    ref = expr.value or None
    if ref is not None and expr.value_source != "literal":
        source = ctx.instance_params if expr.value_source == "param" else ctx.meta
        ref = (source or {}).get(ref) or None
    return compare_values(expr.operation, value, ref, expr.type)


def moon_phase(when: datetime) -> int:
    """Moon phase 0-7 (0 new, 4 full) by the epact method Pacemaker uses."""
    golden = when.year % 19 + 1
    epact = (11 * golden + 18) % 30
    if (epact == 25 and golden > 11) or epact == 24:
        epact += 1
    yday = when.timetuple().tm_yday
    return (((yday + epact) * 6 + 11) % 177) // 22 & 7


def _spec_value(name: str, now: datetime) -> int:
    if name == "years":
        return now.year
    if name == "months":
        return now.month
    if name == "monthdays":
        return now.day
    if name == "hours":
        return now.hour
    if name == "minutes":
        return now.minute
    if name == "seconds":
        return now.second
    if name == "yeardays":
        return now.timetuple().tm_yday
    if name == "weekyears":
        return now.isocalendar()[0]
    if name == "weeks":
        return now.isocalendar()[1]
    if name == "weekdays":
        return now.isoweekday()
    return moon_phase(now)


def date_spec_matches(spec: DateSpec, now: datetime) -> bool:
    for name, low, high in spec.ranges:
        value = _spec_value(name, now)
        if (low is not None and value < low) or (high is not None and value > high):
            return False
    return True


def _eval_date(expr: DateExpression, ctx: RuleContext) -> bool:
    result = _date_result(expr, ctx)
    if ctx.changes is not None:
        change = _next_change(expr, ctx.now if ctx.now is not None else datetime.now(UTC))
        if change is not None:
            ctx.changes.append(change)
    return result


def _in_range_end(expr: DateExpression) -> datetime | None:
    if expr.end is not None or expr.start is None or expr.duration is None:
        return expr.end
    try:
        return add_duration(expr.start, expr.duration)
    except ValueError:
        return None


def _next_change(expr: DateExpression, now: datetime) -> datetime | None:
    """When the expression's result will next change (None: never, or
    not known, as for date_spec)."""
    second = timedelta(seconds=1)
    if expr.operation == "gt":
        return expr.start + second if expr.start is not None and now <= expr.start else None
    if expr.operation == "lt":
        return expr.end if expr.end is not None and now < expr.end else None
    if expr.operation != "in_range":
        return None
    end = _in_range_end(expr)
    if expr.start is not None and now < expr.start:
        return expr.start
    if end is not None and now <= end:
        return end + second
    return None


def _date_result(expr: DateExpression, ctx: RuleContext) -> bool:
    now = ctx.now if ctx.now is not None else datetime.now(UTC)
    op = expr.operation
    if op == "gt":
        return expr.start is not None and now > expr.start
    if op == "lt":
        return expr.end is not None and now < expr.end
    if op == "date_spec":
        return expr.date_spec is None or date_spec_matches(expr.date_spec, now)
    if op != "in_range":
        return False
    end = expr.end
    if end is None and expr.start is not None and expr.duration is not None:
        try:
            end = add_duration(expr.start, expr.duration)
        except ValueError:
            end = None
    if expr.start is None and end is None:
        return False
    if expr.start is not None and now < expr.start:
        return False
    return end is None or now <= end


def evaluate_condition(cond: Expression | Rule, ctx: RuleContext) -> bool:
    """One condition of a rule (an expression or a nested rule)."""
    if isinstance(cond, AttrExpression):
        return _eval_attr(cond, ctx)
    if isinstance(cond, DateExpression):
        return _eval_date(cond, ctx)
    if isinstance(cond, Rule):
        return evaluate_rule(cond, ctx)
    if isinstance(cond, RscExpression):
        if ctx.rsc_class is None:
            return False
        return (
            (cond.rclass is None or cond.rclass == ctx.rsc_class)
            and (cond.provider is None or cond.provider == ctx.rsc_provider)
            and (cond.type is None or cond.type == ctx.rsc_type)
        )
    if isinstance(cond, OpExpression):
        if ctx.op_name is None or cond.name != ctx.op_name:
            return False
        return cond.interval_ms is None or cond.interval_ms == (ctx.op_interval_ms or 0)
    return False


#: kept for callers of the earlier name
evaluate_expression = evaluate_condition


def evaluate_rule(rule: Rule, ctx: RuleContext) -> bool:
    """True when the rule is in effect.  (``rule.role`` is the constraint's
    business: it is not tested here.)"""
    if rule.boolean_op == "or":
        return any(evaluate_condition(c, ctx) for c in rule.children)
    return all(evaluate_condition(c, ctx) for c in rule.children)


def rule_score(rule: Rule, ctx: RuleContext) -> int | None:
    """The score a location rule gives a node (call when the rule is true).

    ``score`` wins over ``score-attribute``; a node without the named
    attribute gets -INFINITY; neither gives 0.
    """
    if rule.score is not None:
        return parse_score(rule.score, health=ctx.health)
    if rule.score_attribute is not None:
        value = ctx.node_attrs.get(rule.score_attribute)
        if value is None:
            return -INFINITY
        return parse_score(value, health=ctx.health)
    return 0
