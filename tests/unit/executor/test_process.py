"""Running real agents: Debian's ocf:heartbeat:Dummy, and small LSB, nagios and
OCF scripts written by the tests for the cases Dummy cannot show."""

from __future__ import annotations

import asyncio
import os
import stat
import time
from pathlib import Path

import pytest

from hapy.executor.agents import AgentPaths, AgentSpec, OcfRc, OpStatus, invocation
from hapy.executor.process import ActionResult, run_invocation

DUMMY = Path("/usr/lib/ocf/resource.d/heartbeat/Dummy")
needs_dummy = pytest.mark.skipif(not DUMMY.exists(), reason="resource-agents not installed")


def run(spec: AgentSpec, action: str, paths: AgentPaths, *, instance: str = "r1",
        params: dict[str, str] | None = None, timeout_ms: int = 20000) -> ActionResult:
    meta = {"timeout": str(timeout_ms), "interval": "0"}
    inv = invocation(spec, action, instance, params or {}, meta, paths)
    return asyncio.run(run_invocation(inv, timeout_ms))


def script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@needs_dummy
def test_dummy_runs_its_life_cycle_in_one_node_runtime_dir(tmp_path: Path) -> None:
    node1 = AgentPaths(tmp_path / "node1")
    node2 = AgentPaths(tmp_path / "node2")
    spec = AgentSpec("ocf", "Dummy", "heartbeat")
    assert run(spec, "monitor", node1).rc == OcfRc.NOT_RUNNING
    started = run(spec, "start", node1)
    assert (started.rc, started.status) == (OcfRc.OK, OpStatus.DONE)
    assert run(spec, "monitor", node1).rc == OcfRc.OK
    # node2 on the same host does not see node1's instance
    assert run(spec, "monitor", node2).rc == OcfRc.NOT_RUNNING
    assert list((tmp_path / "node1" / "rsctmp").glob("Dummy-r1.state"))
    assert run(spec, "stop", node1).rc == OcfRc.OK
    assert run(spec, "monitor", node1).rc == OcfRc.NOT_RUNNING


@needs_dummy
def test_dummy_meta_data_is_xml(tmp_path: Path) -> None:
    result = run(AgentSpec("ocf", "Dummy", "heartbeat"), "meta-data", AgentPaths(tmp_path))
    assert result.rc == OcfRc.OK and "<resource-agent" in result.stdout


def test_ocf_environment_and_exit_reason(tmp_path: Path) -> None:
    root = tmp_path / "ocf"
    script(root / "resource.d" / "test" / "Env", """
env | grep -E '^(OCF_|HA_)' | sort > "$OCF_RESKEY_out"
echo "ocf-exit-reason:first" >&2
echo "ocf-exit-reason:it is broken" >&2
exit 6
""")
    out = tmp_path / "env.txt"
    paths = AgentPaths(tmp_path / "rt", ocf_root=root)
    result = run(AgentSpec("ocf", "Env", "test"), "start", paths, instance="web:1",
                 params={"out": str(out)}, timeout_ms=5000)
    assert (result.rc, result.exit_reason) == (OcfRc.ERR_CONFIGURED, "it is broken")
    env = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert env["OCF_RESOURCE_INSTANCE"] == "web:1"
    assert env["OCF_RESOURCE_TYPE"] == "Env" and env["OCF_RESOURCE_PROVIDER"] == "test"
    assert env["OCF_ROOT"] == str(root)
    assert env["OCF_RESKEY_CRM_meta_timeout"] == "5000"
    assert env["HA_RSCTMP"] == str(tmp_path / "rt" / "rsctmp")


def test_a_timeout_kills_the_agent_and_its_children(tmp_path: Path) -> None:
    root = tmp_path / "ocf"
    pid_file = tmp_path / "child.pid"
    script(root / "resource.d" / "test" / "Hang", f"""
sleep 300 &
echo $! > {pid_file}
sleep 300
""")
    paths = AgentPaths(tmp_path / "rt", ocf_root=root)
    start = time.monotonic()
    result = run(AgentSpec("ocf", "Hang", "test"), "start", paths, timeout_ms=500)
    assert time.monotonic() - start < 5
    assert (result.rc, result.status) == (OcfRc.ERR_GENERIC, OpStatus.TIMEOUT)
    child = int(pid_file.read_text())
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the agent's child survived the timeout")


def test_a_daemon_started_by_the_agent_survives_and_does_not_block(tmp_path: Path) -> None:
    root = tmp_path / "ocf"
    pid_file = tmp_path / "daemon.pid"
    script(root / "resource.d" / "test" / "Daemon", f"""
sleep 300 &
echo $! > {pid_file}
exit 0
""")
    paths = AgentPaths(tmp_path / "rt", ocf_root=root)
    start = time.monotonic()
    result = run(AgentSpec("ocf", "Daemon", "test"), "start", paths)
    assert result.rc == OcfRc.OK and time.monotonic() - start < 3
    daemon = int(pid_file.read_text())
    os.kill(daemon, 0)  # still running: it is the service
    os.kill(daemon, 9)


def test_missing_agents_are_not_installed(tmp_path: Path) -> None:
    paths = AgentPaths(tmp_path / "rt", ocf_root=tmp_path / "none", lsb_dir=tmp_path / "none",
                       nagios_dir=tmp_path / "none", systemd_run_dir=tmp_path / "none")
    for spec in (AgentSpec("ocf", "Nope", "heartbeat"), AgentSpec("lsb", "nope"),
                 AgentSpec("nagios", "check_nope"), AgentSpec("systemd", "nope"),
                 AgentSpec("service", "nope")):
        result = run(spec, "start", paths)
        assert (result.rc, result.status) == (OcfRc.ERR_INSTALLED, OpStatus.NOT_INSTALLED), spec


@pytest.mark.parametrize(("status_rc", "expected"), [
    (0, OcfRc.OK), (1, OcfRc.NOT_RUNNING), (3, OcfRc.NOT_RUNNING), (4, OcfRc.ERR_GENERIC)])
def test_lsb_status_codes_map_to_ocf(tmp_path: Path, status_rc: int, expected: OcfRc) -> None:
    lsb = tmp_path / "init.d"
    script(lsb / "svc", f'case "$1" in status) exit {status_rc};; start) exit 0;; esac; exit 3\n')
    paths = AgentPaths(tmp_path / "rt", lsb_dir=lsb)
    assert run(AgentSpec("lsb", "svc"), "monitor", paths).rc == expected
    assert run(AgentSpec("lsb", "svc"), "start", paths).rc == OcfRc.OK
    # service: an LSB script of that name is used
    assert run(AgentSpec("service", "svc"), "monitor", paths).rc == expected


def test_nagios_plugins_get_their_parameters_and_stop_does_nothing(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    marker = tmp_path / "ran"
    script(plugins / "check_thing", f'echo "$@" > {marker}\n[ "$2" = up ] && exit 0; exit 2\n')
    paths = AgentPaths(tmp_path / "rt", nagios_dir=plugins)
    spec = AgentSpec("nagios", "check_thing")
    assert run(spec, "monitor", paths, params={"state": "up"}).rc == OcfRc.OK
    assert marker.read_text().split() == ["--state", "up"]
    assert run(spec, "monitor", paths, params={"state": "down"}).rc == OcfRc.ERR_GENERIC
    marker.unlink()
    assert run(spec, "stop", paths).rc == OcfRc.OK and not marker.exists()
