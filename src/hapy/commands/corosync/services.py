"""Starting and stopping this node's corosync and hapy daemon.

With systemd (PID 1, ``/run/systemd/system`` present) the units do it:
``corosync.service`` and ``hapy.service`` (packaging/systemd/hapy.service).
Without it, hapy starts them itself in the background: ``corosync -f -c
CONF`` and ``hapy daemon --backend corosync``, each in its own session, with
pid files and logs in the state directory (``corosync.pid``,
``corosync.out``, ``hapy.pid``, ``daemon.log``).  The daemon gets hapy.conf's
settings as its environment, as the unit's ``EnvironmentFile=`` gives them.

Stopping stops hapy first (it moves this node's resources away, then
leaves), then corosync.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from hapy.commands.corosync.files import check_node_files, corosync_check, corosync_running
from hapy.commands.corosync.paths import NodePaths, NodeSettings, load_settings
from hapy.commands.env import SocketEnv
from hapy.commands.processes import running_pid, terminate
from hapy.records import record
from hapy.reports import HapyError, report

COROSYNC_START_TIMEOUT = 30.0
HAPY_START_TIMEOUT = 60.0
#: a node's resources may take long to move away (as the daemon's own limit)
HAPY_STOP_TIMEOUT = 150.0
COROSYNC_STOP_TIMEOUT = 30.0


def systemd_booted() -> bool:
    """Whether systemd is this host's init (sd_booted's test)."""
    return Path("/run/systemd/system").is_dir()


@record
class LocalNode:
    """This node's files and services."""

    paths: NodePaths
    settings: NodeSettings

    @classmethod
    def load(cls, paths: NodePaths | None = None) -> LocalNode:
        chosen = paths or NodePaths.from_env()
        return cls(chosen, load_settings(chosen))

    @property
    def state_dir(self) -> Path:
        return self.settings.state_dir

    @property
    def socket(self) -> Path:
        return self.state_dir / "hapy.sock"

    def client(self) -> SocketEnv:
        return SocketEnv(self.socket)


def _tail(path: Path, lines: int = 8) -> str:
    try:
        return " / ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def _systemctl(action: str, unit: str) -> None:
    done = subprocess.run(["systemctl", action, unit], capture_output=True, check=False)
    if done.returncode != 0:
        raise HapyError([report("SYSTEMCTL_FAILED", f"systemctl {action} {unit}: "
                                + done.stderr.decode(errors="replace").strip(),
                                hint=f"journalctl -u {unit}", unit=unit)])


# --------------------------------------------------------------- corosync


def corosync_pid(node: LocalNode) -> int | None:
    return running_pid(node.state_dir / "corosync.pid")


def start_corosync(node: LocalNode, timeout: float = COROSYNC_START_TIMEOUT) -> bool:
    """Start corosync unless it runs; False if it ran already."""
    if corosync_running():
        return False
    corosync = shutil.which("corosync")
    if corosync is None:
        raise HapyError([report("COROSYNC_NOT_INSTALLED", "corosync is not installed on this "
                                "node", hint="apt-get install corosync")])
    conf, _ = check_node_files(node.paths)
    problems = corosync_check(conf, None)
    if problems:
        raise HapyError(problems)
    if systemd_booted():
        _systemctl("start", "corosync.service")
    else:
        node.state_dir.mkdir(parents=True, exist_ok=True)
        out_path = node.state_dir / "corosync.out"
        with open(out_path, "ab") as out:
            process = subprocess.Popen([corosync, "-f", "-c", str(node.paths.corosync_conf)],
                                       stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                       start_new_session=True, close_fds=True)
        (node.state_dir / "corosync.pid").write_text(f"{process.pid}\n")
    deadline = time.monotonic() + timeout
    while not corosync_running():
        pid = corosync_pid(node)
        if not systemd_booted() and pid is None:
            logging = conf.section("logging")
            logfile = logging.get("logfile") if logging else None
            why = _tail(node.state_dir / "corosync.out") or (
                _tail(Path(logfile)) if logfile else "") or "no output"
            raise HapyError([report("COROSYNC_START_FAILED", f"corosync exited at once: {why}",
                                    hint=f"see {node.state_dir / 'corosync.out'} and "
                                         "corosync's log file")])
        if time.monotonic() > deadline:
            raise HapyError([report("COROSYNC_START_TIMEOUT", f"corosync does not answer "
                                    f"{timeout:.0f} s after its start",
                                    hint="see corosync's log file")])
        time.sleep(0.1)
    return True


