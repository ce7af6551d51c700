"""The simulator: what ``hapy simulate`` does, step by step, as crm_simulate."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TextIO

from hapy.cib.parse import cib_from_tree
from hapy.cib.xmlio import Element, read_xml_file, write_xml_file
from hapy.graph.model import GraphAction
from hapy.records import record
from hapy.reports import ReportList
from hapy.scheduler.working_set import WorkingSet


@record
class SimulateRequest:
    xml_file: str
    simulate: bool = False
    show_scores: bool = False
    quiet: bool = False
    graph_file: str | None = None
    dot_file: str | None = None
    date: str | None = None
    inject: tuple[str, ...] = ()
    fail: tuple[str, ...] = ()
    node_up: tuple[str, ...] = ()
    node_down: tuple[str, ...] = ()
    node_fail: tuple[str, ...] = ()
    output_file: str | None = None
    # the process ends right after this run (the command line): what the run
    # built is left for the exit to drop rather than freed object by object
    # on return (seconds on a big cluster)
    process_exits: bool = False


# what a run whose process exits afterwards leaves to the exit
_LEFT_FOR_EXIT: list[object] = []


def _now(request: SimulateRequest) -> datetime:
    if request.date is None:
        return datetime.now(UTC)
    from hapy.cib.iso8601 import parse_date_option

    return parse_date_option(request.date, "SIMULATE_BAD_DATE")


class _Recorder:
    """Wraps the fake actions, printing each executed action as crm_simulate does."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.lines: list[str] = []
        self.known_ids: set[str] | None = None  # resource histories in the status

    def _record(self, action: GraphAction) -> None:
        from hapy.simulate.output import executed_line

        if self.known_ids is None:
            cib = getattr(self.inner, "cib", None)
            self.known_ids = set() if cib is None else {
                str(e.get("id")) for e in cib.iter("lrm_resource")}
        self.lines.append(executed_line(action, self.known_ids))

    def execute_rsc_op(self, action: GraphAction) -> bool:
        if action.resource is not None:  # (probe_again, naming no resource, is not listed)
            self._record(action)
        result: bool = self.inner.execute_rsc_op(action)  # type: ignore[attr-defined]
        return result

    def execute_pseudo(self, action: GraphAction) -> bool:
        self._record(action)
        result: bool = self.inner.execute_pseudo(action)  # type: ignore[attr-defined]
        return result

    def execute_fence(self, action: GraphAction) -> bool:
        self._record(action)
        result: bool = self.inner.execute_fence(action)  # type: ignore[attr-defined]
        return result

    def execute_cluster_event(self, action: GraphAction) -> bool:
        self._record(action)
        result: bool = self.inner.execute_cluster_event(action)  # type: ignore[attr-defined]
        return result


def _status(ws: WorkingSet) -> tuple[list[str], list[str]]:
    """The status lines and the lines crm_simulate prints before them."""
    from hapy.display.text import render_preamble, render_status
    from hapy.scheduler.view import cluster_view

    view = cluster_view(ws)
    return render_status(view), render_preamble(view)


def _tree_status(tree: Element, now: datetime) -> list[str]:
    """The status of a CIB tree (after the simulated transition changed it).

    Like crm_simulate's revised status it shows no operation in flight: a
    pending start shows as started, a pending monitor is not mentioned."""
    from hapy.scheduler.run import unpack

    ws = unpack(cib_from_tree(tree, ReportList()), now)
    for rsc in ws.all_primitives():
        rsc.pending_task = None
        rsc.pending_node = None
    return _status(ws)[0]


def simulate(request: SimulateRequest, out: TextIO | None = None) -> int:
    from hapy.scheduler.run import schedule
    from hapy.scheduler.summary import transition_summary

    out = out if out is not None else sys.stdout
    reports = ReportList()
    tree = read_xml_file(request.xml_file)
    now = _now(request)
    recorded = tree.get("execution-date")
    original_date = False
    if request.date is None and recorded is not None and recorded.isdigit():
        # like crm_simulate: a CIB saved by the scheduler keeps the time it was
        # scheduled at, and is replayed at that time unless -t says otherwise
        now = datetime.fromtimestamp(int(recorded), UTC)
        original_date = True
    modifications: list[str] = []
    before: tuple[list[str], list[str]] | None = None
    if request.node_up or request.node_down or request.node_fail or request.inject:
        from hapy.scheduler.run import unpack
        from hapy.simulate.inject import apply_injections

        if not request.quiet:
            # crm_simulate shows the cluster as it was, then the modifications
            before = _status(unpack(cib_from_tree(tree, ReportList()), now))

        modifications = apply_injections(
            tree, node_up=request.node_up, node_down=request.node_down,
            node_fail=request.node_fail, op_inject=request.inject, now=int(now.timestamp()),
        )
    cib = cib_from_tree(tree, reports)
    validation_off = (tree.get("validate-with") or "").lower() == "none"
    if not request.simulate and not request.output_file:
        del tree  # not needed any more: on a big cluster it is most of the memory
    for rep in reports:
        print(rep.render(), file=sys.stderr)
    write = out.write
    # the working set's current state is what "Current cluster status" shows:
    # scheduling only adds the plan to it, so one unpack serves both
    transition = schedule(cib, now, with_scores=request.show_scores)
    if not request.quiet:
        if validation_off:
            write("Schema validation of configuration is disabled (enabling is encouraged"
                  " and prevents common misconfigurations)\n")
        if original_date:
            write(f"Using the original execution date of: {now:%Y-%m-%d %H:%M:%S}Z\n")
        status, preamble = before if before is not None else _status(transition.working_set)
        for line in preamble:
            write(line + "\n")
        write("Current cluster status:\n")
        for line in status:
            write(line + "\n")
        write("\n")
    if modifications and not request.quiet:
        write("Performing Requested Modifications:\n")
        for line in modifications:
            write(f"  * {line}\n")
        write("\n")
    if request.show_scores:
        for line in transition.scores:
            write(line + "\n")
    if not request.quiet:
        write("Transition Summary:\n")
        for line in transition_summary(transition.working_set):
            write(line + "\n")
    if request.graph_file:
        from hapy.graph.xml import graph_to_xml

        with open(request.graph_file, "w", encoding="utf-8") as fh:
            fh.write(graph_to_xml(transition.graph))
    if request.dot_file:
        from hapy.graph.dot import graph_to_dot

        with open(request.dot_file, "w", encoding="utf-8") as fh:
            fh.write(graph_to_dot(transition.graph))
    if request.simulate:
        from hapy.graph.runner import GraphRunner, run_graph
        from hapy.simulate.fake_exec import FakeExecutor

        fake = FakeExecutor(tree, failures=request.fail, now=int(now.timestamp()))
        recorder = _Recorder(fake)
        run_graph(GraphRunner(transition.graph), recorder)
        if not request.quiet:
            write("\nExecuting Cluster Transition:\n")
            for line in recorder.lines:
                write(line + "\n")
            if original_date:
                write(f"Using the original execution date of: {now:%Y-%m-%d %H:%M:%S}Z\n")
            write("\nRevised Cluster Status:\n")
            for line in _tree_status(tree, now):
                write(line + "\n")
    if request.output_file:
        write_xml_file(tree, request.output_file)
    if request.process_exits:
        _LEFT_FOR_EXIT.append((cib, transition))
        if request.simulate or request.output_file:
            _LEFT_FOR_EXIT.append(tree)
    return 0
