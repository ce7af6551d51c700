"""``hapy explain`` output: text (default), XML (in a ``<pacemaker-result>``
like the other commands) and JSON."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import quoteattr

from hapy.cib.scores import INFINITY, score_text
from hapy.explain.model import Contribution, Explanation, NodeInfo, NodeScore, ResourceReport


def effect_text(before: int | None, after: int | None) -> str:
    """How a contribution changed the score: ``+100``, ``-> -INFINITY``,
    ``= 0`` (a first score), ``+0`` (no change)."""
    if before == after:
        return "+0"
    if after is None:
        return "not allowed"
    if before is None:
        return f"= {score_text(after)}"
    if max(abs(before), abs(after)) >= INFINITY:
        return f"-> {score_text(after)}"
    delta = after - before
    return f"+{delta}" if delta >= 0 else str(delta)


def _total(value: int | None) -> str:
    return "not allowed" if value is None else score_text(value)


# -- text ----------------------------------------------------------------------------


def render_text(ex: Explanation) -> list[str]:
    rsc = ex.resource
    out = [f"Resource: {rsc.name} ({rsc.variant})"]
    out.append(f"  active on: {rsc.current}")
    out.append(f"  outcome: {rsc.outcome}")
    actions = _all_actions(rsc)
    out.append(f"  planned: {'; '.join(actions) if actions else 'nothing to do'}")
    out.append("Cluster: " + ", ".join(f"{k}={v}" for k, v in ex.options))
    out.append("Nodes:")
    out += [f"  {_node_text(node)}" for node in ex.nodes]
    out += _resource_text(rsc, top=True)
    if ex.unexplained:
        out.append("")
        out.append(f"Note: {ex.unexplained} change(s) were not recorded by the scheduler "
                   "(shown as 'unrecorded').")
    return out


def _all_actions(rsc: ResourceReport) -> list[str]:
    return list(rsc.actions)


def _node_text(node: NodeInfo) -> str:
    text = f"{node.name}: {', '.join(node.state)}"
    if node.kind != "member":
        text += f" ({node.kind} node)"
    if not node.can_run:
        text += " - cannot run resources"
    if node.capacity:
        text += "; capacity " + ", ".join(
            f"{c.name} {c.capacity} (free {c.free}, needs {c.needed})" for c in node.capacity)
    return text


def _resource_text(rsc: ResourceReport, *, top: bool = False) -> list[str]:
    out = [""]
    head = f"{rsc.name} ({rsc.variant}"
    head += f" in {rsc.parent})" if rsc.parent and not top else ")"
    if not top:
        head += f": {rsc.outcome}"
        if rsc.actions:
            head += f"; planned: {'; '.join(rsc.actions)}"
    out.append(head)
    for score in rsc.scores:
        out += _score_text(score)
    for member in rsc.members:
        out += _resource_text(member)
    return out


def _score_text(score: NodeScore) -> list[str]:
    mark = "  <- placed here" if score.chosen else ""
    out = [f"  on {score.node}: {_total(score.score)}{mark}"]
    out += _contributions_text(score.contributions, 6)
    if score.later:
        out.append("      then, while choosing a node:")
        out += _contributions_text(score.later, 8)
    if score.promotion is not None:
        out.append(f"    promotion score on {score.node}: {score_text(score.promotion)}")
        out += _contributions_text(score.promotion_contributions, 6)
    return out


def _contributions_text(items: tuple[Contribution, ...], indent: int) -> list[str]:
    pad = " " * indent
    out = []
    for item in items:
        what = item.kind if item.source == item.kind else f"{item.kind} {item.source}"
        line = f"{pad}{effect_text(item.before, item.after):<12} {_total(item.after):<11} " \
            f"{what}"
        if item.detail:
            line += f": {item.detail}"
        out.append(line)
        out += _contributions_text(item.parts, indent + 4)
    return out


# -- JSON --------------------------------------------------------------------------


def to_json(ex: Explanation) -> dict[str, Any]:
    return {
        "resource": _resource_json(ex.resource),
        "nodes": [{"name": n.name, "kind": n.kind, "state": list(n.state),
                   "can_run": n.can_run,
                   "capacity": [{"name": c.name, "capacity": c.capacity, "free": c.free,
                                 "needed": c.needed} for c in n.capacity]}
                  for n in ex.nodes],
        "options": dict(ex.options),
        "unexplained": ex.unexplained,
    }


def render_json(ex: Explanation) -> str:
    return json.dumps(to_json(ex), indent=2) + "\n"


def _score_json(value: int | None) -> str | None:
    return None if value is None else score_text(value)


def _contribution_json(item: Contribution) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": item.kind, "source": item.source, "detail": item.detail,
                           "before": _score_json(item.before),
                           "after": _score_json(item.after),
                           "effect": effect_text(item.before, item.after)}
    if item.parts:
        out["parts"] = [_contribution_json(p) for p in item.parts]
    return out


def _resource_json(rsc: ResourceReport) -> dict[str, Any]:
    return {
        "name": rsc.name, "variant": rsc.variant, "parent": rsc.parent,
        "active_on": rsc.current, "placed_on": rsc.placed_on, "outcome": rsc.outcome,
        "role": rsc.role, "next_role": rsc.next_role, "actions": list(rsc.actions),
        "scores": [{
            "node": s.node, "score": _score_json(s.score), "chosen": s.chosen,
            "contributions": [_contribution_json(c) for c in s.contributions],
            "later": [_contribution_json(c) for c in s.later],
            **({"promotion": _score_json(s.promotion),
                "promotion_contributions": [_contribution_json(c)
                                            for c in s.promotion_contributions]}
               if s.promotion is not None else {}),
        } for s in rsc.scores],
        "members": [_resource_json(m) for m in rsc.members],
    }


# -- XML ---------------------------------------------------------------------------


def render_xml(ex: Explanation, request: str) -> str:
    from hapy.display.xml import API_VERSION

    lines = [f'<pacemaker-result api-version="{API_VERSION}" request={quoteattr(request)}>',
             "  <explanation>"]
    lines.append("    <cluster_options>")
    lines += [f"      <option name={quoteattr(k)} value={quoteattr(v)}/>" for k, v in ex.options]
    lines.append("    </cluster_options>")
    lines.append("    <nodes>")
    for node in ex.nodes:
        attrs = _attrs(name=node.name, type=node.kind, state=" ".join(node.state),
                       can_run=str(node.can_run).lower())
        if not node.capacity:
            lines.append(f"      <node{attrs}/>")
            continue
        lines.append(f"      <node{attrs}>")
        for c in node.capacity:
            attrs = _attrs(name=c.name, capacity=str(c.capacity), free=str(c.free),
                           needed=str(c.needed))
            lines.append(f"        <capacity{attrs}/>")
        lines.append("      </node>")
    lines.append("    </nodes>")
    lines += _resource_xml(ex.resource, 4)
    lines.append("  </explanation>")
    lines += ['  <status code="0" message="OK"/>', "</pacemaker-result>"]
    return "\n".join(lines) + "\n"


def _attrs(**values: str | None) -> str:
    return "".join(f" {k}={quoteattr(v)}" for k, v in values.items() if v is not None)


def _resource_xml(rsc: ResourceReport, indent: int) -> list[str]:
    pad = " " * indent
    attrs = _attrs(id=rsc.name, variant=rsc.variant, parent=rsc.parent,
                   active_on=rsc.current, placed_on=rsc.placed_on, outcome=rsc.outcome,
                   role=rsc.role or None, next_role=rsc.next_role or None)
    out = [f"{pad}<resource{attrs}>"]
    out += [f"{pad}  <action{_attrs(summary=a)}/>" for a in rsc.actions]
    for score in rsc.scores:
        attrs = _attrs(node=score.node, score=_score_json(score.score),
                       chosen=str(score.chosen).lower(),
                       promotion=_score_json(score.promotion))
        out.append(f"{pad}  <score{attrs}>")
        out += _contributions_xml(score.contributions, indent + 4, "contribution")
        out += _contributions_xml(score.later, indent + 4, "later")
        out += _contributions_xml(score.promotion_contributions, indent + 4, "promotion")
        out.append(f"{pad}  </score>")
    for member in rsc.members:
        out += _resource_xml(member, indent + 2)
    out.append(f"{pad}</resource>")
    return out


def _contributions_xml(items: tuple[Contribution, ...], indent: int, tag: str) -> list[str]:
    pad = " " * indent
    out = []
    for item in items:
        attrs = _attrs(kind=item.kind, source=item.source, detail=item.detail or None,
                       before=_score_json(item.before), after=_score_json(item.after),
                       effect=effect_text(item.before, item.after))
        if not item.parts:
            out.append(f"{pad}<{tag}{attrs}/>")
            continue
        out.append(f"{pad}<{tag}{attrs}>")
        out += _contributions_xml(item.parts, indent + 2, "part")
        out.append(f"{pad}</{tag}>")
    return out
