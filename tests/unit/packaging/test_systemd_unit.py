"""packaging/systemd/hapy.service, checked without systemd running: its
settings, that its ExecStart is a command hapy accepts, and (where
systemd-analyze is installed) that systemd itself accepts the unit."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from hapy.cli.main import build_parser

UNIT = Path(__file__).resolve().parents[3] / "packaging" / "systemd" / "hapy.service"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    return parser


def test_ordering_and_shutdown_settings() -> None:
    parsed = unit()
    assert parsed["Unit"]["Requires"] == "corosync.service"
    assert "corosync.service" in parsed["Unit"]["After"].split()
    service = parsed["Service"]
    # resources are stopped by hapy (moved away), never killed by systemd
    assert service["KillMode"] == "process"
    assert service["SendSIGKILL"] == "no"
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "-/etc/hapy/hapy.conf"
    assert parsed["Install"]["WantedBy"] == "multi-user.target"


def test_exec_start_is_a_hapy_daemon_command() -> None:
    words = shlex.split(unit()["Service"]["ExecStart"])
    assert Path(words[0]).name == "hapy"
    args = build_parser(words[1:]).parse_args(words[1:])
    assert args.command == "daemon" and args.backend == "corosync"
    assert args.state_dir is None  # from hapy.conf


@pytest.mark.skipif(shutil.which("systemd-analyze") is None or shutil.which("hapy") is None,
                    reason="systemd-analyze or an installed hapy is missing")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    installed = Path(str(shutil.which("hapy"))).resolve()
    copy = tmp_path / "hapy.service"
    copy.write_text(UNIT.read_text().replace("/usr/local/bin/hapy", str(installed)))
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True,
                          text=True, timeout=60, check=False)
    problems = [line for line in done.stderr.splitlines()
                if "corosync.service" not in line]  # absent where corosync is not installed
    assert problems == [], done.stderr
