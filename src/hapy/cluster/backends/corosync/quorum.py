"""Quorum from Corosync: libquorum's notifications, votequorum's numbers."""

from __future__ import annotations

import ctypes
from collections.abc import Callable

from hapy.cluster.backends.corosync import ffi
from hapy.cluster.backends.corosync.dispatch import Dispatched
from hapy.cluster.backends.corosync.views import QuorumNotice


class QuorumConnection(Dispatched[QuorumNotice]):
    """Tracks quorum changes (libquorum); each is passed to ``on_notice``."""

    def __init__(self, on_notice: Callable[[QuorumNotice], None],
                 on_error: Callable[[str], None]) -> None:
        def deliver(notices: list[QuorumNotice]) -> None:
            for notice in notices:
                on_notice(notice)

        super().__init__("quorum", deliver, on_error)
        self._notify = ffi.QuorumNotifyFn(self._notified)  # kept referenced
        self._callbacks = ffi.QuorumCallbacks(self._notify)
        #: False when corosync runs without a quorum provider (always quorate)
        self.has_provider = True

    def _notified(self, handle: int, quorate: int, seq: int, n_nodes: int,
                  nodes: object) -> None:
        self.record(lambda: QuorumNotice(bool(quorate), int(seq)))

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
