"""The node executor with the real ocf:heartbeat:Dummy: one-shot operations,
recurring monitors that notice a failure, cancellation, serialisation."""

from __future__ import annotations

import asyncio
import contextlib
import stat
from pathlib import Path

import pytest

from hapy.executor.agents import AgentPaths, AgentSpec, OcfRc
from hapy.executor.service import Executor, Operation, OperationResult

DUMMY = AgentSpec("ocf", "Dummy", "heartbeat")
pytestmark = pytest.mark.skipif(
    not Path("/usr/lib/ocf/resource.d/heartbeat/Dummy").exists(),
    reason="resource-agents not installed")


def test_one_shot_operations_get_increasing_call_ids(tmp_path: Path) -> None:
    seen: list[OperationResult] = []

    async def body() -> None:
        ex = Executor(AgentPaths(tmp_path), seen.append)
        probe = await ex.execute(Operation("d", DUMMY, "monitor"))
        start = await ex.execute(Operation("d", DUMMY, "start"))
        assert (probe.rc, start.rc) == (OcfRc.NOT_RUNNING, OcfRc.OK)
        assert start.call_id > probe.call_id
        assert start.operation.key == "d_start_0"

    asyncio.run(body())
    assert [r.operation.action for r in seen] == ["monitor", "start"]


def test_a_recurring_monitor_reports_a_failure_once_and_stop_cancels_it(tmp_path: Path) -> None:
    seen: list[OperationResult] = []

    async def body() -> None:
        ex = Executor(AgentPaths(tmp_path), seen.append)
        await ex.execute(Operation("d", DUMMY, "start"))
        ex.start_recurring(Operation("d", DUMMY, "monitor", interval_ms=100))
        await asyncio.sleep(0.5)
        # the first result is reported, the unchanged ones after it are not
        monitors = [r for r in seen if r.operation.interval_ms]
        assert [r.rc for r in monitors] == [OcfRc.OK]
        # the service dies behind the cluster's back
        (tmp_path / "rsctmp" / "Dummy-d.state").unlink()
        for _ in range(50):
            if any(r.rc == OcfRc.NOT_RUNNING for r in seen):
                break
            await asyncio.sleep(0.05)
        monitors = [r for r in seen if r.operation.interval_ms]
        assert [r.rc for r in monitors] == [OcfRc.OK, OcfRc.NOT_RUNNING]
        assert ex.recurring() == [("d", "monitor", 100)]
        await ex.execute(Operation("d", DUMMY, "stop"))
        assert ex.recurring() == []

    asyncio.run(body())


def test_operations_on_one_resource_do_not_overlap(tmp_path: Path) -> None:
    root = tmp_path / "ocf"
    agent = root / "resource.d" / "test" / "Slow"
    agent.parent.mkdir(parents=True)
    log = tmp_path / "log"
    agent.write_text(f'#!/bin/sh\necho "begin $1" >> {log}\nsleep 0.2\necho "end $1" >> {log}\n')
    agent.chmod(agent.stat().st_mode | stat.S_IXUSR)
    spec = AgentSpec("ocf", "Slow", "test")

    async def body() -> None:
        ex = Executor(AgentPaths(tmp_path / "rt", ocf_root=root))
        await asyncio.gather(ex.execute(Operation("a", spec, "start")),
                             ex.execute(Operation("a", spec, "stop")))

    asyncio.run(body())
    lines = log.read_text().split("\n")[:-1]
    assert lines in (["begin start", "end start", "begin stop", "end stop"],
                     ["begin stop", "end stop", "begin start", "end start"])


def test_meta_data_is_fetched_once(tmp_path: Path) -> None:
    async def body() -> None:
        ex = Executor(AgentPaths(tmp_path))
        first = await ex.metadata(DUMMY)
        assert "<resource-agent" in first
        assert await ex.metadata(DUMMY) is first

    asyncio.run(body())


def test_a_stop_is_not_held_up_by_a_monitor_that_swallowed_its_cancellation(
        tmp_path: Path) -> None:
    """Cancelling a recurring monitor can be lost on the way (Python 3.11's
    asyncio.wait_for swallows a cancellation that arrives as the agent
    finishes); the monitor must end anyway, or the stop waiting for it never
    runs (a node could not stop its resources)."""
    from hapy.executor.agents import OpStatus
    from hapy.executor.process import ActionResult

    async def body() -> None:
        ex = Executor(AgentPaths(tmp_path))
        real_run = ex._run
        running = asyncio.Event()

        async def swallowing_run(op: Operation) -> OperationResult:
            if not op.interval_ms:
                return await real_run(op)
            running.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(10)  # lost: the agent "finished" just then
            return OperationResult(op, 1, ActionResult(OcfRc.OK, OpStatus.DONE, 0), 0.0)

        ex._run = swallowing_run  # type: ignore[method-assign]
        ex.start_recurring(Operation("d", DUMMY, "monitor", interval_ms=100))
        await running.wait()
        stopped = await asyncio.wait_for(ex.execute(Operation("d", DUMMY, "stop")), 5)
        assert stopped.rc == OcfRc.OK and ex.recurring() == []

    asyncio.run(body())
