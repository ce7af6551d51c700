"""Processes by network namespace: what a test machine (a namespace) runs,
and how all of it is killed at once."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path


def netns_of(pid: int) -> str | None:
    """The network namespace of a live process (None when gone or a zombie)."""
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None


def processes_in(netns: str, spared: Iterable[int] = ()) -> list[int]:
    """Every live process in network namespace ``netns`` (this one and
    ``spared`` excepted)."""
    keep = {os.getpid(), *spared}
    return [int(entry.name) for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and int(entry.name) not in keep
            and netns_of(int(entry.name)) == netns]


def kill_all_in(netns: str, *, spared: Iterable[int] = (), timeout: float = 10.0,
                signals: tuple[signal.Signals, ...] = (signal.SIGKILL,)) -> set[int]:
    """Signal every process in ``netns`` with each of ``signals`` in turn
    (the next one after ``timeout`` seconds); new processes are signalled as
    they appear (one may fork while the others die), and SIGKILL is sent
    again until none is left.  The pids signalled; processes still there at
    the end are left (the caller tells)."""
    spared = tuple(spared)
    signalled: set[int] = set()
    for sig in signals:
        sent: set[int] = set()
        deadline = time.monotonic() + timeout
        while (victims := processes_in(netns, spared)) and time.monotonic() < deadline:
            for pid in victims:
                if sig == signal.SIGKILL or pid not in sent:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, sig)
            sent.update(victims)
            time.sleep(0.02 if sig == signal.SIGKILL else 0.05)
        signalled |= sent
        if not processes_in(netns, spared):
            break
    return signalled
