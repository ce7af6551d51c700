"""hapy's Corosync backend on a real one-node corosync (loopback, own namespaces)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

import hapy
from hapy.cluster.backend import ClusterEvent, Delivery, ViewChange
from hapy.cluster.backends.corosync.backend import CorosyncBackend
from hapy.reports import HapyError
from hapy.testing.corosync import (
    CorosyncNode,
    corosync_conf,
    corosync_missing,
    empty_netns,
    in_netns,
)

pytestmark = pytest.mark.skipif(corosync_missing() is not None,
                                reason=corosync_missing() or "")


@pytest.fixture
def node(tmp_path: Path) -> CorosyncNode:
    conf = corosync_conf("hapytest", [(1, "alpha", "127.0.0.1")], tmp_path,
                         tmp_path / "corosync.log")
    node = CorosyncNode(tmp_path, conf)
    node.start()
    yield node  # type: ignore[misc]
    node.stop()


async def _next(events: object, timeout: float = 5.0) -> ClusterEvent:
    return await asyncio.wait_for(events.__anext__(), timeout)  # type: ignore[attr-defined]


def test_connect_view_quorum_ordered_delivery_and_close(node: CorosyncNode) -> None:
    async def scenario() -> tuple[ViewChange, list[ClusterEvent], str, int]:
        backend = CorosyncBackend()
        view = await backend.connect(["cib", "attrd"])
        for i in range(20):
            await backend.send("cib" if i % 2 == 0 else "attrd", f"m{i}".encode())
        await backend.send("not-joined", b"dropped")
        await backend.send("cib", b"last")
        events = backend.events()
        got: list[ClusterEvent] = []
        while not (got and isinstance(got[-1], Delivery) and got[-1].payload == b"last"):
            got.append(await _next(events))
        await backend.close()
        return view, got, backend.node_name, backend.nodeid

    view, got, name, nodeid = node.run(lambda: asyncio.run(scenario()))
    assert (name, nodeid) == ("alpha", 1)
    assert view.names() == ("alpha",) and [m.name for m in view.joined] == ["alpha"]
    assert view.quorate and view.expected_votes == 1
    deliveries = [e for e in got if isinstance(e, Delivery)]
    assert [d.payload for d in deliveries] == [f"m{i}".encode() for i in range(20)] + [b"last"]
    assert [d.group for d in deliveries[:2]] == ["cib", "attrd"]
    assert all(d.sender.name == "alpha" for d in deliveries)
    seqs = [d.seq for d in deliveries]
    assert seqs == sorted(seqs)


_CLIENT = """
import asyncio, sys
from hapy.cluster.backends.corosync.backend import CorosyncBackend
async def main():
    backend = CorosyncBackend()
    view = await backend.connect(["cib"])
    print(" ".join(view.names()), flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    await backend.close()
asyncio.run(main())
"""


def test_another_process_joins_and_leaves(node: CorosyncNode) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(hapy.__file__).resolve().parents[1])}

    async def scenario() -> tuple[ViewChange, ViewChange, ViewChange, str]:
        backend = CorosyncBackend()
        first = await backend.connect(["cib"])
        events = backend.events()
        client = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _CLIENT, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env=env)
        assert client.stdout is not None and client.stdin is not None
        seen = (await asyncio.wait_for(client.stdout.readline(), 10)).decode().strip()
        joined = await _next(events)
        client.stdin.write(b"bye\n")
        await client.stdin.drain()
        await asyncio.wait_for(client.wait(), 10)
        left = await _next(events)
        await backend.close()
        assert isinstance(joined, ViewChange) and isinstance(left, ViewChange)
        return first, joined, left, seen

    first, joined, left, seen = node.run(lambda: asyncio.run(scenario()))
    assert seen == "alpha"
    # both processes are on node 1: one member, whose process changed
    assert joined.names() == left.names() == ("alpha",)
    assert len({first.ring_id, joined.ring_id, left.ring_id}) >= 2


def test_corosync_not_running_is_a_coded_error() -> None:
    async def scenario() -> None:
        await CorosyncBackend().connect()

    with empty_netns() as pid, pytest.raises(HapyError) as err:
        in_netns(pid, lambda: asyncio.run(scenario()))
    assert err.value.reports[0].code == "CLUSTER_UNREACHABLE"


def test_wrong_node_name_is_a_coded_error(node: CorosyncNode) -> None:
    async def scenario() -> None:
        await CorosyncBackend("not-alpha").connect()

    with pytest.raises(HapyError) as err:
        node.run(lambda: asyncio.run(scenario()))
    assert err.value.reports[0].code == "COROSYNC_NODE_NAME_MISMATCH"


def test_daemon_without_corosync_says_so_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(hapy.__file__).resolve().parents[1])}
    with empty_netns() as pid:
        done = subprocess.run(
            ["nsenter", "-t", str(pid), "-n", sys.executable, "-m", "hapy", "daemon",
             "--backend", "corosync", "--state-dir", str(tmp_path / "state")],
            capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1
    assert "CLUSTER_UNREACHABLE" in done.stderr and "Traceback" not in done.stderr
