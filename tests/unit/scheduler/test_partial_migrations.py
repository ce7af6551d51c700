"""What an interrupted or finished live migration leaves in the history:
partial migrations finish with a migrate_from, finished ones clean up their
source with a stop, and a target that is gone makes it a failure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.unit.scheduler.placement_cib import DIGEST, NOW

from hapy.cib.parse import load_cib_file
from hapy.scheduler.run import Transition, schedule
from hapy.scheduler.summary import transition_summary

#: (operation, rc, op-status); migrate operations go from n1 to n2
Op = tuple[str, int, int]


def _lrm(ops: list[Op], extra: str = "") -> str:
    rows = "".join(
        f'<lrm_rsc_op id="A_{task}_{i}" operation="{task}" interval="0" call-id="{i + 1}" '
        f'rc-code="{rc}" op-status="{status}" migrate_source="n1" migrate_target="n2" '
        f'op-digest="{DIGEST}" '
        f'transition-key="{i}:1:0:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"/>'
        for i, (task, rc, status) in enumerate(ops)
    ) + extra
    return (f'<lrm_resource id="A" class="ocf" provider="pacemaker" type="Dummy">{rows}'
            "</lrm_resource>")


def _run(tmp_path: Path, history: dict[str, list[Op]], *, constraints: str = "",
         offline: str = "", target_extra: str = "",
         lost: str = "", edit: Callable[[str], str] | None = None) -> Transition:
    names = ["n1", "n2", "n3"]
    states = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><lrm id="{n}"><lrm_resources>'
        + (_lrm(history.get(n, []), target_extra if n == "n2" else "")
           if n in history or (n == "n2" and target_extra) else "")
        + "</lrm_resources></lrm></node_state>"
        for n in names if n != offline
    )
    nodes = "".join(f'<node id="{n}" uname="{n}"/>' for n in names)
    xml = f"""<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"
      have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes>{nodes}</nodes>
    <resources><primitive id="A" class="ocf" provider="pacemaker" type="Dummy">
      <meta_attributes id="A-m"><nvpair id="A-am" name="allow-migrate" value="true"/>
      </meta_attributes></primitive></resources>
    <constraints>{constraints}</constraints>
  </configuration>
  <status>{states}</status>
