"""A primitive found active on several nodes, per multiple-active policy."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from hapy.cib.parse import cib_from_tree
from hapy.reports import ReportList
from hapy.scheduler.graph import in_graph
from hapy.scheduler.run import Transition, schedule
from hapy.scheduler.summary import transition_summary


def _running(node: str) -> str:
    return f"""<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" join="member"
      expected="member"><lrm id="{node}"><lrm_resources>
      <lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">
        <lrm_rsc_op id="r_last_0" operation="start" transition-key="1:1:0:x" call-id="1"
          rc-code="0" op-status="0" interval="0"
          op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>
      </lrm_resource></lrm_resources></lrm></node_state>"""


def _run(policy: str) -> Transition:
    text = f"""<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true"
      validate-with="pacemaker-3.7">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="n1" uname="n1"/><node id="n2" uname="n2"/></nodes>
    <resources><primitive id="r" class="ocf" provider="pacemaker" type="Dummy">
      <meta_attributes id="r-meta"><nvpair id="r-ma" name="multiple-active" value="{policy}"/>
      </meta_attributes></primitive></resources>
    <constraints><rsc_location id="l" rsc="r" node="n1" score="10"/></constraints>
  </configuration>
  <status>{_running("n1")}{_running("n2")}</status>
</cib>"""
    return schedule(cib_from_tree(etree.fromstring(text), ReportList()),
                    datetime(2026, 1, 1, tzinfo=UTC))


def _graph(tr: Transition) -> set[tuple[str, str, bool]]:
    return {
        (a.task, a.node.uname if a.node else "", a.pseudo) for a in tr.actions if in_graph(a)
    }


def _summary(tr: Transition) -> list[str]:
    return [" ".join(line.split()) for line in transition_summary(tr.working_set)]


def test_stop_start_restarts_where_assigned() -> None:
    tr = _run("stop_start")
    assert _graph(tr) == {("stop", "n1", False), ("stop", "n2", False), ("start", "n1", False)}
    assert _summary(tr) == ["* Restart r ( n1 )"]


def test_stop_only_stops_everywhere() -> None:
    tr = _run("stop_only")
    assert _graph(tr) == {("stop", "n1", False), ("stop", "n2", False)}


def test_stop_unexpected_keeps_the_assigned_instance() -> None:
    tr = _run("stop_unexpected")
    assert _graph(tr) == {("stop", "n2", False), ("start", "n1", True)}
    assert _summary(tr) == ["* Restart r ( n1 )"]


def test_block_leaves_it_alone() -> None:
    tr = _run("block")
    assert _graph(tr) == set()
