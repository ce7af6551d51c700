"""Node health: the ``#health-*`` node attributes, judged by the
node-health-strategy cluster option.

Each health attribute is a colour (red, yellow, green) or a score. The
strategy turns colours into scores: migrate-on-red bans red nodes, only-green
bans red and yellow ones, progressive and custom add the configured
node-health-red, -yellow and -green values (progressive also adds
node-health-base). The resulting score counts on every resource that does not
set allow-unhealthy-nodes.
"""

from __future__ import annotations

from hapy.cib.scores import add_scores, parse_score
from hapy.scheduler.explain.ledger import noting
from hapy.scheduler.options import is_true
from hapy.scheduler.working_set import INFINITY, Node, WorkingSet

HEALTH_PREFIX = "#health-"
COLOURS = ("red", "yellow", "green")

#: colour scores of the strategies that fix them
_FIXED = {
    "migrate-on-red": {"red": -INFINITY, "yellow": 0, "green": 0},
    "only-green": {"red": -INFINITY, "yellow": -INFINITY, "green": 0},
}


_WITH_BASE = ("progressive",)


def strategy(ws: WorkingSet) -> str:
    return ws.options.get("node-health-strategy").strip().lower() or "none"


def _health_values(node: Node) -> list[str]:
    return [v.strip().lower() for k, v in node.attrs.items() if k.startswith(HEALTH_PREFIX)]


def _score_of(text: str) -> int:
    try:
        return parse_score(text.replace("infinity", "INFINITY"))
    except ValueError:
        return 0


def apply_node_health_colours(ws: WorkingSet) -> None:
    """The colour each node's status shows: red if anything is red, else
    yellow if anything is yellow (or a negative score), else green."""
    if strategy(ws) == "none":
        return
    for node in ws.nodes:
        values = _health_values(node)
        if any(v == "red" or (v not in COLOURS and _score_of(v) <= -INFINITY) for v in values):
            node.health = "red"
        elif any(v == "yellow" or (v not in COLOURS and _score_of(v) < 0) for v in values):
            node.health = "yellow"


def node_health_score(ws: WorkingSet, node: Node) -> int:
    """What the node's health adds to every resource's score there."""
    name = strategy(ws)
    if name == "none":
        return 0
    colours = _FIXED.get(name) or {
        c: _score_of(ws.options.get(f"node-health-{c}")) for c in COLOURS
    }
    total = _score_of(ws.options.get("node-health-base")) if name in _WITH_BASE else 0
    for value in _health_values(node):
        total = add_scores(total, colours[value] if value in colours else _score_of(value))
    return total


def apply_node_health_scores(ws: WorkingSet) -> None:
    scores = {node.id: node_health_score(ws, node) for node in ws.nodes}
    scores = {node_id: score for node_id, score in scores.items() if score != 0}
    if not scores:
        return
    for top in ws.resources:
        if is_true(top.meta.get("allow-unhealthy-nodes")):
            continue
        with noting(ws, top, "node-health", "node-health-strategy",
                    _health_text, ws):
            for node_id, score in scores.items():
                top.allowed[node_id] = add_scores(top.allowed.get(node_id, 0), score)


def _health_text(ws: WorkingSet) -> str:
    return f"node-health-strategy={strategy(ws)}: the node's health attributes"
