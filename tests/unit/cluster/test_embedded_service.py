"""The embedded membership service with in-process nodes: order, views, quorum,
token timeout, partitions."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from hapy.cluster.backend import ClusterEvent, Delivery, Disconnected, ViewChange
from hapy.cluster.embedded.client import EmbeddedBackend
from hapy.cluster.embedded.paths import ClusterConfig, ClusterPaths, save_config
from hapy.cluster.embedded.service import MembershipService
from hapy.cluster.wire import encode, read_frame
from hapy.reports import HapyError

NODES = ("node1", "node2", "node3")


def run_cluster(tmp_path: Path, body: Callable[[ClusterPaths], Awaitable[None]],
                token_ms: int = 400, config: ClusterConfig | None = None) -> None:
    """Run ``body`` beside an in-process membership service for NODES."""
    paths = ClusterPaths(tmp_path / "cluster")
    save_config(paths, config or ClusterConfig(NODES, token_ms))

    async def main() -> None:
        service = MembershipService(paths)
        await service.start()
        task = asyncio.create_task(service.run())
        try:
            await asyncio.wait_for(body(paths), 20)
        finally:
            service.stop()
            await task

    asyncio.run(main())


async def connect(paths: ClusterPaths, name: str, *groups: str) -> EmbeddedBackend:
    node = EmbeddedBackend(paths.root, name, start_service=False)
    await node.connect()
    for group in groups:
        await node.join_group(group)
    return node


async def next_view(node: EmbeddedBackend, members: int) -> ViewChange:
    """This node's view once it has ``members`` members (maybe the current one)."""
    if node.view is not None and len(node.view.members) == members and not node.pending_events:
        return node.view
    async for event in node.events():
        if isinstance(event, ViewChange) and len(event.members) == members:
            return event
    raise AssertionError("disconnected before the view came")


async def deliveries(node: EmbeddedBackend, count: int) -> list[Delivery]:
    got: list[Delivery] = []
    async for event in node.events():
        if isinstance(event, Delivery):
            got.append(event)
            if len(got) == count:
                break
    return got


def test_every_node_delivers_the_same_messages_in_the_same_order(tmp_path: Path) -> None:
    async def body(paths: ClusterPaths) -> None:
        nodes = [await connect(paths, n, "cib") for n in NODES]
        for node in nodes:
            await next_view(node, 3)

        async def chatter(node: EmbeddedBackend) -> None:
            for i in range(25):
                await node.send("cib", f"{node.node_name}:{i}".encode())

        await asyncio.gather(*(chatter(n) for n in nodes))
        seen = [await deliveries(n, 75) for n in nodes]
        orders = [[(d.seq, d.sender.name, d.payload) for d in s] for s in seen]
        assert orders[0] == orders[1] == orders[2]
        # each sender's own messages keep their sending order
        for name in NODES:
            mine = [p for _, s, p in orders[0] if s == name]
            assert mine == [f"{name}:{i}".encode() for i in range(25)]
        for node in nodes:
            await node.close()

    run_cluster(tmp_path, body)


def test_messages_reach_only_the_group_members(tmp_path: Path) -> None:
    async def body(paths: ClusterPaths) -> None:
        a = await connect(paths, "node1", "cib")
        b = await connect(paths, "node2", "attrd")
        await next_view(a, 2)
        await a.send("attrd", b"for attrd")
        await a.send("cib", b"for cib")
        got = await deliveries(b, 1)
        assert got[0].group == "attrd" and got[0].payload == b"for attrd"
        mine = await deliveries(a, 1)
        assert mine[0].payload == b"for cib"  # a joined only cib
        await a.close()
        await b.close()

    run_cluster(tmp_path, body)


def test_views_and_quorum_follow_nodes_leaving(tmp_path: Path) -> None:
    async def body(paths: ClusterPaths) -> None:
        nodes = [await connect(paths, n) for n in NODES]
        full = await next_view(nodes[0], 3)
        assert full.quorate and full.expected_votes == 3
        assert full.names() == NODES
        assert [m.nodeid for m in full.members] == [1, 2, 3]
        await nodes[2].close()
        two = await next_view(nodes[0], 2)
        assert two.quorate
        assert [m.name for m in two.left] == ["node3"]
        await nodes[1].close()
        one = await next_view(nodes[0], 1)
        assert not one.quorate
        await nodes[0].close()

    run_cluster(tmp_path, body)


