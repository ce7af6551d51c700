"""The controller's part in fencing, with a fake fencer and a fake group: who
runs a fencing, how events travel, when the fenced node is recorded down,
and the back-off after failures."""

from __future__ import annotations

import asyncio
from typing import Any

from hapy.controller.fencing import FencingCoordinator
from hapy.fencer import FenceEvent


class FakeFencer:
    """Fences by decree: targets in ``fails`` fail."""

    def __init__(self, node: str, fails: set[str] | None = None) -> None:
        self.node = node
        self.fails = fails or set()
        self.merged: list[FenceEvent] = []
        self.ran: list[tuple[str, str]] = []

    async def fence(self, target: str, action: str = "reboot", *, origin: str,
                    client: str = "controller", on_event: Any = None) -> FenceEvent:
        self.ran.append((target, action))
        pending = FenceEvent(f"{target}-{len(self.ran)}", target, action, origin, client, None,
                             ("dev",), "pending", 100.0, None)
        if on_event:
            on_event(pending)
        final = pending.finish("failed" if target in self.fails else "done", 101.0,
                               executioner=self.node, devices=("dev",))
        if on_event:
            on_event(final)
        return final

    def history(self) -> list[FenceEvent]:
        return list(self.merged)

    def merge(self, event: FenceEvent) -> None:
        self.merged.append(event)


class Cluster:
    """Coordinators of ``names`` on one in-memory group (delivered in order)."""

    def __init__(self, names: list[str], dc: str, fails: set[str] | None = None) -> None:
        self.members = list(names)
        self.dc: str | None = dc
        self.marked: list[tuple[str, str]] = []
        self.slept: list[float] = []
        self.nodes: dict[str, FencingCoordinator] = {}
        self.fencers: dict[str, FakeFencer] = {}
        for name in names:
            fencer = FakeFencer(name, fails)
            self.fencers[name] = fencer
            self.nodes[name] = FencingCoordinator(
                name, fencer, self.send, self._marker(name),  # type: ignore[arg-type]
                lambda: list(self.members), lambda: self.dc, sleep=self.sleep)

    def _marker(self, name: str) -> Any:
        async def mark(event: FenceEvent) -> None:
            self.marked.append((name, event.target))
        return mark

    async def send(self, message: dict[str, Any]) -> None:
        for node in list(self.nodes.values()):
            await node.handle(message)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    async def settle(self) -> None:
        for _ in range(5):
            await asyncio.sleep(0)


def test_who_runs_a_fencing() -> None:
    cluster = Cluster(["node1", "node2", "node3"], dc="node1")
    node1, node3 = cluster.nodes["node1"], cluster.nodes["node3"]
    assert node3.executioner_for("node2") == "node1"  # the DC
    assert node1.executioner_for("node1") == "node2"  # never the DC itself
    cluster.members = ["node1"]
    assert node1.executioner_for("node1") == "node1"  # alone: suicide
    assert node3.executioner_for("node1") is None


def test_the_dc_fences_shares_the_result_and_records_the_node() -> None:
    async def body() -> None:
        cluster = Cluster(["node1", "node2", "node3"], dc="node1")
        assert await cluster.nodes["node1"].fence_for_transition("node3", "off")
        await cluster.settle()
        assert cluster.fencers["node1"].ran == [("node3", "off")]
        # every node learnt both events, and the DC recorded the node, once
        for name in ("node1", "node2", "node3"):
            assert [e.state for e in cluster.fencers[name].merged] == ["pending", "done"]
        assert cluster.marked == [("node1", "node3")]

    asyncio.run(body())


def test_a_request_from_another_node_is_run_by_the_dc() -> None:
    async def body() -> None:
        cluster = Cluster(["node1", "node2", "node3"], dc="node1")
        event = await cluster.nodes["node3"].request("node2", "reboot", client="hapy stonith")
        await cluster.settle()
        assert event.state == "done" and event.executioner == "node1"
        assert cluster.fencers["node1"].ran == [("node2", "reboot")]
        assert cluster.fencers["node3"].ran == []
        assert cluster.marked == [("node1", "node2")]

    asyncio.run(body())


def test_failures_are_retried_with_growing_pauses() -> None:
    async def body() -> None:
        cluster = Cluster(["node1", "node2"], dc="node1", fails={"node2"})
        node1 = cluster.nodes["node1"]
        results = [await node1.fence_for_transition("node2", "reboot") for _ in range(4)]
        assert results == [False] * 4
        assert cluster.slept == [1.0, 2.0, 4.0]
        assert cluster.marked == []
        cluster.fencers["node1"].fails.clear()
        assert await node1.fence_for_transition("node2", "reboot")
        # a success resets the pauses
        assert await node1.fence_for_transition("node2", "reboot")
        assert cluster.slept == [1.0, 2.0, 4.0, 8.0]

    asyncio.run(body())
