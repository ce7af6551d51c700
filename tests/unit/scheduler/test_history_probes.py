"""Probe results in the operation history: pending and expired failed probes,
masked "not installed" probe failures, anonymous clone instances."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from hapy.cib.parse import cib_from_tree
from hapy.reports import ReportList
from hapy.scheduler.graph import in_graph
from hapy.scheduler.run import Transition, schedule
from hapy.scheduler.view import cluster_view

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LONG_AGO = int(NOW.timestamp()) - 3600


def _op(rsc: str, op_id: str, task: str, call: int, rc: int, *, status: int = 0,
        target: int = 0, changed: int = LONG_AGO) -> str:
    return (
        f'<lrm_rsc_op id="{op_id}" operation="{task}" interval="0" call-id="{call}"'
        f' rc-code="{rc}" op-status="{status}" transition-key="{call}:1:{target}:x"'
        f' last-rc-change="{changed}" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>'
    )


def _node(name: str, history: dict[str, str]) -> str:
    lrm = "".join(
        f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">{ops}'
        "</lrm_resource>"
        for rid, ops in history.items()
    )
    return (
        f'<node_state id="{name}" uname="{name}" in_ccm="true" crmd="online" join="member"'
        f' expected="member"><lrm id="{name}"><lrm_resources>{lrm}</lrm_resources></lrm>'
        "</node_state>"
    )


def _run(resources: str, status: str) -> Transition:
    text = f"""<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true"
      validate-with="pacemaker-3.7">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="n1" uname="n1"/><node id="n2" uname="n2"/></nodes>
    <resources>{resources}</resources>
    <constraints/>
  </configuration>
  <status>{status}</status>
</cib>"""
    return schedule(cib_from_tree(etree.fromstring(text), ReportList()), NOW)


def _probes(tr: Transition) -> set[tuple[str, str]]:
    return {
        (a.rsc.name if a.rsc else "", a.node.uname if a.node else "")
        for a in tr.actions
        if in_graph(a) and a.probe
    }


PRIMITIVE = """<primitive id="r" class="ocf" provider="pacemaker" type="Dummy">
  <meta_attributes id="r-m"><nvpair id="r-ft" name="failure-timeout" value="60s"/>
  </meta_attributes></primitive>"""


def test_a_pending_probe_does_not_count_as_a_result() -> None:
    pending = _op("r", "r_monitor_0", "monitor", 2, -1, status=-1, target=7)
    stopped = _op("r", "r_monitor_0", "monitor", 2, 7, target=7)
    tr = _run(PRIMITIVE, _node("n1", {"r": pending}) + _node("n2", {"r": stopped}))
    assert _probes(tr) == {("r", "n1")}


def test_an_expired_failed_probe_is_probed_again() -> None:
    failed = _op("r", "r_last_failure_0", "monitor", 2, 5, target=7)
    recent = _op("r", "r_last_failure_0", "monitor", 2, 5, target=7,
                 changed=int(NOW.timestamp()) - 10)
    tr = _run(PRIMITIVE, _node("n1", {"r": failed}) + _node("n2", {"r": recent}))
    assert _probes(tr) == {("r", "n1")}
    rsc = tr.working_set.resources_by_id["r"]
    assert rsc.probe_failures == [("n2", 5)]
    assert rsc.assigned_node is not None and rsc.assigned_node.uname == "n1"
    view = cluster_view(tr.working_set).resources[0]
    assert getattr(view, "probe_failures", None) == (("n2", 5),)


def test_a_tie_keeps_the_resource_where_it_runs() -> None:
    started = _op("r", "r_last_0", "start", 3, 0)
    # equal scores, equally loaded nodes: n1 would win by name
    tr = _run(PRIMITIVE, _node("n1", {}) + _node("n2", {"r": started}))
    rsc = tr.working_set.resources_by_id["r"]
    assert rsc.assigned_node is not None and rsc.assigned_node.uname == "n2"


def test_a_tie_with_a_less_loaded_node_moves_the_resource() -> None:
    started = _op("r", "r_last_0", "start", 3, 0)
    other = """<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>"""
    # "a" is assigned first, to n1: n2 now carries less
    tr = _run(other + PRIMITIVE, _node("n1", {"r": started}) + _node("n2", {}))
    rsc = tr.working_set.resources_by_id["r"]
    assert rsc.assigned_node is not None and rsc.assigned_node.uname == "n2"


def test_anonymous_instance_found_stopped_takes_the_later_history() -> None:
    clone = """<clone id="c"><meta_attributes id="c-m">
      <nvpair id="c-m1" name="clone-max" value="2"/></meta_attributes>
      <primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></clone>"""
    n2 = _node("n2", {"d:0": _op("d", "d_last_0", "start", 3, 0)})
    n1 = _node("n1", {
        "d:0": _op("d", "d_last_0", "monitor", 2, 7, target=7),
        "d:1": _op("d", "d_last_0", "start", 4, 0),
    })
    tr = _run(clone, n2 + n1)
    ws = tr.working_set
    running = sorted(
        (p.name, n.uname) for p in ws.all_primitives() for n in p.running_on
    )
    assert running == [("d:0", "n2"), ("d:1", "n1")]
    assert not any(p.orphan for p in ws.all_primitives())


def test_an_anonymous_clone_not_installed_on_a_node_is_kept_off_it() -> None:
    clone = """<clone id="c"><meta_attributes id="c-m">
      <nvpair id="c-m1" name="clone-max" value="2"/></meta_attributes>
      <primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></clone>"""
    n1 = _node("n1", {"d": _op("d", "d_last_failure_0", "monitor", 2, 5, target=7)})
    n2 = _node("n2", {"d": _op("d", "d_last_0", "monitor", 2, 7, target=7)})
    tr = _run(clone, n1 + n2)
    placed = sorted(
        n.uname for p in tr.working_set.all_primitives() if (n := p.assigned_node) is not None
    )
    assert placed == ["n2"]


def test_a_cloned_group_member_inherits_the_clone_parameters() -> None:
    clone = """<clone id="c"><instance_attributes id="c-ia">
      <nvpair id="c-ia1" name="shared" value="1"/></instance_attributes>
      <group id="g"><primitive id="d" class="ocf" provider="pacemaker" type="Dummy">
      <instance_attributes id="d-ia"><nvpair id="d-ia1" name="own" value="2"/>
      </instance_attributes></primitive></group></clone>"""
    tr = _run(clone, _node("n1", {}) + _node("n2", {}))
    prim = tr.working_set.all_primitives()[0]
    assert prim.params == {"shared": "1", "own": "2"}
