"""asyncio helpers hapy's services share."""

from __future__ import annotations

import asyncio
from typing import Any

#: how long to wait after each cancellation before cancelling again
RECANCEL_AFTER = 0.5


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and wait until it has ended, cancelling it again if it
    goes on: Python 3.11's ``asyncio.wait_for`` swallows a cancellation that
    arrives as the awaited thing completes, and a loop around it then runs
    on (a service that never stops)."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=RECANCEL_AFTER)
