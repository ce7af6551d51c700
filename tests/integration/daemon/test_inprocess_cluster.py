"""Three node daemons in one process on the embedded cluster, running the real
ocf:heartbeat:Dummy: a created resource starts on one node, a monitor failure
is recovered, and nothing ever runs on two nodes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from hapy.cib.ops import CibOp, CibRequest
from hapy.cluster.embedded.client import EmbeddedBackend
from hapy.cluster.embedded.paths import ClusterConfig, ClusterPaths, save_config
from hapy.cluster.embedded.service import MembershipService
from hapy.daemon import NodeDaemon

NODES = ("node1", "node2", "node3")
pytestmark = pytest.mark.skipif(
    not Path("/usr/lib/ocf/resource.d/heartbeat/Dummy").exists(),
    reason="resource-agents not installed")

NO_FENCING = ('<cluster_property_set id="cib-bootstrap-options"><nvpair '
              'id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" '
              'value="false"/></cluster_property_set>')
DUMMY = ('<primitive id="d" class="ocf" provider="heartbeat" type="Dummy"><operations>'
         '<op id="d-monitor-1s" name="monitor" interval="1s" timeout="20s"/></operations>'
         '</primitive>')


def running_on(tmp_path: Path, rsc: str) -> list[str]:
    """The nodes whose Dummy state file says ``rsc`` runs there (the agent's truth)."""
    return [n for n in NODES if (tmp_path / n / "run" / "rsctmp" / f"Dummy-{rsc}.state").exists()]


async def wait_until(check: Callable[[], bool], timeout: float, what: str,
                     watch: Callable[[], None] | None = None) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if watch is not None:
            watch()
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def run_cluster(tmp_path: Path,
                body: Callable[[list[NodeDaemon], Callable[[], None]], Awaitable[None]]) -> None:
    paths = ClusterPaths(tmp_path / "cluster")
    save_config(paths, ClusterConfig(NODES, 1000))

    async def main() -> None:
        service = MembershipService(paths)
        await service.start()
        service_task = asyncio.create_task(service.run())
        daemons = [NodeDaemon(EmbeddedBackend(paths.root, n, start_service=False), tmp_path / n)
                   for n in NODES]
        for daemon in daemons:
            await daemon.start()
        active_twice: list[list[str]] = []

        def watch() -> None:
            both = running_on(tmp_path, "d")
            if len(both) > 1:
                active_twice.append(both)

        try:
            await asyncio.wait_for(body(daemons, watch), 60)
        finally:
            for daemon in daemons:
                await daemon.stop()
            service.stop()
            await service_task
        assert not active_twice, f"active on several nodes: {active_twice}"

    asyncio.run(main())


def test_a_created_resource_starts_once_and_a_failure_is_recovered(tmp_path: Path) -> None:
    async def body(daemons: list[NodeDaemon], watch: Callable[[], None]) -> None:
        first = daemons[0]
        await wait_until(lambda: all(d.controller.dc is not None for d in daemons), 10, "a DC")
        assert {d.controller.dc.name for d in daemons if d.controller.dc} == {"node1"}
        await first.cib.change(CibRequest(CibOp.MODIFY, NO_FENCING, scope="crm_config",
                                          allow_create=True))
        await first.cib.change(CibRequest(CibOp.CREATE, DUMMY, scope="resources"))
        await wait_until(lambda: len(running_on(tmp_path, "d")) == 1, 20, "d to start", watch)
        [where] = running_on(tmp_path, "d")
        # the monitor runs on that node, and the history says so on every node
        node = next(d for d in daemons if d.backend.node_name == where)
        await wait_until(lambda: ("d", "monitor", 1000) in node.executor.recurring(), 10,
                         "the monitor", watch)
        state = tmp_path / where / "run" / "rsctmp" / "Dummy-d.state"
        transitions = len(daemons[0].controller.transitions)
        state.unlink()  # the service dies behind the cluster's back
        await wait_until(lambda: len(daemons[0].controller.transitions) > transitions
                         and len(running_on(tmp_path, "d")) == 1, 20, "the recovery", watch)
        assert running_on(tmp_path, "d") == [where]  # restarted in place
        text = daemons[1].cib.root
        assert text.xpath(f"//node_state[@uname='{where}']//nvpair"
                          "[@name='fail-count-d#monitor_1000']/@value") == ["1"]

    run_cluster(tmp_path, body)
