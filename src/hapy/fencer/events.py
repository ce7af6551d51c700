"""Fencing events: what was asked, who ran it, how it ended; and the history
a fencer keeps of them (its own and those learned from peers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hapy.records import record, replace

ACTIONS = ("reboot", "off", "on")
PENDING = "pending"
DONE = "done"
FAILED = "failed"
STATES = (PENDING, DONE, FAILED)
#: events kept in a history (the oldest finished ones go first)
HISTORY_LIMIT = 500


@record
class FenceEvent:
    """One fencing action on ``target``."""

    id: str
    target: str
    action: str
    origin: str
    client: str
    executioner: str | None
    devices: tuple[str, ...]
    state: str
    started: float
    completed: float | None
    exit_reason: str = ""

    @property
    def finished(self) -> bool:
        return self.state != PENDING

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "target": self.target, "action": self.action,
            "origin": self.origin, "client": self.client, "executioner": self.executioner,
            "devices": list(self.devices), "state": self.state, "started": self.started,
            "completed": self.completed, "exit_reason": self.exit_reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FenceEvent:
        """The inverse of :meth:`to_json`; ValueError when ``data`` is not an event."""
        try:
            event = cls(
                id=str(data["id"]), target=str(data["target"]), action=str(data["action"]),
                origin=str(data["origin"]), client=str(data.get("client", "")),
                executioner=None if data.get("executioner") is None
                else str(data["executioner"]),
                devices=tuple(str(d) for d in data.get("devices") or ()),
                state=str(data["state"]), started=float(data["started"]),
                completed=None if data.get("completed") is None else float(data["completed"]),
                exit_reason=str(data.get("exit_reason") or ""))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a fencing event: {exc}") from None
        if event.state not in STATES:
            raise ValueError(f"not a fencing event: state {event.state!r}")
        if event.action not in ACTIONS:
            raise ValueError(f"not a fencing event: action {event.action!r}")
        return event

    def finish(self, state: str, completed: float, *, executioner: str | None,
               devices: tuple[str, ...], exit_reason: str = "") -> FenceEvent:
        return replace(self, state=state, completed=completed, executioner=executioner,
                       devices=devices, exit_reason=exit_reason)


class FenceHistory:
    """Events by id, oldest first; a finished event is never replaced by a
    pending copy of itself (a peer's news may arrive late)."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self._events: dict[str, FenceEvent] = {}
        self._limit = limit

    def record(self, event: FenceEvent) -> bool:
        """Add or update ``event``; False when it brought nothing new."""
        known = self._events.get(event.id)
        if known is not None and (known == event or (known.finished and not event.finished)):
            return False
        self._events[event.id] = event
        self._trim()
        return True

    def _trim(self) -> None:
        excess = len(self._events) - self._limit
        if excess <= 0:
            return
        for event in sorted((e for e in self._events.values() if e.finished),
                            key=lambda e: e.started)[:excess]:
            del self._events[event.id]

    def events(self, target: str | None = None) -> list[FenceEvent]:
        """Events (of ``target`` when given), in the order they started."""
        chosen = [e for e in self._events.values() if target is None or e.target == target]
        return sorted(chosen, key=lambda e: (e.started, e.id))

    def get(self, event_id: str) -> FenceEvent | None:
        return self._events.get(event_id)
