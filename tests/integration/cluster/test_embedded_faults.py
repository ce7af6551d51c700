"""Real processes on an embedded cluster: the service starts on demand, and
killed or paused node processes leave the membership."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hapy.cluster.backend import ViewChange
from hapy.cluster.embedded.client import EmbeddedBackend
from hapy.cluster.embedded.control import ClusterControl
from hapy.cluster.embedded.paths import ClusterConfig, ClusterPaths, save_config
from hapy.reports import HapyError

# a node process: joins, then stays until killed
NODE = """
import asyncio, sys
from hapy.cluster.embedded.client import EmbeddedBackend
async def main():
    node = EmbeddedBackend(sys.argv[1], sys.argv[2])
    view = await node.connect()
    print("joined", view.ring_id, flush=True)
    async for event in node.events():
        pass
asyncio.run(main())
"""


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ClusterPaths]:
    paths = ClusterPaths(tmp_path / "c")
    save_config(paths, ClusterConfig(("node1", "node2", "node3"), token_ms=500))
    yield paths
    with contextlib.suppress(HapyError):  # the test may have stopped it already
        ClusterControl(paths.root).shutdown()


def start_node(paths: ClusterPaths, name: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", NODE, str(paths.root), name],
                            stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("joined"), line
    return proc


def wait_for_members(paths: ClusterPaths, members: set[str], timeout: float = 10) -> float:
    """Seconds until the service's first partition holds exactly ``members``."""
    control = ClusterControl(paths.root)
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        parts = control.status()["partitions"]
        names = {m[1] for m in parts[0]} if parts else set()
        if names == members:
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"members never became {members}: {control.status()}")


def test_service_starts_on_demand_and_a_killed_node_leaves(cluster: ClusterPaths) -> None:
    assert not cluster.socket.exists()
    procs = {n: start_node(cluster, n) for n in ("node1", "node2", "node3")}
    try:
        wait_for_members(cluster, {"node1", "node2", "node3"})
        ClusterControl(cluster.root).kill("node2")
        assert procs["node2"].wait(5) == -signal.SIGKILL
        wait_for_members(cluster, {"node1", "node3"}, timeout=3)
    finally:
        for proc in procs.values():
            proc.kill()
            proc.wait()


def test_a_paused_node_is_expelled_after_the_token_timeout(cluster: ClusterPaths) -> None:
    procs = {n: start_node(cluster, n) for n in ("node1", "node2")}
    control = ClusterControl(cluster.root)
    try:
        wait_for_members(cluster, {"node1", "node2"})
        control.pause("node2")
        waited = wait_for_members(cluster, {"node1"})
        assert waited >= 0.3  # not before the token timeout (500 ms)...
        assert waited < 5  # ...but soon after it
        os.kill(procs["node2"].pid, signal.SIGCONT)
        # resumed, it finds itself expelled and its node process ends its loop
        assert procs["node2"].wait(5) == 0
    finally:
        for proc in procs.values():
            proc.kill()
            proc.wait()


def test_an_in_process_node_sees_a_partitioned_peer_leave(cluster: ClusterPaths) -> None:
    proc = start_node(cluster, "node2")

    async def body() -> ViewChange:
        node = EmbeddedBackend(cluster.root, "node1")
        view = await node.connect()
        assert view.names() == ("node1", "node2")
        await asyncio.to_thread(ClusterControl(cluster.root).partition, [["node2"]])
        async for event in node.events():
            if isinstance(event, ViewChange):
                await node.close()
                return event
        raise AssertionError("no view change")

    try:
        view = asyncio.run(body())
        assert view.names() == ("node1",) and not view.quorate
    finally:
        proc.kill()
        proc.wait()
