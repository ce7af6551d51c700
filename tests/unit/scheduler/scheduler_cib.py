"""Small CIB documents for scheduler unit tests."""

from __future__ import annotations

from datetime import UTC, datetime

from hapy.cib.parse import cib_from_tree
from hapy.cib.xmlio import parse_xml_text
from hapy.graph.model import Synapse, TransitionGraph
from hapy.reports import ReportList
from hapy.scheduler.run import Transition, schedule

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def cib_text(resources: str, *, constraints: str = "", status: str = "",
             nodes: tuple[str, ...] = ("n1", "n2"), op_defaults: str = "",
             options: str = "", feature_set: str = "") -> str:
    """``feature_set``: the CIB's ``crm_feature_set`` (3.0.13 and later count
    failures per operation, ``fail-count-RSC#TASK_INTERVAL``)."""
    node_xml = "".join(f'<node id="{n}" uname="{n}"/>' for n in nodes)
    states = status or "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member"'
        f' expected="member"/>' for n in nodes
    )
    version = f' crm_feature_set="{feature_set}"' if feature_set else ""
    return f"""<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"
     have-quorum="1" dc-uuid="{nodes[0]}"{version}>
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">
      <nvpair id="o1" name="stonith-enabled" value="false"/>{options}
    </cluster_property_set></crm_config>
    <nodes>{node_xml}</nodes>
    <resources>{resources}</resources>
    <constraints>{constraints}</constraints>
    {op_defaults}
  </configuration>
  <status>{states}</status>
</cib>"""


def run(text: str, now: datetime = NOW) -> Transition:
    reports = ReportList()
    cib = cib_from_tree(parse_xml_text(text), reports)
    return schedule(cib, now, with_scores=False)


def synapse(graph: TransitionGraph, key: str, node: str | None = None) -> Synapse:
    for syn in graph.synapses:
        if syn.action.operation_key == key and (node is None or syn.action.on_node == node):
            return syn
    raise AssertionError(f"no synapse for {key} on {node}")


def input_keys(graph: TransitionGraph, syn: Synapse) -> set[str]:
    by_id = {s.action.id: s.action for s in graph.synapses}
    return {by_id[i].operation_key + (f"@{by_id[i].on_node}" if by_id[i].on_node else "")
            for i in syn.inputs}


def dummy(rid: str, ops: str = "", meta: str = "", params: str = "") -> str:
    return (f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy">{meta}'
            f'{params}<operations>{ops}</operations></primitive>')
