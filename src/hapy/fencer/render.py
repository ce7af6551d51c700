"""Fencing events as Pacemaker's tools print them (``stonith_admin
--history``, crm_mon's fencing history), in text and XML; shared by
``hapy stonith history`` and ``hapy status``.

Text: ``reboot of node2 successful: delegate=node1, client=controller,
origin=node1, completed='2026-11-26 23:40:55 +00:00'``; a failure says
``failed (REASON)`` and ``last-failed=``, a pending action ``pending`` with
no delegate nor time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import quoteattr

from hapy.fencer.events import DONE, PENDING, FenceEvent

XML_STATUS = {DONE: "success", PENDING: "pending", "failed": "failed"}


def format_time(epoch: float, tz: timezone | None = None) -> str:
    """``2026-11-26 23:40:55 +00:00`` in ``tz`` (default: local time)."""
    when = datetime.fromtimestamp(epoch, tz) if tz is not None else \
        datetime.fromtimestamp(epoch).astimezone()
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{when:%Y-%m-%d %H:%M:%S} {sign}{minutes // 60:02d}:{minutes % 60:02d}"


def sort_events(events: Iterable[FenceEvent]) -> list[FenceEvent]:
    """Pending first, then the most recently finished first (as crm_mon lists them)."""
    return sorted(events, key=lambda e: (e.state != PENDING,
                                         -(e.completed if e.completed is not None
                                           else e.started)))


def event_text(event: FenceEvent, tz: timezone | None = None) -> str:
    head = f"{event.action} of {event.target}"
    if event.state == PENDING:
        return f"{head} pending: client={event.client}, origin={event.origin}"
    fields = []
    if event.executioner:
        fields.append(f"delegate={event.executioner}")
    fields += [f"client={event.client}", f"origin={event.origin}"]
    when = format_time(event.completed if event.completed is not None else event.started, tz)
    if event.state == DONE:
        fields.append(f"completed='{when}'")
        return f"{head} successful: {', '.join(fields)}"
    fields.append(f"last-failed='{when}'")
    reason = f" ({event.exit_reason})" if event.exit_reason else ""
    return f"{head} failed{reason}: {', '.join(fields)}"


def event_xml(event: FenceEvent, tz: timezone | None = None) -> str:
    """A ``<fence_event>`` element (one line)."""
    attrs = {"action": event.action, "target": event.target, "client": event.client,
             "origin": event.origin, "status": XML_STATUS.get(event.state, event.state)}
    if event.executioner:
        attrs["delegate"] = event.executioner
    if event.state != PENDING:
        attrs["completed"] = format_time(
            event.completed if event.completed is not None else event.started, tz)
    if event.exit_reason and event.state != DONE:
        attrs["exit-reason"] = event.exit_reason
    if event.devices:
        attrs["devices"] = ",".join(event.devices)
    return "<fence_event " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + "/>"
