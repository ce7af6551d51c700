"""Promotable clones: promotion scores, which instances are promoted, and
the tickets that allow promotion."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hapy.cib.parse import load_cib_file
from hapy.scheduler.digests import EMPTY_DIGEST, op_digest
from hapy.scheduler.run import Transition, schedule
from hapy.scheduler.working_set import Role

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def _cib(tmp_path: Path, *, meta: str = "", constraints: str = "", attrs: str = "",
         tickets: str = "") -> Path:
    nodes = "".join(f'<node id="n{i}" uname="node{i}"/>' for i in (1, 2, 3))
    states = "".join(
        f'<node_state id="n{i}" uname="node{i}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><transient_attributes id="ta{i}"><instance_attributes id="ia{i}">'
        f'{attrs if i == 2 else ""}</instance_attributes></transient_attributes></node_state>'
        for i in (1, 2, 3)
    )
    xml = f"""<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"
      have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes>{nodes}</nodes>
    <resources>
      <clone id="ms"><meta_attributes id="ms-m">
          <nvpair id="ms-m1" name="promotable" value="true"/>{meta}
        </meta_attributes>
        <primitive id="st" class="ocf" provider="pacemaker" type="Stateful"/>
      </clone>
    </resources>
    <constraints>{constraints}</constraints>
  </configuration>
  <status>{states}{tickets}</status>
