"""The daemon side of the local socket's fencing requests (the client side
is :mod:`hapy.commands.stonith`):

* ``{"op": "fence", "target": NODE, "action": "reboot"|"off"|"on"}`` answers
  ``{"ok": true, "event": EVENT}`` once the fencing finished (done or
  failed: the client reads the event's state);
* ``{"op": "fence_history", "target": NODE?}`` answers
  ``{"ok": true, "events": [EVENT, ...]}`` (oldest first).

A malformed request answers ``{"ok": false, "reports": [...]}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from hapy.fencer.events import ACTIONS, FenceEvent
from hapy.fencer.fencer import EventCallback, Fencer
from hapy.reports import HapyError, report

#: the client a fencing asked for on the command line is recorded as
CLI_CLIENT = "hapy stonith"


#: runs a fencing: (target, action, client) -> its final event
FenceRun = Callable[[str, str, str], Awaitable[FenceEvent]]


def local_run(fencer: Fencer, on_event: EventCallback | None = None) -> FenceRun:
    """A :data:`FenceRun` with ``fencer`` itself (a running cluster routes
    the request to the node that must run it instead)."""
    async def run(target: str, action: str, client: str) -> FenceEvent:
        return await fencer.fence(target, action, origin=fencer.node, client=client,
                                  on_event=on_event)
    return run


async def answer_fence(frame: dict[str, Any], run: FenceRun, *,
                       client: str = CLI_CLIENT) -> dict[str, Any]:
    """Check the fencing ``frame`` asks for, have ``run`` carry it out, and
    answer with its final event."""
    target = frame.get("target")
    action = frame.get("action") or "reboot"
    if not isinstance(target, str) or not target:
        return _refuse("FENCE_NO_TARGET", "the request names no node to fence")
    if action not in ACTIONS:
        return _refuse("FENCE_BAD_ACTION", f"'{action}' is not a fencing action",
                       hint="use " + ", ".join(ACTIONS))
    try:
        event = await run(target, str(action), client)
    except HapyError as exc:
        return {"type": "result", "ok": False, "reports": [r.as_dict() for r in exc.reports]}
    return {"type": "result", "ok": True, "event": event.to_json()}


def answer_history(fencer: Fencer, frame: dict[str, Any]) -> dict[str, Any]:
    target = frame.get("target")
    events = [e for e in fencer.history() if not target or e.target == target]
    return {"type": "result", "ok": True, "events": [e.to_json() for e in events]}


def _refuse(code: str, message: str, hint: str = "") -> dict[str, Any]:
    return {"type": "result", "ok": False, "reports": [report(code, message, hint=hint)
                                                        .as_dict()]}
