"""Real Corosync nodes for tests: each in its own network and mount namespaces.

:class:`CorosyncNode` writes a corosync.conf into a directory of its own and
starts ``corosync -f`` under ``unshare --net --mount``: the node gets a
private loopback (its IPC sockets are abstract unix sockets, which live in
the network namespace, so nodes and other corosyncs on the host never meet),
a private ``/run`` (corosync's pid lock) and its state in its directory.
:func:`in_netns` runs a function in a thread that has entered the node's
network namespace (``setns`` acts on the calling thread only), which is how a
test talks to that node's corosync; :meth:`CorosyncNode.enter_command` gives
the prefix that runs a command there (``nsenter``).

Everything a node creates is removed by :meth:`CorosyncNode.stop`: the
process (TERM, then KILL) and libqb's ``/dev/shm/qb-*`` files and
directories named with its pid.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

CLONE_NEWNET = 0x40000000
READY = "ready to provide service"


def corosync_missing() -> str | None:
    """Why real-corosync tests cannot run here, or None when they can."""
    if shutil.which("corosync") is None:
        return "corosync is not installed (apt-get install corosync)"
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        return "unshare/nsenter (util-linux) are missing"
    if shutil.which("ip", path=os.pathsep.join([os.environ.get("PATH", ""), "/sbin",
                                                "/usr/sbin"])) is None:
        return "ip (iproute2) is missing"
    if os.geteuid() != 0:
        return "starting corosync in namespaces needs root"
    try:
        ctypes.CDLL("libcpg.so.4")
    except OSError:
        return "libcpg.so.4 (corosync's client library) is missing"
    return None


def corosync_conf(cluster: str, nodes: Sequence[tuple[int, str, str]], state_dir: Path,
                  log_file: Path, *, token_ms: int = 1000,
                  quorum_options: str = "") -> str:
    """A corosync.conf for ``nodes`` (node id, name, address), knet, no crypto."""
    nodelist = "".join(
        f"    node {{\n        ring0_addr: {addr}\n        name: {name}\n"
        f"        nodeid: {nodeid}\n    }}\n" for nodeid, name, addr in nodes)
    return (
        "totem {\n    version: 2\n    cluster_name: " + cluster + "\n"
        "    transport: knet\n    crypto_cipher: none\n    crypto_hash: none\n"
        f"    token: {token_ms}\n    token_coefficient: 0\n}}\n"
        f"nodelist {{\n{nodelist}}}\n"
        f"quorum {{\n    provider: corosync_votequorum\n{quorum_options}}}\n"
        "logging {\n    to_logfile: yes\n    logfile: " + str(log_file) + "\n"
        "    to_stderr: no\n    to_syslog: no\n    timestamp: on\n}\n"
        f"system {{\n    state_dir: {state_dir}\n}}\n")


class CorosyncNode:
    """One corosync process in its own namespaces, configured in ``directory``."""

    def __init__(self, directory: Path, conf: str, *,
                 setup: Sequence[str] = ("ip link set lo up",)) -> None:
        """``conf`` must log to ``directory/corosync.log`` (readiness is read
        there): :func:`corosync_conf` with ``log_file=directory / "corosync.log"``."""
        self.directory = directory
        self.conf_path = directory / "corosync.conf"
        self.log_path = directory / "corosync.log"
        self.conf = conf
        self.setup = tuple(setup)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def start(self, *, timeout: float = 20.0) -> None:
        """Launch and wait until corosync is ready; on failure nothing is left."""
        self.launch()
        try:
            self.wait_ready(timeout=timeout)
        except BaseException:
            self.stop()
            raise

    def launch(self) -> None:
        """Start the namespaces and, once ``setup`` has run in them, corosync
        (``setup`` may wait for an interface the test moves in, by pid)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.conf_path.write_text(self.conf)
        script = " && ".join([*self.setup, "mount -t tmpfs tmpfs /run",
                              f"exec corosync -f -c {self.conf_path}"])
        with open(self.directory / "corosync.out", "ab") as out:
            self.process = subprocess.Popen(
                ["unshare", "--net", "--mount", "--propagation", "private", "sh", "-c", script],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
        _wait_own_netns(self.process)

    def wait_ready(self, *, timeout: float = 20.0) -> None:
        assert self.process is not None, "not launched"
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"corosync exited ({self.process.returncode}): "
                                   f"{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"corosync not ready in {timeout} s: {self.log_tail()}")
            time.sleep(0.05)

    def ready(self) -> bool:
        try:
            return READY in self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return False

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            out = self.directory / "corosync.out"
            return out.read_text(errors="replace") if out.exists() else ""

    def enter_command(self) -> list[str]:
        """The prefix that runs a command in this node's network namespace."""
        return ["nsenter", "-t", str(self.pid), "-n"]

    def run(self, fn: Callable[[], T]) -> T:
        return in_netns(self.pid, fn)

    def stop(self, *, timeout: float = 10.0) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait()
        remove_shm(process.pid)
        self.process = None


class Bridge:
    """An Ethernet bridge in a network namespace of its own; nodes' namespaces
    are plugged into it with veth pairs (``eth0`` on the node's side).

    ``Bridge()`` creates one; ``Bridge(pid)`` drives the bridge that process
    ``pid`` holds (another process's, e.g. a fence agent powering a node on)."""

    def __init__(self, holder_pid: int | None = None) -> None:
        self._holder: subprocess.Popen[bytes] | None = None
        if holder_pid is not None:
            self.pid = holder_pid
        else:
            self._holder = subprocess.Popen(["unshare", "--net", "sleep", "infinity"],
                                            stdin=subprocess.DEVNULL, start_new_session=True)
            _wait_own_netns(self._holder)
            self.pid = self._holder.pid
            self._ip("link", "add", "br0", "type", "bridge")
            self._ip("link", "set", "br0", "up")
        self._ports = 0

    def _ip(self, *args: str) -> None:
        subprocess.run(["nsenter", "-t", str(self.pid), "-n", "ip", *args],
                       check=True, capture_output=True)

    def plug(self, pid: int, port: str | None = None) -> str:
        """Give the network namespace of process ``pid`` an ``eth0`` on the
        bridge; returns the bridge-side port's name (for :meth:`cut`)."""
        if port is None:
            self._ports += 1
            port = f"port{self._ports}"
        self._ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", str(pid))
        self._ip("link", "set", port, "master", "br0", "up")
        return port

    def cut(self, port: str) -> None:
        self._ip("link", "set", port, "down")

    def mend(self, port: str) -> None:
        self._ip("link", "set", port, "up")

    def remove(self) -> None:
        """The namespace goes with its last process, and the veth pairs with it."""
        if self._holder is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            return
        if self._holder.poll() is None:
            self._holder.kill()
        self._holder.wait()


def node_setup(address: str, prefix: int = 24) -> list[str]:
    """Commands a node runs in its namespace before corosync: wait for
    ``eth0`` (moved in by :meth:`Bridge.plug`), address it, bring it up."""
    return ["ip link set lo up",
            "i=0; while ! ip link show eth0 >/dev/null 2>&1; do i=$((i+1)); "
            "[ $i -gt 400 ] && exit 1; sleep 0.05; done",
            f"ip addr add {address}/{prefix} dev eth0", "ip link set eth0 up"]


def _wait_own_netns(process: subprocess.Popen[bytes]) -> None:
    own = os.readlink("/proc/self/ns/net")
    deadline = time.monotonic() + 5
    while True:
        with contextlib.suppress(FileNotFoundError):
            if os.readlink(f"/proc/{process.pid}/ns/net") != own:
                return
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("unshare --net did not start")
        time.sleep(0.01)


def remove_shm(pid: int) -> list[str]:
    """Remove libqb's shared-memory files that name process ``pid``."""
    removed = []
    token = str(pid)
    for path in Path("/dev/shm").glob("qb-*"):
        if token in path.name.split("-"):
            with contextlib.suppress(FileNotFoundError):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)  # a killed server leaves its clients' directories
                else:
                    path.unlink()
                removed.append(path.name)
    return removed


@contextlib.contextmanager
def empty_netns() -> Iterator[int]:
    """A network namespace with nothing in it (no corosync): yields the pid of
    a process living in it, for :func:`in_netns`; removed on exit."""
    process = subprocess.Popen(["unshare", "--net", "sleep", "600"],
                               stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_own_netns(process)
        yield process.pid
    finally:
        process.kill()
        process.wait()


def in_netns(pid: int, fn: Callable[[], T]) -> T:
    """Run ``fn`` in a thread inside the network namespace of process ``pid``."""
    result: list[T] = []
    failure: list[BaseException] = []

    def body() -> None:
        try:
            fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns failed")
            finally:
                os.close(fd)
            result.append(fn())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=body, name=f"netns-{pid}")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]
