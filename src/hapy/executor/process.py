"""Running one agent action as a subprocess, with its timeout enforced.

The agent runs in a process group of its own; when the timeout expires the
whole group is killed (agents fork helpers that would otherwise outlive it),
and the result is a timeout (op-status 2, rc 1) as Pacemaker records it.
What the agent writes is kept up to :data:`MAX_OUTPUT` bytes per stream; an
``ocf-exit-reason:`` line on its stderr becomes the exit reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
import time
from collections.abc import Callable
from typing import IO

from hapy.executor.agents import Invocation, OcfRc, OpStatus, map_rc
from hapy.records import record

MAX_OUTPUT = 64 * 1024
EXIT_REASON_PREFIX = "ocf-exit-reason:"
MAX_EXIT_REASON = 127


@record
class ActionResult:
    """What an action came to."""

    rc: OcfRc
    status: OpStatus
    exec_ms: int
    exit_reason: str = ""
    stdout: str = ""
    stderr: str = ""


def exit_reason(stderr: str) -> str:
    """The last ``ocf-exit-reason:`` an agent printed (Pacemaker keeps the last)."""
    reason = ""
    for line in stderr.splitlines():
        if line.startswith(EXIT_REASON_PREFIX):
            reason = line[len(EXIT_REASON_PREFIX):].strip()
    return reason[:MAX_EXIT_REASON]


def _read_bounded(fh: IO[bytes]) -> str:
    fh.seek(0)
    return fh.read(MAX_OUTPUT).decode(errors="replace")


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def _feed_and_wait(proc: asyncio.subprocess.Process, text: str | None) -> None:
    if text is not None and proc.stdin is not None:
        # an agent that exits without reading its input is not an error
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            proc.stdin.write(text.encode())
            await proc.stdin.drain()
        proc.stdin.close()
    await proc.wait()


async def run_invocation(inv: Invocation, timeout_ms: int,
                         clock: Callable[[], float] = time.monotonic) -> ActionResult:
    """Run ``inv``; never raises for the agent's failures (they are results)."""
    if inv.fixed_rc is not None:
        return ActionResult(inv.fixed_rc, inv.fixed_status, 0, inv.fixed_reason)
    start = clock()
    # output goes to unlinked temporary files, not pipes: a daemon the agent
    # starts inherits them, and must neither block us nor be killed (it is
    # the service)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = await asyncio.create_subprocess_exec(
                *inv.argv, env=dict(inv.env),
                stdin=asyncio.subprocess.DEVNULL if inv.stdin is None else asyncio.subprocess.PIPE,
                stdout=out, stderr=err, start_new_session=True, close_fds=True)
        except OSError as exc:
            return ActionResult(OcfRc.ERR_INSTALLED, OpStatus.NOT_INSTALLED, 0,
                                f"cannot execute {inv.argv[0]}: {exc.strerror}")
        timed_out = False
        try:
            await asyncio.wait_for(_feed_and_wait(proc, inv.stdin), timeout_ms / 1000.0)
        except TimeoutError:
            timed_out = True
            _kill_group(proc.pid)
            await proc.wait()
        except asyncio.CancelledError:
            _kill_group(proc.pid)
            await proc.wait()
            raise
        elapsed = int((clock() - start) * 1000)
        stdout = _read_bounded(out)
        stderr = _read_bounded(err)
    if timed_out:
        return ActionResult(OcfRc.ERR_GENERIC, OpStatus.TIMEOUT, elapsed,
                            f"{inv.action} timed out after {timeout_ms}ms", stdout, stderr)
    rc = proc.returncode if proc.returncode is not None else 1
    if rc < 0:  # killed by a signal
        return ActionResult(OcfRc.ERR_GENERIC, OpStatus.ERROR, elapsed,
                            f"agent killed by signal {-rc}", stdout, stderr)
    ocf = map_rc(inv.standard, inv.action, rc)
    return ActionResult(ocf, OpStatus.DONE, elapsed, exit_reason(stderr), stdout, stderr)
