"""What every Corosync library connection driven from asyncio shares.

The library's fd is watched with ``loop.add_reader``; when it is readable,
the library's dispatch (``CS_DISPATCH_ALL``) runs the callbacks, which only
record what they are given; the records go to ``deliver`` once dispatch
returns.  An exception inside a callback would be swallowed by ctypes, so
:meth:`Dispatched.record` catches everything and it is raised after dispatch.
A failed dispatch (corosync gone) stops the reading and is told to
``on_error``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from hapy.cluster.backends.corosync import ffi

E = TypeVar("E")


class Dispatched(Generic[E]):
    """A handle of library ``lib`` (``cpg``, ``quorum``...) and its fd."""

    #: said after a failed dispatch's error name
    lost_hint = ""

    def __init__(self, lib: str, deliver: Callable[[list[E]], None],
                 on_error: Callable[[str], None]) -> None:
        self._lib_name = lib
        self._lib = ffi.load(lib)
        self._deliver = deliver
        self._on_error = on_error
        self._pending: list[E] = []
        self._failure: BaseException | None = None
        self._handle: int | None = None
        self._fd: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def record(self, make: Callable[[], E]) -> None:
        """From a callback: keep what ``make()`` builds (or its exception)."""
        try:
            self._pending.append(make())
        except BaseException as exc:  # ctypes would swallow it
            self._failure = exc

    def _h(self) -> int:
        if self._handle is None:
            raise ffi.CsError(f"{self._lib_name} (closed)", ffi.CS_ERR_BAD_HANDLE)
        return self._handle

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self._fd is not None
        self._loop = loop
        loop.add_reader(self._fd, self.dispatch)

    def _dispatch_all(self, handle: int) -> int:
        dispatch: Callable[[int, int], int] = getattr(self._lib, f"{self._lib_name}_dispatch")
        return int(dispatch(handle, ffi.CS_DISPATCH_ALL))

    def dispatch(self) -> None:
        """Run the callbacks of what the library has received."""
        if self._handle is None:
            return
        code = self._dispatch_all(self._handle)
        records, self._pending = self._pending, []
        failure, self._failure = self._failure, None
        if records:
            self._deliver(records)
        if failure is not None:
            raise failure
        if code not in (ffi.CS_OK, ffi.CS_ERR_TRY_AGAIN):
            self._stop_reading()
            self._on_error(f"{self._lib_name}_dispatch failed: {ffi.error_name(code)}"
                           + self.lost_hint)

    def _stop_reading(self) -> None:
        if self._loop is not None and self._fd is not None:
            self._loop.remove_reader(self._fd)
        self._loop = None
