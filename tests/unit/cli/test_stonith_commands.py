"""``hapy stonith``: fence devices and levels through the CIB change path, and
fence/history through the daemon socket, against a fake daemon that applies
CIB requests to an in-memory CIB and answers fencing requests as told."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from tests.unit.fencer.fencer_fakes import cib, fake_agent

from hapy.cib.ops import CibOp, CibRequest, apply_change, query
from hapy.cib.xmlio import serialize
from hapy.cli import main as cli_main
from hapy.commands import stonith
from hapy.fencer import FenceEvent
from hapy.reports import HapyError

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class FakeDaemon:
    """A node daemon's socket: CIB requests on an in-memory CIB, other
    requests answered by ``handlers``."""

    def __init__(self, handlers: dict[str, Handler] | None = None) -> None:
        self.root = cib()
        self.handlers = handlers or {}
        self.frames: list[dict[str, Any]] = []

    def request(self, frame: dict[str, Any], node: str | None = None) -> dict[str, Any]:
        self.frames.append(frame)
        if frame["op"] != "cib":
            return self.handlers[frame["op"]](frame)
        data = frame["request"]
        req = CibRequest(CibOp(data.get("op", "query")), data.get("xml"), data.get("scope"),
                         data.get("xpath"), bool(data.get("allow_create")),
                         bool(data.get("delete_all")))
        if req.op is CibOp.QUERY:
            return {"ok": True, "xml": [serialize(e).decode() for e in query(self.root, req)]}
        self.root = apply_change(self.root, req).root
        return {"ok": True}

    def find(self, xpath: str) -> list[etree._Element]:
        return list(self.root.xpath(xpath))  # type: ignore[arg-type, union-attr]


@pytest.fixture
def daemon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeDaemon:
    fake_agent(tmp_path, "fence_a")
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    fake = FakeDaemon()
    monkeypatch.setattr("hapy.cli.stonith._env", lambda args: fake)
    monkeypatch.setattr("hapy.cli.stonith._daemon", lambda args: fake)
    return fake


def codes(exc: pytest.ExceptionInfo[HapyError]) -> list[str]:
    return [r.code for r in exc.value.reports]


def test_create_a_device_and_show_its_config(daemon: FakeDaemon,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(["stonith", "create", "f1", "fence_a", "pcmk_host_list=node2",
                          "port=9", "meta", "priority=5"]) == 0
    [prim] = daemon.find("//primitive[@id='f1']")
    assert (prim.get("class"), prim.get("type"), prim.get("provider")) == (
        "stonith", "fence_a", None)
    assert daemon.find("//primitive[@id='f1']/operations/op[@name='monitor']"
                       "[@interval='60s']")
    capsys.readouterr()
    assert cli_main.main(["stonith", "config"]) == 0
    out = capsys.readouterr().out
    assert "Resource: f1 (class=stonith type=fence_a)" in out
    assert "    pcmk_host_list=node2" in out and "    priority=5" in out


def test_create_reports_every_problem_at_once(daemon: FakeDaemon) -> None:
    with pytest.raises(HapyError) as bad:
        stonith.create(daemon, "f1", "fence_a",  # type: ignore[arg-type]
                       params=[("pcmk_host_check", "sometimes"), ("colour", "red"),
                               ("pcmk_off_timeout", "soon"), ("pcmk_host_map", "node1")])
    assert codes(bad) == ["STONITH_BAD_OPTION", "STONITH_UNKNOWN_OPTION",
                          "STONITH_BAD_OPTION", "STONITH_BAD_OPTION"]
    assert not daemon.find("//primitive")
    with pytest.raises(HapyError) as missing:
        stonith.create(daemon, "f2", "fence_nowhere")  # type: ignore[arg-type]
    assert codes(missing) == ["STONITH_AGENT_NOT_FOUND"]
    stonith.create(daemon, "f2", "fence_nowhere", force=True)  # type: ignore[arg-type]
    assert daemon.find("//primitive[@id='f2'][@type='fence_nowhere']")
    with pytest.raises(HapyError) as bad_agent:
        stonith.create(daemon, "f3", "ocf:heartbeat:Dummy")  # type: ignore[arg-type]
    assert codes(bad_agent) == ["STONITH_BAD_AGENT"]


def test_levels_add_show_remove(daemon: FakeDaemon, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("f1", "f2"):
        stonith.create(daemon, name, "fence_a")  # type: ignore[arg-type]
    assert cli_main.main(["stonith", "level", "add", "1", "node1", "f1,f2"]) == 0
    assert cli_main.main(["stonith", "level", "add", "2", "node1", "f2"]) == 0
    assert cli_main.main(["stonith", "level", "add", "1", "regexp%node[23]", "f1"]) == 0
    assert cli_main.main(["stonith", "level", "add", "1", "attrib%rack=r1", "f2"]) == 0
    levels = daemon.find("//fencing-topology/fencing-level")
    assert [(lv.get("target"), lv.get("index"), lv.get("devices")) for lv in levels][:2] == [
        ("node1", "1", "f1,f2"), ("node1", "2", "f2")]
    assert levels[2].get("target-pattern") == "node[23]"
    assert (levels[3].get("target-attribute"), levels[3].get("target-value")) == ("rack", "r1")
    capsys.readouterr()
    assert cli_main.main(["stonith", "level"]) == 0
    out = capsys.readouterr().out
    assert "Target: node1\n  Level 1 - f1,f2\n  Level 2 - f2\n" in out
    assert stonith.level_remove(daemon, "2", "node1") == ["fl-node1-2"]  # type: ignore[arg-type]
    with pytest.raises(HapyError) as gone:
        stonith.level_remove(daemon, "2", "node1")  # type: ignore[arg-type]
    assert codes(gone) == ["STONITH_LEVEL_NOT_FOUND"]


def test_bad_levels_are_coded_errors(daemon: FakeDaemon) -> None:
    stonith.create(daemon, "f1", "fence_a")  # type: ignore[arg-type]
    stonith.level_add(daemon, "1", "node1", ["f1"])  # type: ignore[arg-type]
    with pytest.raises(HapyError) as bad:
        stonith.level_add(daemon, "0", "node9", ["f1", "ghost"])  # type: ignore[arg-type]
    assert codes(bad) == ["STONITH_BAD_LEVEL", "STONITH_UNKNOWN_DEVICE", "STONITH_UNKNOWN_NODE"]
    with pytest.raises(HapyError) as dup:
        stonith.level_add(daemon, "1", "node1", ["f1"])  # type: ignore[arg-type]
    assert codes(dup) == ["STONITH_LEVEL_EXISTS"]
    with pytest.raises(HapyError) as target:
        stonith.level_add(daemon, "2", "attrib%rack", ["f1"])  # type: ignore[arg-type]
    assert codes(target) == ["STONITH_BAD_TARGET"]
    with pytest.raises(HapyError) as empty:
        stonith.level_add(daemon, "2", "node1", [","])  # type: ignore[arg-type]
    assert codes(empty) == ["STONITH_NO_DEVICES"]
    # --force accepts a device and a node the cluster does not know (yet)
    stonith.level_add(daemon, "3", "node9", ["ghost"], force=True)  # type: ignore[arg-type]


def test_deleting_a_device_takes_it_out_of_the_levels(daemon: FakeDaemon) -> None:
    for name in ("f1", "f2"):
        stonith.create(daemon, name, "fence_a")  # type: ignore[arg-type]
    stonith.level_add(daemon, "1", "node1", ["f1,f2"])  # type: ignore[arg-type]
    stonith.level_add(daemon, "2", "node1", ["f1"])  # type: ignore[arg-type]
    assert cli_main.main(["stonith", "delete", "f1"]) == 0
    assert not daemon.find("//primitive[@id='f1']")
    assert [(lv.get("index"), lv.get("devices"))
            for lv in daemon.find("//fencing-level")] == [("1", "f2")]
    with pytest.raises(HapyError) as unknown:
        stonith.delete(daemon, "f1")  # type: ignore[arg-type]
    assert codes(unknown) == ["STONITH_UNKNOWN_DEVICE"]
    daemon.request({"op": "cib", "request": {"op": "create", "scope": "resources", "xml":
                    '<primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>'}})
    with pytest.raises(HapyError) as not_device:
        stonith.delete(daemon, "web")  # type: ignore[arg-type]
    assert codes(not_device) == ["STONITH_NOT_A_DEVICE"]


def _event(state: str, reason: str = "") -> dict[str, Any]:
    return FenceEvent("e1", "node2", "off", "node1", "hapy stonith", "node1", ("f1",), state,
                      1_700_000_000.0, 1_700_000_002.0, reason).to_json()


def test_fence_asks_the_daemon(daemon: FakeDaemon, capsys: pytest.CaptureFixture[str]) -> None:
    daemon.handlers["fence"] = lambda frame: {"ok": True, "event": _event("done")}
    assert cli_main.main(["stonith", "fence", "node2", "--off"]) == 0
    assert daemon.frames[-1] == {"op": "fence", "target": "node2", "action": "off"}
    assert capsys.readouterr().out == "Node: node2 fenced\n"
    daemon.handlers["fence"] = lambda frame: {"ok": True, "event": _event("failed", "f1: no")}
    assert cli_main.main(["stonith", "fence", "node2"]) == 1
    assert daemon.frames[-1]["action"] == "reboot"
    err = capsys.readouterr().err
    assert "fencing node2 failed: f1: no" in err and "(STONITH_FENCE_FAILED)" in err
    daemon.handlers["fence"] = lambda frame: {"ok": True, "event": {"id": "x"}}
    with pytest.raises(HapyError) as bad:
        stonith.fence(daemon, "node2")
    assert codes(bad) == ["STONITH_BAD_ANSWER"]


def test_history_text_xml_json(daemon: FakeDaemon, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    pending = {**_event("pending"), "id": "e2", "target": "node3", "action": "reboot",
               "completed": None, "executioner": None, "client": "controller"}
    daemon.handlers["fence_history"] = lambda frame: {
        "ok": True, "events": [_event("done"), _event("failed", "f1: timed out") | {"id": "e3"},
                               pending]}
    assert cli_main.main(["stonith", "history"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "reboot of node3 pending: client=controller, origin=node1",
        "off of node2 successful: delegate=node1, client=hapy stonith, origin=node1, "
        "completed='2023-11-14 22:13:22 +00:00'",
        "off of node2 failed (f1: timed out): delegate=node1, client=hapy stonith, "
        "origin=node1, last-failed='2023-11-14 22:13:22 +00:00'"]
    assert cli_main.main(["stonith", "history", "show", "node2", "--output-as", "xml"]) == 0
    assert daemon.frames[-1] == {"op": "fence_history", "target": "node2"}
    root = etree.fromstring(capsys.readouterr().out.encode())
    events = root.findall("fence_history/fence_event")
    assert [e.get("status") for e in events] == ["success", "failed"]
    assert events[1].get("exit-reason") == "f1: timed out"
    assert cli_main.main(["stonith", "history", "--output-as", "json"]) == 0
    assert '"state": "pending"' in capsys.readouterr().out


def test_describe_and_list_agents(daemon: FakeDaemon, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(["stonith", "describe", "fence_a"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fence_a - fake\n") and "  port: " in out
    assert cli_main.main(["stonith", "list", "fence_a", "--nodesc"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "fence_a"
    assert cli_main.main(["stonith", "describe", "fence_nowhere"]) == 1
    assert "(STONITH_AGENT_NOT_FOUND)" in capsys.readouterr().err
