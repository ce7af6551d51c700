"""The graph executor: order against crm_simulate's summaries, limits, aborts, asyncio."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hapy.graph.model import ActionKind, GraphAction, Synapse, TransitionGraph
from hapy.graph.runner import (
    INFINITY,
    ActionState,
    GraphRunner,
    arun_graph,
    run_graph,
)
from hapy.graph.xml import graph_from_xml
from hapy.reports import HapyError

CASES = Path(__file__).resolve().parents[3].parent / "shared" / "scheduler-cases"
if not CASES.is_dir():
    CASES = Path("/work/shared/scheduler-cases")
CRM_SIMULATE = shutil.which("crm_simulate")
needs_cases = pytest.mark.skipif(not (CASES / "exp").is_dir(), reason="cases missing")
needs_simulate = pytest.mark.skipif(CRM_SIMULATE is None or not (CASES / "xml").is_dir(),
                                    reason="crm_simulate or cases missing")


class Recorder:
    """Succeeds at everything except the action ids in ``fail``; records the order."""

    def __init__(self, fail: frozenset[int] = frozenset()) -> None:
        self.order: list[GraphAction] = []
        self.fail = fail

    def _run(self, action: GraphAction) -> bool:
        self.order.append(action)
        return action.id not in self.fail

    execute_rsc_op = execute_pseudo = execute_fence = execute_cluster_event = _run


def signature(action: GraphAction) -> tuple[str, ...] | None:
    """What crm_simulate's "Executing Cluster Transition" line says about an action."""
    if action.kind is ActionKind.PSEUDO:
        where = f" on {action.on_node}" if action.on_node else ""
        return ("P", action.operation_key + where)
    if action.operation == "stonith":
        return ("F", action.on_node or "")
    if action.kind is ActionKind.CRM_EVENT:
        return ("C", action.operation, action.on_node or "")
    if action.resource is None:
        return None
    task = action.operation
    if action.interval_ms:
        task += f"={action.interval_ms}"
    return ("R", task, action.on_node or "")


def executed_lines(text: str) -> list[tuple[str, ...]]:
    match = re.search(r"Executing Cluster Transition:\n(.*?)\n(?:Revised|$)", text, re.S)
    out: list[tuple[str, ...]] = []
    if not match:
        return out
    for raw in match.group(1).splitlines():
        line = raw.strip()
        if line.startswith("* Pseudo action:"):
            out.append(("P", line.split(":", 1)[1].strip()))
        elif line.startswith("* Fencing"):
            out.append(("F", line.split()[2]))
        elif line.startswith("* Cluster action:"):
            m = re.match(r"\* Cluster action:\s+(\S+) (?:for \S+ )?on (\S+)", line)
            assert m, line
            out.append(("C", m.group(1), m.group(2)))
        elif line.startswith("* Resource action:"):
            m = re.match(r"\* Resource action:\s+\S+\s+(\S+) on (\S+)", line)
            assert m, line
            out.append(("R", m.group(1), m.group(2)))
    return out


def _case_names() -> list[str]:
    return sorted(p.stem for p in (CASES / "exp").glob("*.exp")) if (CASES / "exp").is_dir() \
        else []


@needs_cases
def test_execution_order_matches_every_summary() -> None:
    names = _case_names()
    assert len(names) > 500
    for name in names:
        graph = graph_from_xml((CASES / "exp" / f"{name}.exp").read_text())
        recorder = Recorder()
        result = run_graph(GraphRunner(graph), recorder)
        assert result.ok, name
        assert set(result.completed) == set(graph.actions), name
        mine = [s for s in map(signature, recorder.order) if s]
        expected = executed_lines((CASES / "summary" / f"{name}.summary").read_text())
        assert mine == expected, name


FAILURES = [
    ("anti-colocation-promoted", "state1_demote_0@sle12sp2-1=1"),
    ("a-demote-then-b-migrate", "rsc1_demote_0@node1=1"),
    ("594", "DcIPaddr_stop_0@hadev2=1"),
    ("594", "child_DoFencing:0_stop_0@hadev2=1"),
    ("bug-1572-2", "rsc_drbd_7788:1_demote_0@arc-tkincaidlx.wsicorp.com=1"),
    ("1-a-then-bm-move-b", "B_migrate_to_0@18node2=1"),
]


