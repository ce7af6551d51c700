"""A one-node hapy cluster on a real corosync: ``hapy daemon --backend corosync``
runs in the node's network namespace and starts a Dummy resource."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import hapy
from hapy.commands import property, resource
from hapy.commands.env import SocketEnv
from hapy.testing.corosync import CorosyncNode, corosync_conf, corosync_missing
from hapy.testing.watch import wait_for

pytestmark = [
    pytest.mark.skipif(corosync_missing() is not None, reason=corosync_missing() or ""),
    pytest.mark.skipif(not Path("/usr/lib/ocf/resource.d/heartbeat/Dummy").exists(),
                       reason="resource-agents not installed"),
]
MONITOR = [("monitor", [("interval", "1s"), ("timeout", "10s")])]


@pytest.fixture
def node(tmp_path: Path) -> Iterator[CorosyncNode]:
    directory = tmp_path / "corosync"
    conf = corosync_conf("hapyone", [(1, "alpha", "127.0.0.1")], directory,
                         directory / "corosync.log")
    node = CorosyncNode(directory, conf)
    node.start()
    try:
        yield node
    finally:
        node.stop()


def test_one_node_cluster_on_corosync_starts_a_resource(node: CorosyncNode,
                                                        tmp_path: Path) -> None:
    state = tmp_path / "alpha"
    env = {**os.environ, "PYTHONPATH": str(Path(hapy.__file__).resolve().parents[1])}
    with open(tmp_path / "daemon.log", "ab") as log:
        daemon = subprocess.Popen(
            [*node.enter_command(), sys.executable, "-m", "hapy", "daemon",
             "--backend", "corosync", "--state-dir", str(state)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True)
    client = SocketEnv(state / "hapy.sock")
    try:
        wait_for(lambda: bool(client.request({"op": "status"}).get("ok")), "the daemon",
                 timeout=30)
        status = client.request({"op": "status"})
        assert status.get("node") in (None, "alpha")
        property.set_properties(client, [("stonith-enabled", "false")])  # type: ignore[arg-type]
        resource.create(client, "d", "ocf:heartbeat:Dummy",  # type: ignore[arg-type]
                        ops=MONITOR, no_default_ops=True)
        # the cluster's view (a pending start counts) and the agent's own state
        wait_for(lambda: resource.running_nodes(client, "d") == ["alpha"],  # type: ignore[arg-type]
                 "d started on alpha", timeout=60)
        wait_for(lambda: bool(list(state.rglob("Dummy-d.state"))), "Dummy's state file",
                 timeout=30)
    finally:
        if daemon.poll() is None:
            os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
    log_text = (tmp_path / "daemon.log").read_text(errors="replace")
    assert "Traceback" not in log_text, log_text[-3000:]
