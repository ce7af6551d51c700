"""Retrying a send that Corosync answers with CS_ERR_TRY_AGAIN.

Under load ``cpg_mcast_joined`` refuses a message for a moment (flow control,
or the ring being rebuilt).  The sender then waits without blocking the event
loop, a little longer each time, up to a deadline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

from hapy.cluster.backends.corosync.ffi import CS_ERR_TRY_AGAIN, CS_OK, CsError

FIRST_DELAY = 0.001
MAX_DELAY = 0.1
DEADLINE = 30.0


def delays(first: float = FIRST_DELAY, ceiling: float = MAX_DELAY,
           total: float = DEADLINE) -> Iterator[float]:
    """Waits between attempts: doubling from ``first`` up to ``ceiling``,
    until they add up to ``total``."""
    spent, delay = 0.0, first
    while spent < total:
        step = min(delay, ceiling, total - spent)
        yield step
        spent += step
        delay *= 2


async def retry(attempt: Callable[[], int], sleep: Callable[[float], Awaitable[object]],
                call: str = "cpg_mcast_joined", waits: Iterator[float] | None = None) -> int:
    """Call ``attempt`` (which returns a cs_error_t) until it is not TRY_AGAIN.

    Returns the number of retries; raises :class:`CsError` on another error,
    or on TRY_AGAIN still after the last wait.
    """
    retries = 0
    for wait in waits if waits is not None else delays():
        code = attempt()
        if code == CS_OK:
            return retries
        if code != CS_ERR_TRY_AGAIN:
            raise CsError(call, code)
        retries += 1
        await sleep(wait)
    code = attempt()
    if code != CS_OK:
        raise CsError(call, code)
    return retries
