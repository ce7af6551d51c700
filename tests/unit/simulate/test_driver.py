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


PENDING_CIB = """<cib validate-with="pacemaker-3.0" epoch="1" num_updates="1" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="n1" uname="node1"/></nodes>
    <resources>
      <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr">
        <operations><op id="ip-mon" name="monitor" interval="5s"/></operations>
      </primitive>
      <primitive id="web" class="ocf" provider="heartbeat" type="apache"/>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member"
        expected="member">
      <lrm id="n1"><lrm_resources>
        <lrm_resource id="ip" class="ocf" provider="heartbeat" type="IPaddr">
          <lrm_rsc_op id="ip_start_0" operation="start" interval="0" call-id="-1"
              rc-code="-1" op-status="-1" transition-key="0:0:0:u"
              transition-magic="0:0;0:0:0:u"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
  </status>
</cib>
"""


def test_revised_status_does_not_show_operations_still_pending(tmp_path: Path) -> None:
    # the start pending in the history stays in the CIB after the transition,
    # but crm_simulate's revised status shows the role alone, not "Starting"
    xml = tmp_path / "pending.xml"
    xml.write_text(PENDING_CIB)
    out = io.StringIO()
    simulate(SimulateRequest(xml_file=str(xml), simulate=True), out)
    sections = _sections(out.getvalue())
    assert "Starting node1" in sections["Current cluster status"]
    revised = sections["Revised Cluster Status"]
    assert "Starting" not in revised
    assert "Started node1" in revised


def test_probe_again_is_not_listed_among_the_executed_actions(tmp_path: Path) -> None:
    xml = tmp_path / "reprobe.xml"
    xml.write_text(PENDING_CIB.replace(
        '<lrm id="n1">',
        '<transient_attributes id="n1"><instance_attributes id="n1-a">'
        '<nvpair id="pc" name="probe_complete" value="false"/>'
        '</instance_attributes></transient_attributes><lrm id="n1">'))
    graph = tmp_path / "g.xml"
    out = io.StringIO()
    simulate(SimulateRequest(xml_file=str(xml), simulate=True, graph_file=str(graph)), out)
    assert "probe_again-node1" in graph.read_text()
    assert "probe_again" not in _sections(out.getvalue())["Executing Cluster Transition"]
