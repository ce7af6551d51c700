"""Quorum from Corosync: libquorum's notifications, votequorum's numbers."""

from __future__ import annotations

import asyncio
import ctypes
from collections.abc import Callable

from hapy.cluster.backends.corosync import ffi
from hapy.cluster.backends.corosync.views import QuorumNotice


class QuorumConnection:
    """Tracks quorum changes (libquorum); each is passed to ``on_notice``."""

    def __init__(self, on_notice: Callable[[QuorumNotice], None],
                 on_error: Callable[[str], None]) -> None:
        self._lib = ffi.load("quorum")
        self._on_notice = on_notice
        self._on_error = on_error
        self._pending: list[QuorumNotice] = []
        self._failure: BaseException | None = None
        self._notify = ffi.QuorumNotifyFn(self._notified)  # kept referenced
        self._callbacks = ffi.QuorumCallbacks(self._notify)
        self._handle: int | None = None
        self._fd: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        #: False when corosync runs without a quorum provider (always quorate)
        self.has_provider = True

    def _notified(self, handle: int, quorate: int, seq: int, n_nodes: int,
                  nodes: object) -> None:
        try:
            self._pending.append(QuorumNotice(bool(quorate), int(seq)))
        except BaseException as exc:  # ctypes would swallow it
            self._failure = exc

    def _h(self) -> int:
        if self._handle is None:
            raise ffi.CsError("quorum (closed)", ffi.CS_ERR_BAD_HANDLE)
        return self._handle

    def open(self) -> None:
        handle, kind = ctypes.c_uint64(), ctypes.c_uint32()
        ffi.check("quorum_initialize", self._lib.quorum_initialize(
            ctypes.byref(handle), ctypes.byref(self._callbacks), ctypes.byref(kind)))
        self._handle = handle.value
        self.has_provider = kind.value == ffi.QUORUM_SET
        fd = ctypes.c_int()
        ffi.check("quorum_fd_get", self._lib.quorum_fd_get(self._h(), ctypes.byref(fd)))
        self._fd = fd.value
        ffi.check("quorum_trackstart", self._lib.quorum_trackstart(
            self._h(), ffi.CS_TRACK_CHANGES))

    def quorate(self) -> bool:
        out = ctypes.c_int()
        ffi.check("quorum_getquorate", self._lib.quorum_getquorate(self._h(), ctypes.byref(out)))
        return bool(out.value)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self._fd is not None
        self._loop = loop
        loop.add_reader(self._fd, self.dispatch)

    def dispatch(self) -> None:
        if self._handle is None:
            return
        code = self._lib.quorum_dispatch(self._handle, ffi.CS_DISPATCH_ALL)
        notices, self._pending = self._pending, []
        failure, self._failure = self._failure, None
        for notice in notices:
            self._on_notice(notice)
        if failure is not None:
            raise failure
        if code not in (ffi.CS_OK, ffi.CS_ERR_TRY_AGAIN):
            self._stop_reading()
            self._on_error(f"quorum_dispatch failed: {ffi.error_name(code)}")

    def _stop_reading(self) -> None:
        if self._loop is not None and self._fd is not None:
            self._loop.remove_reader(self._fd)
        self._loop = None

    def close(self) -> None:
        self._stop_reading()
        if self._handle is not None:
            self._lib.quorum_trackstop(self._handle)
            self._lib.quorum_finalize(self._handle)
            self._handle = None


class VoteQuorumConnection:
    """votequorum's numbers for this node (blocking calls: local IPC)."""

    def __init__(self) -> None:
        self._lib = ffi.load("votequorum")
        self._callbacks = ffi.VotequorumCallbacks(None, None, None)
        handle = ctypes.c_uint64()
        ffi.check("votequorum_initialize", self._lib.votequorum_initialize(
            ctypes.byref(handle), ctypes.byref(self._callbacks)))
        self._handle: int | None = handle.value

    def info(self, nodeid: int) -> ffi.VotequorumInfo:
        if self._handle is None:
            raise ffi.CsError("votequorum (closed)", ffi.CS_ERR_BAD_HANDLE)
        info = ffi.VotequorumInfo()
        ffi.check("votequorum_getinfo", self._lib.votequorum_getinfo(
            self._handle, nodeid, ctypes.byref(info)))
        return info

    def expected_votes(self, nodeid: int) -> int:
        return int(self.info(nodeid).node_expected_votes)

    def close(self) -> None:
        if self._handle is not None:
            self._lib.votequorum_finalize(self._handle)
            self._handle = None
