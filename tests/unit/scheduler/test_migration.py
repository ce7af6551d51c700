"""Live migration of resources that allow it, and clone instances kept off
nodes that cannot run them."""

from __future__ import annotations

from pathlib import Path

from tests.unit.scheduler.placement_cib import location, nvpair, placed, primitive, run, scores

from hapy.scheduler.summary import transition_summary


def test_move_of_a_migratable_resource_is_a_migration(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", primitive("A", nvpair("A", "allow-migrate", "true")),
                 location("A", "n2", "100"), active={"n1": [("A", "run")]})
    actions = {(a.key, a.node.uname if a.node else ""): a for a in result.working_set.actions}
    migrate_to = actions[("A_migrate_to_0", "n1")]
    migrate_from = actions[("A_migrate_from_0", "n2")]
    start = actions[("A_start_0", "n2")]
    stop = actions[("A_stop_0", "n1")]
    assert start.pseudo
    assert migrate_to.meta["migrate_target"] == "n2"
    assert [o.first for o in migrate_from.inputs] == [migrate_to]
    assert [o.first for o in stop.inputs] == [migrate_from]
    assert any("Migrate" in line for line in transition_summary(result.working_set))


def test_move_without_allow_migrate_stops_and_starts(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", primitive("A"), location("A", "n2", "100"),
                 active={"n1": [("A", "run")]})
    assert not [a for a in result.working_set.actions if a.task == "migrate_to"]


def test_clone_instances_avoid_nodes_that_cannot_run_them(tmp_path: Path) -> None:
    clone = '<clone id="C">' + primitive("c") + "</clone>"
    result = run(tmp_path, "n1 !n2 n3", clone)
    assert scores(result, "c:0")["n2"] == "-INFINITY"
    assert placed(result, "c:0") == "n1"


def test_no_migration_after_a_resource_that_moves_first(tmp_path: Path) -> None:
    # B must start after A, which moves by stop and start: B cannot migrate
    order = '<rsc_order id="o" first="A" then="B"/>'
    result = run(tmp_path, "n1 n2", primitive("A")
                 + primitive("B", nvpair("B", "allow-migrate", "true")),
                 location("A", "n2", "100") + location("B", "n1", "100") + order,
                 active={"n1": [("A", "run")], "n2": [("B", "run")]})
    migrations = [a for a in result.working_set.actions
                  if a.task == "migrate_to" and not a.deleted]
    assert migrations == []
    assert not any("Migrate" in line for line in transition_summary(result.working_set))
