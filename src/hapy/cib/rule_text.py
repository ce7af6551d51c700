"""Rules as one line of text (``hapy explain`` shows the rules it evaluated)."""

from __future__ import annotations

from hapy.cib.rules import (
    AttrExpression,
    DateExpression,
    Expression,
    OpExpression,
    RscExpression,
    Rule,
)


def rule_text(rule: Rule) -> str:
    """``rule``'s conditions, e.g. ``#uname eq node1 and pingd gt 0``."""
    parts = [_condition(child) for child in rule.children]
    if not parts:
        return "(always)"
    return f" {rule.boolean_op} ".join(parts)


def _condition(item: Expression | Rule) -> str:
    if isinstance(item, Rule):
        inner = rule_text(item)
        return f"({inner})" if len(item.children) > 1 else inner
    if isinstance(item, AttrExpression):
        op = item.operation or "?"
        attr = item.attribute or "?"
        if op in ("defined", "not_defined"):
            return f"{attr} {op}"
        value = item.value or ""
        if item.value_source in ("param", "meta"):
            value = f"{item.value_source}:{value}"
        return f"{attr} {op} {value}"
    if isinstance(item, DateExpression):
        if item.operation == "date_spec" and item.date_spec is not None:
            ranges = ",".join(f"{name}={_range(low, high)}"
                              for name, low, high in item.date_spec.ranges)
            return f"date-spec {ranges}"
        bounds = [f"{name} {value:%Y-%m-%d %H:%M:%S}"
                  for name, value in (("start", item.start), ("end", item.end))
                  if value is not None]
        return f"date {item.operation} {' '.join(bounds)}".rstrip()
    if isinstance(item, RscExpression):
        agent = ":".join(p for p in (item.rclass, item.provider, item.type) if p)
        return f"resource agent {agent or '*'}"
    if isinstance(item, OpExpression):
        return f"operation {item.name or '*'}"
    return f"<{item.tag}> (never true)"


def _range(low: int | None, high: int | None) -> str:
    if low == high:
        return str(low)
    return f"{'' if low is None else low}-{'' if high is None else high}"
