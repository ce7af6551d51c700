"""The simulator's output order around requested modifications."""

from __future__ import annotations

import io
from pathlib import Path

from hapy.simulate.driver import SimulateRequest, simulate

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "two-nodes.xml"


def _sections(text: str) -> dict[str, str]:
    """The output split at crm_simulate's section headings."""
    sections: dict[str, str] = {}
    current = ""
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
            sections[current] = ""
        elif current:
            sections[current] += line + "\n"
    return sections


def test_current_status_is_shown_before_a_node_is_taken_down() -> None:
    out = io.StringIO()
    simulate(SimulateRequest(xml_file=str(SAMPLE), simulate=True, node_down=("node2",)), out)
    sections = _sections(out.getvalue())
    assert "Online: [ node1 node2 ]" in sections["Current cluster status"]
    assert "Taking node node2 offline" in sections["Performing Requested Modifications"]
    assert "OFFLINE: [ node2 ]" in sections["Revised Cluster Status"]
    # backup ran on node2, which is now down: the plan moves it
    assert "backup" in sections["Transition Summary"]


def test_without_modifications_there_is_no_modifications_section() -> None:
    out = io.StringIO()
    simulate(SimulateRequest(xml_file=str(SAMPLE)), out)
    sections = _sections(out.getvalue())
    assert "Performing Requested Modifications" not in sections
    assert "Online: [ node1 node2 ]" in sections["Current cluster status"]
