"""How corosync's membership and quorum are shown (status corosync, quorum status)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hapy.cli.cluster import on_corosync
from hapy.commands.corosync.membership import (
    CorosyncQuorum,
    Member,
    as_json,
    as_xml,
    membership_lines,
    quorum_lines,
)
from hapy.commands.env import ClusterEnv, SocketEnv, connect
from hapy.commands.status import ClusterStatus, corosync_lines

STATE = CorosyncQuorum((Member(1, "alpha", 1, True), Member(2, "beta", 1, False)), 1, True,
                       3, 3, 2, 2, ("Quorate",), "corosync_votequorum", "1.2c")


def test_membership_table_as_pcs_status_corosync() -> None:
    assert membership_lines(STATE) == [
        "Membership information", "----------------------",
        "    Nodeid      Votes Name",
        "         1          1 alpha (local)",
        "         2          1 beta"]


def test_quorum_status() -> None:
    lines = quorum_lines(STATE)
    assert "Quorate:          Yes" in lines and "Expected votes:   3" in lines
    assert "Quorum:           2" in lines and lines[-1].endswith("beta")


def test_machine_readable_forms() -> None:
    data = json.loads(as_json(STATE))
    assert data["quorum"]["expected_votes"] == 3 and data["members"][1]["name"] == "beta"
    assert '<node nodeid="2" name="beta" votes="1" local="false"/>' in as_xml(STATE)


def test_hapy_status_block() -> None:
    status = ClusterStatus("alpha", True, 2, 0, (), "", stack="corosync", corosync=STATE)
    assert corosync_lines(status) == [
        "", "Corosync:", "  * Quorum: quorate, 2 of 3 expected votes (quorum 2)",
        "  * Members: alpha (id 1, local), beta (id 2)"]
    assert corosync_lines(ClusterStatus("a", True, 1, 0, (), "")) == []


def test_commands_choose_the_embedded_cluster_or_this_corosync_node(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    monkeypatch.setenv("HAPY_ROOT", str(tmp_path))
    monkeypatch.delenv("HAPY_CLUSTER_DIR", raising=False)
    args = argparse.Namespace(dir=None, embedded=False)
    assert not on_corosync(args)
    conf = tmp_path / "etc/corosync/corosync.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("totem {\n}\n")
    assert on_corosync(args)
    client = connect(None)
    assert isinstance(client, SocketEnv)
    assert client.socket == tmp_path / "var/lib/hapy/hapy.sock"
    assert not on_corosync(argparse.Namespace(dir="/some/cluster", embedded=False))
    assert isinstance(connect("/some/cluster"), ClusterEnv)
    monkeypatch.setenv("HAPY_CLUSTER_DIR", "/some/cluster")
    assert not on_corosync(args)
