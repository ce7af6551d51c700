"""A real 3-node embedded cluster (one daemon process per node) managing
Debian's ocf:heartbeat:Dummy, an LSB init script and a nagios plugin through
the admin commands.

A watcher thread reads the agents' own state files all along: no resource may
ever be active on two nodes."""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hapy.commands import cluster, node, processes, property, resource
from hapy.commands.env import ClusterEnv, cib_query
from hapy.testing.watch import Watcher, wait_for

NODES = ("node1", "node2", "node3")
pytestmark = pytest.mark.skipif(
    not Path("/usr/lib/ocf/resource.d/heartbeat/Dummy").exists(),
    reason="resource-agents not installed")

LSB_SCRIPT = """#!/bin/sh
# a minimal LSB init script whose "service" is a state file in the node's runtime dir
STATE="$HA_RSCTMP/lsb-svc.state"
case "$1" in
  start) touch "$STATE"; exit 0 ;;
  stop) rm -f "$STATE"; exit 0 ;;
  status) [ -f "$STATE" ] && exit 0; exit 3 ;;
  *) exit 3 ;;
esac
"""
NAGIOS_PLUGIN = """#!/bin/sh
# a check that passes while its flag file exists
[ -f "$2" ] && { echo "OK"; exit 0; }
echo "CRITICAL"; exit 2
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ClusterEnv]:
    lsb = tmp_path / "init.d"
    lsb.mkdir()
    (lsb / "svc").write_text(LSB_SCRIPT)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "check_flag").write_text(NAGIOS_PLUGIN)
    for script in (lsb / "svc", plugins / "check_flag"):
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("HAPY_LSB_DIR", str(lsb))
    monkeypatch.setenv("HAPY_NAGIOS_DIR", str(plugins))
    env = ClusterEnv(tmp_path / "cluster")
    cluster.start_cluster(env, 3)
    property.set_properties(env, [("stonith-enabled", "false")])
    try:
        yield env
    finally:
        cluster.stop_cluster(env)


MONITOR = [("monitor", [("interval", "1s"), ("timeout", "10s")])]


def test_placement_recovery_standby_and_restarts(env: ClusterEnv, tmp_path: Path) -> None:
    watcher = Watcher(env, {"d": "Dummy-d.state", "svc": "lsb-svc.state"}, NODES)
    watcher.start()
    try:
        # create -> started where the location constraint puts it
        resource.create(env, "d", "ocf:heartbeat:Dummy", ops=MONITOR, no_default_ops=True)
        from hapy.commands import constraint

        constraint.location(env, "d", "prefers", ["node2=100"])
        wait_for(lambda: watcher.where("d") == ["node2"], "d on node2")
        assert resource.running_nodes(env, "d") == ["node2"]

        # a monitor failure -> restarted in place
        state = env.node_dir("node2") / "run" / "rsctmp" / "Dummy-d.state"
        inode = state.stat().st_ino
        state.unlink()
        wait_for(lambda: state.exists(), "d restarted")
        assert watcher.where("d") == ["node2"] and state.stat().st_ino != inode

        # migration-threshold=1 -> a failure moves it away (after a cleanup:
        # the failure above counts, and would move it at once)
        resource.cleanup(env, "d")
        resource.update_meta(env, "d", [("migration-threshold", "1")])
        wait_for(lambda: resource.running_nodes(env, "d") == ["node2"], "d re-probed")
        time.sleep(1.5)
        state.unlink()
        wait_for(lambda: watcher.where("d") not in ([], ["node2"]), "d moved")
        moved_to = watcher.where("d")[0]
        resource.cleanup(env, "d")
        resource.update_meta(env, "d", [("migration-threshold", "")])

        # standby -> moved away from the standby node
        wait_for(lambda: len(watcher.where("d")) == 1, "d settled")
        current = watcher.where("d")[0]
        node.standby(env, current, True)
        wait_for(lambda: watcher.where("d") not in ([], [current]), "d off the standby node")
        node.standby(env, current, False)
        del moved_to

        # an LSB init script and a nagios plugin are managed too
        resource.create(env, "svc", "lsb:svc", ops=MONITOR, no_default_ops=True)
        wait_for(lambda: len(watcher.where("svc")) == 1, "svc started")
        flag = tmp_path / "flag"
        flag.touch()
        resource.create(env, "chk", "nagios:check_flag", params=[("file", str(flag))],
                        ops=MONITOR, no_default_ops=True)
        wait_for(lambda: len(resource.running_nodes(env, "chk")) == 1, "chk started")

        # maintenance-mode -> no agent is called: a dead service stays dead
        property.set_properties(env, [("maintenance-mode", "true")])
        time.sleep(1.5)
        where = watcher.where("d")[0]
        (env.node_dir(where) / "run" / "rsctmp" / "Dummy-d.state").unlink()
        time.sleep(3)
        assert watcher.where("d") == []
        property.set_properties(env, [("maintenance-mode", "false")])
        wait_for(lambda: len(watcher.where("d")) == 1, "d back after maintenance")

        # a daemon restarted -> the CIB is kept, running resources are not restarted
        where = watcher.where("d")[0]
        state = env.node_dir(where) / "run" / "rsctmp" / "Dummy-d.state"
        inode = state.stat().st_ino
        pid = int((env.node_dir(where) / "hapy.pid").read_text())
        os.kill(pid, 9)
        wait_for(lambda: not processes.process_alive(pid), "the daemon to die")
        cluster.start_nodes(env, [where])
        time.sleep(3)
        assert watcher.where("d") == [where] and state.stat().st_ino == inode
    finally:
        watcher.stop_flag.set()
        watcher.join()
    assert not watcher.doubles, f"active on two nodes: {watcher.doubles[:5]}"


def test_the_whole_cluster_restarted_keeps_its_configuration(env: ClusterEnv) -> None:
    resource.create(env, "keep", "ocf:heartbeat:Dummy", ops=MONITOR, no_default_ops=True)
    wait_for(lambda: len(resource.running_nodes(env, "keep")) == 1, "keep started")
    cluster.stop_cluster(env)
    cluster.start_cluster(env, 3)
    assert cib_query(env, xpath="//primitive[@id='keep']")
    wait_for(lambda: len(resource.running_nodes(env, "keep")) == 1, "keep started again")


def test_invalid_changes_are_refused_and_change_nothing(env: ClusterEnv) -> None:
    from hapy.commands import constraint
    from hapy.commands.env import cib_change
    from hapy.reports import HapyError

    resource.create(env, "a", "ocf:heartbeat:Dummy", no_default_ops=True)
    before = cib_query(env)[0]
    with pytest.raises(HapyError) as err:
        constraint.location(env, "ghost", "prefers", ["node1"])
    assert err.value.reports[0].code == "RESOURCE_NOT_FOUND"
    with pytest.raises(HapyError) as err:
        cib_change(env, "create", '<rsc_order id="o" first="a" then="ghost"/>',
                   scope="constraints")
    assert err.value.reports[0].code == "CIB_DANGLING_REFERENCE"
    with pytest.raises(HapyError) as err:
        resource.create(env, "a", "ocf:heartbeat:Dummy")
    assert err.value.reports[0].code == "RESOURCE_EXISTS"
    after = cib_query(env)[0]
    assert _configuration(after) == _configuration(before)


def _configuration(cib_xml: str) -> str:
    start = cib_xml.index("<configuration")
    return cib_xml[start:cib_xml.index("</configuration>")]


def test_kill_9_during_writes_loses_no_acknowledged_change(env: ClusterEnv) -> None:
    from hapy.commands.env import cib_change
    from hapy.reports import HapyError

    acked: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            name = f"w{i}"
            try:
                cib_change(env, "create", f'<primitive id="{name}" class="ocf" '
                           'provider="heartbeat" type="Dummy"><meta_attributes id="'
                           f'{name}-meta"><nvpair id="{name}-tr" name="target-role" '
                           'value="Stopped"/></meta_attributes></primitive>',
                           scope="resources")
            except HapyError:
                continue  # the node it asked was just killed: not acknowledged
            acked.append(name)
            i += 1

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    wait_for(lambda: len(acked) >= 5, "some writes")
    pid = int((env.node_dir("node1") / "hapy.pid").read_text())
    os.kill(pid, 9)
    wait_for(lambda: not processes.process_alive(pid), "node1 to die")
    time.sleep(0.5)
    stop.set()
    thread.join(10)
    cluster.start_nodes(env, ["node1"])
    cluster.settle(env)
    assert len(acked) >= 5
    for node_name in NODES:  # every node, the restarted one included, has them all
        answer = env.request({"op": "cib", "request": {
            "op": "query", "xpath": "/cib/configuration/resources/primitive"}}, node=node_name)
        present = {x.split('id="')[1].split('"')[0] for x in answer["xml"]}
        assert set(acked) <= present, f"lost on {node_name}: {set(acked) - present}"


def test_a_promotable_stateful_clone_has_one_promoted_instance(env: ClusterEnv) -> None:
    """Debian's ocf:pacemaker:Stateful sets its promotion score with
    crm_attribute (hapy's, through the node's daemon); one instance is promoted."""
    if not Path("/usr/lib/ocf/resource.d/pacemaker/Stateful").exists():
        pytest.skip("pacemaker-resource-agents not installed")
    resource.create(env, "st", "ocf:pacemaker:Stateful", promotable=True, clone="st-clone",
                    no_default_ops=True)

    def roles() -> dict[str, str]:
        found = {}
        for n in NODES:
            state = env.node_dir(n) / "run" / "run" / "Stateful-st.state"
            if state.exists():
                found[n] = state.read_text().strip()
        return found

    wait_for(lambda: sorted(roles().values()) == ["Promoted", "Unpromoted", "Unpromoted"],
             "one promoted and two unpromoted instances")
    from hapy.commands.env import cib_query

    scores = cib_query(env, xpath="/cib/status/node_state/transient_attributes"
                                  "/instance_attributes/nvpair[@name='master-st']")
    assert len(scores) == 3  # every instance published its promotion score


def test_an_expired_failure_lets_the_resource_come_back(env: ClusterEnv) -> None:
    """failure-timeout: once the failure expires, the DC plans again by itself
    (the graph's recheck-by) and the resource returns to its preferred node."""
    from hapy.commands import constraint

    resource.create(env, "ft", "ocf:heartbeat:Dummy", ops=MONITOR, no_default_ops=True,
                    meta=[("migration-threshold", "1"), ("failure-timeout", "4s")])
    constraint.location(env, "ft", "prefers", ["node3=100"])
    state = env.node_dir("node3") / "run" / "rsctmp" / "Dummy-ft.state"
    # the agent's own state: the CIB shows a start as soon as it is pending
    wait_for(lambda: resource.running_nodes(env, "ft") == ["node3"] and state.exists(),
             "ft on node3")
    state.unlink()
    wait_for(lambda: resource.running_nodes(env, "ft") not in ([], ["node3"]),
             "ft moved away after its failure")
    began = time.monotonic()
    wait_for(lambda: resource.running_nodes(env, "ft") == ["node3"],
             "ft back on node3 once the failure expired", timeout=40)
    assert time.monotonic() - began >= 2  # not before the failure-timeout
