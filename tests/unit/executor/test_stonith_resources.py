"""The executor's fence devices (class stonith): start checks and registers,
monitor checks where started, stop unregisters; results as OCF codes."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from tests.unit.fencer.fencer_fakes import fake_agent, runs

from hapy.executor.agents import AgentPaths, AgentSpec, OcfRc, OpStatus
from hapy.executor.service import Executor, Operation, OperationResult


class Registry:
    def __init__(self) -> None:
        self.devices: set[str] = set()

    def register_device(self, device_id: str) -> None:
        self.devices.add(device_id)

    def unregister_device(self, device_id: str) -> None:
        self.devices.discard(device_id)


@pytest.fixture
def agents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "agents"
    directory.mkdir()
    monkeypatch.setenv("PATH", f"{directory}:{os.environ['PATH']}")
    return directory


def test_start_monitor_stop_of_a_fence_device(tmp_path: Path, agents: Path) -> None:
    fake_agent(agents, "fence_a")
    registry = Registry()
    spec = AgentSpec("stonith", "fence_a")
    params = {"ip": "10.0.0.9", "pcmk_host_list": "node2"}

    async def body() -> list[OcfRc]:
        ex = Executor(AgentPaths(tmp_path / "run", cluster_dir=tmp_path), fencer=registry)
        rcs = [(await ex.execute(Operation("f", spec, "monitor", params=params))).rc]
        rcs.append((await ex.execute(Operation("f", spec, "start", params=params))).rc)
        assert registry.devices == {"f"}
        rcs.append((await ex.execute(Operation("f", spec, "monitor", params=params))).rc)
        rcs.append((await ex.execute(Operation("f", spec, "stop", params=params))).rc)
        assert registry.devices == set()
        rcs.append((await ex.execute(Operation("f", spec, "monitor", params=params))).rc)
        meta = await ex.metadata(spec)
        assert "<resource-agent" in meta
        return rcs

    rcs = asyncio.run(body())
    assert rcs == [OcfRc.NOT_RUNNING, OcfRc.OK, OcfRc.OK, OcfRc.OK, OcfRc.NOT_RUNNING]
    checks = runs(agents, "fence_a")
    assert [r["action"] for r in checks] == ["monitor", "monitor"]
    # the fencer's own parameters stay with the fencer
    assert checks[0] == {"action": "monitor", "ip": "10.0.0.9"}


def test_a_failing_or_missing_device_does_not_start(tmp_path: Path, agents: Path) -> None:
    fake_agent(agents, "fence_broken", fail=("monitor",))
    registry = Registry()

    async def body() -> tuple[OperationResult, OperationResult]:
        ex = Executor(AgentPaths(tmp_path / "run"), fencer=registry)
        broken = await ex.execute(Operation("b", AgentSpec("stonith", "fence_broken"), "start"))
        missing = await ex.execute(Operation("m", AgentSpec("stonith", "fence_none"), "start"))
        return broken, missing

    broken, missing = asyncio.run(body())
    assert (broken.rc, broken.status) == (OcfRc.ERR_GENERIC, OpStatus.DONE)
    assert "refused" in broken.result.exit_reason
    assert (missing.rc, missing.status) == (OcfRc.ERR_INSTALLED, OpStatus.NOT_INSTALLED)
    assert registry.devices == set()


def test_agents_get_the_cluster_dir_and_node(tmp_path: Path) -> None:
    paths = AgentPaths(tmp_path, extra_env=(("HAPY_NODE", "node2"),), cluster_dir=tmp_path)
    env = paths.runtime_env()
    assert (env["HAPY_CLUSTER_DIR"], env["HAPY_NODE"]) == (str(tmp_path), "node2")