def test_a_two_node_cluster_waits_for_both_then_each_side_of_a_split_is_quorate(
        tmp_path: Path) -> None:
    async def body(paths: ClusterPaths) -> None:
        node1 = await connect(paths, "node1")
        alone = await next_view(node1, 1)
        assert not alone.quorate  # wait_for_all: node2 was never seen
        node2 = await connect(paths, "node2")
        both = await next_view(node1, 2)
        assert both.quorate and both.expected_votes == 2
        await _control(paths, {"op": "partition", "groups": [["node1"], ["node2"]]})
        assert (await next_view(node1, 1)).quorate
        assert (await next_view(node2, 1)).quorate
        status = await _control(paths, {"op": "status"})
        assert status["two_node"] and status["quorum_votes"] == 1
        assert not status["waiting_for_all"]
        await node1.close()
        await node2.close()

    run_cluster(tmp_path, body, config=ClusterConfig(("node1", "node2"), 400, two_node=True))


def test_a_silent_node_is_expelled_after_the_token_timeout(tmp_path: Path) -> None:
    async def body(paths: ClusterPaths) -> None:
        node1 = await connect(paths, "node1")
        # a node that joins, then stops talking (as a paused process would)
        reader, writer = await asyncio.open_unix_connection(str(paths.socket))
        writer.write(encode({"type": "hello", "name": "node2"}))
        await writer.drain()
        await next_view(node1, 2)
        loop = asyncio.get_running_loop()
        start = loop.time()
        alone = await next_view(node1, 1)
        waited = loop.time() - start
        assert [m.name for m in alone.left] == ["node2"]
        assert 0.3 <= waited < 3.0
        frames = []
        while (frame := await read_frame(reader)) is not None:
            frames.append(frame["type"])
        assert frames[-1] == "expelled"
        writer.close()
        await node1.close()

    run_cluster(tmp_path, body, token_ms=400)


def test_partitions_get_their_own_views_and_quorum_then_heal(tmp_path: Path) -> None:
    async def body(paths: ClusterPaths) -> None:
        nodes = {n: await connect(paths, n, "cib") for n in NODES}
        for node in nodes.values():
            await next_view(node, 3)
        service_status = await _control(paths, {"op": "partition", "groups": [["node1"]]})
        assert service_status["ok"]
        lone = await next_view(nodes["node1"], 1)
        assert not lone.quorate and [m.name for m in lone.left] == ["node2", "node3"]
        pair = await next_view(nodes["node2"], 2)
        assert pair.quorate and pair.names() == ("node2", "node3")
        await next_view(nodes["node3"], 2)
        # node1's message stays in its partition
        await nodes["node1"].send("cib", b"from the minority")
        await nodes["node2"].send("cib", b"from the majority")
        assert [d.payload for d in await deliveries(nodes["node1"], 1)] == [b"from the minority"]
        assert [d.payload for d in await deliveries(nodes["node3"], 1)] == [b"from the majority"]
        await _control(paths, {"op": "heal"})
        healed = await next_view(nodes["node1"], 3)
        assert healed.quorate and [m.name for m in healed.joined] == ["node2", "node3"]
        for node in nodes.values():
            await node.close()

    run_cluster(tmp_path, body)


def test_the_same_node_connecting_again_replaces_its_old_connection(tmp_path: Path) -> None:
    async def body(paths: ClusterPaths) -> None:
        old = await connect(paths, "node1")
        new = await connect(paths, "node1")
        events: list[ClusterEvent] = [e async for e in old.events()]
        assert isinstance(events[-1], Disconnected) and "replaced" in events[-1].reason
        assert new.view is not None and new.view.names() == ("node1",)
        await new.close()
        await old.close()

    run_cluster(tmp_path, body)


def test_an_oversized_frame_cuts_the_peer_off(tmp_path: Path) -> None:
    async def body(paths: ClusterPaths) -> None:
        reader, writer = await asyncio.open_unix_connection(str(paths.socket))
        writer.write(struct.pack(">I", 2**31))
        await writer.drain()
        assert await reader.read() == b""
        writer.close()
        # the service still serves others
        node = await connect(paths, "node1")
        await node.close()

    run_cluster(tmp_path, body)


def test_connecting_without_a_service_is_a_coded_error(tmp_path: Path) -> None:
    async def body() -> None:
        node = EmbeddedBackend(tmp_path / "nothing", "node1", start_service=False)
        with pytest.raises(HapyError) as err:
            await node.connect()
        assert err.value.reports[0].code == "CLUSTER_UNREACHABLE"

    asyncio.run(body())


async def _control(paths: ClusterPaths, frame: dict[str, object]) -> dict[str, object]:
    from hapy.cluster.embedded.control import _acall

    return await _acall(paths, dict(frame))
