"""Fencing in a running cluster: who runs a fencing, how its result reaches
every node, and what the CIB then says of the fenced node.

* **Who fences.**  The DC runs the fencing its transitions ask for with its
  own fencer (:class:`hapy.fencer.Fencer`), except of itself: another member
  does, and only a node alone fences itself (no-quorum-policy=suicide).  A
  fencing asked for by hand (``hapy stonith fence``) goes to the DC too (or,
  if the DC is the target, to another member).
* **Sharing.**  Every fencing event (pending, then done or failed) is
  multicast on the ``crmd`` group, so every node's history holds it, in the
  same order, *before* the DC records the node as down and the recovery of
  its resources is scheduled.  A node that joins gets the DC's recent history.
* **The fenced node in the CIB.**  Once fenced, a node is down and expected
  down (``node_state``), its resource history and transient attributes are
  erased: what it ran is stopped, and it rejoins as a new node.
* **Failures.**  A fencing that fails makes its transition fail; the DC
  plans again and retries, waiting longer after each failure of the same
  target (up to :data:`MAX_BACKOFF`), and nothing that needs the target
  fenced is recovered meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from hapy.fencer import FenceEvent, Fencer
from hapy.reports import HapyError, report

log = logging.getLogger("hapy.controller.fencing")

#: longest pause before fencing a target again after failures
MAX_BACKOFF = 30.0
#: events a joining node is sent
HISTORY_SHARED = 100
#: longest wait for a fencing run on another node
REMOTE_FENCE_TIMEOUT = 600.0

Send = Callable[[dict[str, Any]], Awaitable[None]]


class FencingCoordinator:
    """One node's part in the cluster's fencing.

    ``send`` multicasts a controller message; ``mark_fenced(event)`` records
    the node a done fencing event fenced in the CIB (the DC's job); ``members()`` and ``dc()`` give
    the current view's member names and the DC's name."""

    def __init__(self, node: str, fencer: Fencer, send: Send,
                 mark_fenced: Callable[[FenceEvent], Awaitable[None]],
                 members: Callable[[], list[str]], dc: Callable[[], str | None], *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.node = node
        self.fencer = fencer
        self._send = send
        self._mark_fenced = mark_fenced
        self._members = members
        self._dc = dc
        self._sleep = sleep
        self._waiting: dict[str, asyncio.Future[FenceEvent]] = {}
        self._failures: dict[str, int] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------ who runs it

    def executioner_for(self, target: str) -> str | None:
        """The member that should run a fencing of ``target``: the DC, or the
        first other member when the DC is the target, or -- alone -- the
        target itself (no-quorum-policy=suicide); None if none can."""
        dc = self._dc()
        if dc is not None and dc != target:
            return dc
        others = [m for m in self._members() if m != target]
        if others:
            return others[0]
        return target if target == self.node else None

    # ------------------------------------------------------------ running

    async def fence_for_transition(self, target: str, action: str) -> bool:
        """The DC's fencing of ``target`` for a transition; True once the
        target is fenced and recorded down."""
        failures = self._failures.get(target, 0)
        if failures:
            await self._sleep(min(2.0 ** (failures - 1), MAX_BACKOFF))
        try:
            event = await self.request(target, action, client="controller")
        except HapyError as exc:
            log.error("fencing %s: %s", target, exc)
            self._failures[target] = failures + 1
            return False
        if event.state != "done":
            self._failures[target] = failures + 1
            log.error("fencing %s failed: %s (attempt %d)", target, event.exit_reason,
                      failures + 1)
            return False
        self._failures.pop(target, None)
        return True

    async def request(self, target: str, action: str = "reboot", *,
                      client: str) -> FenceEvent:
        """Have ``target`` fenced by the right member; its final event."""
        executioner = self.executioner_for(target)
        if executioner is None:
            raise HapyError([report(
                "FENCE_NO_EXECUTIONER", f"no other node can fence {target}",
                hint="a node never fences itself; start another node first", node=target)])
        if executioner == self.node:
            return await self._run(target, action, client=client, origin=self.node,
                                   rid=None)
        rid = str(uuid.uuid4())
        future: asyncio.Future[FenceEvent] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        try:
            await self._send({"kind": "fence_request", "rid": rid, "target": target,
                              "action": action, "client": client, "origin": self.node,
                              "executioner": executioner})
            return await asyncio.wait_for(future, REMOTE_FENCE_TIMEOUT)
        except TimeoutError:
            raise HapyError([report(
                "FENCE_TIMEOUT", f"no result from {executioner} fencing {target} within "
                f"{REMOTE_FENCE_TIMEOUT:.0f} s", node=target)]) from None
        finally:
            self._waiting.pop(rid, None)

    async def _run(self, target: str, action: str, *, client: str, origin: str,
                   rid: str | None) -> FenceEvent:
        sent: list[asyncio.Task[None]] = []

        def share(event: FenceEvent) -> None:
            sent.append(asyncio.ensure_future(self._share(event, rid)))

        event = await self.fencer.fence(target, action, origin=origin, client=client,
                                        on_event=share)
        for task in sent:
            # every node has the result before anything depends on it
            await task
        if event.state == "done" and self._dc() == self.node:
            await self._mark_fenced(event)
        return event

    async def _share(self, event: FenceEvent, rid: str | None) -> None:
        await self._send({"kind": "fence_event", "rid": rid, "event": event.to_json()})

    # ------------------------------------------------------------ messages

    async def handle(self, message: dict[str, Any]) -> bool:
        """Handle a fencing message of the ``crmd`` group; False if not one."""
        kind = message.get("kind")
        if kind == "fence_request":
            if message.get("executioner") == self.node:
                self._spawn(self._run_requested(message))
            return True
        if kind == "fence_event":
            await self._event_delivered(message)
            return True
        if kind == "fence_history":
            for data in message.get("events") or ():
                try:
                    self.fencer.merge(FenceEvent.from_json(data))
                except ValueError:
                    continue
            return True
        return False

    async def _run_requested(self, message: dict[str, Any]) -> None:
        try:
            await self._run(str(message["target"]), str(message.get("action", "reboot")),
                            client=str(message.get("client", "")),
                            origin=str(message.get("origin", "")),
                            rid=str(message["rid"]))
        except Exception:  # a request must always end with an event
            log.exception("fencing %s for %s", message.get("target"), message.get("origin"))

    async def _event_delivered(self, message: dict[str, Any]) -> None:
        try:
            event = FenceEvent.from_json(message.get("event") or {})
        except ValueError:
            return
        self.fencer.merge(event)
        if event.state == "pending":
            log.info("fencing of %s (%s) by %s started", event.target, event.action,
                     event.origin)
        else:
            log.warning("fencing of %s (%s): %s%s", event.target, event.action, event.state,
                        f" ({event.exit_reason})" if event.exit_reason else "")
        if event.finished:
            # not awaited here: the CIB change must be delivered by the very
            # event loop that delivers this message
            rid = message.get("rid")
            self._spawn(self._finished(event, rid if isinstance(rid, str) else None))

    async def _finished(self, event: FenceEvent, rid: str | None) -> None:
        try:
            if event.state == "done" and event.executioner != self.node \
                    and self._dc() == self.node:
                # a fencing run elsewhere: the DC records it
                await self._mark_fenced(event)
        finally:
            future = self._waiting.get(rid) if rid is not None else None
            if future is not None and not future.done():
                future.set_result(event)

    async def share_history(self) -> None:
        """Send the recent history (for nodes that just joined)."""
        events = self.fencer.history()[-HISTORY_SHARED:]
        if events:
            await self._send({"kind": "fence_history",
                              "events": [e.to_json() for e in events]})

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
