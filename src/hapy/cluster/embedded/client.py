"""A node's connection to the embedded cluster: the ClusterBackend for one host."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from hapy.cluster.backend import ClusterEvent, Delivery, Disconnected, Member, ViewChange
from hapy.cluster.embedded.paths import ClusterPaths
from hapy.cluster.wire import Frame, FrameError, encode, pack_payload, read_frame, unpack_payload
from hapy.reports import HapyError, report

SERVICE_START_TIMEOUT = 10.0


def _unreachable(paths: ClusterPaths, why: str) -> HapyError:
    return HapyError([report(
        "CLUSTER_UNREACHABLE", f"cannot reach the embedded cluster's membership service: {why}",
        hint="check the cluster directory, and the service's log membership.log in it",
        directory=str(paths.root))])


def _service_answers(paths: ClusterPaths) -> bool:
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(paths.socket))
        except OSError:
            return False
    return True


def ensure_service(paths: ClusterPaths, *, idle_exit: float = 0.0) -> None:
    """Start the cluster directory's membership service unless it runs already.

    Several nodes may race to start it: a lock file lets exactly one do so.
    """
    if _service_answers(paths):
        return
    paths.root.mkdir(parents=True, exist_ok=True)
    with open(paths.lock, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _service_answers(paths):
            return
        with open(paths.log, "ab") as log:
            subprocess.Popen(
                [sys.executable, "-m", "hapy.cluster.embedded.service", "--dir", str(paths.root),
                 "--idle-exit", str(idle_exit)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                close_fds=True, env=os.environ.copy())
        deadline = time.monotonic() + SERVICE_START_TIMEOUT
        while not _service_answers(paths):
            if time.monotonic() > deadline:
                raise _unreachable(paths, f"it did not start within {SERVICE_START_TIMEOUT:.0f} s")
            time.sleep(0.02)


def _member(pair: object) -> Member:
    if not isinstance(pair, list) or len(pair) != 2:
        raise FrameError(f"bad member {pair!r}")
    return Member(int(pair[0]), str(pair[1]))


def _view(frame: Frame) -> ViewChange:
    return ViewChange(
        ring_id=int(frame["ring_id"]),
        members=tuple(_member(m) for m in frame["members"]),
        joined=tuple(_member(m) for m in frame["joined"]),
        left=tuple(_member(m) for m in frame["left"]),
        quorate=bool(frame["quorate"]),
        expected_votes=int(frame["expected_votes"]),
    )


class EmbeddedBackend:
    """ClusterBackend over the embedded membership service (see the interface's
    docstrings for the ordering guarantees, which the service provides)."""

    def __init__(self, cluster_dir: str | Path, node_name: str, *,
                 start_service: bool = True) -> None:
        self.paths = ClusterPaths(Path(cluster_dir).resolve())
        self._name = node_name
        self._nodeid = 0
        self._start_service = start_service
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._events: asyncio.Queue[ClusterEvent] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self.view: ViewChange | None = None

    @property
    def node_name(self) -> str:
        return self._name

    @property
    def nodeid(self) -> int:
        return self._nodeid

    @property
    def pending_events(self) -> int:
        """Events received but not yet taken from :meth:`events`."""
        return self._events.qsize()

    async def connect(self, groups: Sequence[str] = ()) -> ViewChange:
        if self._start_service:
            await asyncio.to_thread(ensure_service, self.paths)
        try:
            reader, writer = await asyncio.open_unix_connection(str(self.paths.socket))
        except OSError as exc:
            raise _unreachable(self.paths, str(exc)) from None
        self._reader, self._writer = reader, writer
        self._closing = False
        self._events = asyncio.Queue()
        writer.write(encode({"type": "hello", "name": self._name, "pid": os.getpid(),
                             "groups": list(groups)}))
        await writer.drain()
        try:
            welcome = await read_frame(reader)
            if welcome is None or welcome["type"] != "welcome":
                raise _unreachable(self.paths, f"refused: {welcome!r}")
            self._nodeid = int(welcome["nodeid"])
            token = int(welcome["token_ms"]) / 1000.0
            first = await read_frame(reader)
            if first is None or first["type"] != "view":
                raise _unreachable(self.paths, f"no view after joining: {first!r}")
        except FrameError as exc:
            raise _unreachable(self.paths, str(exc)) from None
        self.view = _view(first)
        self._tasks = [asyncio.create_task(self._read_loop()),
                       asyncio.create_task(self._heartbeat_loop(token / 4))]
        return self.view

    async def join_group(self, group: str) -> None:
        await self._write({"type": "join", "group": group})

    async def send(self, group: str, payload: bytes) -> None:
        await self._write({"type": "mcast", "group": group, "payload": pack_payload(payload)})

    async def events(self) -> AsyncIterator[ClusterEvent]:
        while True:
            event = await self._events.get()
            yield event
            if isinstance(event, Disconnected):
                return

    async def close(self) -> None:
        self._closing = True
        with contextlib.suppress(ConnectionError, HapyError):
            await self._write({"type": "bye"})
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
            self._writer = None

    async def _write(self, frame: Frame) -> None:
        if self._writer is None or self._writer.is_closing():
            raise _unreachable(self.paths, "not connected")
        self._writer.write(encode(frame))
        await self._writer.drain()

    async def _read_loop(self) -> None:
        assert self._reader is not None
        reason = "the membership service closed the connection"
        try:
            while True:
                frame = await read_frame(self._reader)
                if frame is None:
                    break
                kind = frame["type"]
                if kind == "view":
                    self.view = _view(frame)
                    self._events.put_nowait(self.view)
                elif kind == "deliver":
                    self._events.put_nowait(Delivery(
                        str(frame["group"]), _member(frame["sender"]), int(frame["seq"]),
                        unpack_payload(frame["payload"])))
                elif kind == "expelled":
                    reason = f"expelled: {frame.get('reason', '')}"
                    break
        except (FrameError, ConnectionError, KeyError, ValueError) as exc:
            reason = f"connection broken: {exc}"
        if not self._closing:
            self._events.put_nowait(Disconnected(reason))
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()

    async def _heartbeat_loop(self, interval: float) -> None:
        with contextlib.suppress(ConnectionError, HapyError):
            while True:
                await asyncio.sleep(interval)
                await self._write({"type": "hb"})
