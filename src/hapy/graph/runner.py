"""The one transition graph executor, shared by the simulator and the controller.

:class:`GraphRunner` is a pure, synchronous state machine: it hands out the
actions whose inputs are all confirmed, records when they start and finish,
and stops handing out work once the transition is aborted (a failed action
aborts it; in-flight actions may still report back).  The drivers
:func:`run_graph` (synchronous) and :func:`arun_graph` (asyncio, running up
to ``batch_limit`` actions at once) feed it from a :class:`GraphActions` /
:class:`AsyncGraphActions` implementation; nothing here does any I/O.

Semantics, as Pacemaker's graph executor behaves (checked against
``crm_simulate`` on all the regression cases, with and without ``-F``):

* Order: ready actions come in graph (synapse) order.  The synchronous
  driver works in passes: each pass walks the synapses in order and fires
  every one that is ready at that moment; an action confirmed during the
  pass makes later synapses of the same pass ready.  This reproduces the
  order in which ``crm_simulate`` lists the actions it executes.
* Abort: a failed action aborts the transition with priority INFINITY
  (1000000).  After an abort, a resource or cluster action is only handed
  out if its synapse's ``priority`` is at least the abort priority (such as
  the post-notifications of a clone); pseudo actions are still handed out
  when ready, since they only record progress.
* A synapse of priority INFINITY treats a failed input as satisfied (so a
  clone's ``demoted``/``stopped`` pseudo actions complete even when one
  instance failed); other synapses never run after a failed input.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from hapy.graph.model import ActionKind, GraphAction, Synapse, TransitionGraph
from hapy.records import record
from hapy.reports import HapyError

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "ActionState",
    "AsyncGraphActions",
    "GraphActions",
    "GraphRunner",
    "RunResult",
    "arun_graph",
    "run_graph",
]


class ActionState(enum.Enum):
    PENDING = "pending"  # not started; inputs may or may not be confirmed
    IN_FLIGHT = "in-flight"  # started, not yet reported
    CONFIRMED = "confirmed"  # completed successfully
    FAILED = "failed"  # completed unsuccessfully
    SKIPPED = "skipped"  # never started because the transition was aborted


MIGRATE_OPS = frozenset({"migrate_to", "migrate_from"})
INFINITY = 1_000_000


class GraphRunner:
    """State of one transition graph being executed.

    ``batch_limit`` caps the actions in flight at once (0: no cap); pseudo
    actions never count, since they take no time.  ``migration_limit`` caps
    the migrate_to/migrate_from actions in flight per node (-1: no cap), as
    Pacemaker's ``migration-limit`` does.
    """

    def __init__(
        self, graph: TransitionGraph, batch_limit: int = 0, migration_limit: int = -1
    ) -> None:
        self.graph = graph
        self.batch_limit = max(0, batch_limit)
        self.migration_limit = migration_limit
        self._order: tuple[Synapse, ...] = tuple(graph.synapses)
        self._by_id: dict[int, Synapse] = {}
        for syn in graph.synapses:
            if syn.action.id in self._by_id:
                raise HapyError.single(
                    "GRAPH_DUPLICATE_ACTION",
                    f"action {syn.action.id} appears in more than one synapse",
                    action=str(syn.action.id),
                )
            self._by_id[syn.action.id] = syn
        for syn in graph.synapses:
            for input_id in syn.inputs:
                if input_id not in self._by_id:
                    raise HapyError.single(
                        "GRAPH_UNKNOWN_INPUT",
                        f"synapse {syn.id} waits for action {input_id}, "
                        "which is not in the graph",
                        synapse=str(syn.id), action=str(input_id),
                    )
        self._state: dict[int, ActionState] = {a: ActionState.PENDING for a in self._by_id}
        self._started: list[int] = []
        self._finished: list[int] = []
        self.abort_reason: str | None = None
        self.abort_priority = 0

    # ------------------------------------------------------------------ queries

    @property
    def aborted(self) -> bool:
        return self.abort_reason is not None

    def state_of(self, action_id: int) -> ActionState:
        try:
            state = self._state[action_id]
        except KeyError:
            raise HapyError.single(
                "GRAPH_UNKNOWN_ACTION", f"action {action_id} is not in the graph",
                action=str(action_id),
            ) from None
        if state is ActionState.PENDING and self.aborted and self.is_complete:
            return ActionState.SKIPPED
        return state

    def action(self, action_id: int) -> GraphAction:
        return self._synapse(action_id).action

    def walk_order(self) -> tuple[Synapse, ...]:
        """The synapses in the order they are considered (priority, then graph order)."""
        return self._order

    def in_flight(self) -> list[GraphAction]:
        return [self._by_id[a].action for a in self._started
                if self._state[a] is ActionState.IN_FLIGHT]

    def is_ready(self, action_id: int) -> bool:
        """Not started, and every input satisfied (ignores limits and aborts).

        An input is satisfied when confirmed, or when it failed and this
        synapse has priority INFINITY.
        """
        syn = self._synapse(action_id)
        if self._state[action_id] is not ActionState.PENDING:
            return False
        failed_ok = _priority(syn) >= INFINITY
        for input_id in syn.inputs:
            state = self._state[input_id]
            if state is ActionState.CONFIRMED:
                continue
            if failed_ok and state is ActionState.FAILED:
                continue
            return False
        return True

    def may_fire(self, action_id: int) -> bool:
        """Ready, and not held back by an abort."""
        if not self.is_ready(action_id):
            return False
        syn = self._synapse(action_id)
        return (not self.aborted or syn.action.is_pseudo
                or _priority(syn) >= self.abort_priority)

    def ready(self) -> list[GraphAction]:
        """Actions that may be started now, in walk order.

        After an abort only pseudo actions and synapses whose priority
        reaches the abort priority are offered.  Respects ``batch_limit`` and
        ``migration_limit`` given what is already in flight.
        """
        busy = [a for a in self.in_flight() if not a.is_pseudo]
        room = self.batch_limit - len(busy) if self.batch_limit else None
        migrating: dict[str | None, int] = {}
        for a in busy:
            if a.operation in MIGRATE_OPS:
                migrating[a.on_node] = migrating.get(a.on_node, 0) + 1
        out: list[GraphAction] = []
        for syn in self._order:
            action = syn.action
            if not self.may_fire(action.id):
                continue
            if not action.is_pseudo:
                if room is not None and room <= 0:
                    continue
                if action.operation in MIGRATE_OPS and self.migration_limit >= 0:
                    if migrating.get(action.on_node, 0) >= self.migration_limit:
                        continue
                    migrating[action.on_node] = migrating.get(action.on_node, 0) + 1
                if room is not None:
                    room -= 1
            out.append(action)
        return out

    @property
    def is_complete(self) -> bool:
        """Nothing in flight and nothing left that could still be started."""
        if self.in_flight():
            return False
        return not any(self.may_fire(a) for a in self._state)

    @property
    def stalled(self) -> list[int]:
        """Pending actions that can never run although nothing failed (a cycle)."""
        if self.aborted or not self.is_complete:
            return []
        return [a for a, s in self._state.items() if s is ActionState.PENDING]

    # ------------------------------------------------------------------ events

    def started(self, action_id: int) -> None:
        if not self.is_ready(action_id):
            raise HapyError.single(
                "GRAPH_ACTION_NOT_READY",
                f"action {action_id} cannot start: it is {self._state[action_id].value} "
                "or waits for unconfirmed inputs",
                action=str(action_id),
            )
        if not self.may_fire(action_id):
            raise HapyError.single(
                "GRAPH_ABORTED", f"action {action_id} cannot start: the transition was aborted",
                action=str(action_id), reason=self.abort_reason or "",
            )
        self._state[action_id] = ActionState.IN_FLIGHT
        self._started.append(action_id)

    def completed(self, action_id: int, ok: bool) -> None:
        """Record the result of a started action (a ready one is started first).

        A failure aborts the transition (priority INFINITY).
        """
        self._synapse(action_id)
        if self._state[action_id] is ActionState.PENDING:
            self.started(action_id)
        if self._state[action_id] is not ActionState.IN_FLIGHT:
            raise HapyError.single(
                "GRAPH_ACTION_NOT_RUNNING",
                f"action {action_id} reported twice", action=str(action_id),
            )
        self._state[action_id] = ActionState.CONFIRMED if ok else ActionState.FAILED
        self._finished.append(action_id)
        if not ok:
            self.abort(f"Action {action_id} ({self.action(action_id).describe()}) failed")

    def abort(self, reason: str, priority: int = INFINITY) -> None:
        """Stop handing out actions below ``priority`` (pseudo actions go on).

        The first reason is kept; the highest priority given wins.
        """
        if self.abort_reason is None:
            self.abort_reason = reason
        self.abort_priority = max(self.abort_priority, priority)

    # ------------------------------------------------------------------ results

    def result(self) -> RunResult:
        by_state: dict[ActionState, list[int]] = {s: [] for s in ActionState}
        for action_id in self._finished:
            by_state[self._state[action_id]].append(action_id)
        pending = [s.action.id for s in self._order
                   if self._state[s.action.id] is ActionState.PENDING]
        return RunResult(
            started=tuple(self._started),
            completed=tuple(by_state[ActionState.CONFIRMED]),
            failed=tuple(by_state[ActionState.FAILED]),
            skipped=tuple(pending) if self.aborted else (),
            pending=() if self.aborted else tuple(pending),
            in_flight=tuple(a.id for a in self.in_flight()),
            abort_reason=self.abort_reason,
        )

    def _synapse(self, action_id: int) -> Synapse:
        try:
            return self._by_id[action_id]
        except KeyError:
            raise HapyError.single(
                "GRAPH_UNKNOWN_ACTION", f"action {action_id} is not in the graph",
                action=str(action_id),
            ) from None


def _priority(syn: Synapse) -> int:
    return syn.priority or syn.action.priority


@record
class RunResult:
    """What happened to each action.

    ``started`` lists every action in the order it was started (pseudo ones
    included); ``completed``/``failed`` in the order they reported;
    ``skipped`` are those never started because the transition was aborted;
    ``pending`` those never started although nothing aborted (a stalled
    graph).
    """

    started: tuple[int, ...]
    completed: tuple[int, ...]
    failed: tuple[int, ...]
    skipped: tuple[int, ...]
    pending: tuple[int, ...] = ()
    in_flight: tuple[int, ...] = ()
    abort_reason: str | None = None

    @property
    def aborted(self) -> bool:
        return self.abort_reason is not None

    @property
    def ok(self) -> bool:
        """Every action completed successfully."""
        return not (self.failed or self.skipped or self.pending or self.in_flight
                    or self.aborted)


class GraphActions(Protocol):
    """Carries out graph actions; each method returns True on success."""

    def execute_rsc_op(self, action: GraphAction) -> bool: ...

    def execute_pseudo(self, action: GraphAction) -> bool: ...

    def execute_fence(self, action: GraphAction) -> bool: ...

    def execute_cluster_event(self, action: GraphAction) -> bool: ...


class AsyncGraphActions(Protocol):
    """The asyncio form of :class:`GraphActions`."""

    async def execute_rsc_op(self, action: GraphAction) -> bool: ...

    async def execute_pseudo(self, action: GraphAction) -> bool: ...

    async def execute_fence(self, action: GraphAction) -> bool: ...

    async def execute_cluster_event(self, action: GraphAction) -> bool: ...


def is_fencing(action: GraphAction) -> bool:
    """A ``crm_event`` fencing a node (``operation="stonith"``)."""
    return action.kind is ActionKind.CRM_EVENT and action.operation == "stonith"


def _method_name(action: GraphAction) -> str:
    if action.kind is ActionKind.PSEUDO:
        return "execute_pseudo"
    if action.kind is ActionKind.RSC_OP:
        return "execute_rsc_op"
    if is_fencing(action):
        return "execute_fence"
    return "execute_cluster_event"


def _dispatch(actions: GraphActions, action: GraphAction) -> bool:
    method: Callable[[GraphAction], bool] = getattr(actions, _method_name(action))
    return bool(method(action))


def run_graph(runner: GraphRunner, actions: GraphActions) -> RunResult:
    """Run the whole graph synchronously, one action at a time, in passes.

    Each action completes before the next starts, so the batch and migration
    limits never hold anything back here.
    """
    while True:
        fired = False
        for syn in runner.walk_order():
            action_id = syn.action.id
            if not runner.may_fire(action_id):
                continue
            runner.started(action_id)
            fired = True
            runner.completed(action_id, _dispatch(actions, syn.action))
        if not fired:
            break
    return runner.result()


async def arun_graph(runner: GraphRunner, actions: AsyncGraphActions) -> RunResult:
    """Run the graph with asyncio, up to ``batch_limit`` actions at once.

    Pseudo actions are confirmed as soon as they are handed out.  After an
    abort, the actions already running are awaited and recorded, nothing new
    starts.  An exception from an action method cancels the others still
    running and propagates.
    """
    import asyncio  # only the controller runs graphs asynchronously

    running: dict[asyncio.Task[bool], int] = {}
    try:
        while True:
            progressed = True
            while progressed:
                progressed = False
                for action in runner.ready():
                    runner.started(action.id)
                    coro: Awaitable[bool] = getattr(actions, _method_name(action))(action)
                    if action.is_pseudo:
                        runner.completed(action.id, bool(await coro))
                        progressed = True
                        break
                    running[asyncio.ensure_future(coro)] = action.id
            if not running:
                break
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in _in_start_order(done, running):
                action_id = running.pop(task)
                runner.completed(action_id, bool(task.result()))
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
    return runner.result()


def _in_start_order(
    done: Iterable[asyncio.Task[bool]], running: dict[asyncio.Task[bool], int]
) -> list[asyncio.Task[bool]]:
    order = list(running)
    return sorted(done, key=order.index)
