"""Node failures on a real three-node Corosync cluster with fencing.

Each machine is a network namespace running corosync and a hapy daemon
(:class:`hapy.testing.netns_cluster.NetnsCluster`); the fence device is
``fence_hapy_netns``, which cuts a machine's power (every process in its
namespace dies) and boots it again.  A watcher reads the Dummy agents' state
files all along: no resource may ever be active on two machines.

* resources start where the constraints put them;
* a machine's corosync killed: the others fence it, then recover its
  resource; the machine reboots and rejoins; one CIB again;
* a machine's link cut: it loses quorum and stops its resource, the majority
  fences it (after a fencing delay, so the minority's stop is seen first) and
  takes over; the machine reboots with a new link and rejoins; one CIB again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hapy.commands import constraint, resource, stonith
from hapy.commands.env import SocketEnv, cib_change
from hapy.testing.corosync import corosync_missing
from hapy.testing.netns_cluster import NetnsCluster
from hapy.testing.watch import Watcher, wait_for

pytestmark = [
    pytest.mark.skipif(corosync_missing() is not None, reason=corosync_missing() or ""),
    pytest.mark.skipif(not Path("/usr/lib/ocf/resource.d/heartbeat/Dummy").exists(),
                       reason="resource-agents not installed"),
]
NODES = [(1, "alpha", "10.252.0.1"), (2, "beta", "10.252.0.2"), (3, "gamma", "10.252.0.3")]
NAMES = [name for _, name, _ in NODES]
MONITOR = [("monitor", [("interval", "1s"), ("timeout", "10s")])]
PLACEMENT = {"d1": "alpha", "d2": "beta", "d3": "gamma"}


def client(cluster: NetnsCluster, name: str) -> Any:
    return SocketEnv(cluster.socket(name))


def status(cluster: NetnsCluster, name: str) -> dict[str, Any]:
    answer: dict[str, Any] = client(cluster, name).request({"op": "status"})
    return answer


def whole(cluster: NetnsCluster, names: list[str], what: str) -> None:
    """Wait until every node of ``names`` sees exactly ``names``, quorate, with one CIB."""
    for name in names:
        wait_for(lambda n=name: status(cluster, n)["members"] == names  # type: ignore[misc]
                 and status(cluster, n)["quorate"], f"{name} sees {names} ({what})",
                 timeout=60)
    wait_for(lambda: len({status(cluster, n)["cib_version"] for n in names}) == 1,
             f"one CIB on {names} ({what})", timeout=60)


def power_events(cluster: NetnsCluster, name: str, what: str) -> list[float]:
    return [float(line.split()[0]) for line in cluster.power_log()
            if line.split()[1] == f"{name}:" and what in line]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[NetnsCluster]:
    cluster = NetnsCluster.create(tmp_path / "cluster", "hapyfence", NODES)
    try:
        for name in NAMES:
            cluster.boot(name)
        whole(cluster, NAMES, "formed")
        yield cluster
    finally:
        cluster.destroy()
        for name in NAMES:
            log = cluster.root / name / "daemon.log"
            text = log.read_text(errors="replace") if log.exists() else ""
            assert "Traceback" not in text, f"{name}: {text[-3000:]}"


def configure(cluster: NetnsCluster, *, fence_delay: str = "0") -> Watcher:
    """A fence device for every machine, one Dummy per machine (by location
    preference), started; returns a running watcher."""
    admin = client(cluster, "alpha")
    cib_change(admin, "create",
               '<primitive id="fence" class="stonith" type="fence_hapy_netns">'
               '<instance_attributes id="fence-ia">'
               f'<nvpair id="fence-dir" name="machines_dir" value="{cluster.root}"/>'
               f'<nvpair id="fence-hosts" name="pcmk_host_list" value="{" ".join(NAMES)}"/>'
               f'<nvpair id="fence-delay" name="pcmk_delay_base" value="{fence_delay}"/>'
               '</instance_attributes><operations>'
               '<op id="fence-mon" name="monitor" interval="60s"/></operations></primitive>',
               scope="resources")
    watcher = Watcher(cluster, {r: f"Dummy-{r}.state" for r in PLACEMENT}, NAMES)
    watcher.start()
    for rsc, where in PLACEMENT.items():
        resource.create(admin, rsc, "ocf:heartbeat:Dummy", ops=MONITOR, no_default_ops=True)
        constraint.location(admin, rsc, "prefers", [f"{where}=100"])
    for rsc, where in PLACEMENT.items():
        wait_for(lambda r=rsc, w=where: watcher.seen(r) == [w],  # type: ignore[misc]
                 f"{rsc} on {where}", timeout=60)
    return watcher


def test_killed_corosync_gets_the_node_fenced_and_its_resource_recovered(
        cluster: NetnsCluster) -> None:
    watcher = configure(cluster)
    try:
        killed_at = time.time()
        cluster.kill_corosync("gamma")
        # the survivors fence gamma (a reboot: off, then on), then recover d3
        wait_for(lambda: bool(power_events(cluster, "gamma", "power off")), "gamma fenced",
                 timeout=60)
        wait_for(lambda: watcher.seen("d3") in (["alpha"], ["beta"]), "d3 recovered",
                 timeout=60)
        fenced_at = power_events(cluster, "gamma", "power off")[0]
        recovered_at = watcher.first("d3", watcher.seen("d3"), after=killed_at)
        assert fenced_at < recovered_at, (fenced_at, recovered_at)
        # gamma boots again, rejoins, and its resource comes home
        wait_for(lambda: bool(power_events(cluster, "gamma", "power on (boot 2)")),
                 "gamma rebooted", timeout=60)
        whole(cluster, NAMES, "gamma rejoined")
        wait_for(lambda: watcher.seen("d3") == ["gamma"], "d3 back on gamma", timeout=60)
        events = stonith.history(client(cluster, "beta"), "gamma")
        assert [e.state for e in events] == ["done"], events
    finally:
        watcher.stop_flag.set()
        watcher.join()
    assert not watcher.doubles, f"active on two machines: {watcher.doubles[:5]}"


def test_cut_link_minority_stops_majority_fences_and_takes_over(
        cluster: NetnsCluster) -> None:
    # the delay gives the minority the time to stop its resource by itself
    watcher = configure(cluster, fence_delay="4s")
    try:
        cut_at = time.time()
        cluster.cut("gamma")
        wait_for(lambda: not status(cluster, "gamma")["quorate"], "gamma without quorum",
                 timeout=30)
        for name in ("alpha", "beta"):
            wait_for(lambda n=name: status(cluster, n)["members"] == ["alpha", "beta"]  # type: ignore[misc]
                     and status(cluster, n)["quorate"], f"{name} keeps quorum", timeout=30)
        # no quorum (no-quorum-policy=stop): gamma stops d3 before it is fenced
        wait_for(lambda: watcher.seen("d3") == [], "d3 stopped by gamma", timeout=30)
        stopped_at = watcher.first("d3", [], after=cut_at)
        wait_for(lambda: bool(power_events(cluster, "gamma", "power off")), "gamma fenced",
                 timeout=60)
        fenced_at = power_events(cluster, "gamma", "power off")[0]
        assert stopped_at < fenced_at, (stopped_at, fenced_at)
        wait_for(lambda: watcher.seen("d3") in (["alpha"], ["beta"]), "d3 taken over",
                 timeout=60)
        assert fenced_at < watcher.first("d3", watcher.seen("d3"), after=cut_at)
        # d1 and d2 never moved
        assert watcher.seen("d1") == ["alpha"] and watcher.seen("d2") == ["beta"]
        # rebooted on a new link, gamma rejoins: one view, one CIB
        whole(cluster, NAMES, "gamma rejoined")
        wait_for(lambda: watcher.seen("d3") == ["gamma"], "d3 back on gamma", timeout=60)
    finally:
        watcher.stop_flag.set()
        watcher.join()
    assert not watcher.doubles, f"active on two machines: {watcher.doubles[:5]}"
