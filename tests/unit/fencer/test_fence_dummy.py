"""Debian's real fence_dummy (package fence-agents) as a fence device."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from tests.unit.fencer.fencer_fakes import cib, device_xml

from hapy.fencer import Fencer

pytestmark = pytest.mark.skipif(
    shutil.which("fence_dummy", path="/usr/sbin:/sbin:/usr/bin") is None,
    reason="fence-agents not installed")


def test_fence_dummy_powers_its_status_file_off_and_on(tmp_path: Path) -> None:
    status = tmp_path / "status"
    status.write_text("on")
    # no host list: fence_dummy cannot list, so its status action decides
    root = cib(device_xml("dummy", "fence_dummy", {"status_file": str(status)}))
    f = Fencer("node1", lambda: root)

    async def body() -> None:
        assert await f.check_device("dummy")
        off = await f.fence("node2", "off", origin="node1")
        assert (off.state, off.devices) == ("done", ("dummy",)), off.exit_reason
        assert status.read_text() == "off"
        on = await f.fence("node2", "on", origin="node1")
        assert on.state == "done" and status.read_text() == "on"
        reboot = await f.fence("node2", origin="node1")
        assert reboot.state == "done" and status.read_text() == "on"

    asyncio.run(body())


def test_fence_dummy_of_type_fail_fails(tmp_path: Path) -> None:
    root = cib(device_xml("dummy", "fence_dummy", {
        "type": "fail", "pcmk_host_list": "node2", "pcmk_off_retries": "0"}))
    event = asyncio.run(Fencer("node1", lambda: root).fence("node2", "off", origin="node1"))
    assert event.state == "failed" and "fence_dummy" in event.exit_reason
