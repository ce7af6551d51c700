"""One node's executor: runs operations on its resources, one at a time per
resource, keeps recurring monitors going, and reports every result.

* Operations on the same resource never overlap (a recurring monitor waits
  for a running start, and the other way round); different resources run in
  parallel.
* A recurring monitor first runs after its ``start-delay``, then every
  interval; each run's result goes to the ``on_result`` callback when it
  differs from the previous run's (the first one always), as Pacemaker
  records a recurring operation's history only when its result changes.
* A stop cancels the resource's recurring operations first, as Pacemaker's
  controller does.
* Every operation gets a call id, increasing across all resources.
* Agents' meta-data is fetched once per agent and cached.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Mapping

from hapy.aio import cancel_and_wait
from hapy.executor.agents import (
    AgentPaths,
    AgentSpec,
    OcfRc,
    OpStatus,
    agent_environment,
    invocation,
)
from hapy.executor.process import ActionResult, run_invocation
from hapy.executor.stonith import DeviceRegistry, StonithActions
from hapy.records import field, record


@record
class Operation:
    """An operation to run on one resource instance of this node."""

    rsc: str
    agent: AgentSpec
    action: str
    interval_ms: int = 0
    timeout_ms: int = 20000
    start_delay_ms: int = 0
    params: Mapping[str, str] = field(default_factory=dict)
    #: meta attributes for OCF_RESKEY_CRM_meta_* (besides timeout and interval)
    meta: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Pacemaker's operation key: RSC_ACTION_INTERVAL."""
        return f"{self.rsc}_{self.action}_{self.interval_ms}"

    def agent_meta(self) -> dict[str, str]:
        meta = dict(self.meta)
        meta["timeout"] = str(self.timeout_ms)
        meta["interval"] = str(self.interval_ms)
        return meta


@record
class OperationResult:
    """A finished operation, with what the CIB records of it."""

    operation: Operation
    call_id: int
    result: ActionResult
    #: when the operation finished (the executor's clock, epoch seconds)
    finished: float
    queue_ms: int = 0

    @property
    def rc(self) -> OcfRc:
        return self.result.rc

    @property
    def status(self) -> OpStatus:
        return self.result.status


ResultCallback = Callable[[OperationResult], None]


class Executor:
    """Runs the operations of one node."""

    def __init__(self, paths: AgentPaths, on_result: ResultCallback | None = None, *,
                 wall_clock: Callable[[], float] = time.time,
                 fencer: DeviceRegistry | None = None) -> None:
        self.paths = paths
        #: fence devices (class stonith): checked, and registered with ``fencer``
        self.stonith = StonithActions(lambda: agent_environment(paths), fencer)
        self.on_result = on_result
        self._wall_clock = wall_clock
        self._call_ids = itertools.count(1)
        self._locks: dict[str, asyncio.Lock] = {}
        self._recurring: dict[tuple[str, str, int], asyncio.Task[None]] = {}
        self._metadata: dict[AgentSpec, str] = {}
        self._nagios_started: set[str] = set()

    def _lock(self, rsc: str) -> asyncio.Lock:
        lock = self._locks.get(rsc)
        if lock is None:
            lock = self._locks[rsc] = asyncio.Lock()
        return lock

    async def _run(self, op: Operation) -> OperationResult:
        queued = time.monotonic()
        async with self._lock(op.rsc):
            queue_ms = int((time.monotonic() - queued) * 1000)
            call_id = next(self._call_ids)
            if op.agent.standard == "nagios" and op.action == "monitor" and not op.interval_ms \
                    and op.rsc not in self._nagios_started:
                # a nagios plugin checks something elsewhere: it "runs" only
                # where this node started it
                result = ActionResult(OcfRc.NOT_RUNNING, OpStatus.DONE, 0)
            elif op.agent.standard == "stonith":
                result = await self.stonith.run(op.rsc, op.agent.type, op.action, op.params,
                                                op.timeout_ms)
            else:
                inv = invocation(op.agent, op.action, op.rsc, op.params, op.agent_meta(),
                                 self.paths)
                result = await run_invocation(inv, op.timeout_ms)
            if op.agent.standard == "nagios" and result.rc == OcfRc.OK:
                if op.action == "start":
                    self._nagios_started.add(op.rsc)
                elif op.action == "stop":
                    self._nagios_started.discard(op.rsc)
        return OperationResult(op, call_id, result, self._wall_clock(), queue_ms)

    async def execute(self, op: Operation) -> OperationResult:
        """Run a one-shot operation (start, stop, probe, promote...) and report it."""
        if op.interval_ms:
            raise ValueError("recurring operations go through start_recurring")
        if op.action == "stop":
            await self.cancel_all(op.rsc)
        if op.start_delay_ms:
            await asyncio.sleep(op.start_delay_ms / 1000)
        done = await self._run(op)
        if self.on_result is not None:
            self.on_result(done)
        return done

    def start_recurring(self, op: Operation) -> None:
        """Run ``op`` every ``op.interval_ms`` until cancelled (replacing a
        recurring operation with the same key)."""
        if op.interval_ms <= 0:
            raise ValueError("a recurring operation needs an interval")
        ident = (op.rsc, op.action, op.interval_ms)
        old = self._recurring.pop(ident, None)
        if old is not None:
            old.cancel()
        self._recurring[ident] = asyncio.create_task(self._repeat(op))

    async def _repeat(self, op: Operation) -> None:
        await asyncio.sleep(op.start_delay_ms / 1000)
        last: tuple[OcfRc, OpStatus] | None = None
        while True:
            try:
                done = await self._run(op)
            except (OSError, ValueError) as exc:
                # what the agent could not even be asked is a result too
                done = OperationResult(op, next(self._call_ids), ActionResult(
                    OcfRc.ERR_GENERIC, OpStatus.ERROR, 0, f"cannot run: {exc}"),
                    self._wall_clock())
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                # cancelled while the agent ran, but the cancellation was
                # swallowed on the way (asyncio.wait_for in Python 3.11 can)
                raise asyncio.CancelledError
            outcome = (done.rc, done.status)
            if outcome != last and self.on_result is not None:
                self.on_result(done)
            last = outcome
            await asyncio.sleep(op.interval_ms / 1000)

    def recurring(self) -> list[tuple[str, str, int]]:
        """(rsc, action, interval) of the recurring operations running now."""
        return sorted(self._recurring)

    async def cancel(self, rsc: str, action: str, interval_ms: int) -> bool:
        """Stop one recurring operation; False when there was none."""
        task = self._recurring.pop((rsc, action, interval_ms), None)
        if task is None:
            return False
        # a cancellation can be lost, and a stop that waits for a monitor that
        # never ends never runs
        await cancel_and_wait(task)
        return True

    async def cancel_all(self, rsc: str | None = None) -> None:
        """Stop the recurring operations of ``rsc`` (of every resource if None)."""
        for ident in [i for i in self._recurring if rsc is None or i[0] == rsc]:
            await self.cancel(*ident)

    async def metadata(self, agent: AgentSpec) -> str:
        """The agent's meta-data XML (cached); empty when it has none."""
        cached = self._metadata.get(agent)
        if cached is not None:
            return cached
        if agent.standard == "stonith":
            result = await self.stonith.run("meta-data", agent.type, "meta-data", {}, 30000)
        else:
            inv = invocation(agent, "meta-data", "meta-data", {}, {}, self.paths)
            result = await run_invocation(inv, 30000)
        text = result.stdout if result.rc == OcfRc.OK else ""
        if text:
            self._metadata[agent] = text
        return text
