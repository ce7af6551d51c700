"""fence_hapy on a real embedded cluster: off is a power cut (the node's
daemon and an agent's detached process die, its runtime directories are
cleared), status tells, on brings the node back; and its protocol (stdin
key=value and command-line options, metadata, list)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from hapy.commands.processes import process_alive
from hapy.fencer import Fencer

# a service that detaches from its agent (setsid), as real daemons do
BG_AGENT = """#!/bin/sh
state="$HA_RSCTMP/bg-$OCF_RESOURCE_INSTANCE.pid"
case "$1" in
start) setsid sleep 1000 </dev/null >/dev/null 2>&1 &
       echo $! > "$state"; exit 0;;
stop) [ -f "$state" ] && kill "$(cat "$state")" 2>/dev/null; rm -f "$state"; exit 0;;
monitor) [ -f "$state" ] && kill -0 "$(cat "$state")" 2>/dev/null && exit 0; exit 7;;
meta-data) echo '<resource-agent name="bg"><actions><action name="start"/></actions>\
</resource-agent>'; exit 0;;
*) exit 3;;
esac
"""


def hapy(env: dict[str, str], *args: str, stdin: str | None = None,
         module: str = "hapy") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=180)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    ocf = tmp_path / "ocf"
    agent = ocf / "resource.d" / "test" / "bg"
    agent.parent.mkdir(parents=True)
    agent.write_text(BG_AGENT)
    agent.chmod(0o755)
    root = tmp_path / "cluster"
    env = {**os.environ, "HAPY_OCF_ROOT": str(ocf),
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    env.pop("HAPY_CLUSTER_DIR", None)
    started = hapy(env, "cluster", "start", "--embedded", "--nodes", "3", "--dir", str(root))
    assert started.returncode == 0, started.stderr
    try:
        yield root, env
    finally:
        hapy(env, "cluster", "stop", "--dir", str(root))
        for pid_file in root.glob("nodes/*/run/rsctmp/bg-*.pid"):
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


def _wait_for(what: str, check: object, timeout: float = 60.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()  # type: ignore[operator]
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_off_is_a_power_cut_and_on_brings_the_node_back(
        cluster: tuple[Path, dict[str, str]]) -> None:
    root, env = cluster
    # no fencing device is configured in the CIB: resources start only with
    # fencing disabled
    unfenced = hapy(env, "property", "set", "stonith-enabled=false", "--dir", str(root))
    assert unfenced.returncode == 0, unfenced.stderr
    created = hapy(env, "resource", "create", "bg", "ocf:test:bg", "--dir", str(root))
    assert created.returncode == 0, created.stderr
    pid_file = _wait_for("bg to start", lambda: next(
        iter(root.glob("nodes/*/run/rsctmp/bg-bg.pid")), None))
    assert isinstance(pid_file, Path)
    node = pid_file.parents[2].name
    service = int(pid_file.read_text())
    daemon = int((root / "nodes" / node / "hapy.pid").read_text())
    assert process_alive(service) and process_alive(daemon)
    # the detached service is no descendant of the daemon: found by its environment
    with open(f"/proc/{service}/environ", "rb") as fh:
        assert f"HAPY_NODE_SOCKET={root}/nodes/{node}/hapy.sock".encode() in fh.read()

    # the node comes back with the environment of the agent (finding ocf:test:bg)
    agent_env = {k: v for k, v in env.items() if k != "HAPY_CLUSTER_DIR"}
    off = hapy(agent_env, "-o", "off", "-n", node, "--cluster-dir", str(root),
               module="hapy.fencer.fence_hapy")
    assert off.returncode == 0, off.stderr
    assert not process_alive(daemon) and not process_alive(service)
    assert not list((root / "nodes" / node / "run").iterdir())
    status = hapy(agent_env, stdin=f"action=status\nport={node}\ncluster_dir={root}\n",
                  module="hapy.fencer.fence_hapy")
    assert (status.returncode, status.stdout.strip()) == (2, "Status: OFF")

    on = hapy({**agent_env, "HAPY_CLUSTER_DIR": str(root)},
              stdin=f"action=on\nnodename={node}\n", module="hapy.fencer.fence_hapy")
    assert on.returncode == 0, on.stderr
    status = hapy(agent_env, "-o", "status", "-n", node, "--cluster-dir", str(root),
                  module="hapy.fencer.fence_hapy")
    assert status.returncode == 0
    # the node rejoins the cluster
    _wait_for("the node to rejoin", lambda: (root / "nodes" / node / "hapy.pid").exists()
              and int((root / "nodes" / node / "hapy.pid").read_text()) != daemon)
    rejoined = int((root / "nodes" / node / "hapy.pid").read_text())

    # the fencer reboots it with a fence_hapy device (its list says which nodes it has)
    cib = etree.fromstring(
        '<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
        '<configuration><crm_config/><nodes/><resources>'
        '<primitive id="power" class="stonith" type="fence_hapy"><instance_attributes '
        f'id="power-ia"><nvpair id="power-dir" name="cluster_dir" value="{root}"/>'
        '</instance_attributes></primitive></resources><constraints/></configuration>'
        '<status/></cib>')
    fencer = Fencer("node0", lambda: cib, env=agent_env)
    event = asyncio.run(fencer.fence(node, origin="node0"))
    assert (event.state, event.devices) == ("done", ("power",)), event.exit_reason
    assert not process_alive(rejoined)
    assert hapy(agent_env, "-o", "status", "-n", node, "--cluster-dir", str(root),
                module="hapy.fencer.fence_hapy").returncode == 0


def test_protocol_metadata_list_and_errors(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    env.pop("HAPY_CLUSTER_DIR", None)
    meta = hapy(env, "-o", "metadata", module="hapy.fencer.fence_hapy")
    root = etree.fromstring(meta.stdout.encode())
    assert root.get("name") == "fence_hapy"
    assert {a.get("name") for a in root.iter("action")} >= {
        "on", "off", "reboot", "status", "list", "monitor", "metadata"}
    (tmp_path / "cluster.json").write_text('{"nodes": ["node1", "node2"]}')
    listed = hapy(env, stdin=f"action=list\ncluster_dir={tmp_path}\n",
                  module="hapy.fencer.fence_hapy")
    assert listed.stdout.split() == ["node1,", "node2,"]
    status = hapy(env, "-o", "status", "-n", "node1", "--cluster-dir", str(tmp_path),
                  module="hapy.fencer.fence_hapy")
    assert status.returncode == 2
    unknown = hapy(env, "-o", "off", "-n", "node9", "--cluster-dir", str(tmp_path),
                   module="hapy.fencer.fence_hapy")
    assert unknown.returncode == 1 and "no node 'node9'" in unknown.stderr
    nodir = hapy(env, stdin="action=off\nport=node1\n", module="hapy.fencer.fence_hapy")
    assert nodir.returncode == 1 and "cluster directory" in nodir.stderr
    bad = hapy(env, stdin=f"action=explode\ncluster_dir={tmp_path}\n",
               module="hapy.fencer.fence_hapy")
    assert bad.returncode == 1 and "Unrecognised action" in bad.stderr
