"""The attribute manager on an in-process embedded cluster: increments in the
cluster's order, one writer, dampening, a departed node's attributes dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from hapy.attrd.manager import AttrManager, apply_increment
from hapy.cib.status import transient_attribute
from hapy.cibd.manager import CibManager
from hapy.cibd.store import CibStore
from hapy.cluster.backend import Delivery, ViewChange
from hapy.cluster.embedded.client import EmbeddedBackend
from hapy.cluster.embedded.paths import ClusterConfig, ClusterPaths, save_config
from hapy.cluster.embedded.service import MembershipService
from hapy.reports import HapyError


@pytest.mark.parametrize(("old", "update", "new"), [
    (None, "value++", "1"), ("4", "value++", "5"), ("4", "value+=10", "14"),
    ("INFINITY", "value++", "INFINITY"), ("999999", "value++", "INFINITY"),
    ("junk", "value++", "1"), ("4", "7", "7"), (None, "++", "1")])
def test_increments(old: str | None, update: str, new: str) -> None:
    assert apply_increment(old, update) == new


class Node:
    def __init__(self, paths: ClusterPaths, state: Path, name: str) -> None:
        self.backend = EmbeddedBackend(paths.root, name, start_service=False)
        self.cib = CibManager(self.backend, CibStore(state / name))
        self.attrd = AttrManager(self.backend, self.cib, lambda n: n[-1])
        self.pump: asyncio.Task[None] | None = None

    async def start(self) -> None:
        view = await self.backend.connect(groups=["cib", "attrd"])
        await self.cib.handle(view)
        await self.attrd.handle(view)

        async def pump() -> None:
            async for event in self.backend.events():
                if isinstance(event, ViewChange | Delivery):
                    await self.cib.handle(event)
                    await self.attrd.handle(event)

        self.pump = asyncio.create_task(pump())

    async def stop(self) -> None:
        await self.backend.close()
        if self.pump:
            self.pump.cancel()


def run(tmp_path: Path, body: Callable[[list[Node]], Awaitable[None]]) -> None:
    paths = ClusterPaths(tmp_path / "cluster")
    save_config(paths, ClusterConfig(("node1", "node2"), 1000))

    async def main() -> None:
        service = MembershipService(paths)
        await service.start()
        task = asyncio.create_task(service.run())
        nodes = [Node(paths, tmp_path / "state", n) for n in ("node1", "node2")]
        try:
            for node in nodes:
                await node.start()
            await asyncio.sleep(0.2)
            await asyncio.wait_for(body(nodes), 20)
        finally:
            for node in nodes:
                await node.stop()
            service.stop()
            await task

    asyncio.run(main())


async def in_cib(node: Node, host: str, name: str, value: str | None,
                 timeout: float = 5) -> float:
    loop = asyncio.get_running_loop()
    began = loop.time()
    while transient_attribute(node.cib.root, host, name) != value:
        if loop.time() - began > timeout:
            raise AssertionError(f"{name} on {host} never became {value}")
        await asyncio.sleep(0.02)
    return loop.time() - began


def test_increments_from_every_node_count_once_each(tmp_path: Path) -> None:
    async def body(nodes: list[Node]) -> None:
        await asyncio.gather(*(n.attrd.update("node2", "fail-count-x", "value++")
                               for n in nodes for _ in range(5)))
        for node in nodes:
            await in_cib(node, "node2", "fail-count-x", "10")
            assert node.attrd.get("node2", "fail-count-x") == "10"

    run(tmp_path, body)


def test_dampening_delays_the_write_and_keeps_the_last_value(tmp_path: Path) -> None:
    async def body(nodes: list[Node]) -> None:
        writer = next(n for n in nodes if n.attrd.is_writer)
        assert writer.backend.node_name == "node1"
        for value in ("1", "2", "3"):
            await nodes[1].attrd.update("node1", "pingd", value, dampen_ms=400)
        await asyncio.sleep(0.15)
        assert transient_attribute(writer.cib.root, "node1", "pingd") is None
        await in_cib(nodes[1], "node1", "pingd", "3")
        await nodes[0].attrd.update("node1", "pingd", None)
        await in_cib(nodes[1], "node1", "pingd", None)

    run(tmp_path, body)


def test_a_departed_nodes_attributes_are_dropped(tmp_path: Path) -> None:
    async def body(nodes: list[Node]) -> None:
        await nodes[0].attrd.update("node2", "x", "1")
        await in_cib(nodes[0], "node2", "x", "1")
        await nodes[1].stop()
        for _ in range(100):
            if nodes[0].attrd.get("node2", "x") is None:
                break
            await asyncio.sleep(0.02)
        assert nodes[0].attrd.get("node2", "x") is None

    run(tmp_path, body)


def test_a_new_writer_does_not_block_the_cluster_events(tmp_path: Path) -> None:
    """When the writer leaves, the next one writes what may be unwritten; that
    must not hold up the handling of the cluster's events (it once waited,
    inside the view change, for CIB changes only that handling completes)."""
    from hapy.cib.ops import CibOp, CibRequest

    async def body(nodes: list[Node]) -> None:
        await nodes[1].attrd.update("node2", "shutdown", "12345")
        await in_cib(nodes[1], "node2", "shutdown", "12345")
        await nodes[0].stop()
        for _ in range(100):
            if nodes[1].attrd.is_writer:
                break
            await asyncio.sleep(0.02)
        assert nodes[1].attrd.is_writer
        await asyncio.wait_for(nodes[1].cib.change(CibRequest(
            CibOp.CREATE, '<primitive id="after" class="ocf" provider="heartbeat" '
            'type="Dummy"/>', scope="resources")), 5)

    run(tmp_path, body)


def test_a_name_that_cannot_be_stored_is_refused_at_once(tmp_path: Path) -> None:
    async def body(nodes: list[Node]) -> None:
        with pytest.raises(HapyError) as failure:
            await nodes[0].attrd.update("node1", "it's", "1")
        assert failure.value.reports[0].code == "ATTRD_BAD_NAME"
        # nothing was sent: the attribute is unknown everywhere
        await asyncio.sleep(0.2)
        assert [n.attrd.get("node1", "it's") for n in nodes] == [None, None]

    run(tmp_path, body)
