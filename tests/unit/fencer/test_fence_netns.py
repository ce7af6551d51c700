"""fence_hapy_netns's protocol without machines: metadata, options, and the
errors it gives when the cluster directory is missing or not a cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from hapy.testing import fence_netns


def test_metadata_names_the_agent_and_its_machines_dir(capsys: pytest.CaptureFixture[str]) -> None:
    assert fence_netns.main(["-o", "metadata"]) == 0
    meta = etree.fromstring(capsys.readouterr().out.encode())
    assert meta.get("name") == "fence_hapy_netns"
    names = [p.get("name") for p in meta.iter("parameter")]
    assert "machines_dir" in names and "plug" in names


def test_stdin_options_accept_aliases_and_ignore_unknown_keys(
        capsys: pytest.CaptureFixture[str]) -> None:
    options = fence_netns.read_stdin_options(
        "option=off\nmachines-dir=/x\nport=gamma\nfoo=1\n", fence_netns._KNOWN,
        fence_netns._ALIASES)
    assert options == {"action": "off", "machines_dir": "/x", "port": "gamma"}
    assert "Ignoring unknown option 'foo=1'" in capsys.readouterr().err


def test_without_a_cluster_directory_it_fails_clearly(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("HAPY_NETNS_CLUSTER", raising=False)
    assert fence_netns.main(["-o", "off", "-n", "gamma"]) == 1
    assert "set the machines_dir parameter" in capsys.readouterr().err


def test_a_directory_that_is_no_cluster_or_an_unknown_node_fails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert fence_netns.main(["-o", "status", "-n", "gamma", "--machines-dir",
                             str(tmp_path)]) == 1
    assert "is not a namespace cluster" in capsys.readouterr().err
    # a cluster whose bridge is gone still knows its nodes
    (tmp_path / "cluster.json").write_text(json.dumps(
        {"name": "c", "nodes": [[1, "alpha", "10.0.0.1"]], "token_ms": 1000,
         "bridge_pid": 999999999, "env": {}, "python": "python3"}))
    assert fence_netns.main(["-o", "off", "-n", "gamma", "--machines-dir",
                             str(tmp_path)]) == 1
    assert "no node 'gamma'" in capsys.readouterr().err
    assert fence_netns.main(["-o", "status", "-n", "alpha", "--machines-dir",
                             str(tmp_path)]) == 2
    assert "Status: OFF" in capsys.readouterr().out
