"""``hapy daemon``: one asyncio process per node hosting its components.

The node joins the cluster layer, then feeds the cluster's events to its CIB
manager and controller in the agreed order; its executor runs the agents.
Local clients (the ``hapy`` commands) talk to it over a unix socket (mode
0660) whose peer credentials are checked: only root and the daemon's own user
may use it.

Requests on the local socket (one JSON object per frame, as the cluster
layer's frames): ``{"op": "cib", "request": {...}}`` for a CIB query or
change (cibadmin's operations), ``{"op": "status"}`` for what this node knows
(membership, DC, transitions run), ``{"op": "attribute", ...}`` for node
attributes (attrd), ``{"op": "fence", "target", "action"}`` to fence a node
and ``{"op": "fence_history", "target"?}`` for the fencing history.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

from hapy.aio import cancel_and_wait
from hapy.attrd.manager import GROUP as ATTRD_GROUP
from hapy.attrd.manager import AttrManager
from hapy.cib.ops import CibOp, CibRequest
from hapy.cib.status import active_resources
from hapy.cib.xmlio import serialize
from hapy.cibd.manager import CibManager
from hapy.cibd.store import CibStore
from hapy.cluster.backend import ClusterBackend, Delivery, Disconnected, ViewChange
from hapy.cluster.wire import Frame, FrameError, encode, peer_credentials, read_frame
from hapy.controller.controller import Controller
from hapy.controller.messages import GROUP as CRMD_GROUP
from hapy.controller.planner import Planner
from hapy.executor.agents import AgentPaths, agent_environment
from hapy.executor.service import Executor
from hapy.fencer import FenceEvent, Fencer
from hapy.fencer.requests import CLI_CLIENT, answer_fence, answer_history
from hapy.records import record
from hapy.reports import HapyError

log = logging.getLogger("hapy.daemon")

GROUPS = ("cib", ATTRD_GROUP, CRMD_GROUP)
#: longest wait for this node's resources to move away when it stops
SHUTDOWN_TIMEOUT = 120.0


@record
class DaemonPaths:
    """A node's state directory."""

    state_dir: Path

    @property
    def cib_dir(self) -> Path:
        return self.state_dir / "cib"

    @property
    def runtime_dir(self) -> Path:
        return self.state_dir / "run"

    @property
    def socket(self) -> Path:
        return self.state_dir / "hapy.sock"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "hapy.pid"


def agent_paths_from_env(runtime_dir: Path, *, node: str, socket_path: Path,
                         cluster_dir: Path | None = None) -> AgentPaths:
    """Where agents live: the standard places, unless HAPY_OCF_ROOT,
    HAPY_LSB_DIR or HAPY_NAGIOS_DIR point elsewhere (tests, non-standard hosts).
    Agents find hapy's crm_attribute first on their PATH, and through it this
    node's daemon."""
    import sys

    from hapy.executor.agents import BUNDLED_TOOLS

    defaults = AgentPaths(runtime_dir)
    return AgentPaths(
        runtime_dir,
        ocf_root=Path(os.environ.get("HAPY_OCF_ROOT", defaults.ocf_root)),
        lsb_dir=Path(os.environ.get("HAPY_LSB_DIR", defaults.lsb_dir)),
        nagios_dir=Path(os.environ.get("HAPY_NAGIOS_DIR", defaults.nagios_dir)),
        tools_dir=BUNDLED_TOOLS,
        extra_env=(("HAPY_NODE", node), ("HAPY_NODE_SOCKET", str(socket_path)),
                   ("HAPY_PYTHON", sys.executable),
                   # hapy's own tools (crm_attribute, fence_hapy) import the
                   # same hapy as this daemon
                   *((("PYTHONPATH", os.environ["PYTHONPATH"]),)
                     if os.environ.get("PYTHONPATH") else ())),
        cluster_dir=cluster_dir,
    )


