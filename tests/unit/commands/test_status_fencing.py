"""``hapy status``'s fencing sections and warnings, as crm_mon / pcs show them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hapy.commands.status import ClusterStatus, fencing_lines, render_status_text
from hapy.display.xml import fence_event_attributes


def event(target: str, state: str, completed: float | None, **more: Any) -> dict[str, Any]:
    return {"id": f"{target}-{state}-{completed}", "target": target, "action": "reboot",
            "origin": "node1", "client": "controller", "executioner": "node1",
            "devices": ["fencer"], "state": state, "started": 100.0, "completed": completed,
            "exit_reason": "", **more}


def test_failed_pending_and_the_last_successful_fencing_per_node() -> None:
    lines = fencing_lines((event("node2", "done", 200.0), event("node2", "done", 300.0),
                           event("node3", "failed", 150.0, exit_reason="device broken"),
                           event("node3", "pending", None, executioner=None)))
    text = "\n".join(lines)
    assert "Failed Fencing Actions:\n  * reboot of node3 failed: delegate=node1, " \
           "client=controller, origin=node1, last-failed=" in text
    assert "Pending Fencing Actions:\n  * reboot of node3 pending: client=controller, " \
           "origin=node1" in text
    history = text.split("Fencing History:\n")[1].splitlines()
    assert len(history) == 1 and history[0].startswith("  * reboot of node2 successful")


def test_no_fencing_no_sections() -> None:
    assert fencing_lines(()) == []


def test_fence_event_xml_attributes() -> None:
    attrs = fence_event_attributes(event("node2", "failed", 200.0, exit_reason="timed out"))
    assert attrs["status"] == "failed" and attrs["delegate"] == "node1"
    assert attrs["exit-reason"] == "timed out" and "completed" in attrs
    pending = fence_event_attributes(event("node2", "pending", None, executioner=None))
    assert pending["status"] == "pending" and "completed" not in pending
    assert "delegate" not in pending


def test_warnings_come_first() -> None:
    status = ClusterStatus("node1", True, 3, 0, ("Node List:",), "<x/>",
                           warnings=("No stonith devices and stonith-enabled is not false",))
    lines = render_status_text(status, datetime(2026, 1, 1, tzinfo=UTC))
    assert lines[:2] == ["WARNINGS:", "No stonith devices and stonith-enabled is not false"]
    assert lines[3] == "Cluster Summary:"
