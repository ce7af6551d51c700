"""The remote shell that reaches the other nodes, and which node this host is."""

from __future__ import annotations

from pathlib import Path

import pytest

from hapy.cluster.corosync_conf import ConfNode
from hapy.commands.corosync.remote import (
    DEFAULT_SHELL,
    RemoteShell,
    is_local_address,
    local_node,
)
from hapy.reports import HapyError


def test_template_and_command() -> None:
    node = ConfNode(2, "beta", ("10.0.0.2",))
    shell = RemoteShell.from_env({})
    assert shell.template == DEFAULT_SHELL and shell.hapy == "hapy"
    assert shell.argv(node, "hapy cluster start") == [
        "ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "root@10.0.0.2",
        "hapy cluster start"]
    custom = RemoteShell.from_env({"HAPY_REMOTE_SHELL": "/t/remote {name}",
                                   "HAPY_REMOTE_HAPY": "/opt/hapy/bin/hapy"})
    assert custom.argv(node, custom.hapy_command(["cluster", "stop", "a b"])) == [
        "/t/remote", "beta", "/opt/hapy/bin/hapy cluster stop 'a b'"]


def test_bad_template() -> None:
    with pytest.raises(HapyError) as caught:
        RemoteShell("ssh 'unclosed").argv(ConfNode(1, "a", ("a",)), "x")
    assert caught.value.reports[0].code == "REMOTE_SHELL_BAD"


def test_unreachable_node_is_a_coded_error() -> None:
    shell = RemoteShell("/nonexistent/remote-shell {name}")
    with pytest.raises(HapyError) as caught:
        shell.run_hapy(ConfNode(1, "a", ("a",)), ["cluster", "start"])
    assert caught.value.reports[0].code == "REMOTE_SHELL_FAILED"
    # a shell that answers something else than hapy's JSON
    with pytest.raises(HapyError) as caught:
        RemoteShell("sh -c 'echo nope; exit 3' {name}").run_hapy(
            ConfNode(1, "a", ("a",)), ["cluster", "start"])
    assert caught.value.reports[0].code == "REMOTE_SHELL_FAILED"


def test_remote_reports_name_the_node(tmp_path: Path) -> None:
    script = tmp_path / "remote"
    script.write_text("#!/bin/sh\necho '{\"ok\": false, \"reports\": [{\"code\": "
                      "\"X_FAILED\", \"message\": \"no\"}]}'\nexit 1\n")
    script.chmod(0o755)
    shell = RemoteShell(f"{script} {{name}}")
    with pytest.raises(HapyError) as caught:
        shell.run_hapy(ConfNode(1, "a", ("a",)), ["cluster", "start"])
    assert [(r.code, r.message) for r in caught.value.reports] == [("X_FAILED", "a: no")]


def test_this_host_is_the_node_with_a_local_address() -> None:
    assert is_local_address("127.0.0.1")
    assert not is_local_address("192.0.2.55")
    nodes = [ConfNode(1, "far", ("192.0.2.55",)), ConfNode(2, "here", ("127.0.0.1",))]
    found = local_node(nodes)
    assert found is not None and found.label == "here"
    assert local_node(nodes[:1]) is None
