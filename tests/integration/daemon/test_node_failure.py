"""Node failure on real embedded clusters with fencing enabled: a lost node is
fenced (hapy's fence_hapy, a power cut) before its resources are recovered; a
partition's minority stops its resources and is fenced by the majority; a
failing device falls through to the next topology level; a failed stop gets
the node fenced.

A watcher reads the agents' own state files all along: no resource may ever
be active on two nodes."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hapy.commands import cluster, constraint, faults, property, resource
from hapy.commands.env import ClusterEnv, cib_change
from hapy.reports import HapyError
from hapy.testing.watch import Watcher, wait_for

pytestmark = pytest.mark.skipif(
    not Path("/usr/lib/ocf/resource.d/heartbeat/Dummy").exists(),
    reason="resource-agents not installed")

TOKEN_MS = 1000
MONITOR = [("monitor", [("interval", "1s"), ("timeout", "10s")])]

FAILING_AGENT = """#!/bin/sh
# a fence agent whose device never works (but answers meta-data and list)
action=""
while read -r line; do
  case "$line" in action=*) action="${line#action=}" ;; esac
done
case "$action" in
  metadata) cat <<'XML'
<?xml version="1.0" ?>
<resource-agent name="fence_broken" shortdesc="always fails">
<parameters><parameter name="port" unique="0" required="0"><content type="string"/></parameter>
</parameters>
<actions><action name="off"/><action name="on"/><action name="reboot"/>
<action name="status"/><action name="monitor"/><action name="metadata"/></actions>
</resource-agent>
XML
  exit 0 ;;
  monitor|status) exit 0 ;;
  *) echo "the device is broken" >&2; exit 1 ;;
esac
"""

STOP_FAILS_LSB = """#!/bin/sh
# an LSB service whose stop always fails
STATE="$HA_RSCTMP/stuck.state"
case "$1" in
  start) touch "$STATE"; exit 0 ;;
  stop) exit 1 ;;
  status) [ -f "$STATE" ] && exit 0; exit 3 ;;
  *) exit 3 ;;
