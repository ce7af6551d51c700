"""The daemon side of ``fence`` and ``fence_history``, talked to by the
client side of ``hapy stonith`` (the commands module)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from tests.unit.fencer.fencer_fakes import agent_env, cib, device_xml, fake_agent

from hapy.commands import stonith
from hapy.fencer import FenceEvent, Fencer
from hapy.fencer.requests import answer_fence, answer_history, local_run
from hapy.reports import HapyError, Report


class SocketOf:
    """What SocketEnv.request does with the daemon's answers."""

    def __init__(self, fencer: Fencer) -> None:
        self.fencer = fencer
        self.seen: list[FenceEvent] = []

    def request(self, frame: dict[str, Any], node: str | None = None) -> dict[str, Any]:
        if frame["op"] == "fence":
            answer = asyncio.run(answer_fence(frame, local_run(self.fencer, self.seen.append)))
        else:
            answer = answer_history(self.fencer, frame)
        if not answer["ok"]:
            raise HapyError([Report.from_dict(r) for r in answer["reports"]])
        return answer


def test_fence_and_history_round_trip(tmp_path: Path) -> None:
    fake_agent(tmp_path, "fence_a", fail=("reboot",))
    root = cib(device_xml("a", "fence_a", {"pcmk_host_list": "node2 node3",
                                           "pcmk_reboot_retries": "0"}))
    sock = SocketOf(Fencer("node1", lambda: root, env=agent_env(tmp_path)))
    event = stonith.fence(sock, "node2", off=True)
    assert (event.state, event.action, event.client) == ("done", "off", "hapy stonith")
    assert [e.state for e in sock.seen] == ["pending", "done"]
    with pytest.raises(HapyError) as failed:
        stonith.fence(sock, "node3")
    assert failed.value.reports[0].code == "STONITH_FENCE_FAILED"
    assert [e.target for e in stonith.history(sock)] == ["node2", "node3"]
    assert [e.target for e in stonith.history(sock, "node3")] == ["node3"]


def test_malformed_requests_are_refused_with_codes(tmp_path: Path) -> None:
    sock = SocketOf(Fencer("node1", lambda: cib(), env=agent_env(tmp_path)))
    for frame, code in (({"op": "fence", "target": "node2", "action": "explode"},
                         "FENCE_BAD_ACTION"), ({"op": "fence"}, "FENCE_NO_TARGET")):
        with pytest.raises(HapyError) as bad:
            sock.request(frame)
        assert bad.value.reports[0].code == code
