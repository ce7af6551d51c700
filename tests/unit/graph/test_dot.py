"""DOT output, compared with what crm_simulate -D writes for the same cases."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hapy.graph.dot import DotAction, DotEdge, DotStatus, action_label, graph_to_dot, render_dot
from hapy.graph.model import ActionKind, GraphAction, Synapse, TransitionGraph
from hapy.graph.xml import graph_from_xml

CASES = Path(__file__).resolve().parents[3].parent / "shared" / "scheduler-cases"
if not CASES.is_dir():
    CASES = Path("/work/shared/scheduler-cases")
CRM_SIMULATE = shutil.which("crm_simulate")
needs_simulate = pytest.mark.skipif(
    CRM_SIMULATE is None or not (CASES / "xml").is_dir(), reason="crm_simulate or cases missing"
)

NODE = re.compile(r'^"(.*)" \[ style=(\w+) color="(\w+)" fontcolor="(\w+)"\]$')
EDGE = re.compile(r'^"(.*)" -> "(.*)" \[ style = (\w+)\]$')


def _cases() -> list[str]:
    if not (CASES / "cases.tsv").is_file():
        return []
    rows = [line.split("\t") for line in (CASES / "cases.tsv").read_text().splitlines()[1:]]
    names = [r[0] for r in rows if len(r) < 4 or not r[3]]
    return [*names[::12], "clone-require-all-3", "bug-suse-707150", "1-a-then-bm-move-b",
            "a-demote-then-b-migrate", "bug-5025-2", "unfence-definition"]


def _run(tmp_path: Path, case: str, *extra: str) -> tuple[str, str]:
    assert CRM_SIMULATE is not None
    dot = tmp_path / f"{case}.dot"
    graph = tmp_path / f"{case}.graph"
    subprocess.run([CRM_SIMULATE, "-x", str(CASES / "xml" / f"{case}.xml"), "-S",
                    "-D", str(dot), "-G", str(graph), *extra],
                   check=True, capture_output=True, timeout=120)
    return dot.read_text(), graph.read_text()


def _parse_dot(text: str) -> tuple[list[DotAction], list[DotEdge]]:
    lines = text.splitlines()
    assert lines[0] == ' digraph "g" {' and lines[-1] == "}"
    actions: list[DotAction] = []
    edges: list[DotEdge] = []
    for line in lines[1:-1]:
        edge = EDGE.match(line)
        if edge:
            edges.append(DotEdge(edge[1], edge[2], edge[3] == "bold"))
            continue
        node = NODE.match(line)
        assert node, line
        status = {"green": DotStatus.SCHEDULED, "blue": DotStatus.OPTIONAL,
                  "red": DotStatus.UNRUNNABLE}[node[3]]
        if node[4] == "purple":
            status = DotStatus.UNMANAGED
        actions.append(DotAction(node[1], status, node[4] == "orange"))
    return actions, edges


@needs_simulate
@pytest.mark.parametrize("case", _cases())
def test_render_matches_crm_simulate(tmp_path: Path, case: str) -> None:
    full, _ = _run(tmp_path, case, "--all-actions")
    default, _ = _run(tmp_path, case)
    actions, edges = _parse_dot(full)
    # with --all-actions every action and edge is drawn: byte-exact
    assert render_dot(actions, edges, all_actions=True) == full
    # without it, optional/unmanaged actions disappear
    mine = render_dot(actions, edges).splitlines()
    real = default.splitlines()
    assert [x for x in mine if "->" not in x] == [x for x in real if "->" not in x]
    assert set(real) <= set(mine)


@needs_simulate
@pytest.mark.parametrize("case", _cases())
def test_graph_to_dot_matches_scheduled_part(tmp_path: Path, case: str) -> None:
    default, graph_text = _run(tmp_path, case)
    graph = graph_from_xml(graph_text)
    real_bold = [x for x in default.splitlines() if "style=bold" in x or "style = bold" in x]
    real_labels = [NODE.match(x)[1] for x in real_bold if NODE.match(x)]  # type: ignore[index]
    ids = sorted(graph.actions, reverse=True)
    assert len(ids) == len(real_labels)
    # The graph does not record a pseudo action's node, nor the scheduler's
    # own name for notifications: those labels come from crm_simulate.
    labels = {}
    for action_id, real in zip(ids, real_labels, strict=True):
        action = graph.actions[action_id]
        if action_label(action) != real:
            assert action.is_pseudo or action.operation == "notify", real
            labels[action_id] = real
    mine = graph_to_dot(graph, labels=labels)
    assert [x for x in mine.splitlines() if "bold" in x] == real_bold
    if not labels and all("bold" in x for x in default.splitlines()[1:-1]):
        assert mine == default  # nothing but the scheduled part: the whole file


def test_labels_and_styles() -> None:
    fence = GraphAction(1, ActionKind.CRM_EVENT, "stonith", "stonith-n1-reboot", "n1", "1",
                        attributes={"CRM_meta_stonith_action": "reboot"})
    stop = GraphAction(2, ActionKind.RSC_OP, "stop", "r_stop_0", "n2", "2")
    start = GraphAction(3, ActionKind.PSEUDO, "start", "r_start_0")
    graph = TransitionGraph((Synapse(0, stop, (1,)), Synapse(1, start, (2,)),
                             Synapse(2, fence)))
    text = graph_to_dot(graph, extra_actions=[DotAction("r_start_0 <none>",
                                                        DotStatus.UNRUNNABLE)],
                        extra_edges=[DotEdge("r_start_0", "r_start_0 <none>", False)])
    assert text.splitlines() == [
        ' digraph "g" {',
        '"r_start_0" [ style=bold color="green" fontcolor="orange"]',
        '"r_stop_0 n2" [ style=bold color="green" fontcolor="black"]',
        "\"stonith 'reboot' n1\" [ style=bold color=\"green\" fontcolor=\"black\"]",
        '"r_start_0 <none>" [ style=dashed color="red" fontcolor="black"]',
        '"r_stop_0 n2" -> "r_start_0" [ style = bold]',
        "\"stonith 'reboot' n1\" -> \"r_stop_0 n2\" [ style = bold]",
        '"r_start_0" -> "r_start_0 <none>" [ style = dashed]',
        "}",
    ]
