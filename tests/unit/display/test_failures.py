"""crm_mon's "Failed Resource Actions" from the status section's
``*_last_failure_0`` entries."""

from __future__ import annotations

from lxml import etree

from hapy.display.failures import failed_actions, failure_lines, failure_xml

CIB = """<cib><configuration/><status>
<node_state id="2" uname="node2"><lrm id="2"><lrm_resources>
<lrm_resource id="d" class="ocf" provider="heartbeat" type="Dummy">
<lrm_rsc_op id="d_last_0" operation_key="d_stop_0" operation="stop" rc-code="0"
  op-status="0" call-id="14" interval="0"/>
<lrm_rsc_op id="d_last_failure_0" operation_key="d_monitor_1000" operation="monitor"
  rc-code="7" op-status="0" call-id="12" interval="1000" last-rc-change="1764197000"
  exec-time="3" queue-time="0" exit-reason=""/>
</lrm_resource>
<lrm_resource id="e" class="ocf" provider="heartbeat" type="Dummy">
<lrm_rsc_op id="e_last_failure_0" operation_key="e_start_0" operation="start"
  rc-code="1" op-status="2" call-id="3" interval="0" last-rc-change="1764197100"
  exec-time="20000" queue-time="1" exit-reason="timed out"/>
</lrm_resource></lrm_resources></lrm></node_state>
<node_state id="1" uname="node1"><lrm id="1"><lrm_resources>
<lrm_resource id="d" class="ocf" provider="heartbeat" type="Dummy">
<lrm_rsc_op id="d_last_0" operation_key="d_start_0" operation="start" rc-code="0"
  op-status="0" call-id="15" interval="0"/>
</lrm_resource></lrm_resources></lrm></node_state>
</status></cib>"""


def test_each_last_failure_entry_is_a_failed_action() -> None:
    failures = failed_actions(etree.fromstring(CIB))
    assert [(f.op_key, f.node, f.rc, f.rc_text) for f in failures] == [
        ("d_monitor_1000", "node2", 7, "not running"), ("e_start_0", "node2", 1, "error")]
    lines = failure_lines(failures)
    assert lines[:2] == ["", "Failed Resource Actions:"]
    assert lines[2].startswith("  * d_monitor_1000 on node2 'not running' (7): call=12, "
                               "status='complete', last-rc-change='")
    assert lines[2].endswith("queued=0ms, exec=3ms")
    assert "status='Timed Out', exitreason='timed out'" in lines[3]


def test_the_xml_has_one_failure_element_each() -> None:
    xml = "\n".join(failure_xml(failed_actions(etree.fromstring(CIB))))
    parsed = etree.fromstring(xml)
    assert parsed.tag == "failures"
    first = parsed[0].attrib
    assert (first["op_key"], first["exitstatus"], first["exitcode"], first["interval"],
            first["task"]) == ("d_monitor_1000", "not running", "7", "1000", "monitor")
    assert parsed[1].get("exitreason") == "timed out"


def test_nothing_failed_nothing_shown() -> None:
    assert failure_lines([]) == [] and failure_xml([]) == []