</cib>"""
    path = tmp_path / "cib.xml"
    path.write_text(xml)
    return path


def _run(path: Path) -> Transition:
    cib, _ = load_cib_file(str(path))
    return schedule(cib, NOW)


def _promoted(result: Transition) -> list[str]:
    clone = result.working_set.resources_by_id["ms"]
    return sorted(i.assigned_node.uname for i in clone.children
                  if i.next_role is Role.PROMOTED and i.assigned_node is not None)


def test_no_promotion_score_means_no_promotion(tmp_path: Path) -> None:
    result = _run(_cib(tmp_path))
    assert _promoted(result) == []
    assert sum("promotion score on node" in line and line.endswith(": -1")
               for line in result.scores) == 3


def test_promotion_score_attribute_promotes_on_that_node(tmp_path: Path) -> None:
    attrs = '<nvpair id="a1" name="master-st" value="10"/>'
    result = _run(_cib(tmp_path, attrs=attrs))
    assert _promoted(result) == ["node2"]
    assert any(line.endswith("promotion score on node2: 10") for line in result.scores)
    assert any(a.task == "promote" and a.node is not None and a.node.uname == "node2"
               for a in result.actions)


def test_promoted_role_location_and_promoted_max(tmp_path: Path) -> None:
    constraints = """
      <rsc_location id="l1" rsc="ms" role="Promoted" node="node1" score="50"/>
      <rsc_location id="l3" rsc="ms" role="Promoted" node="node3" score="40"/>"""
    meta = '<nvpair id="ms-m2" name="promoted-max" value="2"/>'
    result = _run(_cib(tmp_path, meta=meta, constraints=constraints))
    # -1 (no attribute) + the Promoted-role location score
    assert any(line.endswith("promotion score on node1: 49") for line in result.scores)
    assert _promoted(result) == ["node1", "node3"]


def test_target_role_unpromoted_blocks_promotion(tmp_path: Path) -> None:
    attrs = '<nvpair id="a1" name="master-st" value="10"/>'
    meta = '<nvpair id="ms-m2" name="target-role" value="Unpromoted"/>'
    result = _run(_cib(tmp_path, attrs=attrs, meta=meta))
    assert _promoted(result) == []


def test_revoked_promoted_ticket_blocks_promotion_only(tmp_path: Path) -> None:
    attrs = '<nvpair id="a1" name="master-st" value="10"/>'
    constraints = ('<rsc_ticket id="t" rsc="ms" rsc-role="Promoted" ticket="tA" '
                   'loss-policy="demote"/>')
    tickets = '<tickets><ticket_state id="tA" granted="false"/></tickets>'
    result = _run(_cib(tmp_path, attrs=attrs, constraints=constraints, tickets=tickets))
    assert _promoted(result) == []
    clone = result.working_set.resources_by_id["ms"]
    assert all(i.assigned_node is not None for i in clone.children)


def test_revoked_ticket_with_stop_policy_bans(tmp_path: Path) -> None:
    constraints = '<rsc_ticket id="t" rsc="ms" ticket="tA" loss-policy="stop"/>'
    result = _run(_cib(tmp_path, constraints=constraints))
    clone = result.working_set.resources_by_id["ms"]
    assert all(i.assigned_node is None for i in clone.children)
    # the ban lands on the instances, not on the clone's own scores
    assert "pcmk__clone_allocate: ms allocation score on node1: 0" in result.scores
    assert "pcmk__clone_allocate: st:0 allocation score on node1: -INFINITY" in result.scores


def _add_dummy(path: Path) -> Path:
    text = path.read_text().replace(
        "</clone>", '</clone><primitive id="X" class="ocf" provider="pacemaker" type="Dummy"/>')
    path.write_text(text)
    return path


def test_resource_follows_promoted_instance(tmp_path: Path) -> None:
    attrs = '<nvpair id="a1" name="master-st" value="10"/>'
    constraints = ('<rsc_colocation id="c" rsc="X" with-rsc="ms" with-rsc-role="Promoted" '
                   'score="INFINITY"/>')
    result = _run(_add_dummy(_cib(tmp_path, attrs=attrs, constraints=constraints)))
    x = result.working_set.resources_by_id["X"]
    assert x.assigned_node is not None and x.assigned_node.uname == "node2"
    # the promoted instance's own score on its node is added, the rest banned
    assert "pcmk__primitive_assign: X allocation score on node2: 10" in result.scores
    assert "pcmk__primitive_assign: X allocation score on node1: -INFINITY" in result.scores


def test_promoted_role_colocation_moves_promotion(tmp_path: Path) -> None:
    attrs = '<nvpair id="a1" name="master-st" value="10"/>'
    constraints = ('<rsc_location id="l" rsc="X" node="node3" score="100"/>'
                   '<rsc_colocation id="c" rsc="ms" rsc-role="Promoted" with-rsc="X" '
                   'score="INFINITY"/>')
    result = _run(_add_dummy(_cib(tmp_path, attrs=attrs, constraints=constraints)))
    assert _promoted(result) == ["node3"]
    assert any(line.endswith("promotion score on node2: -INFINITY") for line in result.scores)


def test_promote_waits_for_clone_start_and_demotions(tmp_path: Path) -> None:
    attrs = '<nvpair id="a1" name="master-st" value="10"/>'
    result = _run(_cib(tmp_path, attrs=attrs))
    promote = next(a for a in result.actions if a.key == "ms_promote_0")
    firsts = {o.first.key for o in promote.inputs}
    assert {"ms_running_0", "ms_stopped_0", "ms_demoted_0"} <= firsts
    promoted = next(a for a in result.actions if a.key == "ms_promoted_0")
    assert "ms_promote_0" not in {o.first.key for o in promoted.inputs}


def _running_cib(tmp_path: Path, ops_history: str, attrs: str = "") -> Path:
    path = _cib(tmp_path, attrs=attrs)
    text = path.read_text()
    text = text.replace(
        '<primitive id="st" class="ocf" provider="pacemaker" type="Stateful"/>',
        '<primitive id="st" class="ocf" provider="pacemaker" type="Stateful"><operations>'
        '<op id="m1" name="monitor" interval="10s" role="Promoted"/>'
        '<op id="m2" name="monitor" interval="11s" role="Unpromoted" on-fail="stop"/>'
        '</operations></primitive>')
    lrm = ('<lrm id="n2"><lrm_resources><lrm_resource id="st" class="ocf" '
           f'provider="pacemaker" type="Stateful">{ops_history}</lrm_resource>'
           '</lrm_resources></lrm>')
    text = text.replace('<transient_attributes id="ta2">', lrm + '<transient_attributes id="ta2">')
    path.write_text(text)
    return path


def _hist(op_id: str, task: str, rc: int, call: int, interval: int = 0) -> str:
    digest = op_digest({}, interval_ms=interval) if interval else EMPTY_DIGEST
    target = 8 if rc == 8 else 0
    return (f'<lrm_rsc_op id="{op_id}" operation="{task}" call-id="{call}" rc-code="{rc}" '
            f'op-status="0" interval="{interval}" transition-key="{call}:1:{target}:x" '
            f'transition-magic="0:{rc};{call}:1:{target}:x" op-digest="{digest}"/>')


def test_promotion_cancels_the_unpromoted_monitor_first(tmp_path: Path) -> None:
    history = _hist("s", "start", 0, 2) + _hist("m", "monitor", 0, 3, 11000)
    attrs = '<nvpair id="a1" name="master-st" value="10"/>'
    result = _run(_running_cib(tmp_path, history, attrs))
    cancel = next(a for a in result.actions if a.task == "cancel")
    assert cancel.key.endswith("_monitor_11000") and cancel.node is not None
    assert cancel.meta["role"] == "Unpromoted" and cancel.meta["on_fail"] == "stop"
    promote = next(a for a in result.actions if a.task == "promote" and a.node is cancel.node)
    assert cancel in [o.first for o in promote.inputs]


def test_promotion_keeps_a_recorded_monitor_of_the_new_role(tmp_path: Path) -> None:
    history = (_hist("s", "start", 0, 2) + _hist("m", "monitor", 0, 3, 11000)
               + _hist("m2", "monitor", 0, 4, 10000))
    attrs = '<nvpair id="a1" name="master-st" value="10"/>'
    result = _run(_running_cib(tmp_path, history, attrs))
    assert any(a.task == "promote" and a.required for a in result.actions)
    monitor = next(a for a in result.actions if a.key.endswith("_monitor_10000"))
    assert monitor.optional


def test_monitor_of_another_role_is_cancelled_without_a_role_change(tmp_path: Path) -> None:
    # the unpromoted instance has a (stale) record of the promoted monitor
    history = (_hist("s", "start", 0, 2) + _hist("m", "monitor", 0, 3, 11000)
               + _hist("m2", "monitor", 0, 4, 10000))
    result = _run(_running_cib(tmp_path, history))
    cancel = next(a for a in result.actions if a.task == "cancel")
    assert cancel.key.endswith("_monitor_10000") and not cancel.inputs


def test_same_interval_monitor_of_the_next_role_is_not_cancelled(tmp_path: Path) -> None:
    history = (_hist("s", "start", 0, 2) + _hist("p", "promote", 0, 3)
               + _hist("m", "monitor", 8, 4, 11000))
    path = _running_cib(tmp_path, history)
    path.write_text(path.read_text().replace('interval="10s"', 'interval="11s"'))
    result = _run(path)
    assert any(a.task == "demote" and a.required for a in result.actions)
    assert not any(a.task == "cancel" for a in result.actions)


def test_failed_demote_leaves_the_instance_unpromoted(tmp_path: Path) -> None:
    history = (_hist("s", "start", 0, 2) + _hist("p", "promote", 0, 3)
               + _hist("d", "demote", 1, 4))
    result = _run(_running_cib(tmp_path, history))
    inst = next(i for i in result.working_set.resources_by_id["ms"].children if i.running_on)
    assert inst.role is Role.UNPROMOTED and inst.failed


def test_mandatory_colocation_with_a_clone_follows_its_instances(tmp_path: Path) -> None:
    constraints = ('<rsc_location id="l" rsc="X" node="node2" score="100"/>'
                   '<rsc_location id="l2" rsc="ms" node="node2" score="-INFINITY"/>'
                   '<rsc_colocation id="c" rsc="X" with-rsc="ms" score="INFINITY"/>')
    result = _run(_add_dummy(_cib(tmp_path, constraints=constraints)))
    assert "pcmk__primitive_assign: X allocation score on node2: -INFINITY" in result.scores
    assert "pcmk__primitive_assign: X allocation score on node1: 0" in result.scores
    x = result.working_set.resources_by_id["X"]
    assert x.assigned_node is not None and x.assigned_node.uname in ("node1", "node3")


def test_started_role_monitor_is_ignored_for_promotable_instances(tmp_path: Path) -> None:
    history = _hist("s", "start", 0, 2) + _hist("m", "monitor", 0, 3, 11000)
    path = _running_cib(tmp_path, history)
    path.write_text(path.read_text().replace('role="Unpromoted"', 'role="Started"'))
    result = _run(path)
    assert not any(a.key.endswith("_monitor_11000") for a in result.actions)


def test_monitors_defined_twice_with_one_interval_are_ignored(tmp_path: Path) -> None:
    path = _running_cib(tmp_path, _hist("s", "start", 0, 2))
    path.write_text(path.read_text().replace('interval="10s"', 'interval="11s"'))
    result = _run(path)
    assert not any(a.task in ("monitor", "cancel") and a.interval_ms for a in result.actions)


def test_dependent_of_the_promoted_role_weighs_on_the_clone_not_its_instances(
        tmp_path: Path) -> None:
    attrs = '<nvpair id="a1" name="master-st" value="10"/>'
    constraints = ('<rsc_location id="l" rsc="X" node="node3" score="100"/>'
                   '<rsc_colocation id="c" rsc="X" with-rsc="ms" with-rsc-role="Promoted" '
                   'score="INFINITY"/>')
    result = _run(_add_dummy(_cib(tmp_path, attrs=attrs, constraints=constraints)))
    assert "pcmk__clone_allocate: ms allocation score on node3: 100" in result.scores
    # the instances' own scores leave the clone's dependents out
    assert "pcmk__clone_allocate: st:0 allocation score on node3: 0" in result.scores
    assert "pcmk__clone_allocate: st:0 allocation score on node2: 10" in result.scores
    # an instance without a promotion score of its own is not promoted there
    assert "st:2 promotion score on node3: -1" in result.scores
    assert _promoted(result) == ["node2"]


def test_unmanaged_unpromoted_instance_shows_its_promotion_score(tmp_path: Path) -> None:
    history = _hist("s", "start", 0, 2)
    attrs = '<nvpair id="a1" name="master-st" value="5"/>'
    path = _running_cib(tmp_path, history, attrs)
    path.write_text(path.read_text().replace(
        '<nvpair id="ms-m1" name="promotable" value="true"/>',
        '<nvpair id="ms-m1" name="promotable" value="true"/>'
        '<nvpair id="ms-m9" name="is-managed" value="false"/>'))
    result = _run(path)
    assert any(line.endswith("promotion score on node2: 5") for line in result.scores)
    assert _promoted(result) == []


def test_instance_frozen_by_a_ticket_keeps_its_node_without_stickiness(tmp_path: Path) -> None:
    history = _hist("s", "start", 0, 2) + _hist("p", "promote", 0, 3)
    path = _running_cib(tmp_path, history)
    text = path.read_text().replace(
        "<constraints></constraints>",
        '<constraints><rsc_ticket id="t" rsc="ms" rsc-role="Promoted" ticket="tA" '
        'loss-policy="freeze"/></constraints>').replace(
        "</status>", '<tickets><ticket_state id="tA" granted="false"/></tickets></status>')
    path.write_text(text)
    result = _run(path)
    assert "pcmk__clone_allocate: st:0 allocation score on node2: 0" in result.scores
    assert "pcmk__primitive_assign: st:0 allocation score on node2: 0" in result.scores
    assert _promoted(result) == ["node2"]


def _unmanaged(path: Path) -> Path:
    path.write_text(path.read_text().replace(
        '<nvpair id="ms-m1" name="promotable" value="true"/>',
        '<nvpair id="ms-m1" name="promotable" value="true"/>'
        '<nvpair id="ms-m9" name="is-managed" value="false"/>'))
    return path


def test_unmanaged_instance_only_a_probe_found_is_not_promoted(tmp_path: Path) -> None:
    history = _hist("p", "monitor", 0, 2)
    attrs = '<nvpair id="a1" name="master-st" value="5"/>'
    result = _run(_unmanaged(_running_cib(tmp_path, history, attrs)))
    assert any(line.endswith("promotion score on node2: -INFINITY") for line in result.scores)


def test_dependent_follows_an_unmanaged_promoted_instance_on_a_banned_node(
        tmp_path: Path) -> None:
    history = _hist("s", "start", 0, 2) + _hist("p", "promote", 0, 3)
    path = _add_dummy(_unmanaged(_running_cib(tmp_path, history)))
    path.write_text(path.read_text().replace(
        "<constraints></constraints>",
        '<constraints><rsc_location id="l" rsc="ms" node="node2" score="-INFINITY"/>'
        '<rsc_colocation id="c" rsc="X" with-rsc="ms" with-rsc-role="Promoted" '
        'score="INFINITY"/></constraints>'))
    result = _run(path)
    assert "pcmk__primitive_assign: X allocation score on node2: 0" in result.scores
    x = result.working_set.resources_by_id["X"]
    assert x.assigned_node is not None and x.assigned_node.uname == "node2"


def test_promoted_dependent_that_cannot_run_anywhere_leaves_promotion_scores(
        tmp_path: Path) -> None:
    history = _hist("s", "start", 0, 2)
    attrs = '<nvpair id="a1" name="master-st" value="10"/>'
    path = _add_dummy(_running_cib(tmp_path, history, attrs))
    bans = "".join(f'<rsc_location id="xl{i}" rsc="X" node="node{i}" score="-INFINITY"/>'
                   f'<rsc_location id="ml{i}" rsc="ms" node="node{i}" score="5"/>'
                   for i in (1, 2, 3))
    path.write_text(path.read_text().replace(
        "<constraints></constraints>",
        f'<constraints>{bans}<rsc_colocation id="c" rsc="X" with-rsc="ms" '
        'with-rsc-role="Promoted" score="INFINITY"/></constraints>'))
    result = _run(path)
    # every node would turn negative: the dependent's bans are dropped
    assert any(line.endswith("promotion score on node2: 15") for line in result.scores)
    assert _promoted(result) == ["node2"]


def test_lost_promoted_ticket_with_fence_policy_bans_only_promoted_instances(
        tmp_path: Path) -> None:
    history = _hist("s", "start", 0, 2) + _hist("p", "promote", 0, 3)
    path = _running_cib(tmp_path, history)
    text = path.read_text()
    # a second, unpromoted instance on node1
    text = text.replace(
        '<transient_attributes id="ta1">',
        '<lrm id="n1"><lrm_resources><lrm_resource id="st" class="ocf" provider="pacemaker" '
        f'type="Stateful">{_hist("s1", "start", 0, 2)}</lrm_resource></lrm_resources></lrm>'
        '<transient_attributes id="ta1">')
    text = text.replace(
        "<constraints></constraints>",
        '<constraints><rsc_ticket id="t" rsc="ms" rsc-role="Promoted" ticket="tA" '
        'loss-policy="fence"/></constraints>').replace(
        "</status>", '<tickets><ticket_state id="tA" granted="false"/></tickets></status>')
    text = text.replace('name="stonith-enabled" value="false"',
                        'name="stonith-enabled" value="true"')
    text = text.replace("</resources>",
                        '<primitive id="fence" class="stonith" type="null"/></resources>')
    path.write_text(text)
    result = _run(path)
    clone = result.working_set.resources_by_id["ms"]
    kept = sorted(i.assigned_node.uname for i in clone.children if i.assigned_node is not None)
    # the unpromoted instance stays (a new one starts), the promoted one goes
    assert kept == ["node1", "node3"]
    assert result.working_set.nodes_by_id["n2"].unclean


def test_promotion_score_is_not_added_on_a_standby_node(tmp_path: Path) -> None:
    attrs = ('<nvpair id="a1" name="master-st" value="10"/>'
             '<nvpair id="a2" name="standby" value="on"/>')
    result = _run(_cib(tmp_path, attrs=attrs))
    assert "pcmk__clone_allocate: st:0 allocation score on node2: 0" in result.scores


def test_what_follows_a_promoted_role_dependent_weighs_on_promotion(tmp_path: Path) -> None:
    # X follows the promoted instance, Y follows X: X's scores with Y's share
    # (200 x 0.1) weigh on the clone's placement and again on its promotion
    constraints = ('<rsc_location id="lp" rsc="ms" role="Promoted" node="node3" score="100"/>'
                   '<rsc_colocation id="c" rsc="X" with-rsc="ms" with-rsc-role="Promoted" '
                   'score="INFINITY"/>'
                   '<rsc_colocation id="c2" rsc="Y" with-rsc="X" score="100000"/>'
                   '<rsc_location id="ly" rsc="Y" node="node3" score="200"/>')
    path = _add_dummy(_cib(tmp_path, constraints=constraints))
    path.write_text(path.read_text().replace(
        "</resources>", '<primitive id="Y" class="ocf" provider="pacemaker" type="Dummy"/>'
        "</resources>"))
    result = _run(path)
    assert _promoted(result) == ["node3"]
    assert any(line.endswith("promotion score on node3: 139") for line in result.scores)
