"""A real hapy cluster on Corosync, its machines made of network namespaces.

Each "machine" is a network namespace with its own ``eth0`` on a shared
bridge (see :mod:`hapy.testing.corosync`), a real corosync and a real
``hapy daemon --backend corosync``.  Its power is everything running in that
namespace: :meth:`NetnsCluster.power_off` kills every process there at once,
as a power cut would (the namespace, its link and what the daemon kept in its
volatile runtime directory go with them); :meth:`NetnsCluster.boot` starts
the machine again: a new namespace, a new link on the bridge, corosync, then
the daemon, which finds its disk (its state directory) as it left it.

Everything is described in files under the cluster's root, so that another
process can drive the machines: the fence agent ``fence_hapy_netns``
(:mod:`hapy.testing.fence_netns`) that the daemons themselves run.

    ROOT/cluster.json         cluster name, nodes, bridge, the daemons' environment
    ROOT/power.log            every power switch, who asked and when
    ROOT/NAME/machine.json    the running machine: corosync's pid, its namespace, link
    ROOT/NAME/corosync/       corosync.conf, corosync.log
    ROOT/NAME/state/          the daemon's state directory (its "disk")
    ROOT/NAME/daemon.log
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hapy.fencer.embedded_power import PowerError, empty_directory
from hapy.testing.corosync import Bridge, CorosyncNode, corosync_conf, node_setup, remove_shm
from hapy.testing.netns import kill_all_in, netns_of, processes_in

#: how long power off keeps killing before it gives up
OFF_TIMEOUT = 20.0
#: what a machine's processes must not inherit from whoever boots it
_NODE_ENV = ("HAPY_NODE", "HAPY_NODE_SOCKET", "HAPY_CLUSTER_DIR", "HA_RSCTMP", "HA_VARRUN",
             "HA_VARLOCK", "OCF_RESOURCE_INSTANCE", "OCF_ROOT")


class NetnsCluster:
    """The cluster described under ``root`` (made by :meth:`create`)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        try:
            self.config: dict[str, Any] = json.loads((self.root / "cluster.json").read_text())
        except (OSError, ValueError) as exc:
            raise PowerError(f"{self.root} is not a namespace cluster: {exc}") from None
        self.node_table = {name: (int(nodeid), address)
                           for nodeid, name, address in self.config["nodes"]}
        self.bridge = Bridge(int(self.config["bridge_pid"]))

    @classmethod
    def create(cls, root: Path, cluster_name: str, nodes: Sequence[tuple[int, str, str]], *,
               token_ms: int = 1000, env: Mapping[str, str] | None = None) -> NetnsCluster:
        """A new cluster (its bridge up, no machine running yet)."""
        root.mkdir(parents=True, exist_ok=True)
        bridge = Bridge()
        base = dict(os.environ if env is None else env)
        for name in _NODE_ENV:
            base.pop(name, None)
        # the daemons run this hapy, wherever it is imported from
        base["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parents[2]),
             *filter(None, base.get("PYTHONPATH", "").split(os.pathsep))])
        config = {"name": cluster_name, "nodes": [list(n) for n in nodes], "token_ms": token_ms,
                  "bridge_pid": bridge.pid, "env": base, "python": sys.executable}
        (root / "cluster.json").write_text(json.dumps(config, indent=1))
        return cls(root)

    # ------------------------------------------------------------ the machines

    def nodes(self) -> tuple[str, ...]:
        return tuple(self.node_table)

    def directory(self, name: str) -> Path:
        if name not in self.node_table:
            raise PowerError(f"no node '{name}' in the cluster at {self.root} "
                             f"(its nodes: {', '.join(self.node_table)})")
        return self.root / name

    def state_dir(self, name: str) -> Path:
        return self.directory(name) / "state"

    def socket(self, name: str) -> Path:
        return self.state_dir(name) / "hapy.sock"

    # the interface of hapy.commands.env.ClusterEnv that commands and
    # benchmarks use: a node's directory (its state directory here), the node
    # names, and a request to a node's daemon (the first that answers)

    def node_dir(self, name: str) -> Path:
        return self.state_dir(name)

    def node_names(self) -> list[str]:
        return list(self.node_table)

    def request(self, frame: dict[str, Any], node: str | None = None) -> dict[str, Any]:
        from hapy.commands.env import SocketEnv
        from hapy.reports import HapyError

        unreachable: HapyError | None = None
        for name in [node] if node else self.node_names():
            try:
                return SocketEnv(self.socket(name)).request(frame)
            except HapyError as exc:
                if node or any(r.code != "CLUSTER_NOT_RUNNING" for r in exc.reports):
                    raise
                unreachable = exc
        assert unreachable is not None
        raise unreachable

    def _machine(self, name: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads((self.directory(name) / "machine.json").read_text())
            return data
        except (OSError, ValueError):
            return {}

    def _save_machine(self, name: str, data: dict[str, Any]) -> None:
        path = self.directory(name) / "machine.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(path)

    def corosync_pid(self, name: str) -> int | None:
        pid = self._machine(name).get("pid")
        return int(pid) if pid else None

    def port(self, name: str) -> str:
        """The bridge-side end of the machine's link (for :meth:`cut`)."""
        return str(self._machine(name)["port"])

    def is_on(self, name: str) -> bool:
        netns = self._machine(name).get("netns")
        return bool(netns) and bool(processes_in(str(netns)))

    def boot(self, name: str, *, timeout: float = 30.0) -> None:
        """Power the machine on: namespace, link, corosync (ready), daemon."""
        if self.is_on(name):
            raise PowerError(f"{name} is already on")
        directory = self.directory(name)
        nodeid, address = self.node_table[name]
        boots = int(self._machine(name).get("boots", 0)) + 1
        cdir = directory / "corosync"
        conf = corosync_conf(self.config["name"], [tuple(n) for n in self.config["nodes"]],
                             cdir, cdir / "corosync.log", token_ms=int(self.config["token_ms"]))
        # a new boot's log: readiness is read there
        with contextlib.suppress(FileNotFoundError):
            (cdir / "corosync.log").replace(cdir / "corosync.log.old")
        node = CorosyncNode(cdir, conf, setup=node_setup(address))
        node.launch()
        port = f"n{nodeid}b{boots}"
        netns = netns_of(node.pid)
        self._save_machine(name, {"pid": node.pid, "netns": netns, "port": port, "boots": boots})
        try:
            self.bridge.plug(node.pid, port)
            node.wait_ready(timeout=timeout)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
            self.power_off(name)
            raise PowerError(f"{name} did not boot: {exc}") from None
        self._audit(name, f"power on (boot {boots})")
        state = self.state_dir(name)
        state.mkdir(parents=True, exist_ok=True)
        env = dict(self.config["env"])
        with open(directory / "daemon.log", "ab") as log:
            subprocess.Popen(
                [*node.enter_command(), self.config["python"], "-m", "hapy", "daemon",
                 "--backend", "corosync", "--state-dir", str(state)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                start_new_session=True)

    def power_off(self, name: str, *, timeout: float = OFF_TIMEOUT) -> int:
        """Cut the machine's power: every process in its namespace dies at
        once, its volatile runtime directory is emptied.  The number killed."""
        machine = self._machine(name)
        netns = machine.get("netns")
        killed: set[int] = set()
        if netns:
            killed = kill_all_in(str(netns), timeout=timeout)
            left = processes_in(str(netns))
            if left:
                raise PowerError(f"processes of {name} still running after {timeout:.0f} s: "
                                 + " ".join(map(str, sorted(left))))
        self._audit(name, "power off: " + (f"killed {' '.join(map(str, sorted(killed)))}"
                                           if killed else "nothing was running"))
        if machine.get("pid"):
            remove_shm(int(machine["pid"]))
        empty_directory(self.state_dir(name) / "run")
        self._save_machine(name, {"boots": machine.get("boots", 0)})
        return len(killed)

    def power_on(self, name: str) -> None:
        self.boot(name)

    def kill_corosync(self, name: str) -> None:
        """SIGKILL of the machine's corosync alone (its daemon and resources live on)."""
        pid = self.corosync_pid(name)
        if pid is None:
            raise PowerError(f"{name} is off")
        os.kill(pid, signal.SIGKILL)

    def cut(self, name: str) -> None:
        self.bridge.cut(self.port(name))

    def mend(self, name: str) -> None:
        self.bridge.mend(self.port(name))

    def destroy(self) -> None:
        """Every machine off, the bridge gone; whatever fails on the way."""
        try:
            for name in self.node_table:
                with contextlib.suppress(PowerError, OSError):
                    self.power_off(name)
        finally:
            self.bridge.remove()

    def power_log(self) -> list[str]:
        try:
            return (self.root / "power.log").read_text().splitlines()
        except FileNotFoundError:
            return []

    def _audit(self, name: str, what: str) -> None:
        with contextlib.suppress(OSError), open(self.root / "power.log", "a") as log:
            log.write(f"{time.time():.3f} {name}: {what} (by pid {os.getpid()})\n")

