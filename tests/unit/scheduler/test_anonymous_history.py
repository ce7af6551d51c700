"""Anonymous clone history: which instance an lrm_resource entry belongs to."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hapy.cib.parse import load_cib_file
from hapy.scheduler.run import schedule

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def _op(op_id: str, task: str, rc: int, call: int) -> str:
    return (f'<lrm_rsc_op id="{op_id}" operation="{task}" call-id="{call}" rc-code="{rc}" '
            f'op-status="0" interval="0" operation_key="d_{task}_0" '
            f'transition-key="{call}:1:{rc}:x" transition-magic="0:{rc};{call}:1:{rc}:x"/>')


def _cib(tmp_path: Path, node1: str, node2: str, ops: str = "") -> Path:
    xml = f"""<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"
      have-quorum="1"><configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="n1" uname="node1"/><node id="n2" uname="node2"/></nodes>
    <resources><clone id="c"><primitive id="d" class="ocf" provider="pacemaker" type="Dummy">
    {ops}</primitive></clone></resources><constraints/></configuration>
  <status>
    <node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member"
      expected="member"><lrm id="n1"><lrm_resources>{node1}</lrm_resources></lrm></node_state>
    <node_state id="n2" uname="node2" in_ccm="true" crmd="online" join="member"
      expected="member"><lrm id="n2"><lrm_resources>{node2}</lrm_resources></lrm></node_state>
  </status></cib>"""
    path = tmp_path / "cib.xml"
    path.write_text(xml)
    return path


def _entry(name: str, op: str) -> str:
    return (f'<lrm_resource id="{name}" class="ocf" provider="pacemaker" type="Dummy">'
            f"{op}</lrm_resource>")


def test_actions_are_named_after_the_history_entry(tmp_path: Path) -> None:
    # node1's history is under "d:1" but it is instance d:0 that runs there
    path = _cib(tmp_path, _entry("d:1", _op("a1", "start", 0, 2)), "",
                ops='<operations><op id="m" name="monitor" interval="10s"/></operations>')
    cib, _ = load_cib_file(str(path))
    result = schedule(cib, NOW)
    monitor = next(s.action for s in result.graph.synapses
                   if s.action.operation == "monitor" and s.action.on_node == "node1")
    assert monitor.operation_key == "d:1_monitor_10000"
    assert monitor.internal_operation_key == "d:0_monitor_10000"
    assert monitor.resource is not None and monitor.resource.long_id == "d:1"


def test_second_history_of_an_active_instance_is_an_orphan(tmp_path: Path) -> None:
    node1 = _entry("d:0", _op("a1", "start", 0, 2)) + _entry("d:1", _op("a2", "monitor", 7, 3))
    cib, _ = load_cib_file(str(_cib(tmp_path, node1, "")))
    clone = schedule(cib, NOW).working_set.resources_by_id["c"]
    assert [inst.name for inst in clone.children] == ["d:0", "d:1", "d:2"]
    assert clone.children[2].orphan
    assert clone.children[0].history_name == "d:0"


def test_orphan_instances_are_not_placed(tmp_path: Path) -> None:
    node1 = _entry("d:0", _op("a1", "start", 0, 2)) + _entry("d:1", _op("a2", "monitor", 7, 3))
    cib, _ = load_cib_file(str(_cib(tmp_path, node1, "")))
    scores = schedule(cib, NOW).scores
    assert not any(" d:2 " in line for line in scores)


def test_active_entry_reuses_instance_probed_on_same_node(tmp_path: Path) -> None:
    # node1: a probe under "d:1" (not running), then "d:0" running;
    # node2: "d:0" running.  Pacemaker: d:0 runs on node1, d:1 on node2.
    node1 = (f'<lrm_resource id="d:1" class="ocf" provider="pacemaker" type="Dummy">'
             f'{_op("a1", "monitor", 7, 1)}</lrm_resource>'
             f'<lrm_resource id="d:0" class="ocf" provider="pacemaker" type="Dummy">'
             f'{_op("a2", "start", 0, 2)}</lrm_resource>')
    node2 = (f'<lrm_resource id="d:0" class="ocf" provider="pacemaker" type="Dummy">'
             f'{_op("b1", "start", 0, 2)}</lrm_resource>')
    xml = f"""<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"
      have-quorum="1"><configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="n1" uname="node1"/><node id="n2" uname="node2"/></nodes>
    <resources><clone id="c"><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/>
    </clone></resources><constraints/></configuration>
  <status>
    <node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member"
      expected="member"><lrm id="n1"><lrm_resources>{node1}</lrm_resources></lrm></node_state>
    <node_state id="n2" uname="node2" in_ccm="true" crmd="online" join="member"
      expected="member"><lrm id="n2"><lrm_resources>{node2}</lrm_resources></lrm></node_state>
  </status></cib>"""
    path = tmp_path / "cib.xml"
    path.write_text(xml)
    cib, _ = load_cib_file(str(path))
    ws = schedule(cib, NOW).working_set
    clone = ws.resources_by_id["c"]
    running = {inst.name: [n.uname for n in inst.running_on] for inst in clone.children}
    assert running == {"d:0": ["node1"], "d:1": ["node2"]}
    assert clone.children[0].history_name == "d:0"


def test_instance_found_inactive_is_named_after_that_history(tmp_path: Path) -> None:
    # node1 runs "d"; node2 only probed "d": the instance that starts there
    # is the one its probe was found for, and keeps that name
    node1 = _entry("d", _op("a1", "start", 0, 2))
    node2 = _entry("d", _op("b1", "monitor", 7, 1))
    cib, _ = load_cib_file(str(_cib(tmp_path, node1, node2)))
    graph = schedule(cib, NOW).graph
    start = next(s.action for s in graph.synapses
                 if s.action.operation == "start" and s.action.on_node == "node2")
    assert start.operation_key == "d_start_0"
    assert start.internal_operation_key == "d:1_start_0"


def test_inactive_history_naming_another_instance_renames_nothing(tmp_path: Path) -> None:
    node1 = _entry("d:0", _op("a1", "start", 0, 2))
    node2 = _entry("d:0", _op("b1", "monitor", 7, 1))
    cib, _ = load_cib_file(str(_cib(tmp_path, node1, node2)))
    graph = schedule(cib, NOW).graph
    start = next(s.action for s in graph.synapses
                 if s.action.operation == "start" and s.action.on_node == "node2")
    assert start.operation_key == "d:1_start_0"


def test_orphan_instance_keeps_its_own_long_id_under_another_history() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from scheduler_cib import cib_text, dummy, run

    def state(node: str, rids: list[str]) -> str:
        ops = "".join(
            f'<lrm_resource id="{r}" class="ocf" provider="pacemaker" type="Dummy">'
            f'<lrm_rsc_op id="{r}_last_0" operation_key="{r}_start_0" operation="start" '
            f'interval="0" op-status="0" rc-code="0" call-id="1" '
            f'transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/></lrm_resource>'
            for r in rids)
        return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" '
                f'join="member" expected="member"><lrm id="{node}"><lrm_resources>{ops}'
                '</lrm_resources></lrm></node_state>')

    clone = ('<clone id="c"><meta_attributes id="cm"><nvpair id="cm1" name="clone-max"'
             ' value="2"/></meta_attributes>' + dummy("r") + "</clone>")
    graph = run(cib_text(clone, status=state("n1", ["r:0", "r:1"]) + state("n2", ["r:0"]))).graph
    orphan_stop = next(s.action for s in graph.synapses
                       if s.action.internal_operation_key == "r:2_stop_0")
    assert orphan_stop.operation_key == "r:1_stop_0"
    assert orphan_stop.resource is not None and orphan_stop.resource.long_id == "r:2"


def test_member_history_goes_to_an_orphan_group_instance_already_active_there() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from scheduler_cib import cib_text, dummy, run

    def started(rid: str) -> str:
        return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
                f'<lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_start_0" '
                'operation="start" interval="0" op-status="0" rc-code="0" call-id="1" '
                'transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/></lrm_resource>')

    # two histories of each member on n1: the second "b" makes an orphan
    # instance, the second "a" joins that orphan (not a third instance)
    status = ('<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
              ' expected="member"><lrm id="n1"><lrm_resources>'
              + "".join(started(r) for r in ("b:1", "b:0", "a:1", "a:0"))
              + "</lrm_resources></lrm></node_state>")
    clone = f'<clone id="c"><group id="g">{dummy("a")}{dummy("b")}</group></clone>'
    ws = run(cib_text(clone, status=status)).working_set
    instances = {inst.name: (inst.orphan, sorted(p.name for p in inst.primitives()
                                                 if p.running_on))
                 for inst in ws.resources_by_id["c"].children}
    assert instances == {"g:0": (False, ["a:0", "b:0"]), "g:1": (False, []),
                         "g:2": (True, ["a:2", "b:2"])}
