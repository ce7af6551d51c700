"""``hapy status``'s fencing sections and warnings, as crm_mon / pcs show them."""

from __future__ import annotations

from datetime import UTC, datetime

from hapy.commands.status import ClusterStatus, fencing_lines, render_status_text
from hapy.fencer.events import FenceEvent
from hapy.fencer.render import sort_events


def event(target: str, state: str, completed: float | None, *, reason: str = "",
          executioner: str | None = "node1") -> FenceEvent:
    return FenceEvent(f"{target}-{state}-{completed}", target, "reboot", "node1",
                      "controller", executioner, ("fencer",), state, 100.0, completed, reason)


def test_failed_pending_and_the_last_successful_fencing_per_node() -> None:
    events = sort_events([event("node2", "done", 200.0), event("node2", "done", 300.0),
                          event("node3", "failed", 150.0, reason="device broken"),
                          event("node3", "pending", None, executioner=None)])
    text = "\n".join(fencing_lines(tuple(events)))
    assert "Failed Fencing Actions:\n  * reboot of node3 failed (device broken): " \
           "delegate=node1, client=controller, origin=node1, last-failed=" in text
    assert "Pending Fencing Actions:\n  * reboot of node3 pending: client=controller, " \
           "origin=node1" in text
    history = text.split("Fencing History:\n")[1].splitlines()
    assert len(history) == 1 and history[0].startswith("  * reboot of node2 successful")
    # the newest of node2's two fencings
    assert history[0] == "  * " + fencing_lines((event("node2", "done", 300.0),))[-1][4:]


def test_no_fencing_no_sections() -> None:
    assert fencing_lines(()) == []


def test_warnings_come_first() -> None:
    status = ClusterStatus("node1", True, 3, 0, ("Node List:",), "<x/>",
                           warnings=("No stonith devices and stonith-enabled is not false",))
    lines = render_status_text(status, datetime(2026, 1, 1, tzinfo=UTC))
    assert lines[:2] == ["WARNINGS:", "No stonith devices and stonith-enabled is not false"]
    assert lines[3] == "Cluster Summary:"
