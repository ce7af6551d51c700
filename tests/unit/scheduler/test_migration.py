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


def _migratable(rid: str) -> str:
    return primitive(rid, nvpair(rid, "allow-migrate", "true"))


def _keys(result: object, task: str) -> set[tuple[str, str]]:
    return {(a.key, a.node.uname if a.node else "")
            for a in result.working_set.actions  # type: ignore[attr-defined]
            if a.task == task and not a.deleted and a.required}


def test_group_members_migrate_one_after_another(tmp_path: Path) -> None:
    group = '<group id="G">' + _migratable("A") + _migratable("B") + "</group>"
    result = run(tmp_path, "n1 n2", group, location("G", "n2", "INFINITY"),
                 active={"n1": [("A", "run"), ("B", "run")]})
    assert _keys(result, "migrate_to") == {("A_migrate_to_0", "n1"), ("B_migrate_to_0", "n1")}
    actions = {(a.key, a.node.uname if a.node else ""): a for a in result.working_set.actions}
    b_to = actions[("B_migrate_to_0", "n1")]
    # B follows A's arrival, not the group's own pseudo-actions
    assert {o.first.key for o in b_to.inputs} == {"A_migrate_from_0", "B_monitor_0"}
    assert {o.first.key for o in actions[("A_migrate_to_0", "n1")].inputs} == {"A_monitor_0"}


def test_a_stopping_first_resource_prevents_the_migration(tmp_path: Path) -> None:
    order = '<rsc_order id="o" first="A" then="B"/>'
    result = run(tmp_path, "n1 n2", primitive("A") + _migratable("B"),
                 location("A", "n2", "INFINITY") + location("B", "n1", "INFINITY") + order,
                 active={"n1": [("A", "run")], "n2": [("B", "run")]})
    assert _keys(result, "migrate_to") == set()
    summary = transition_summary(result.working_set)
    assert any(line.split()[1:3] == ["Move", "B"] and line.endswith("due to unrunnable A stop")
               for line in summary)


def test_a_starting_first_resource_lets_it_migrate(tmp_path: Path) -> None:
    order = '<rsc_order id="o" first="A" then="B"/>'
    result = run(tmp_path, "n1 n2", primitive("A") + _migratable("B"),
                 location("A", "n2", "INFINITY") + location("B", "n1", "INFINITY") + order,
                 active={"n2": [("B", "run")]})
    assert _keys(result, "migrate_to") == {("B_migrate_to_0", "n2")}


def test_a_migration_does_not_restart_what_is_ordered_after_it(tmp_path: Path) -> None:
    order = '<rsc_order id="o" first="B" then="A"/>'
    result = run(tmp_path, "n1 n2", primitive("A") + _migratable("B"),
                 location("A", "n1", "INFINITY") + location("B", "n1", "INFINITY") + order,
                 active={"n1": [("A", "run")], "n2": [("B", "run")]})
    assert _keys(result, "migrate_to") == {("B_migrate_to_0", "n2")}
    assert not _keys(result, "stop") - {("B_stop_0", "n2")}
    assert [line.split()[1] for line in transition_summary(result.working_set)] == ["Migrate"]


def test_a_stop_through_an_optional_ordering_lets_it_migrate(tmp_path: Path) -> None:
    order = '<rsc_order id="o" kind="Optional" first="A" then="B"/>'
    result = run(tmp_path, "n1 n2", primitive("A") + _migratable("B"),
                 location("A", "n2", "INFINITY") + location("B", "n1", "INFINITY") + order,
                 active={"n1": [("A", "run")], "n2": [("B", "run")]})
    assert _keys(result, "migrate_to") == {("B_migrate_to_0", "n2")}
    # A's stop does not wait for B's, which comes after B's arrival (no loop)
    a_stop = next(a for a in result.working_set.actions if a.key == "A_stop_0")
    assert "B_stop_0" not in {o.first.key for o in a_stop.inputs}


def test_a_first_resource_that_only_stops_lets_it_migrate(tmp_path: Path) -> None:
    # a clone instance stops on n3; the clone starts nothing anywhere
    clone = '<clone id="AC">' + primitive("A") + "</clone>"
    order = '<rsc_order id="ord" first="AC" then="B"/>'
    result = run(tmp_path, "n1 n2 n3", clone + _migratable("B"),
                 location("AC", "n3", "-INFINITY") + location("B", "n2", "INFINITY") + order,
                 active={"n1": [("A", "run"), ("B", "run")], "n2": [("A", "run")],
                         "n3": [("A", "run")]})
    assert _keys(result, "migrate_to") == {("B_migrate_to_0", "n1")}
