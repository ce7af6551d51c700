"""The fencer with fake fence agents: which devices it picks and how it
runs them (host lists and maps, priority, topology, reboot remapping,
delays, timeouts), the events it reports and its history."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from tests.unit.fencer.fencer_fakes import agent_env, cib, device_xml, fake_agent, level, runs

from hapy.cib.xmlio import Element
from hapy.fencer import FenceEvent, Fencer
from hapy.reports import HapyError


def fencer(tmp_path: Path, root: Element, **kwargs: object) -> Fencer:
    return Fencer("node1", lambda: root, env=agent_env(tmp_path), **kwargs)  # type: ignore[arg-type]


def fence(f: Fencer, target: str, action: str = "reboot") -> FenceEvent:
    return asyncio.run(f.fence(target, action, origin="node1"))


def test_a_static_list_device_gets_the_target_and_its_own_params_only(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a")
    root = cib(device_xml("a", "fence_a", {"pcmk_host_list": "node2 node3", "ip": "10.0.0.1"}))
    event = fence(fencer(tmp_path, root), "node2")
    assert (event.state, event.devices, event.executioner) == ("done", ("a",), "node1")
    [run] = runs(tmp_path, "fence_a")
    assert run == {"action": "reboot", "nodename": "node2", "port": "node2", "ip": "10.0.0.1"}


def test_a_host_map_gives_the_port_and_a_custom_action_name_is_used(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a", params=("plug",), host_arg="plug")
    root = cib(device_xml("a", "fence_a", {"pcmk_host_map": "node1:1;node2:2,3",
                                           "pcmk_reboot_action": "off"}))
    assert fence(fencer(tmp_path, root), "node2").state == "done"
    [run] = runs(tmp_path, "fence_a")
    # the agent has plug but no port parameter: the target goes as plug
    assert (run["action"], run["plug"]) == ("off", "2,3")


def test_devices_are_tried_by_priority_until_one_succeeds(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_bad", fail=("reboot",))
    fake_agent(tmp_path, "fence_good")
    root = cib(device_xml("good", "fence_good", {"pcmk_host_check": "none"}),
               device_xml("bad", "fence_bad", {"pcmk_host_check": "none"}, {"priority": "10"}))
    event = fence(fencer(tmp_path, root), "node3")
    assert (event.state, event.devices) == ("done", ("bad", "good"))
    # each device action is retried twice (pcmk_reboot_retries) before giving up
    assert len(runs(tmp_path, "fence_bad")) == 3


def test_no_device_for_the_target_fails_naming_why(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a")
    root = cib(device_xml("a", "fence_a", {"pcmk_host_list": "node2"}))
    event = fence(fencer(tmp_path, root), "node3")
    assert event.state == "failed" and event.executioner is None
    assert "no fence device can fence node3" in event.exit_reason
    assert "pcmk_host_list" in event.exit_reason
    assert runs(tmp_path, "fence_a") == []
    assert fence(fencer(tmp_path, cib()), "node3").state == "failed"


def test_disabled_and_banned_devices_are_not_used(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a")
    root = cib(device_xml("off", "fence_a", {"pcmk_host_check": "none"},
                          {"target-role": "Stopped"}),
               device_xml("banned", "fence_a", {"pcmk_host_check": "none"}),
               constraints='<rsc_location id="l" rsc="banned" node="node1" score="-INFINITY"/>')
    event = fence(fencer(tmp_path, root), "node2")
    assert event.state == "failed"
    assert "disabled" in event.exit_reason and "may not run on node1" in event.exit_reason
    assert runs(tmp_path, "fence_a") == []


def test_dynamic_list_asks_the_agent_which_ports_it_has(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a", hosts=("node2",))
    f = fencer(tmp_path, cib(device_xml("a", "fence_a")))
    assert fence(f, "node3").state == "failed"
    assert fence(f, "node2").state == "done"
    actions = [r["action"] for r in runs(tmp_path, "fence_a")]
    assert actions == ["list", "reboot"]  # the list is cached


def test_status_check_when_the_agent_cannot_list(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a", hosts=("node2",),
               actions=("on", "off", "reboot", "status", "monitor", "metadata"))
    f = fencer(tmp_path, cib(device_xml("a", "fence_a")))
    assert fence(f, "node3").state == "failed"
    assert fence(f, "node2").state == "done"
    assert [r["action"] for r in runs(tmp_path, "fence_a")] == ["status", "status", "reboot"]


def test_topology_levels_in_order_and_a_reboot_of_two_devices_is_off_then_on(
        tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_bad", fail=("reboot",))
    fake_agent(tmp_path, "fence_p1")
    fake_agent(tmp_path, "fence_p2")
    params = {"pcmk_host_check": "none", "pcmk_reboot_retries": "0"}
    root = cib(device_xml("bad", "fence_bad", params), device_xml("p1", "fence_p1", params),
               device_xml("p2", "fence_p2", params),
               levels=level(2, "node2", "p1,p2") + level(1, "node2", "bad"))
    event = fence(fencer(tmp_path, root), "node2")
    assert (event.state, event.devices) == ("done", ("bad", "p1", "p2"))
    assert [r["action"] for r in runs(tmp_path, "fence_p1")] == ["off", "on"]
    assert [r["action"] for r in runs(tmp_path, "fence_p2")] == ["off", "on"]


def test_a_level_with_an_unusable_device_is_skipped(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a")
    root = cib(device_xml("a", "fence_a", {"pcmk_host_check": "none"}),
               levels=level(1, "node2", "ghost") + level(2, "node2", "a"))
    event = fence(fencer(tmp_path, root), "node2")
    assert (event.state, event.devices) == ("done", ("a",))


def test_levels_by_pattern_and_by_attribute(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a")
    fake_agent(tmp_path, "fence_b")
    params = {"pcmk_host_check": "none"}
    root = cib(device_xml("a", "fence_a", params), device_xml("b", "fence_b", params),
               levels='<fencing-level id="p" target-pattern="node[12]" index="1" devices="a"/>'
               '<fencing-level id="q" target-attribute="rack" target-value="r1" index="1" '
               'devices="b"/>')
    node3 = root.find("configuration/nodes/node[@uname='node3']")
    assert node3 is not None
    node3.append(__import__("lxml.etree").etree.fromstring(
        '<instance_attributes id="n3"><nvpair id="n3r" name="rack" value="r1"/>'
        '</instance_attributes>'))
    f = fencer(tmp_path, root)
    assert fence(f, "node2").devices == ("a",)
    assert fence(f, "node3").devices == ("b",)


def test_a_device_without_reboot_is_turned_off_then_on(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a", actions=("on", "off", "status", "metadata"))
    root = cib(device_xml("a", "fence_a", {"pcmk_host_list": "node2"}))
    assert fence(fencer(tmp_path, root), "node2").state == "done"
    assert [r["action"] for r in runs(tmp_path, "fence_a")] == ["off", "on"]


def test_delay_base_and_max_with_an_injected_random(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a")
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    root = cib(device_xml("a", "fence_a", {"pcmk_host_check": "none",
                                           "pcmk_delay_base": "node2:2s;node3:1",
                                           "pcmk_delay_max": "4s"}))
    f = fencer(tmp_path, root, sleep=sleep, rng=lambda: 0.5)
    fence(f, "node2")
    fence(f, "node3")
    assert slept == [3.0, 2.5]


def test_a_slow_device_is_killed_at_its_timeout(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_slow", slow=("off",))
    root = cib(device_xml("s", "fence_slow", {"pcmk_host_check": "none",
                                              "pcmk_off_timeout": "1s"}))
    began = time.monotonic()
    event = fence(fencer(tmp_path, root), "node2", "off")
    assert event.state == "failed" and "timed out" in event.exit_reason
    assert time.monotonic() - began < 10


def test_stonith_timeout_is_the_default_device_timeout(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_slow", slow=("reboot",))
    root = cib(device_xml("s", "fence_slow", {"pcmk_host_check": "none"}),
               options='<nvpair id="st" name="stonith-timeout" value="1s"/>')
    event = fence(fencer(tmp_path, root), "node2")
    assert "timed out after 1000 ms" in event.exit_reason


def test_events_callbacks_history_and_merge(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a")
    clock = iter(float(i) for i in range(100, 200))
    f = fencer(tmp_path, cib(device_xml("a", "fence_a", {"pcmk_host_check": "none"})),
               clock=lambda: next(clock))
    seen: list[FenceEvent] = []
    final = asyncio.run(f.fence("node2", "off", origin="node3", client="hapy stonith",
                                on_event=seen.append))
    assert [e.state for e in seen] == ["pending", "done"]
    assert seen[0].id == final.id and final.completed is not None
    assert (final.origin, final.client, final.action) == ("node3", "hapy stonith", "off")
    assert f.history() == [final]
    assert FenceEvent.from_json(final.to_json()) == final
    peer = FenceEvent("x", "node3", "reboot", "node2", "controller", "node2", ("a",), "pending",
                      50.0, None)
    f.merge(peer)
    f.merge(peer.finish("done", 60.0, executioner="node2", devices=("a",)))
    f.merge(peer)  # a late pending copy does not undo the result
    assert [(e.id, e.state) for e in f.history()] == [("x", "done"), (final.id, "done")]


def test_concurrent_requests_for_the_same_target_share_one_run(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a")
    f = fencer(tmp_path, cib(device_xml("a", "fence_a", {"pcmk_host_check": "none"})))

    async def body() -> list[FenceEvent]:
        return list(await asyncio.gather(f.fence("node2", origin="node1"),
                                         f.fence("node2", origin="node3")))

    first, second = asyncio.run(body())
    assert first == second
    assert len(runs(tmp_path, "fence_a")) == 1


def test_bad_requests_are_coded_errors(tmp_path: Path) -> None:
    f = fencer(tmp_path, cib())
    with pytest.raises(HapyError) as bad:
        fence(f, "node2", "explode")
    assert bad.value.reports[0].code == "FENCE_BAD_ACTION"
    with pytest.raises(HapyError) as unknown:
        asyncio.run(f.check_device("ghost"))
    assert unknown.value.reports[0].code == "FENCE_UNKNOWN_DEVICE"
    with pytest.raises(ValueError):
        FenceEvent.from_json({"id": "x"})


def test_a_missing_agent_fails_the_fencing(tmp_path: Path) -> None:
    root = cib(device_xml("a", "fence_nowhere", {"pcmk_host_check": "none"}))
    event = fence(fencer(tmp_path, root), "node2")
    assert event.state == "failed" and "not installed" in event.exit_reason


def test_check_device_runs_the_monitor(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_ok")
    fake_agent(tmp_path, "fence_broken", fail=("monitor",))
    f = fencer(tmp_path, cib(device_xml("ok", "fence_ok"), device_xml("br", "fence_broken")))
    assert asyncio.run(f.check_device("ok")) is True
    assert asyncio.run(f.check_device("br")) is False
    assert [r["action"] for r in runs(tmp_path, "fence_ok")] == ["monitor"]


def test_an_opt_in_cluster_uses_only_devices_allowed_on_this_node(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a")
    params = {"pcmk_host_check": "none"}
    opt_in = '<nvpair id="sym" name="symmetric-cluster" value="false"/>'
    root = cib(device_xml("a", "fence_a", params), device_xml("b", "fence_a", params),
               options=opt_in,
               constraints='<rsc_location id="l" rsc="b" node="node1" score="100"/>'
               '<rsc_location id="r" rsc="a" score="-INFINITY"><rule id="r1" '
               'score="-INFINITY"><expression id="e" attribute="#uname" operation="eq" '
               'value="node1"/></rule></rsc_location>')
    event = fence(fencer(tmp_path, root), "node2")
    assert (event.state, event.devices) == ("done", ("b",))
    assert fencer(tmp_path, root).config().device("a").banned  # type: ignore[union-attr]


def test_a_rule_can_ban_a_device_from_this_node(tmp_path: Path) -> None:
    rule = ('<rsc_location id="r" rsc="a"><rule id="r1" score="-INFINITY"><expression id="e" '
            'attribute="#uname" operation="eq" value="{}"/></rule></rsc_location>')
    here = cib(device_xml("a", "fence_a"), constraints=rule.format("node1"))
    elsewhere = cib(device_xml("a", "fence_a"), constraints=rule.format("node2"))
    assert fencer(tmp_path, here).config().devices[0].banned
    assert not fencer(tmp_path, elsewhere).config().devices[0].banned
