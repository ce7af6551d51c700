"""Running the scheduler away from the event loop, in a worker process.

The scheduler is pure: the worker gets the CIB as XML and the time, and gives
back the transition graph as XML (both cross the process boundary as text).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import concurrent.futures.process
import multiprocessing
from datetime import UTC, datetime

from hapy.graph.model import TransitionGraph


def plan_transition(cib_xml: bytes, now: float) -> str:
    """The transition graph (XML) for a CIB at a time; runs in the worker."""
    from hapy.cib.parse import cib_from_tree
    from hapy.cib.xmlio import parse_xml_bytes
    from hapy.graph.xml import graph_to_xml
    from hapy.reports import ReportList
    from hapy.scheduler.run import schedule

    root = parse_xml_bytes(cib_xml, "<cluster CIB>")
    cib = cib_from_tree(root, ReportList(), "<cluster CIB>")
    transition = schedule(cib, datetime.fromtimestamp(now, UTC), with_scores=False)
    return graph_to_xml(transition.graph)


def _worker_init() -> None:
    """The worker leaves signals to its daemon (a terminal's Ctrl-C or a
    SIGTERM to the process group must not break the pool mid-shutdown)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class Planner:
    """Schedules in one long-lived worker process (started on first use)."""

    def __init__(self) -> None:
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    async def plan(self, cib_xml: bytes, now: float) -> TransitionGraph:
        from hapy.graph.xml import graph_from_xml

        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            if self._pool is None:
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_init)
            try:
                text = await loop.run_in_executor(self._pool, plan_transition, cib_xml, now)
                return graph_from_xml(text)
            except concurrent.futures.process.BrokenProcessPool:
                # the worker died (killed, out of memory): start a new one once
                self._pool = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