def stop_corosync(node: LocalNode, timeout: float = COROSYNC_STOP_TIMEOUT) -> bool:
    """Stop corosync; False if it was not running."""
    if systemd_booted():
        if not corosync_running():
            return False
        _systemctl("stop", "corosync.service")
        return True
    pid = corosync_pid(node)
    if pid is None:
        if not corosync_running():
            return False
        # started some other way: ask it to shut down
        cfgtool = shutil.which("corosync-cfgtool")
        if cfgtool is None:
            raise HapyError([report("COROSYNC_STOP_FAILED", "corosync runs, not started by "
                                    "hapy, and corosync-cfgtool is missing to stop it",
                                    hint="stop it the way it was started")])
        subprocess.run([cfgtool, "-H", "--force"], capture_output=True, check=False,
                       timeout=timeout)
        deadline = time.monotonic() + timeout
        while corosync_running() and time.monotonic() < deadline:
            time.sleep(0.1)
        return True
    if not terminate(pid, timeout):
        raise HapyError([report("COROSYNC_STOP_TIMEOUT", f"corosync (pid {pid}) did not stop "
                                f"within {timeout:.0f} s and was killed")])
    with contextlib.suppress(FileNotFoundError):
        (node.state_dir / "corosync.pid").unlink()
    return True


# ------------------------------------------------------------------- hapy


def hapy_pid(node: LocalNode) -> int | None:
    return running_pid(node.state_dir / "hapy.pid")


def hapy_answers(node: LocalNode) -> bool:
    try:
        return bool(node.client().request({"op": "status"}).get("ok"))
    except HapyError:
        return False


def start_hapy(node: LocalNode, timeout: float = HAPY_START_TIMEOUT) -> bool:
    """Start the hapy daemon unless it runs; False if it ran already."""
    if hapy_pid(node) is not None or hapy_answers(node):
        return False
    if systemd_booted():
        _systemctl("start", "hapy.service")
    else:
        node.state_dir.mkdir(parents=True, exist_ok=True)
        environment = os.environ | dict(node.settings.environment)
        argv = [sys.executable, "-m", "hapy", "daemon", "--backend", "corosync",
                "--state-dir", str(node.state_dir), "--cpg-group", node.settings.cpg_group,
                "--log-level", node.settings.log_level]
        with open(node.state_dir / "daemon.log", "ab") as log:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                       start_new_session=True, close_fds=True,
                                       env=environment)
        (node.state_dir / "hapy.pid").write_text(f"{process.pid}\n")
    deadline = time.monotonic() + timeout
    while not hapy_answers(node):
        if not systemd_booted() and hapy_pid(node) is None:
            raise HapyError([report("HAPY_START_FAILED", "the hapy daemon exited: "
                                    + (_tail(node.state_dir / "daemon.log") or "no output"),
                                    hint=f"see {node.state_dir / 'daemon.log'}")])
        if time.monotonic() > deadline:
            raise HapyError([report("HAPY_START_TIMEOUT", f"the hapy daemon does not answer "
                                    f"{timeout:.0f} s after its start",
                                    hint=f"see {node.state_dir / 'daemon.log'}")])
        time.sleep(0.1)
    return True


def stop_hapy(node: LocalNode, timeout: float = HAPY_STOP_TIMEOUT) -> bool:
    """Stop the hapy daemon (its resources move away first); False if it was
    not running."""
    if systemd_booted():
        if not hapy_answers(node):
            return False
        _systemctl("stop", "hapy.service")
        return True
    pid = hapy_pid(node)
    if pid is None:
        return False
    if not terminate(pid, timeout):
        raise HapyError([report("HAPY_STOP_TIMEOUT", f"the hapy daemon (pid {pid}) did not "
                                f"stop within {timeout:.0f} s and was killed",
                                hint="its resources may still run on this node")])
    with contextlib.suppress(FileNotFoundError):
        (node.state_dir / "hapy.pid").unlink()
    return True
