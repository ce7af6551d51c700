"""``hapy cluster kill|pause|resume|partition|heal`` on a real 3-node embedded
cluster: each fault changes what the nodes' daemons see."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hapy.commands import cluster
from hapy.commands.env import ClusterEnv
from hapy.testing.watch import wait_for

TOKEN_MS = 1000


def hapy(env: ClusterEnv, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hapy", *args], capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "HAPY_CLUSTER_DIR": str(env.root)})


def seen(env: ClusterEnv, node: str) -> dict[str, Any]:
    return env.request({"op": "status"}, node=node)



@pytest.fixture
def env(tmp_path: Path) -> Iterator[ClusterEnv]:
    env = ClusterEnv(tmp_path / "cluster")
    cluster.start_cluster(env, 3, token_ms=TOKEN_MS)
    try:
        yield env
    finally:
        cluster.stop_cluster(env)


def test_partition_then_heal(env: ClusterEnv) -> None:
    done = hapy(env, "cluster", "partition", "node1,node2", "node3")
    assert done.returncode == 0, done.stderr
    assert "node1,node2 | node3" in done.stdout
    wait_for(lambda: seen(env, "node3")["members"] == ["node3"], "node3 alone")
    assert not seen(env, "node3")["quorate"]
    wait_for(lambda: seen(env, "node1")["members"] == ["node1", "node2"], "node1+node2")
    assert seen(env, "node1")["quorate"]
    assert hapy(env, "cluster", "heal").returncode == 0
    wait_for(lambda: all(len(seen(env, n)["members"]) == 3 for n in ("node1", "node3")),
             "the healed view")


def test_kill_pause_resume(env: ClusterEnv) -> None:
    done = hapy(env, "cluster", "kill", "node2")
    assert done.returncode == 0, done.stderr
    assert "Powered off node2" in done.stdout
    began = time.monotonic()
    wait_for(lambda: seen(env, "node1")["members"] == ["node1", "node3"], "node2 lost")
    assert time.monotonic() - began < TOKEN_MS / 1000 + 5
    cluster.start_nodes(env, ["node2"])
    assert hapy(env, "cluster", "pause", "node3").returncode == 0
    wait_for(lambda: seen(env, "node1")["members"] == ["node1", "node2"], "node3 expelled")
    assert hapy(env, "cluster", "resume", "node3").returncode == 0


def test_bad_fault_requests_get_coded_errors(env: ClusterEnv) -> None:
    unknown = hapy(env, "cluster", "kill", "node9")
    assert unknown.returncode != 0 and "CLUSTER_UNKNOWN_NODE" in unknown.stderr
    one_side = hapy(env, "cluster", "partition", "node1,node2")
    assert one_side.returncode != 0 and "CLUSTER_BAD_PARTITION" in one_side.stderr
    twice = hapy(env, "cluster", "partition", "node1,node2", "node2")
    assert twice.returncode != 0 and "on two sides" in twice.stderr
    assert "Traceback" not in unknown.stderr + one_side.stderr + twice.stderr
