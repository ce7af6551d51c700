"""``hapy cluster setup`` / ``start`` / ``status corosync`` / ``stop`` on real
corosync, each "machine" in its own network and mount namespaces
(:mod:`hapy.testing.machine`), its files under a ``HAPY_ROOT`` of its own and
the other machines reached through a remote shell that plays ssh."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import hapy
from hapy.testing.corosync import Bridge, corosync_missing, node_setup
from hapy.testing.machine import Machine, hapy_argv, remote_shell_script

pytestmark = pytest.mark.skipif(corosync_missing() is not None, reason=corosync_missing() or "")
SRC = str(Path(hapy.__file__).resolve().parents[1])
DUMMY = Path("/usr/lib/ocf/resource.d/heartbeat/Dummy")


def hapy_on(machine: Machine, *words: str, env: dict[str, str] | None = None,
            timeout: float = 240) -> subprocess.CompletedProcess[str]:
    settings = {"PYTHONPATH": SRC, "HAPY_REMOTE_HAPY": " ".join(hapy_argv()), **(env or {})}
    return subprocess.run(machine.command([*hapy_argv(), *words], settings),
                          capture_output=True, text=True, timeout=timeout, check=False)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"rc {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def codes(done: subprocess.CompletedProcess[str]) -> set[str]:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    return {line.rsplit("(", 1)[1].rstrip(")") for line in done.stderr.splitlines()
            if line.startswith("error:") and line.endswith(")")}


@pytest.fixture
def alpha(tmp_path: Path) -> Iterator[Machine]:
    machine = Machine("alpha", tmp_path / "root", tmp_path / "alpha")
    machine.launch()
    try:
        machine.wait_ready()
        yield machine
    finally:
        machine.stop()


def test_one_node_setup_start_status_stop(alpha: Machine) -> None:
    own = alpha.own
    out = ok(hapy_on(alpha, "cluster", "setup", "solo", "alpha", "addr=127.0.0.1",
                     "totem", "token=1000"))
    assert "Cluster solo set up on alpha" in out
    authkey = own / "etc/corosync/authkey"
    assert authkey.stat().st_mode & 0o777 == 0o400 and authkey.stat().st_size == 256
    conf = (own / "etc/corosync/corosync.conf").read_text()
    assert "crypto_cipher: aes256" in conf and "crypto_hash: sha256" in conf
    assert "two_node" not in conf
    assert "HAPY_STATE_DIR=" in (own / "etc/hapy/hapy.conf").read_text()
    # an existing configuration is kept unless --overwrite
    assert "CLUSTER_SETUP_CONFIG_EXISTS" in codes(hapy_on(
        alpha, "cluster", "setup", "other", "alpha", "addr=127.0.0.1"))
    assert "cluster_name: solo" in (own / "etc/corosync/corosync.conf").read_text()

    assert "alpha: corosync started, hapy started" in ok(hapy_on(alpha, "cluster", "start"))
    assert "alpha: corosync running, hapy running" in ok(hapy_on(alpha, "cluster", "start"))
    lines = ok(hapy_on(alpha, "status", "corosync")).splitlines()
    assert lines[:3] == ["Membership information", "----------------------",
                         "    Nodeid      Votes Name"]
    assert lines[3].split() == ["1", "1", "alpha", "(local)"]
    data = json.loads(ok(hapy_on(alpha, "status", "corosync", "--output-as", "json")))
    assert data["members"] == [{"nodeid": 1, "name": "alpha", "votes": 1, "local": True}]
    assert data["quorum"]["quorate"] is True
    assert '<node nodeid="1" name="alpha" votes="1" local="true"/>' in ok(hapy_on(
        alpha, "status", "corosync", "--output-as", "xml"))
    assert "Quorate:          Yes" in ok(hapy_on(alpha, "quorum", "status"))
    # the other commands find this node's daemon through hapy.conf
    ok(hapy_on(alpha, "property", "set", "stonith-enabled=false"))
    if DUMMY.exists():
        ok(hapy_on(alpha, "resource", "create", "d", "ocf:heartbeat:Dummy", "op", "monitor",
                   "interval=1s"))
    status = ok(hapy_on(alpha, "status"))
    assert "Stack: corosync" in status and "Online: [ alpha ]" in status
    assert "Members: alpha (id 1, local)" in status

    assert "alpha: hapy stopped, corosync stopped" in ok(hapy_on(alpha, "cluster", "stop"))
    assert alpha.processes() == []
    assert "CLUSTER_NOT_RUNNING" in codes(hapy_on(alpha, "status"))
    assert "COROSYNC_NOT_RUNNING" in codes(hapy_on(alpha, "status", "corosync"))
    log = (own / "var/lib/hapy/daemon.log").read_text()
    assert "Traceback" not in log, log[-3000:]
    if DUMMY.exists():
        assert not list((own / "var/lib/hapy").rglob("Dummy-d.state"))


def test_misconfigured_node_gives_coded_errors(alpha: Machine) -> None:
    own = alpha.own
    ok(hapy_on(alpha, "cluster", "setup", "solo", "alpha", "addr=127.0.0.1"))
    authkey = own / "etc/corosync/authkey"
    authkey.chmod(0o644)
    assert "COROSYNC_AUTHKEY_MODE" in codes(hapy_on(alpha, "cluster", "start"))
    authkey.unlink()
    assert "COROSYNC_AUTHKEY_MISSING" in codes(hapy_on(alpha, "cluster", "start"))
    conf = own / "etc/corosync/corosync.conf"
    conf.write_text(conf.read_text().replace("127.0.0.1", "192.0.2.77"))
    assert "COROSYNC_LOCAL_NODE_UNKNOWN" in codes(hapy_on(alpha, "cluster", "start"))
    conf.write_text(conf.read_text().replace("quorum {", "quorum {\n  broken {"))
    assert "COROSYNC_CONF_INVALID" in codes(hapy_on(alpha, "cluster", "start"))
    assert alpha.processes() == []
    # a node that is not in the nodelist is refused before anything is written
    for path in (conf, own / "etc/hapy/hapy.conf"):
        path.unlink()
    assert "CLUSTER_SETUP_NOT_A_NODE" in codes(hapy_on(
        alpha, "cluster", "setup", "solo", "alpha", "addr=192.0.2.77", "--local"))
    assert not conf.exists() and not authkey.exists()


def bridged(tmp_path: Path, names: tuple[str, ...]) -> Iterator[list[Machine]]:
    bridge = Bridge()
    machines: list[Machine] = []
    try:
        for index, name in enumerate(names, 1):
            machine = Machine(name, tmp_path / "root", tmp_path / name,
                              setup=node_setup(f"10.77.0.{index}"))
            machines.append(machine)
            machine.launch()
            bridge.plug(machine.pid)
        for machine in machines:
            machine.wait_ready()
        yield machines
    finally:
        for machine in machines:
            machine.stop()
        bridge.remove()


@pytest.fixture
def three(tmp_path: Path) -> Iterator[list[Machine]]:
    yield from bridged(tmp_path, ("alpha", "beta", "gamma"))


@pytest.fixture
def two(tmp_path: Path) -> Iterator[list[Machine]]:
    yield from bridged(tmp_path, ("alpha", "beta"))


def test_three_nodes_set_up_started_and_stopped_from_one(three: list[Machine],
                                                        tmp_path: Path) -> None:
    alpha, beta, gamma = three
    shell = remote_shell_script(tmp_path / "remote", three, {"PYTHONPATH": SRC})
    env = {"HAPY_REMOTE_SHELL": shell}
    ok(hapy_on(alpha, "cluster", "setup", "trio", "alpha", "addr=10.77.0.1", "beta",
               "addr=10.77.0.2", "gamma", "addr=10.77.0.3", "totem", "token=1000",
               "token_coefficient=0", env=env))
    keys = {(m.own / "etc/corosync/authkey").read_bytes() for m in three}
    assert len(keys) == 1  # one key, on every node
    assert {(m.own / "etc/corosync/corosync.conf").read_text() for m in three} == {
        (alpha.own / "etc/corosync/corosync.conf").read_text()}
    # a second setup is refused by every node, and changes nothing anywhere
    again = hapy_on(alpha, "cluster", "setup", "other", "alpha", "addr=10.77.0.1", "beta",
                    "addr=10.77.0.2", env=env)
    assert "CLUSTER_SETUP_CONFIG_EXISTS" in codes(again)
    assert "beta: " in again.stderr
    assert all("cluster_name: trio" in (m.own / "etc/corosync/corosync.conf").read_text()
               for m in three)

    # a change made on one node reaches the others
    conf = alpha.own / "etc/corosync/corosync.conf"
    conf.write_text(conf.read_text().replace("token: 1000", "token: 1200"))
    assert "to beta, gamma" in ok(hapy_on(alpha, "cluster", "sync", env=env))
    assert all("token: 1200" in (m.own / "etc/corosync/corosync.conf").read_text()
               for m in three)

    out = ok(hapy_on(alpha, "cluster", "start", "--all", "--wait", "90", env=env))
    assert sorted(out.splitlines()) == [f"{n}: corosync started, hapy started"
                                        for n in ("alpha", "beta", "gamma")]
    lines = ok(hapy_on(beta, "status", "corosync")).splitlines()
    assert [line.split()[2] for line in lines[3:]] == ["alpha", "beta", "gamma"]
    assert "(local)" in lines[4]
    assert "Online: [ alpha beta gamma ]" in ok(hapy_on(gamma, "status"))

    out = ok(hapy_on(alpha, "cluster", "stop", "--all", env=env))
    assert sorted(out.splitlines()) == [f"{n}: hapy stopped, corosync stopped"
                                        for n in ("alpha", "beta", "gamma")]
    for machine in three:
        assert machine.processes() == [], machine.name
        log = (machine.own / "var/lib/hapy/daemon.log").read_text()
        assert "Traceback" not in log, log[-3000:]


def test_remote_shell_failure_is_reported(alpha: Machine, tmp_path: Path) -> None:
    env = {"HAPY_REMOTE_SHELL": f"{tmp_path}/no-such-shell {{name}}"}
    done = hapy_on(alpha, "cluster", "setup", "duo", "alpha", "addr=127.0.0.1", "beta",
                   "addr=192.0.2.8", env=env)
    assert "REMOTE_SHELL_FAILED" in codes(done)
    assert not (alpha.own / "etc/corosync/corosync.conf").exists()
    assert os.listdir(alpha.own) == [] or not (alpha.own / "etc/corosync").exists() or \
        os.listdir(alpha.own / "etc/corosync") == []


def test_two_nodes_get_two_node_quorum(two: list[Machine], tmp_path: Path) -> None:
    alpha, beta = two
    env = {"HAPY_REMOTE_SHELL": remote_shell_script(tmp_path / "remote", two,
                                                    {"PYTHONPATH": SRC})}
    ok(hapy_on(beta, "cluster", "setup", "duo", "alpha", "addr=10.77.0.1", "beta",
               "addr=10.77.0.2", "totem", "token=1000", "--start", "--wait", "90", env=env))
    quorum = ok(hapy_on(alpha, "quorum", "status"))
    assert "Expected votes:   2" in quorum and "Quorum:           1" in quorum
    assert "2Node" in quorum and "WaitForAll" in quorum
    assert "Online: [ alpha beta ]" in ok(hapy_on(alpha, "status"))
    ok(hapy_on(beta, "cluster", "stop", "--all", env=env))
    assert alpha.processes() == [] and beta.processes() == []