@needs_simulate
@pytest.mark.parametrize(("case", "spec"), FAILURES)
def test_failure_semantics_match_crm_simulate(case: str, spec: str) -> None:
    assert CRM_SIMULATE is not None
    proc = subprocess.run([CRM_SIMULATE, "-x", str(CASES / "xml" / f"{case}.xml"), "-S",
                           "-F", spec], capture_output=True, text=True, timeout=120, check=True)
    pretend = re.search(r"Pretending action (\d+) failed", proc.stdout)
    if pretend is None:
        pytest.skip("crm_simulate did not fail any action for this spec")
    failed_id = int(pretend.group(1))
    graph = graph_from_xml((CASES / "exp" / f"{case}.exp").read_text())
    recorder = Recorder(frozenset({failed_id}))
    runner = GraphRunner(graph)
    result = run_graph(runner, recorder)
    assert [s for s in map(signature, recorder.order) if s] == executed_lines(proc.stdout)
    assert result.failed == (failed_id,)
    assert result.aborted
    assert set(result.completed) | set(result.failed) | set(result.skipped) == set(graph.actions)
    for action_id in result.skipped:
        assert runner.state_of(action_id) is ActionState.SKIPPED


# ------------------------------------------------------------------ unit behaviour


def _op(action_id: int, op: str = "start", node: str = "n1", pseudo: bool = False,
        ) -> GraphAction:
    kind = ActionKind.PSEUDO if pseudo else ActionKind.RSC_OP
    return GraphAction(action_id, kind, op, f"r{action_id}_{op}_0",
                       None if pseudo else node, None if pseudo else node)


def _graph(*items: tuple[GraphAction, tuple[int, ...], int]) -> TransitionGraph:
    return TransitionGraph(tuple(Synapse(n, a, inputs, prio)
                                 for n, (a, inputs, prio) in enumerate(items)))


def test_ready_waits_for_inputs_and_pseudo_need_no_slot() -> None:
    graph = _graph((_op(1), (), 0), (_op(2), (), 0), (_op(3), (), 0),
                   (_op(4, pseudo=True), (1,), 0), (_op(5), (4,), 0))
    runner = GraphRunner(graph, batch_limit=2)
    assert [a.id for a in runner.ready()] == [1, 2]
    runner.started(1)
    runner.started(2)
    assert runner.ready() == []
    with pytest.raises(HapyError) as info:
        runner.started(5)
    assert info.value.reports[0].code == "GRAPH_ACTION_NOT_READY"
    runner.completed(1, True)
    assert [a.id for a in runner.ready()] == [3, 4]
    runner.completed(4, True)  # a pseudo action is confirmed at once
    assert runner.state_of(4) is ActionState.CONFIRMED
    assert [a.id for a in runner.ready()] == [3]  # only one slot left
    runner.completed(2, True)
    assert [a.id for a in runner.ready()] == [3, 5]
    assert not runner.is_complete


def test_migration_limit_per_node() -> None:
    graph = _graph((_op(1, "migrate_to", "a"), (), 0), (_op(2, "migrate_to", "a"), (), 0),
                   (_op(3, "migrate_to", "b"), (), 0), (_op(4, "start", "a"), (), 0))
    runner = GraphRunner(graph, migration_limit=1)
    assert [a.id for a in runner.ready()] == [1, 3, 4]
    runner.started(1)
    assert [a.id for a in runner.ready()] == [3, 4]


def test_abort_holds_back_all_but_pseudo_and_infinity_priority() -> None:
    graph = _graph((_op(1), (), 0), (_op(2), (1,), 0), (_op(3, pseudo=True), (1,), INFINITY),
                   (_op(4, pseudo=True), (), 0), (_op(5, "notify"), (3,), INFINITY),
                   (_op(6), (), 0))
    runner = GraphRunner(graph)
    runner.started(1)
    runner.completed(1, False)
    assert runner.aborted
    assert runner.abort_reason is not None and "r1_start_0" in runner.abort_reason
    # 2 needs 1 (failed); 3 has priority INFINITY so the failure counts as done;
    # 4 is pseudo; 6 is a plain action held back by the abort
    assert [a.id for a in runner.ready()] == [3, 4]
    runner.completed(3, True)
    runner.completed(4, True)
    assert [a.id for a in runner.ready()] == [5]
    runner.completed(5, True)
    assert runner.is_complete
    result = runner.result()
    assert result.failed == (1,)
    assert result.completed == (3, 4, 5)
    assert result.skipped == (2, 6)
    assert runner.state_of(6) is ActionState.SKIPPED
    assert not result.ok


