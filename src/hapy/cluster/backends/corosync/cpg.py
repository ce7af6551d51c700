"""A CPG connection driven from asyncio: join one group, send, receive.

The callbacks record what they are given as :mod:`.views` events, which go
to ``on_events`` after each dispatch (see :mod:`.dispatch`).
"""

from __future__ import annotations

import asyncio
import ctypes
import os
from collections.abc import Callable
from typing import Any

from hapy.cluster.backends.corosync import backoff, ffi
from hapy.cluster.backends.corosync.dispatch import Dispatched
from hapy.cluster.backends.corosync.views import Confchg, CpgEvent, Message, Process, TotemConfchg


def _processes(items: Any, count: int) -> tuple[Process, ...]:
    return tuple(Process(int(items[i].nodeid), int(items[i].pid), int(items[i].reason))
                 for i in range(count))


class CpgConnection(Dispatched[CpgEvent]):
    """One CPG handle joined to one group."""

    lost_hint = " (corosync stopped, or expelled this client)"

    def __init__(self, group: str, on_events: Callable[[list[CpgEvent]], None],
                 on_error: Callable[[str], None]) -> None:
        super().__init__("cpg", on_events, on_error)
        self.group = group
        self._name = ffi.cpg_name(group)
        # kept referenced: the library calls them for as long as the handle lives
        self._callbacks = (ffi.CpgDeliverFn(self._on_deliver), ffi.CpgConfchgFn(self._confchg),
                           ffi.CpgTotemConfchgFn(self._totem))
        self._model = ffi.CpgModelV1Data(
            ffi.CPG_MODEL_V1, self._callbacks[0], self._callbacks[1], self._callbacks[2],
            ffi.CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF)

    # ------------------------------------------------------------ callbacks

    def _on_deliver(self, handle: int, name: object, nodeid: int, pid: int, msg: int | None,
                    size: int) -> None:
        self.record(lambda: Message(int(nodeid), int(pid),
                                    ctypes.string_at(msg, size) if msg and size else b""))

    def _confchg(self, handle: int, name: object, members: object, n_members: int,
                 left: object, n_left: int, joined: object, n_joined: int) -> None:
        self.record(lambda: Confchg(_processes(members, n_members), _processes(left, n_left),
                                    _processes(joined, n_joined)))

    def _totem(self, handle: int, ring: ffi.CpgRingId, n_nodes: int, nodes: Any) -> None:
        self.record(lambda: TotemConfchg(int(ring.seq),
                                         tuple(int(nodes[i]) for i in range(n_nodes))))

    # ------------------------------------------------------------ lifecycle

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

    def local_nodeid(self) -> int:
        out = ctypes.c_uint()
        ffi.check("cpg_local_get", self._lib.cpg_local_get(self._h(), ctypes.byref(out)))
        return out.value

    async def mcast(self, data: bytes) -> int:
        """Send ``data`` to the group (agreed order); retries while Corosync
        says to try again.  Returns the number of retries."""
        buf = ctypes.create_string_buffer(data, len(data))
        iov = ffi.IoVec(ctypes.cast(buf, ctypes.c_void_p), len(data))

        def attempt() -> int:
            return int(self._lib.cpg_mcast_joined(self._h(), ffi.CPG_TYPE_AGREED,
                                                  ctypes.byref(iov), 1))

        return await backoff.retry(attempt, asyncio.sleep)

    def close(self) -> None:
        """Leave the group and disconnect (the others see this process leave)."""
        self._stop_reading()
        if self._handle is not None:
            self._lib.cpg_leave(self._handle, ctypes.byref(self._name))
            self._lib.cpg_finalize(self._handle)
            self._handle = None
