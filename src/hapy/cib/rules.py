"""Rules: the parsed model of ``<rule>`` elements and their evaluation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Union

from hapy.cib.iso8601 import add_duration, parse_datetime, parse_duration, parse_interval_ms
from hapy.cib.scores import parse_score
from hapy.reports import ReportList

_OPS = frozenset(("lt", "gt", "lte", "gte", "eq", "ne", "defined", "not_defined"))


@dataclass(frozen=True)
class AttrExpression:
    id: str
    attribute: str
    operation: str
    value: str | None
    type: str | None
    value_source: str


@dataclass(frozen=True)
class DateSpec:
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DateExpression:
    id: str
    operation: str
    start: datetime | None
    end: datetime | None
    duration: str | None
    date_spec: DateSpec | None


@dataclass(frozen=True)
class RscExpression:
    id: str
    rclass: str | None
    provider: str | None
    type: str | None


@dataclass(frozen=True)
class OpExpression:
    id: str
    name: str
    interval_ms: int | None


Expression = Union[AttrExpression, DateExpression, RscExpression, OpExpression, "Rule"]


@dataclass(frozen=True)
class Rule:
    id: str
    boolean_op: str
    score: str | None
    score_attribute: str | None
    role: str | None
    children: tuple[Expression, ...]


@dataclass(frozen=True)
class RuleContext:
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


def _date(elem_text: str | None, reports: ReportList, ident: str) -> datetime | None:
    if elem_text is None:
        return None
    try:
        return parse_datetime(elem_text)
    except ValueError as exc:
        reports.error("RULE_BAD_DATE", f"invalid date '{elem_text}': {exc}",
                      hint="use an ISO 8601 date", element="date_expression", id=ident)
        return None


def parse_rule(elem: object, reports: ReportList, source: str = "") -> Rule | None:
    from lxml import etree

    assert isinstance(elem, etree._Element)
    children: list[Expression] = []
    ident = elem.get("id", "")
    for child in elem:
        if not isinstance(child.tag, str):
            continue
        cid = child.get("id", "")
        if child.tag == "expression":
            op = child.get("operation", "")
            if op not in _OPS:
                reports.error("RULE_BAD_OPERATION", f"unknown operation '{op}'",
                              hint="use lt, gt, lte, gte, eq, ne, defined or not_defined",
                              element="expression", id=cid)
                return None
            children.append(AttrExpression(
                id=cid, attribute=child.get("attribute", ""), operation=op,
                value=child.get("value"), type=child.get("type"),
                value_source=child.get("value-source", "literal"),
            ))
        elif child.tag == "date_expression":
            spec_elem = child.find("date_spec")
            spec = None
            if spec_elem is not None:
                spec = DateSpec(
                    tuple((str(k), str(v)) for k, v in spec_elem.attrib.items() if k != "id")
                )
            dur_elem = child.find("duration")
            duration = None
            if dur_elem is not None:
                duration = ",".join(
                    f"{k!s}={v!s}" for k, v in dur_elem.attrib.items() if k != "id"
                )
            children.append(DateExpression(
                id=cid, operation=child.get("operation", "in_range"),
                start=_date(child.get("start"), reports, cid),
                end=_date(child.get("end"), reports, cid),
                duration=duration, date_spec=spec,
            ))
        elif child.tag == "rsc_expression":
            children.append(RscExpression(cid, child.get("class"), child.get("provider"),
                                          child.get("type")))
        elif child.tag == "op_expression":
            interval = child.get("interval")
            children.append(OpExpression(cid, child.get("name", ""),
                                         parse_interval_ms(interval) if interval else None))
        elif child.tag == "rule":
            sub = parse_rule(child, reports, source)
            if sub is not None:
                children.append(sub)
    return Rule(
        id=ident, boolean_op=(elem.get("boolean-op") or "and").lower(),
        score=elem.get("score"), score_attribute=elem.get("score-attribute"),
        role=elem.get("role"), children=tuple(children),
    )


def _num(text: str, kind: str) -> float | None:
    try:
        if kind == "integer":
            return float(int(float(text)))
        return float(text)
    except ValueError:
        return None


def _version(text: str) -> tuple[int, ...]:
    out = []
    for part in text.split("."):
        try:
            out.append(int(part))
        except ValueError:
            out.append(0)
    return tuple(out)


def _compare(op: str, left: str, right: str, kind: str | None) -> bool:
    if kind is None:
        kind = "number" if _num(left, "number") is not None and _num(right, "number") \
            is not None else "string"
    kind = kind.lower()
    if kind in ("integer", "number"):
        a, b = _num(left, kind), _num(right, kind)
        if a is None or b is None:
            return False
        cmp = (a > b) - (a < b)
    elif kind == "version":
        va, vb = _version(left), _version(right)
        n = max(len(va), len(vb))
        va = va + (0,) * (n - len(va))
        vb = vb + (0,) * (n - len(vb))
        cmp = (va > vb) - (va < vb)
    else:
        la, lb = left.lower(), right.lower()
        cmp = (la > lb) - (la < lb)
    return {"lt": cmp < 0, "gt": cmp > 0, "lte": cmp <= 0, "gte": cmp >= 0,
            "eq": cmp == 0, "ne": cmp != 0}[op]


def _attr(expr: AttrExpression, ctx: RuleContext) -> bool:
    value = ctx.node_attrs.get(expr.attribute)
    if expr.operation == "defined":
        return value is not None
    if expr.operation == "not_defined":
        return value is None
    ref = expr.value
    if expr.value_source == "param" and ref is not None:
        ref = (ctx.instance_params or {}).get(ref)
    elif expr.value_source == "meta" and ref is not None:
        ref = (ctx.meta or {}).get(ref)
    if value is None or ref is None:
        return expr.operation == "ne" and (value is None) != (ref is None)
    return _compare(expr.operation, value, ref, expr.type)


def _in_range(spec_value: str, actual: int) -> bool:
    for part in spec_value.split(","):
        part = part.strip()
        if "-" in part[1:]:
            lo, hi = part.split("-", 1)
            if int(lo) <= actual <= int(hi):
                return True
        elif part and int(part) == actual:
            return True
    return False


def _date_spec(spec: DateSpec, now: datetime) -> bool:
    iso = now.isocalendar()
    values = {
        "years": now.year, "months": now.month, "monthdays": now.day,
        "weekdays": now.isoweekday(), "yeardays": now.timetuple().tm_yday,
        "hours": now.hour, "minutes": now.minute, "seconds": now.second,
        "weekyears": iso[0], "weeks": iso[1],
    }
    for name, text in spec.fields:
        if name not in values:
            continue
        try:
            if not _in_range(text, values[name]):
                return False
        except ValueError:
            return False
    return True


def _duration_end(start: datetime, text: str) -> datetime:
    from hapy.cib.iso8601 import Duration

    fields = dict(part.split("=", 1) for part in text.split(",") if "=" in part)
    dur = Duration(
        years=int(fields.get("years", 0)), months=int(fields.get("months", 0)),
        weeks=int(fields.get("weeks", 0)), days=int(fields.get("days", 0)),
        hours=int(fields.get("hours", 0)), minutes=int(fields.get("minutes", 0)),
        seconds=float(fields.get("seconds", 0)),
    )
    return add_duration(start, dur)


def _date_expr(expr: DateExpression, ctx: RuleContext) -> bool:
    now = ctx.now
    if now is None:
        return False
    if expr.operation == "gt":
        return expr.start is not None and now > expr.start
    if expr.operation == "lt":
        return expr.end is not None and now < expr.end
    if expr.operation == "date_spec":
        return expr.date_spec is not None and _date_spec(expr.date_spec, now)
    # in_range
    end = expr.end
    if end is None and expr.start is not None and expr.duration:
        end = _duration_end(expr.start, expr.duration)
    if expr.start is not None and now < expr.start:
        return False
    return not (end is not None and now > end)


def evaluate_expression(expr: Expression, ctx: RuleContext) -> bool:
    if isinstance(expr, Rule):
        return evaluate_rule(expr, ctx)
    if isinstance(expr, AttrExpression):
        return _attr(expr, ctx)
    if isinstance(expr, DateExpression):
        return _date_expr(expr, ctx)
    if isinstance(expr, RscExpression):
        return (
            (expr.rclass is None or expr.rclass == ctx.rsc_class)
            and (expr.provider is None or expr.provider == ctx.rsc_provider)
            and (expr.type is None or expr.type == ctx.rsc_type)
        )
    if isinstance(expr, OpExpression):
        return expr.name == ctx.op_name and (
            expr.interval_ms is None or expr.interval_ms == ctx.op_interval_ms
        )
    return False


def evaluate_rule(rule: Rule, ctx: RuleContext) -> bool:
    if rule.role is not None and ctx.role is not None and rule.role != ctx.role:
        return False
    if not rule.children:
        return True
    if rule.boolean_op == "or":
        return any(evaluate_expression(c, ctx) for c in rule.children)
    return all(evaluate_expression(c, ctx) for c in rule.children)


def rule_score(rule: Rule, ctx: RuleContext) -> int | None:
    if rule.score is not None:
        try:
            return parse_score(rule.score)
        except ValueError:
            return None
    if rule.score_attribute is not None:
        value = ctx.node_attrs.get(rule.score_attribute)
        if value is None:
            return None
        try:
            return parse_score(value)
        except ValueError:
            return None
    return 0


_ = parse_duration
