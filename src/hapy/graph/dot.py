"""crm_simulate's ``-D`` (DOT) rendering of a transition.

The format, as ``crm_simulate -S -D FILE`` writes it::

     digraph "g" {
    "B_stop_0 node2" [ style=bold color="green" fontcolor="black"]
    "B_start_0 node1" [ style=bold color="green" fontcolor="orange"]
    "B_stop_0 node2" -> "B_start_0 node1" [ style = bold]
    }

* the first line starts with a space; every node is listed before any edge;
* a node is ``"LABEL" [ style=S color="C" fontcolor="F"]``: actions in the
  graph are ``bold``/``green``; actions left out are ``dashed`` and
  ``red`` when they cannot run or ``blue`` when optional; the font is
  ``orange`` for pseudo actions, ``purple`` for actions of unmanaged
  resources and ``black`` otherwise;
* optional and unmanaged actions are only drawn with ``--all-actions``;
* an edge is ``"FIRST" -> "THEN" [ style = bold]`` between two actions of
  the graph, ``dashed`` otherwise;
* labels are the action key followed by the node name (``<none>`` for a
  resource action with no node); fencing is ``stonith 'ACTION' NODE``,
  ``do_shutdown NODE`` and ``probe_again NODE`` name their node, and
  cancelling a recurring operation is ``Cancel KEY NODE``;
* the graph's actions come in descending action id order (the order the
  scheduler created them in), each followed in the edge list by its inputs
  in the graph's order.

A :class:`~hapy.graph.model.TransitionGraph` only holds the actions that
were scheduled, so :func:`graph_to_dot` draws those; the scheduler can pass
the actions it left out (``extra_actions``/``extra_edges``) and labels for
actions whose node the graph does not record (pseudo actions), or build
the whole picture with :func:`render_dot`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

from hapy.graph.model import ActionKind, GraphAction, TransitionGraph
from hapy.records import record

__all__ = [
    "DotAction",
    "DotEdge",
    "DotStatus",
    "action_label",
    "graph_to_dot",
    "render_dot",
]


class DotStatus(enum.Enum):
    """How an action is drawn."""

    SCHEDULED = "scheduled"  # in the graph: bold green
    UNRUNNABLE = "unrunnable"  # left out, cannot run: dashed red
    OPTIONAL = "optional"  # left out, not needed: dashed blue (all-actions only)
    UNMANAGED = "unmanaged"  # left out, resource unmanaged: dashed red (all-actions only)


@record
class DotAction:
    label: str
    status: DotStatus = DotStatus.SCHEDULED
    pseudo: bool = False


@record
class DotEdge:
    """An ordering between two actions; ``optional`` ones are only drawn with all-actions."""

    first: str
    then: str
    in_graph: bool = True
    optional: bool = False


def action_label(action: GraphAction, node: str | None = None) -> str:
    """The DOT label crm_simulate gives ``action``.

    ``node`` overrides the action's node (pseudo actions have one in the
    scheduler although the graph does not record it).
    """
    where = node if node is not None else action.on_node
    if action.kind is not ActionKind.RSC_OP and action.operation == "stonith":
        fence = action.attributes.get("CRM_meta_stonith_action", "reboot")
        return f"stonith '{fence}' {where}"
    if action.operation in ("do_shutdown", "probe_again"):
        return f"{action.operation} {where}"
    key = action.operation_key
    if action.kind is ActionKind.RSC_OP and action.operation == "cancel":
        key = f"Cancel {key}"
    if where:
        return f"{key} {where}"
    if action.kind is ActionKind.RSC_OP:
        return f"{key} <none>"
    return key


def _node_line(item: DotAction) -> str:
    if item.status is DotStatus.SCHEDULED:
        style, color = "bold", "green"
    elif item.status is DotStatus.OPTIONAL:
        style, color = "dashed", "blue"
    else:
        style, color = "dashed", "red"
    if item.status is DotStatus.UNMANAGED:
        font = "purple"
    elif item.pseudo:
        font = "orange"
    else:
        font = "black"
    return f'"{item.label}" [ style={style} color="{color}" fontcolor="{font}"]'


def _hidden(item: DotAction, all_actions: bool) -> bool:
    return not all_actions and item.status in (DotStatus.OPTIONAL, DotStatus.UNMANAGED)


def render_dot(
    actions: Sequence[DotAction], edges: Sequence[DotEdge], *, all_actions: bool = False
) -> str:
    """Write nodes and edges in crm_simulate's DOT layout.

    Without ``all_actions``, optional and unmanaged actions, optional edges
    and the edges touching hidden actions are left out.  (Several actions
    may share a label, e.g. unplaced clone instances; a label stays
    visible while any action with it is.)
    """
    shown = {a.label for a in actions if not _hidden(a, all_actions)}
    hidden = {a.label for a in actions} - shown
    lines = [' digraph "g" {']
    lines += [_node_line(a) for a in actions if not _hidden(a, all_actions)]
    for edge in edges:
        if edge.first in hidden or edge.then in hidden:
            continue
        if edge.optional and not all_actions:
            continue
        style = "bold" if edge.in_graph else "dashed"
        lines.append(f'"{edge.first}" -> "{edge.then}" [ style = {style}]')
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_to_dot(
    graph: TransitionGraph,
    *,
    extra_actions: Sequence[DotAction] = (),
    extra_edges: Sequence[DotEdge] = (),
    labels: Mapping[int, str] | None = None,
    all_actions: bool = False,
) -> str:
    """The DOT text for ``graph`` (plus any actions the scheduler left out).

    ``labels`` maps action ids to labels to use instead of
    :func:`action_label` (e.g. a pseudo action's node).  Extra actions are
    drawn after the graph's, extra edges after the graph's edges.
    """
    labels = labels or {}
    synapses = sorted(graph.synapses, key=lambda s: s.action.id, reverse=True)
    by_id = graph.actions

    def label(action_id: int) -> str:
        if action_id in labels:
            return labels[action_id]
        return action_label(by_id[action_id])

    nodes = [DotAction(label(s.action.id), DotStatus.SCHEDULED, s.action.is_pseudo)
             for s in synapses]
    edges = [DotEdge(label(i), label(s.action.id), True)
             for s in synapses for i in s.inputs if i in by_id]
    return render_dot([*nodes, *extra_actions], [*edges, *extra_edges],
                      all_actions=all_actions)
