"""The status crm_simulate prints once the transition has run."""

from __future__ import annotations

import io
from pathlib import Path

from hapy.simulate.driver import SimulateRequest, simulate

_CIB = """<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"
     have-quorum="1" dc-uuid="n1">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes><node id="n1" uname="n1"/></nodes>
    <resources><primitive id="r" class="ocf" provider="pacemaker" type="Dummy"/></resources>
    <constraints/>
  </configuration>
  <status><node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"
      expected="member"><lrm id="n1"><lrm_resources>
    <lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">
      <lrm_rsc_op id="r_pending" operation_key="r_start_0" operation="start" interval="0"
        call-id="-1" rc-code="-1" op-status="-1" transition-key="-1:1:0:x"
        op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>
    </lrm_resource>
  </lrm_resources></lrm></node_state></status>
</cib>"""


def test_a_start_in_progress_is_started_again_and_no_longer_shown_pending(
        tmp_path: Path) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(_CIB)
    out = io.StringIO()
    simulate(SimulateRequest(xml_file=str(path), simulate=True), out)
    text = out.getvalue()
    current, revised = text.split("Revised Cluster Status:")
    assert "Starting n1" in current
    assert "start on n1" in current  # (the start is in the graph again)
    assert "Started n1" in revised and "Starting" not in revised