def test_in_flight_actions_may_finish_after_abort() -> None:
    graph = _graph((_op(1), (), 0), (_op(2), (), 0), (_op(3), (1, 2), 0))
    runner = GraphRunner(graph)
    runner.started(1)
    runner.started(2)
    runner.abort("configuration changed")
    assert runner.ready() == []
    assert not runner.is_complete
    runner.completed(2, True)
    runner.completed(1, True)
    assert runner.is_complete
    assert runner.result().completed == (2, 1)
    assert runner.result().skipped == (3,)
    assert runner.result().abort_reason == "configuration changed"


def test_errors_are_coded() -> None:
    graph = _graph((_op(1), (), 0),)
    runner = GraphRunner(graph)
    with pytest.raises(HapyError) as info:
        runner.state_of(9)
    assert info.value.reports[0].code == "GRAPH_UNKNOWN_ACTION"
    runner.completed(1, True)
    with pytest.raises(HapyError) as info:
        runner.completed(1, True)
    assert info.value.reports[0].code == "GRAPH_ACTION_NOT_RUNNING"
    with pytest.raises(HapyError) as info:
        GraphRunner(_graph((_op(1), (7,), 0)))
    assert info.value.reports[0].code == "GRAPH_UNKNOWN_INPUT"


def test_stalled_graph_is_reported() -> None:
    runner = GraphRunner(_graph((_op(1), (2,), 0), (_op(2), (1,), 0)))
    result = run_graph(runner, Recorder())
    assert result.pending == (1, 2)
    assert runner.stalled == [1, 2]
    assert not result.ok and not result.aborted


class AsyncRecorder:
    def __init__(self, fail: frozenset[int] = frozenset()) -> None:
        self.running = 0
        self.most = 0
        self.started: list[int] = []
        self.fail = fail

    async def _run(self, action: GraphAction) -> bool:
        self.started.append(action.id)
        if action.is_pseudo:
            return True
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(0.001 * (action.id % 3))
        self.running -= 1
        return action.id not in self.fail

    execute_rsc_op = execute_pseudo = execute_fence = execute_cluster_event = _run


@needs_cases
@pytest.mark.parametrize("name", ["594", "a-demote-then-b-migrate", "bug-1572-2",
                                  "clone-order-16instances"])
@pytest.mark.parametrize("limit", [0, 1, 3])
def test_async_driver_respects_order_and_batch_limit(name: str, limit: int) -> None:
    graph = graph_from_xml((CASES / "exp" / f"{name}.exp").read_text())
    actions = AsyncRecorder()
    result = asyncio.run(arun_graph(GraphRunner(graph, batch_limit=limit), actions))
    assert result.ok
    assert set(result.completed) == set(graph.actions)
    if limit:
        assert actions.most <= limit
    position = {a: i for i, a in enumerate(actions.started)}
    for syn in graph.synapses:
        for input_id in syn.inputs:
            assert result.completed.index(input_id) < result.completed.index(syn.action.id)
            assert position[input_id] < position[syn.action.id]


@needs_cases
def test_async_driver_failure_matches_sync() -> None:
    graph = graph_from_xml((CASES / "exp" / "594.exp").read_text())
    failing = frozenset({14})
    sync = run_graph(GraphRunner(graph), Recorder(failing))
    result = asyncio.run(arun_graph(GraphRunner(graph, batch_limit=1), AsyncRecorder(failing)))
    assert result.failed == sync.failed == (14,)
    assert result.aborted
    # with one action at a time the same things run as in the synchronous walk
    assert set(result.completed) == set(sync.completed)
    assert set(result.skipped) == set(sync.skipped)


def test_async_exception_propagates_and_cancels() -> None:
    graph = _graph((_op(1), (), 0), (_op(2), (), 0))

    class Boom(AsyncRecorder):
        async def _run(self, action: GraphAction) -> bool:
            if action.id == 1:
                raise RuntimeError("agent crashed")
            await asyncio.sleep(10)
            return True

        execute_rsc_op = execute_pseudo = execute_fence = execute_cluster_event = _run

    with pytest.raises(RuntimeError):
        asyncio.run(asyncio.wait_for(arun_graph(GraphRunner(graph), Boom()), 5))