class NodeDaemon:
    """Everything one node runs, wired together."""

    def __init__(self, backend: ClusterBackend, state_dir: str | Path, *,
                 agent_paths: AgentPaths | None = None,
                 cluster_dir: Path | None = None) -> None:
        self.paths = DaemonPaths(Path(state_dir))
        self.paths.state_dir.mkdir(parents=True, exist_ok=True)
        self.backend = backend
        self.cib = CibManager(backend, CibStore(self.paths.cib_dir))
        paths = agent_paths or agent_paths_from_env(
            self.paths.runtime_dir, node=backend.node_name, socket_path=self.paths.socket,
            cluster_dir=cluster_dir)
        # fence agents run in the same environment as the other agents
        self.fencer = Fencer(backend.node_name, lambda: self.cib.root,
                             env=agent_environment(paths))
        self.executor = Executor(paths, fencer=self.fencer)
        self.attrd = AttrManager(backend, self.cib, lambda name: self.controller._node_id(name))
        self.controller = Controller(backend, self.cib, self.executor, Planner(), self.attrd,
                                     fencer=self.fencer)
        self._tasks: list[asyncio.Task[Any]] = []
        self._server: asyncio.base_events.Server | None = None
        self.stopped = asyncio.Event()

    async def start(self) -> None:
        view = await self.backend.connect(groups=GROUPS)
        await self._dispatch(view)
        self._tasks = [asyncio.create_task(self._pump()),
                       asyncio.create_task(self.controller.run())]
        with contextlib.suppress(FileNotFoundError):
            self.paths.socket.unlink()
        old = os.umask(0o117)
        try:
            self._server = await asyncio.start_unix_server(self._client,
                                                           path=str(self.paths.socket))
        finally:
            os.umask(old)

    async def _dispatch(self, event: ViewChange | Delivery) -> None:
        if isinstance(event, ViewChange):
            log.info("view %d: %s%s%s%s", event.ring_id, " ".join(event.names()),
                     f"; joined {' '.join(m.name for m in event.joined)}" if event.joined
                     else "", f"; left {' '.join(m.name for m in event.left)}" if event.left
                     else "", "" if event.quorate else " (no quorum)")
            await self.cib.handle(event)
            await self.attrd.handle(event)
            await self.controller.handle(event)
        elif event.group == "cib":
            await self.cib.handle(event)
        elif event.group == ATTRD_GROUP:
            await self.attrd.handle(event)
        elif event.group == CRMD_GROUP:
            await self.controller.handle(event)

    async def _pump(self) -> None:
        async for event in self.backend.events():
            if isinstance(event, Disconnected):
                log.error("lost the cluster: %s", event.reason)
                self.stopped.set()
                return
            try:
                await self._dispatch(event)
            except Exception:
                log.exception("handling %r", event)
            # let the heartbeats (and everything else) run between events: a
            # queue full of CIB changes is handled without ever waiting, and
            # a node busy for the token timeout is expelled from the cluster
            await asyncio.sleep(0)

    # ------------------------------------------------------------ local API

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        creds = peer_credentials(writer)
        uid = creds[1] if creds is not None else None
        try:
            if uid is not None and uid not in (0, os.getuid()):
                writer.write(encode({"type": "result", "ok": False, "reports": [
                    {"code": "DAEMON_ACCESS_DENIED",
                     "message": f"uid {uid} may not use this node's daemon"}]}))
                return
            while (frame := await read_frame(reader)) is not None:
                writer.write(encode(await self.serve(frame)))
                await writer.drain()
        except (FrameError, ConnectionError):
            pass
        finally:
            writer.close()

    async def serve(self, frame: Frame) -> Frame:
        """Answer one local request."""
        try:
            op = frame.get("op")
            if op == "cib":
                return await self._cib_request(frame.get("request") or {})
            if op == "status":
                return {"type": "result", "ok": True, **self.status()}
            if op == "attribute":
                return await self._attribute(frame)
            if op == "fence":
                return await self._fence(frame)
            if op == "fence_history":
                return answer_history(self.fencer, frame)
            return _failure("DAEMON_BAD_REQUEST", f"unknown request {op!r}")
        except HapyError as exc:
            return {"type": "result", "ok": False,
                    "reports": [r.as_dict() for r in exc.reports]}

    async def _cib_request(self, data: dict[str, Any]) -> Frame:
        try:
            request = CibRequest(CibOp(data.get("op", "query")), data.get("xml"),
                                 data.get("scope"), data.get("xpath"),
                                 bool(data.get("allow_create")), bool(data.get("delete_all")))
        except ValueError as exc:
            return _failure("DAEMON_BAD_REQUEST", str(exc))
        if request.op is CibOp.QUERY:
            found = self.cib.query(request)
            return {"type": "result", "ok": True,
                    "xml": [serialize(e).decode() for e in found]}
        outcome = await self.cib.change(request)
        return {"type": "result", "ok": True, "changed": outcome.changed,
                "version": str(self.cib.version)}

    async def _attribute(self, frame: Frame) -> Frame:
        node = str(frame.get("node") or self.backend.node_name)
        name = frame.get("name")
        if not isinstance(name, str) or not name:
            return _failure("ATTRD_BAD_NAME", "an attribute needs a name")
        if frame.get("query"):
            return {"type": "result", "ok": True, "node": node, "name": name,
                    "value": self.attrd.get(node, name)}
        value = frame.get("value")
        await self.attrd.update(node, name, None if value is None else str(value),
                                dampen_ms=int(frame.get("delay") or 0))
        return {"type": "result", "ok": True}

    async def _fence(self, frame: Frame) -> Frame:
        fencing = self.controller.fencing
        if fencing is None:
            return _failure("FENCE_NOT_AVAILABLE", "this node has no fencer")

        async def run(target: str, action: str, client: str) -> FenceEvent:
            # the DC runs it (another member when the DC is the target)
            return await fencing.request(target, action, client=client)

        return await answer_fence(frame, run, client=str(frame.get("client") or CLI_CLIENT))

    def status(self) -> dict[str, Any]:
        view = self.controller.view
        return {
            "node": self.backend.node_name,
            "stack": getattr(self.backend, "stack", "embedded"),
            "dc": self.controller.dc.name if self.controller.dc else None,
            "members": list(view.names()) if view else [],
            "quorate": bool(view and view.quorate),
            "cib_version": str(self.cib.version),
            "transitions": len(self.controller.transitions),
            "busy": self.controller._runner is not None,
        }

    async def leave_cleanly(self, timeout: float = SHUTDOWN_TIMEOUT) -> bool:
        """Ask the cluster to move this node's resources away (the ``shutdown``
        node attribute, as Pacemaker sets it) and wait until none is active
        here; False if that took longer than ``timeout`` seconds."""
        me = self.backend.node_name
        await self.attrd.update(me, "shutdown", str(int(time.time())))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        granted = self.controller.shutdown_granted
        while not granted.is_set() or active_resources(self.cib.root, me) \
                or self.executor.recurring():
            if self.stopped.is_set():
                # the cluster layer is gone: no one can move anything now (the
                # others will see this node lost, and fence it)
                log.error("lost the cluster while shutting down; still active here: %s",
                          ", ".join(active_resources(self.cib.root, me)) or "nothing")
                return False
            if loop.time() > deadline:
                log.error("resources still active after %.0f s: %s", timeout,
                          ", ".join(active_resources(self.cib.root, me)))
                return False
            await asyncio.sleep(0.2)
        return True

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in self._tasks:
            await cancel_and_wait(task)
        await self.controller.close()
        await self.backend.close()
        with contextlib.suppress(FileNotFoundError):
            self.paths.socket.unlink()
        self.stopped.set()


def _failure(code: str, message: str) -> Frame:
    return {"type": "result", "ok": False, "reports": [{"code": code, "message": message}]}


async def run_daemon(backend: ClusterBackend, state_dir: Path, *,
                     cluster_dir: Path | None = None) -> None:
    """Run a node until SIGTERM/SIGINT (or until it loses the cluster)."""
    daemon = NodeDaemon(backend, state_dir, cluster_dir=cluster_dir)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await daemon.start()
    daemon.paths.pid_file.write_text(f"{os.getpid()}\n")
    waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(daemon.stopped.wait())]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()
    if stop.is_set() and not daemon.stopped.is_set():
        log.info("shutting down: moving this node's resources away")
        await daemon.leave_cleanly()
    await daemon.stop()
    with contextlib.suppress(FileNotFoundError):
        daemon.paths.pid_file.unlink()
