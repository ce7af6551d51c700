"""The replicated CIB on an in-process embedded cluster: same order on every
node, refused changes change nothing, joining nodes get the newest CIB."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from hapy.cib.ops import CibOp, CibRequest
from hapy.cib.versions import CibVersion
from hapy.cib.xmlio import serialize
from hapy.cibd.manager import CibManager
from hapy.cibd.store import CibStore
from hapy.cluster.backend import Delivery, ViewChange
from hapy.cluster.embedded.client import EmbeddedBackend
from hapy.cluster.embedded.paths import ClusterConfig, ClusterPaths, save_config
from hapy.cluster.embedded.service import MembershipService
from hapy.reports import HapyError

NODES = ("node1", "node2", "node3")


@dataclass
class Node:
    backend: EmbeddedBackend
    cib: CibManager
    pump: asyncio.Task[None]

    async def stop(self) -> None:
        await self.backend.close()
        self.pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.pump


async def start_node(paths: ClusterPaths, state: Path, name: str) -> Node:
    backend = EmbeddedBackend(paths.root, name, start_service=False)
    cib = CibManager(backend, CibStore(state / name))
    view = await backend.connect(groups=["cib"])
    await cib.handle(view)

    async def pump() -> None:
        async for event in backend.events():
            if isinstance(event, ViewChange | Delivery):
                await cib.handle(event)

    return Node(backend, cib, asyncio.create_task(pump()))


def run(tmp_path: Path, body: Callable[[ClusterPaths, Path], Awaitable[None]]) -> None:
    paths = ClusterPaths(tmp_path / "cluster")
    save_config(paths, ClusterConfig(NODES, 1000))

    async def main() -> None:
        service = MembershipService(paths)
        await service.start()
        task = asyncio.create_task(service.run())
        try:
            await asyncio.wait_for(body(paths, tmp_path / "state"), 30)
        finally:
            service.stop()
            await task

    asyncio.run(main())


def primitive(rid: str) -> str:
    return f'<primitive id="{rid}" class="ocf" provider="heartbeat" type="Dummy"/>'


async def settled(nodes: list[Node]) -> None:
    for node in nodes:
        await asyncio.wait_for(node.cib.synced.wait(), 10)


async def same_everywhere(nodes: list[Node]) -> bytes:
    """Wait until every node holds the same CIB; return it."""
    for _ in range(200):
        texts = {serialize(n.cib.root) for n in nodes}
        if len(texts) == 1:
            return texts.pop()
        await asyncio.sleep(0.02)
    raise AssertionError("the nodes' CIBs differ")


def test_changes_from_every_node_end_up_identical_everywhere(tmp_path: Path) -> None:
    async def body(paths: ClusterPaths, state: Path) -> None:
        nodes = [await start_node(paths, state, n) for n in NODES]
        await asyncio.sleep(0.1)
        await settled(nodes)

        async def add(node: Node, i: int) -> None:
            name = f"r-{node.backend.node_name}-{i}"
            await node.cib.change(CibRequest(CibOp.CREATE, primitive(name), scope="resources"))

        await asyncio.gather(*(add(n, i) for n in nodes for i in range(5)))
        text = await same_everywhere(nodes)
        assert text.count(b"<primitive") == 15
        assert nodes[0].cib.version == CibVersion(0, 15, 0)
        # each node stored what it holds
        for node in nodes:
            stored = node.cib.store.load()
            assert stored is not None and serialize(stored) == text
        for node in nodes:
            await node.stop()

    run(tmp_path, body)


def test_a_refused_change_changes_no_node(tmp_path: Path) -> None:
    async def body(paths: ClusterPaths, state: Path) -> None:
        nodes = [await start_node(paths, state, n) for n in NODES[:2]]
        await asyncio.sleep(0.1)
        await settled(nodes)
        await nodes[0].cib.change(CibRequest(CibOp.CREATE, primitive("web")))
        before = await same_everywhere(nodes)
        with pytest.raises(HapyError) as exc:
            await nodes[1].cib.change(CibRequest(
                CibOp.CREATE, '<rsc_order id="o" first="web" then="ghost"/>'))
        assert exc.value.reports[0].code == "CIB_DANGLING_REFERENCE"
        with pytest.raises(HapyError) as exc:
            await nodes[1].cib.change(CibRequest(CibOp.CREATE, primitive("web")))
        assert exc.value.reports[0].code == "CIB_OP_EXISTS"
        assert await same_everywhere(nodes) == before
        for node in nodes:
            await node.stop()

    run(tmp_path, body)


def test_a_joining_node_gets_the_newest_cib_and_a_newer_one_wins(tmp_path: Path) -> None:
    async def body(paths: ClusterPaths, state: Path) -> None:
        first = await start_node(paths, state, "node1")
        await settled([first])
        for i in range(3):
            await first.cib.change(CibRequest(CibOp.CREATE, primitive(f"r{i}")))
        # node2 joins with an empty CIB: it takes node1's
        second = await start_node(paths, state, "node2")
        await asyncio.sleep(0.1)
        await settled([first, second])
        text = await same_everywhere([first, second])
        assert text.count(b"<primitive") == 3
        await second.stop()
        await first.stop()
        # node1 restarts from its store; a node3 whose stored CIB is newer wins
        newer = CibStore(state / "node3")
        root = first.cib.store.load()
        assert root is not None
        root.set("epoch", "40")
        newer.save(root)
        again = await start_node(paths, state, "node1")
        third = await start_node(paths, state, "node3")
        await asyncio.sleep(0.1)
        await settled([again, third])
        await same_everywhere([again, third])
        assert again.cib.version == CibVersion(0, 40, 0)
        # and changes flow again after the sync
        await again.cib.change(CibRequest(CibOp.CREATE, primitive("after")))
        text = await same_everywhere([again, third])
        assert b'id="after"' in text
        await again.stop()
        await third.stop()

    run(tmp_path, body)


def _history(node_id: str, uname: str, rsc: str, rc: int) -> str:
    return (f'<node_state id="{node_id}" uname="{uname}"><lrm id="{node_id}"><lrm_resources>'
            f'<lrm_resource id="{rsc}" class="ocf" provider="heartbeat" type="Dummy">'
            f'<lrm_rsc_op id="{rsc}_last_0" operation="start" rc-code="{rc}"/>'
            '</lrm_resource></lrm_resources></lrm></node_state>')


def test_after_a_partition_each_node_keeps_its_own_resource_history(tmp_path: Path) -> None:
    async def body(paths: ClusterPaths, state: Path) -> None:
        from hapy.cluster.embedded.control import ClusterControl

        nodes = [await start_node(paths, state, n) for n in NODES]
        await asyncio.sleep(0.2)
        await settled(nodes)
        control = ClusterControl(paths.root)
        await control.acall("partition", groups=[["node1", "node2"], ["node3"]])
        await asyncio.sleep(0.3)
        await settled(nodes)
        # node3, alone, records that it stopped r3; the other side, which
        # cannot know, still holds r3 as started there and makes more changes
        await nodes[2].cib.change(CibRequest(CibOp.MODIFY, _history("3", "node3", "r3", 7),
                                             scope="status", allow_create=True))
        await nodes[0].cib.change(CibRequest(CibOp.MODIFY, _history("3", "node3", "r3", 0),
                                             scope="status", allow_create=True))
        for i in range(5):
            await nodes[0].cib.change(CibRequest(CibOp.MODIFY, _history("1", "node1", "r1", i),
                                                 scope="status", allow_create=True))
        assert nodes[0].cib.version > nodes[2].cib.version
        await control.acall("heal")
        await asyncio.sleep(0.3)
        await settled(nodes)
        text = await same_everywhere(nodes)
        # the newest CIB won (node1's side), but node3's own history is node3's
        assert b'rc-code="4"' in text
        root = nodes[0].cib.root
        r3 = root.find("status/node_state[@uname='node3']/lrm/lrm_resources/lrm_resource"
                       "/lrm_rsc_op")
        assert r3 is not None and r3.get("rc-code") == "7"
        for node in nodes:
            await node.stop()

    run(tmp_path, body)


def test_a_change_no_longer_valid_is_not_applied(tmp_path: Path) -> None:
    async def body(paths: ClusterPaths, state: Path) -> None:
        node = await start_node(paths, state, "node1")
        await settled([node])
        before = node.cib.version
        with pytest.raises(HapyError) as stale:
            await node.cib.change(CibRequest(CibOp.CREATE, primitive("late")),
                                  still_valid=lambda: False)
        assert stale.value.reports[0].code == "CIB_CHANGE_STALE"
        assert node.cib.version == before
        await node.cib.change(CibRequest(CibOp.CREATE, primitive("now")),
                              still_valid=lambda: True)
        assert node.cib.query(CibRequest(CibOp.QUERY, xpath="//primitive[@id='now']"))
        await node.stop()

    run(tmp_path, body)