esac
"""


def start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nodes: int) -> ClusterEnv:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "fence_broken").write_text(FAILING_AGENT)
    lsb = tmp_path / "init.d"
    lsb.mkdir()
    (lsb / "stuck").write_text(STOP_FAILS_LSB)
    for script in (bin_dir / "fence_broken", lsb / "stuck"):
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("HAPY_LSB_DIR", str(lsb))
    env = ClusterEnv(tmp_path / "cluster")
    cluster.start_cluster(env, nodes, token_ms=TOKEN_MS)
    # a fenced node stays off (the default, reboot, brings it back at once,
    # and its resources with it): the tests can see where they are recovered
    property.set_properties(env, [("stonith-action", "off")])
    return env


@pytest.fixture
def env3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ClusterEnv]:
    env = start(tmp_path, monkeypatch, 3)
    try:
        yield env
    finally:
        cluster.stop_cluster(env)


@pytest.fixture
def env5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ClusterEnv]:
    env = start(tmp_path, monkeypatch, 5)
    try:
        yield env
    finally:
        cluster.stop_cluster(env)


def stonith_device(env: ClusterEnv, name: str, agent: str, **params: str) -> None:
    attrs = "".join(f'<nvpair id="{name}-{k}" name="{k}" value="{v}"/>'
                    for k, v in params.items())
    cib_change(env, "create", f'<primitive id="{name}" class="stonith" type="{agent}">'
               f'<instance_attributes id="{name}-ia">{attrs}</instance_attributes>'
               f'<operations><op id="{name}-mon" name="monitor" interval="60s"/></operations>'
               '</primitive>', scope="resources")


def dummies(env: ClusterEnv, placement: dict[str, str]) -> Watcher:
    """Create a Dummy per entry, preferring its node; return a started watcher."""
    nodes = env.node_names()
    watcher = Watcher(env, {r: f"Dummy-{r}.state" for r in placement}, nodes)
    watcher.start()
    for rsc, where in placement.items():
        resource.create(env, rsc, "ocf:heartbeat:Dummy", ops=MONITOR, no_default_ops=True)
        constraint.location(env, rsc, "prefers", [f"{where}=100"])
    for rsc, where in placement.items():
        wait_for(lambda r=rsc, w=where: watcher.where(r) == [w], f"{rsc} on {where}",  # type: ignore[misc]
                 60)
    return watcher


def history(env: ClusterEnv, node: str, target: str | None = None) -> list[dict[str, Any]]:
    frame: dict[str, Any] = {"op": "fence_history"}
    if target:
        frame["target"] = target
    return list(env.request(frame, node=node)["events"])


def done_fencings(env: ClusterEnv, node: str, target: str) -> list[dict[str, Any]]:
    return [e for e in history(env, node, target) if e["state"] == "done"]


def stopped_before_started(watcher: Watcher, rsc: str, lost: set[str],
                           survivors: set[str], since: float) -> None:
    """From the agents' own state: ``rsc`` was gone from every node of
    ``lost`` before it was first seen on one of ``survivors`` (after ``since``)."""
    started = first_start_after(watcher, rsc, survivors, since)
    still_on_lost = [t for t, r, nodes in list(watcher.changes)
                     if r == rsc and since <= t and set(nodes) & lost]
    gone = min((t for t, r, nodes in list(watcher.changes)
                if r == rsc and t >= since and not set(nodes) & lost), default=None)
    assert gone is not None and gone <= started, (gone, started, watcher.changes)
    assert all(t < started for t in still_on_lost)


def first_start_after(watcher: Watcher, rsc: str, node_set: set[str],
                      since: float = 0.0) -> float:
    """When the watcher first saw ``rsc`` active on one of ``node_set`` (after
    ``since``)."""
    def seen() -> list[float]:
        return [t for t, r, nodes in list(watcher.changes)
                if r == rsc and t >= since and set(nodes) & node_set]

    wait_for(lambda: bool(seen()), f"{rsc} seen", 5)
    return min(seen())


def test_a_killed_node_is_fenced_before_its_resources_are_recovered(
        env3: ClusterEnv) -> None:
    env = env3
    stonith_device(env, "fencer", "fence_hapy")
    watcher = dummies(env, {"a": "node3", "b": "node2"})
    try:
        killed = time.time()
        faults.kill_node(env, "node3")
        wait_for(lambda: watcher.where("a") in (["node1"], ["node2"]), "a recovered", 60)
        fenced = done_fencings(env, "node1", "node3")
        assert fenced and fenced[0]["action"] == "off", history(env, "node1")
        # the fencing ended before a started anywhere else
        assert fenced[0]["completed"] <= first_start_after(watcher, "a", {"node1", "node2"},
                                                           killed)
        # every node has the result
        assert any(e["state"] == "done" for e in history(env, "node2", "node3"))
        assert watcher.where("b") == ["node2"]
        # node3 powered on again: it rejoins, and a goes back where it prefers
        cluster.start_nodes(env, ["node3"])
        wait_for(lambda: watcher.where("a") == ["node3"], "a back on node3", 60)
    finally:
        watcher.stop_flag.set()
        watcher.join()
    watcher.assert_never_twice()


def test_a_rebooted_node_comes_back_by_itself(env3: ClusterEnv) -> None:
    """With the default stonith-action (reboot), fence_hapy powers the lost
    node on again: it rejoins without help."""
    env = env3
    property.set_properties(env, [("stonith-action", "reboot")])
    stonith_device(env, "fencer", "fence_hapy")
    watcher = dummies(env, {"a": "node3"})
    try:
        faults.kill_node(env, "node3")
        wait_for(lambda: bool(done_fencings(env, "node1", "node3")), "node3 fenced", 60)
        wait_for(lambda: len(env.request({"op": "status"}, node="node3")["members"]) == 3,
                 "node3 back after its reboot", 60)
        wait_for(lambda: watcher.where("a") == ["node3"], "a on node3 again", 60)
    finally:
        watcher.stop_flag.set()
        watcher.join()
    watcher.assert_never_twice()


def test_a_partition_minority_stops_and_is_fenced_then_heals(env3: ClusterEnv) -> None:
    env = env3
    stonith_device(env, "fencer", "fence_hapy")
    watcher = dummies(env, {"a": "node3", "b": "node1"})
    try:
        split = time.time()
        faults.partition(env, ["node1,node2", "node3"])
        wait_for(lambda: watcher.where("a") in (["node1"], ["node2"]), "a taken over", 60)
        assert done_fencings(env, "node1", "node3")
        stopped_before_started(watcher, "a", {"node3"}, {"node1", "node2"}, split)
        faults.heal(env)
        cluster.start_nodes(env, ["node3"])
        wait_for(lambda: all(len(env.request({"op": "status"}, node=n)["members"]) == 3
                             for n in ("node1", "node3")), "the healed view", 60)
        # one CIB again, and each resource once (a returns to node3, which it
        # prefers)
        wait_for(lambda: watcher.where("a") == ["node3"] and watcher.where("b") == ["node1"],
                 "a back on node3, b on node1", 60)
        cluster.settle(env)
        wait_for(lambda: len({env.request({"op": "status"}, node=n)["cib_version"]
                              for n in env.node_names()}) == 1, "one CIB", 30)
    finally:
        watcher.stop_flag.set()
        watcher.join()
    watcher.assert_never_twice()


def test_a_failing_device_is_retried_and_the_second_level_fences(env3: ClusterEnv) -> None:
    env = env3
    stonith_device(env, "broken", "fence_broken", pcmk_host_list="node1 node2 node3")
    stonith_device(env, "fencer", "fence_hapy")
    for index, device in ((1, "broken"), (2, "fencer")):
        cib_change(env, "create", f'<fencing-level id="fl-node3-{index}" target="node3" '
                   f'index="{index}" devices="{device}"/>', scope="fencing-topology",)
    watcher = dummies(env, {"a": "node3"})
    try:
        faults.kill_node(env, "node3")
        wait_for(lambda: watcher.where("a") in (["node1"], ["node2"]), "a recovered", 60)
        event = done_fencings(env, "node1", "node3")[0]
        assert event["devices"] == ["broken", "fencer"] or event["devices"][-1] == "fencer"
    finally:
        watcher.stop_flag.set()
        watcher.join()
    watcher.assert_never_twice()


def test_only_a_failing_device_blocks_recovery(env3: ClusterEnv) -> None:
    env = env3
    stonith_device(env, "broken", "fence_broken", pcmk_host_list="node1 node2 node3")
    watcher = dummies(env, {"a": "node3"})
    try:
        faults.kill_node(env, "node3")
        wait_for(lambda: any(e["state"] == "failed" for e in history(env, "node1", "node3")),
                 "a failed fencing", 60)
        time.sleep(3)
        # not recovered: node3 might still run it; fencing is retried
        assert watcher.where("a") in ([], ["node3"])
        assert not done_fencings(env, "node1", "node3")
        wait_for(lambda: sum(e["state"] == "failed"
                             for e in history(env, "node1", "node3")) >= 2, "a retry", 30)
    finally:
        watcher.stop_flag.set()
        watcher.join()
    watcher.assert_never_twice()


def test_a_failed_stop_gets_the_node_fenced(env3: ClusterEnv) -> None:
    env = env3
    stonith_device(env, "fencer", "fence_hapy")
    resource.create(env, "stuck", "lsb:stuck", ops=MONITOR, no_default_ops=True)
    constraint.location(env, "stuck", "prefers", ["node2=100"])
    watcher = Watcher(env, {"stuck": "stuck.state"}, env.node_names())
    with watcher:
        wait_for(lambda: watcher.where("stuck") == ["node2"], "stuck on node2")
        # moving it needs a stop on node2, which fails: on-fail=fence (the
        # default for stop with fencing enabled)
        constraint.location(env, "stuck", "avoids", ["node2"])
        wait_for(lambda: bool(done_fencings(env, "node1", "node2")), "node2 fenced", 60)
        wait_for(lambda: watcher.where("stuck") in (["node1"], ["node3"]), "stuck moved", 60)
    watcher.assert_never_twice()


@pytest.mark.parametrize("policy", ["stop", "freeze"])
def test_without_quorum(env3: ClusterEnv, policy: str) -> None:
    """node3 alone (no quorum, and the others cannot fence it: their only
    device fails): with no-quorum-policy=stop it stops its resources, with
    freeze it keeps them and starts nothing new."""
    env = env3
    property.set_properties(env, [("no-quorum-policy", policy)])
    # a device that cannot fence: fencing is configured (resources start),
    # but node3 cannot be fenced, so the majority cannot recover a
    stonith_device(env, "broken", "fence_broken", pcmk_host_list="node1 node2 node3")
    watcher = dummies(env, {"a": "node3"})
    try:
        faults.partition(env, ["node1,node2", "node3"])
        wait_for(lambda: not env.request({"op": "status"}, node="node3")["quorate"],
                 "node3 without quorum")
        if policy == "stop":
            wait_for(lambda: "node3" not in watcher.where("a"), "a stopped on node3", 30)
        else:
            time.sleep(4)
            assert "node3" in watcher.where("a")
        # the majority cannot fence node3 (no device): a is not recovered there
        assert not any(n in watcher.where("a") for n in ("node1", "node2"))
        faults.heal(env)
    finally:
        watcher.stop_flag.set()
        watcher.join()
    watcher.assert_never_twice()


def test_five_nodes_split_three_two(env5: ClusterEnv) -> None:
    env = env5
    stonith_device(env, "fencer", "fence_hapy")
    watcher = dummies(env, {"a": "node4", "b": "node5", "c": "node1"})
    try:
        split = time.time()
        faults.partition(env, ["node1,node2,node3", "node4,node5"])
        for rsc in ("a", "b"):
            wait_for(lambda r=rsc: watcher.where(r) and watcher.where(r)[0]  # type: ignore[misc]
                     in ("node1", "node2", "node3"), f"{rsc} taken over", 90)
        for lost in ("node4", "node5"):
            assert done_fencings(env, "node1", lost)
        for rsc in ("a", "b"):
            stopped_before_started(watcher, rsc, {"node4", "node5"},
                                   {"node1", "node2", "node3"}, split)
        faults.heal(env)
        cluster.start_nodes(env, ["node4", "node5"])
        wait_for(lambda: len(env.request({"op": "status"}, node="node1")["members"]) == 5,
                 "the healed view", 60)
        cluster.settle(env)
        wait_for(lambda: all(len(watcher.where(r)) == 1 for r in ("a", "b", "c")),
                 "each resource once", 60)
    finally:
        watcher.stop_flag.set()
        watcher.join()
    watcher.assert_never_twice()


def test_fence_by_hand_and_history(env3: ClusterEnv) -> None:
    env = env3
    stonith_device(env, "fencer", "fence_hapy")
    property.set_properties(env, [("stonith-action", "reboot")])
    answer = env.request({"op": "fence", "target": "node2", "action": "reboot"}, node="node3")
    assert answer["event"]["state"] == "done"
    assert answer["event"]["executioner"] == "node1"  # the DC runs it
    wait_for(lambda: len(env.request({"op": "status"}, node="node2")["members"]) == 3,
             "node2 back", 60)
    with pytest.raises(HapyError) as err:
        env.request({"op": "fence", "target": "", "action": "reboot"}, node="node1")
    assert err.value.reports[0].code == "FENCE_NO_TARGET"
