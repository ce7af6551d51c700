"""A CPG connection driven from asyncio: join one group, send, receive.

The library's fd is watched with ``loop.add_reader``; when it is readable,
``cpg_dispatch(CS_DISPATCH_ALL)`` runs the callbacks, which only record what
they are given (as :mod:`.views` events); the events go to ``on_events``
once dispatch returns.  An exception inside a callback would be swallowed by
ctypes, so the callbacks catch everything and it is raised after dispatch.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
from collections.abc import Callable
from typing import Any

from hapy.cluster.backends.corosync import backoff, ffi
from hapy.cluster.backends.corosync.views import Confchg, CpgEvent, Message, Process, TotemConfchg


def _processes(items: Any, count: int) -> tuple[Process, ...]:
    return tuple(Process(int(items[i].nodeid), int(items[i].pid), int(items[i].reason))
                 for i in range(count))


class CpgConnection:
    """One CPG handle joined to one group."""

    def __init__(self, group: str, on_events: Callable[[list[CpgEvent]], None],
                 on_error: Callable[[str], None]) -> None:
        self._lib = ffi.load("cpg")
        self.group = group
        self._name = ffi.cpg_name(group)
        self._on_events = on_events
        self._on_error = on_error
        self._pending: list[CpgEvent] = []
        self._failure: BaseException | None = None
        self._handle: int | None = None
        self._fd: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # kept referenced: the library calls them for as long as the handle lives
        self._callbacks = (ffi.CpgDeliverFn(self._deliver), ffi.CpgConfchgFn(self._confchg),
                           ffi.CpgTotemConfchgFn(self._totem))
        self._model = ffi.CpgModelV1Data(
            ffi.CPG_MODEL_V1, self._callbacks[0], self._callbacks[1], self._callbacks[2],
            ffi.CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF)

    # ------------------------------------------------------------ callbacks

    def _deliver(self, handle: int, name: object, nodeid: int, pid: int, msg: int | None,
                 size: int) -> None:
        try:
            data = ctypes.string_at(msg, size) if msg and size else b""
            self._pending.append(Message(int(nodeid), int(pid), data))
        except BaseException as exc:  # ctypes would swallow it
            self._failure = exc

    def _confchg(self, handle: int, name: object, members: object, n_members: int,
                 left: object, n_left: int, joined: object, n_joined: int) -> None:
        try:
            self._pending.append(Confchg(_processes(members, n_members),
                                         _processes(left, n_left),
                                         _processes(joined, n_joined)))
        except BaseException as exc:
            self._failure = exc

    def _totem(self, handle: int, ring: ffi.CpgRingId, n_nodes: int, nodes: Any) -> None:
        try:
            self._pending.append(TotemConfchg(int(ring.seq),
                                              tuple(int(nodes[i]) for i in range(n_nodes))))
        except BaseException as exc:
            self._failure = exc

    # ------------------------------------------------------------ lifecycle

    def _h(self) -> int:
        if self._handle is None:
            raise ffi.CsError("cpg (closed)", ffi.CS_ERR_BAD_HANDLE)
        return self._handle

    def open(self) -> None:
        """Connect and join the group; events flow once :meth:`start` runs."""
        handle = ctypes.c_uint64()
        ffi.check("cpg_model_initialize", self._lib.cpg_model_initialize(
            ctypes.byref(handle), ffi.CPG_MODEL_V1, ctypes.byref(self._model), None))
        self._handle = handle.value
        fd = ctypes.c_int()
        ffi.check("cpg_fd_get", self._lib.cpg_fd_get(self._h(), ctypes.byref(fd)))
        self._fd = fd.value
        code = self._lib.cpg_join(self._h(), ctypes.byref(self._name))
        while code == ffi.CS_ERR_TRY_AGAIN:
            os.sched_yield()
            code = self._lib.cpg_join(self._h(), ctypes.byref(self._name))
        ffi.check("cpg_join", code)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self._fd is not None
        self._loop = loop
        loop.add_reader(self._fd, self.dispatch)

    def local_nodeid(self) -> int:
        out = ctypes.c_uint()
        ffi.check("cpg_local_get", self._lib.cpg_local_get(self._h(), ctypes.byref(out)))
        return out.value

    def dispatch(self) -> None:
        """Run the callbacks of what the library has received."""
        if self._handle is None:
            return
        code = self._lib.cpg_dispatch(self._handle, ffi.CS_DISPATCH_ALL)
        events, self._pending = self._pending, []
        failure, self._failure = self._failure, None
        if events:
            self._on_events(events)
        if failure is not None:
            raise failure
        if code not in (ffi.CS_OK, ffi.CS_ERR_TRY_AGAIN):
            self._stop_reading()
            self._on_error(f"cpg_dispatch failed: {ffi.error_name(code)} "
                           "(corosync stopped, or expelled this client)")

    async def mcast(self, data: bytes) -> int:
        """Send ``data`` to the group (agreed order); retries while Corosync
        says to try again.  Returns the number of retries."""
        buf = ctypes.create_string_buffer(data, len(data))
        iov = ffi.IoVec(ctypes.cast(buf, ctypes.c_void_p), len(data))

        def attempt() -> int:
            return int(self._lib.cpg_mcast_joined(self._h(), ffi.CPG_TYPE_AGREED,
                                                  ctypes.byref(iov), 1))

        return await backoff.retry(attempt, asyncio.sleep)

    def _stop_reading(self) -> None:
        if self._loop is not None and self._fd is not None:
            self._loop.remove_reader(self._fd)
        self._loop = None

    def close(self) -> None:
        """Leave the group and disconnect (the others see this process leave)."""
        self._stop_reading()
        if self._handle is not None:
            self._lib.cpg_leave(self._handle, ctypes.byref(self._name))
            self._lib.cpg_finalize(self._handle)
            self._handle = None