</cib>"""
    if lost:
        # the node left uncleanly, with fencing configured
        xml = xml.replace(f'uname="{lost}" in_ccm="true" crmd="online"',
                          f'uname="{lost}" in_ccm="false" crmd="offline"')
        xml = xml.replace('name="stonith-enabled" value="false"',
                          'name="stonith-enabled" value="true"')
        xml = xml.replace("<resources>", '<resources><primitive id="st" class="stonith" '
                          'type="fence_dummy"/>')
    if edit is not None:
        xml = edit(xml)
    path = tmp_path / "cib.xml"
    path.write_text(xml)
    cib, _ = load_cib_file(str(path))
    return schedule(cib, NOW)


def _scheduled(result: Transition) -> set[tuple[str, str]]:
    return {(a.key, a.node.uname if a.node else "")
            for a in result.working_set.actions
            if a.required and a.runnable and not a.deleted and a.task != "monitor"}


STARTED = [("start", 0, 0)]
#: the target's probe: it has history of the resource
PROBED = ('<lrm_rsc_op id="A_monitor_0" operation="monitor" interval="0" call-id="1" '
          f'rc-code="7" op-status="0" op-digest="{DIGEST}" '
          'transition-key="0:1:7:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"/>')
MIGRATED_AWAY = [*STARTED, ("migrate_to", 0, 0)]


def _prefer(node: str) -> str:
    return f'<rsc_location id="l" rsc="A" node="{node}" score="100"/>'


def test_finished_migration_stops_the_source_quietly(tmp_path: Path) -> None:
    result = _run(tmp_path, {"n1": MIGRATED_AWAY, "n2": [("migrate_from", 0, 0)]})
    rsc = result.working_set.resources_by_id["A"]
    assert [n.uname for n in rsc.running_on] == ["n2"]
    assert ("A_stop_0", "n1") in _scheduled(result)
    assert ("A_stop_0", "n2") not in _scheduled(result)
    assert transition_summary(result.working_set) == []


def test_finished_migration_with_source_stopped_needs_nothing(tmp_path: Path) -> None:
    result = _run(tmp_path, {"n1": [*MIGRATED_AWAY, ("stop", 0, 0)],
                             "n2": [("migrate_from", 0, 0)]})
    assert _scheduled(result) == set()


def test_partial_migration_finishes_with_migrate_from(tmp_path: Path) -> None:
    result = _run(tmp_path, {"n1": MIGRATED_AWAY}, target_extra=PROBED, constraints=_prefer("n2"))
    rsc = result.working_set.resources_by_id["A"]
    assert [n.uname for n in rsc.running_on] == ["n2", "n1"]
    scheduled = _scheduled(result)
    assert ("A_migrate_from_0", "n2") in scheduled
    assert ("A_migrate_to_0", "n1") not in scheduled
    assert ("A_stop_0", "n1") in scheduled
    assert ("A_stop_0", "n2") not in scheduled
    summary = transition_summary(result.working_set)
    assert len(summary) == 1 and "Migrate" in summary[0] and "( n1 -> n2 )" in summary[0]


def test_partial_migration_going_elsewhere_stops_both(tmp_path: Path) -> None:
    result = _run(tmp_path, {"n1": MIGRATED_AWAY}, target_extra=PROBED, constraints=_prefer("n3"))
    scheduled = _scheduled(result)
    assert {("A_stop_0", "n1"), ("A_stop_0", "n2"), ("A_start_0", "n3")} <= scheduled
    assert not any(key.startswith("A_migrate") for key, _ in scheduled)
    summary = transition_summary(result.working_set)
    assert len(summary) == 1 and "Move" in summary[0] and "( n2 -> n3 )" in summary[0]


def test_partial_migration_prefers_its_source_among_equals(tmp_path: Path) -> None:
    result = _run(tmp_path, {"n1": MIGRATED_AWAY}, target_extra=PROBED,
                  constraints='<rsc_location id="l" rsc="A" node="n3" score="-INFINITY"/>')
    assert result.working_set.resources_by_id["A"].assigned_node.uname == "n1"  # type: ignore[union-attr]


def test_migration_to_a_node_that_is_gone_fails_on_the_source(tmp_path: Path) -> None:
    result = _run(tmp_path, {"n1": MIGRATED_AWAY}, offline="n2")
    rsc = result.working_set.resources_by_id["A"]
    assert rsc.failed and [n.uname for n in rsc.running_on] == ["n1"]


def test_failed_migrate_from_leaves_both_active(tmp_path: Path) -> None:
    result = _run(tmp_path, {"n1": MIGRATED_AWAY, "n2": [("migrate_from", 1, 0)]})
    rsc = result.working_set.resources_by_id["A"]
    assert [n.uname for n in rsc.running_on] == ["n2", "n1"]
    assert rsc.partial_migration_target is None
    # among equal nodes, it recovers on the first it is listed on
    assert rsc.assigned_node is not None and rsc.assigned_node.uname == "n2"


def test_failed_migrate_to_without_a_time_leaves_the_target_active(tmp_path: Path) -> None:
    # the target's probe has a time, the failed migrate_to none: not newer
    probe = '<lrm_rsc_op id="A_monitor_0" operation="monitor" interval="0" call-id="1" ' \
        f'rc-code="7" op-status="0" last-rc-change="1000" op-digest="{DIGEST}" ' \
        'transition-key="0:1:7:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"/>'
    result = _run(tmp_path, {"n1": [*STARTED, ("migrate_to", 1, 0)]}, target_extra=probe)
    rsc = result.working_set.resources_by_id["A"]
    assert sorted(n.uname for n in rsc.running_on) == ["n1", "n2"]


def test_failed_migrate_to_then_stopped_source_starts_on_the_target(tmp_path: Path) -> None:
    probe = '<lrm_rsc_op id="A_monitor_0" operation="monitor" interval="0" call-id="1" ' \
        f'rc-code="7" op-status="0" op-digest="{DIGEST}" ' \
        'transition-key="0:1:7:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"/>'
    result = _run(tmp_path, {"n1": [*STARTED, ("migrate_to", 1, 0), ("stop", 0, 0)]},
                  target_extra=probe, constraints=_prefer("n2"))
    scheduled = _scheduled(result)
    assert ("A_start_0", "n2") in scheduled
    assert not any(key == "A_stop_0" for key, _ in scheduled)
    assert [line.split()[1] for line in transition_summary(result.working_set)] == ["Restart"]


def test_source_stopped_after_migrate_to_leaves_it_on_the_target(tmp_path: Path) -> None:
    result = _run(tmp_path, {"n1": [*MIGRATED_AWAY, ("stop", 0, 0)]}, target_extra=PROBED,
                  constraints=_prefer("n3"))
    rsc = result.working_set.resources_by_id["A"]
    assert [n.uname for n in rsc.running_on] == ["n2"]
    scheduled = _scheduled(result)
    # moving on from a half-done migration is a stop and a start
    assert {("A_stop_0", "n2"), ("A_start_0", "n3")} <= scheduled
    assert not any(key.startswith("A_migrate") for key, _ in scheduled)


def test_migrate_to_pending_on_a_lost_node_stops_the_target_too(tmp_path: Path) -> None:
    result = _run(tmp_path, {"n1": [*STARTED, ("migrate_to", 193, -1)]}, lost="n1",
                  constraints=_prefer("n3"))
    assert result.working_set.nodes_by_name["n1"].unclean
    scheduled = _scheduled(result)
    assert {("A_stop_0", "n2"), ("A_start_0", "n3")} <= scheduled


def test_remote_connection_finishing_a_migration_reaches_its_node_from_the_target(
        tmp_path: Path) -> None:
    # A is the connection of remote node A, which runs B
    remote_state = ('<node_state id="A" uname="A" remote_node="true" in_ccm="true" '
                    'crmd="online"><lrm id="A"><lrm_resources>'
                    '<lrm_resource id="B" class="ocf" provider="pacemaker" type="Dummy">'
                    '<lrm_rsc_op id="B_start_0" operation="start" interval="0" call-id="1" '
                    'rc-code="0" op-status="0" transition-key="1:1:0:x" '
                    f'op-digest="{DIGEST}"/></lrm_resource></lrm_resources></lrm></node_state>')
    result = _run(tmp_path, {"n1": MIGRATED_AWAY}, target_extra=PROBED,
                  constraints=_prefer("n2"), edit=lambda xml: (
        xml.replace('type="Dummy">', 'type="remote">', 1)
        .replace('<lrm_resource id="A" class="ocf" provider="pacemaker" type="Dummy">',
                 '<lrm_resource id="A" class="ocf" provider="pacemaker" type="remote">')
        .replace("</resources>", '<primitive id="B" class="ocf" provider="pacemaker" '
                 'type="Dummy"><meta_attributes id="B-m"><nvpair id="B-t" name="target-role" '
                 'value="Stopped"/></meta_attributes></primitive></resources>')
        .replace("</status>", remote_state + "</status>")))
    actions = {(a.key, a.node.uname if a.node else ""): a for a in result.working_set.actions}
    b_stop = actions[("B_stop_0", "A")]
    assert {o.first.key for o in b_stop.inputs} >= {"A_start_0"}
    a_stop = actions[("A_stop_0", "n1")]
    assert "B_stop_0" not in {o.first.key for o in a_stop.inputs}
    assert not a_stop.downed
