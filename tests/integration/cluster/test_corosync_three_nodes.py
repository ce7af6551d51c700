"""Three hapy nodes on a real three-node corosync cluster on one machine: each
node in its own network namespace, plugged into a bridge in another one.

Checks: the cluster forms (every daemon sees three members, quorate); a Dummy
starts on one node only; a node's corosync killed -> the others see it leave
and keep quorum; a link cut -> each side alone loses quorum; mended -> one view
with one ring id on both sides, one CIB."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hapy
from hapy.commands import property, resource
from hapy.commands.env import SocketEnv
from hapy.testing.corosync import (
    Bridge,
    CorosyncNode,
    corosync_conf,
    corosync_missing,
    node_setup,
)
from hapy.testing.watch import wait_for

pytestmark = [
    pytest.mark.skipif(corosync_missing() is not None, reason=corosync_missing() or ""),
    pytest.mark.skipif(not Path("/usr/lib/ocf/resource.d/heartbeat/Dummy").exists(),
                       reason="resource-agents not installed"),
]
NODES = [(1, "alpha", "10.251.0.1"), (2, "beta", "10.251.0.2"), (3, "gamma", "10.251.0.3")]
MONITOR = [("monitor", [("interval", "1s"), ("timeout", "10s")])]


class Cluster:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.bridge = Bridge()
        self.nodes: dict[str, CorosyncNode] = {}
        self.ports: dict[str, str] = {}
        self.daemons: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        for _, name, addr in NODES:
            directory = self.root / name / "corosync"
            conf = corosync_conf("hapythree", NODES, directory, directory / "corosync.log")
            node = CorosyncNode(directory, conf, setup=node_setup(addr))
            self.nodes[name] = node
            node.launch()
            self.ports[name] = self.bridge.plug(node.pid)
        for node in self.nodes.values():
            node.wait_ready()
        env = {**os.environ, "PYTHONPATH": str(Path(hapy.__file__).resolve().parents[1])}
        for name, node in self.nodes.items():
            with open(self.root / name / "daemon.log", "ab") as log:
                self.daemons[name] = subprocess.Popen(
                    [*node.enter_command(), sys.executable, "-m", "hapy", "daemon",
                     "--backend", "corosync", "--state-dir", str(self.root / name / "state")],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                    start_new_session=True)

    def client(self, name: str) -> SocketEnv:
        return SocketEnv(self.root / name / "state" / "hapy.sock")

    def status(self, name: str) -> dict[str, Any]:
        return self.client(name).request({"op": "status"})

    def stop(self) -> None:
        """Everything goes, whatever fails on the way."""
        try:
            for daemon in self.daemons.values():
                if daemon.poll() is None:
                    os.killpg(daemon.pid, signal.SIGTERM)
            for daemon in self.daemons.values():
                try:
                    daemon.wait(5)  # a clean leave of the last nodes may wait longer
                except subprocess.TimeoutExpired:
                    os.killpg(daemon.pid, signal.SIGKILL)
                    daemon.wait()
        finally:
            try:
                for node in self.nodes.values():
                    with contextlib.suppress(OSError):
                        node.stop()
            finally:
                self.bridge.remove()


def _last_view(log: Path) -> str:
    """The ring id and members of the last view a daemon logged."""
    views = [line.split("view ", 1)[1].split(";")[0] for line in
             log.read_text(errors="replace").splitlines() if "hapy.daemon: view " in line]
    return views[-1]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def test_three_nodes_form_run_a_resource_and_see_failures(cluster: Cluster) -> None:
    names = [name for _, name, _ in NODES]
    for name in names:
        wait_for(lambda n=name: cluster.status(n)["members"] == names  # type: ignore[misc]
                 and cluster.status(n)["quorate"], f"{name} sees the whole cluster", timeout=60)
    client = cluster.client("alpha")
    property.set_properties(client, [("stonith-enabled", "false")])  # type: ignore[arg-type]
    resource.create(client, "d", "ocf:heartbeat:Dummy",  # type: ignore[arg-type]
                    ops=MONITOR, no_default_ops=True)
    wait_for(lambda: len(resource.running_nodes(client, "d")) == 1,  # type: ignore[arg-type]
             "d started", timeout=60)

    def active() -> list[str]:
        return [n for n in names
                if list((cluster.root / n / "state").rglob("Dummy-d.state"))]

    wait_for(lambda: len(active()) == 1, "d active on one node", timeout=30)
    # the CIB is the same everywhere
    wait_for(lambda: len({cluster.status(n)["cib_version"] for n in names}) == 1,
             "one CIB", timeout=30)

    # gamma's corosync dies: the others see it leave, keep quorum
    victim = cluster.nodes["gamma"]
    os.kill(victim.pid, signal.SIGKILL)
    for name in ("alpha", "beta"):
        wait_for(lambda n=name: cluster.status(n)["members"] == ["alpha", "beta"]  # type: ignore[misc]
                 and cluster.status(n)["quorate"], f"{name} sees gamma gone", timeout=30)
    # gamma's daemon lost its cluster layer: it stops
    cluster.daemons["gamma"].wait(30)

    # beta's link is cut: beta alone has no quorum; alpha alone neither (2 of 3 gone)
    cluster.bridge.cut(cluster.ports["beta"])
    for name in ("alpha", "beta"):
        wait_for(lambda n=name: cluster.status(n)["members"] == [n]  # type: ignore[misc]
                 and not cluster.status(n)["quorate"], f"{name} alone without quorum",
                 timeout=30)
    # mended: the two sides merge into one view (one ring id) and one CIB
    cluster.bridge.mend(cluster.ports["beta"])
    for name in ("alpha", "beta"):
        wait_for(lambda n=name: cluster.status(n)["members"] == ["alpha", "beta"]  # type: ignore[misc]
                 and cluster.status(n)["quorate"], f"{name} sees the merge", timeout=30)
    wait_for(lambda: cluster.status("alpha")["cib_version"]
             == cluster.status("beta")["cib_version"], "one CIB after the merge", timeout=30)
    rings = [_last_view(cluster.root / n / "daemon.log") for n in ("alpha", "beta")]
    assert rings[0] == rings[1], rings
    for name in ("alpha", "beta"):
        text = (cluster.root / name / "daemon.log").read_text(errors="replace")
        assert "Traceback" not in text, text[-3000:]
