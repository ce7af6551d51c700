"""Stand-in machines for testing cluster administration on one host.

A :class:`Machine` is a process (``sleep``) holding new network and mount
namespaces in which ``/run`` and ``/dev/shm`` are private tmpfs mounts and
the directory ``root`` shows that machine's own files (a directory of its own
bind-mounted there).  Every machine uses the same ``root`` path, so a file
hapy writes on one (``HAPY_ROOT=root``) names the same place on the others,
as ``/etc/corosync/authkey`` does on real machines, while the contents stay
each machine's own.  Commands run there with :meth:`Machine.command`
(``nsenter``); :func:`remote_shell_script` writes a script that plays ssh
between machines (``HAPY_REMOTE_SHELL``).

:meth:`Machine.stop` kills every process in the machine's network namespace
(corosync, hapy daemons and their agents) and then the holder; the private
mounts (and libqb's ``/dev/shm`` files in them) go with the namespaces.
"""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from hapy.testing.corosync import _wait_own_netns
from hapy.testing.netns import kill_all_in, netns_of, processes_in


class Machine:
    """One machine: network and mount namespaces with private /run, /dev/shm
    and ``root`` (``own`` bind-mounted there)."""

    def __init__(self, name: str, root: Path, own: Path, *,
                 setup: Sequence[str] = ("ip link set lo up",)) -> None:
        self.name = name
        self.root = root
        self.own = own
        self.setup = tuple(setup)
        self._holder: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._holder is not None, "not started"
        return self._holder.pid

    def launch(self) -> None:
        """Create the namespaces; ``setup`` runs in them first (it may wait
        for an interface moved in by :meth:`Bridge.plug <hapy.testing.corosync.Bridge.plug>`)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.own.mkdir(parents=True, exist_ok=True)
        script = " && ".join([
            *self.setup, "mount -t tmpfs tmpfs /run", "mount -t tmpfs tmpfs /dev/shm",
            f"mount --bind {shlex.quote(str(self.own))} {shlex.quote(str(self.root))}",
            "touch /run/machine-ready", "exec sleep 86400"])
        self._holder = subprocess.Popen(
            ["unshare", "--net", "--mount", "--propagation", "private", "sh", "-c", script],
            stdin=subprocess.DEVNULL, start_new_session=True)
        _wait_own_netns(self._holder)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while subprocess.run([*self.enter(), "test", "-e", "/run/machine-ready"],
                             check=False, capture_output=True).returncode != 0:
            if self._holder is None or self._holder.poll() is not None:
                raise RuntimeError(f"machine {self.name} did not start")
            if time.monotonic() > deadline:
                raise RuntimeError(f"machine {self.name} not ready in {timeout} s")
            time.sleep(0.05)

    def enter(self) -> list[str]:
        """The prefix that runs a command on this machine."""
        return ["nsenter", "-t", str(self.pid), "-n", "-m"]

    def command(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> list[str]:
        """``argv`` run on this machine with ``env`` set (``HAPY_ROOT`` included)."""
        settings = {"HAPY_ROOT": str(self.root), **(env or {})}
        return [*self.enter(), "env", *(f"{k}={v}" for k, v in settings.items()), *argv]

    def processes(self) -> list[int]:
        """The processes in this machine's network namespace, the holder excepted."""
        netns = netns_of(self.pid) if self._holder is not None else None
        return processes_in(netns, spared=[self.pid]) if netns else []

    def stop(self, timeout: float = 10.0) -> None:
        """Kill everything running on the machine, then the machine."""
        if self._holder is None:
            return
        netns = netns_of(self.pid)
        if netns:
            kill_all_in(netns, spared=[self.pid], timeout=timeout,
                        signals=(signal.SIGTERM, signal.SIGKILL))
        if self._holder.poll() is None:
            self._holder.kill()
        self._holder.wait()
        self._holder = None


def remote_shell_script(path: Path, machines: Sequence[Machine],
                        environment: Mapping[str, str]) -> str:
    """Write a script playing ssh between ``machines``: ``path NAME COMMAND``
    runs the shell command line COMMAND on machine NAME with ``environment``
    (and HAPY_ROOT); returns the ``HAPY_REMOTE_SHELL`` template using it."""
    cases = "\n".join(
        f"  {shlex.quote(m.name)}) pid={m.pid}; root={shlex.quote(str(m.root))} ;;"
        for m in machines)
    exports = "\n".join(f"export {k}={shlex.quote(v)}" for k, v in environment.items())
    path.write_text(f"""#!/bin/sh
# plays 'ssh root@NODE COMMAND' for the test machines
node="$1"; shift
case "$node" in
{cases}
  *) echo "no machine $node" >&2; exit 255 ;;
esac
{exports}
export HAPY_ROOT="$root"
exec nsenter -t "$pid" -n -m sh -c "$1"
""")
    path.chmod(0o755)
    return f"{path} {{name}}"


def hapy_argv() -> list[str]:
    """How the test's hapy is run (the interpreter running the tests)."""
    return [sys.executable, "-m", "hapy"]
