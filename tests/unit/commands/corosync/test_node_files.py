"""A node's cluster files: the authkey's checks, hapy.conf, and writing all
files or none (checked by the real ``corosync -t`` when it is installed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hapy.cluster import corosync_conf
from hapy.commands.corosync import files, setup
from hapy.commands.corosync.grammar import parse_setup
from hapy.commands.corosync.paths import NodePaths, load_settings, parse_env_file
from hapy.reports import HapyError

needs_corosync = pytest.mark.skipif(shutil.which("corosync") is None,
                                    reason="corosync is not installed")


def bundle_for(paths: NodePaths, *words: str) -> files.Bundle:
    made, _ = setup.make_bundle(parse_setup("c1", list(words)), paths,
                                resolve=lambda a: True)
    return made


def test_authkey_checks(tmp_path: Path) -> None:
    key = tmp_path / "authkey"
    assert [r.code for r in files.check_authkey(key)] == ["COROSYNC_AUTHKEY_MISSING"]
    key.write_bytes(b"x" * 64)
    key.chmod(0o644)
    assert {r.code for r in files.check_authkey(key)} == {"COROSYNC_AUTHKEY_MODE",
                                                          "COROSYNC_AUTHKEY_SIZE"}
    key.write_bytes(files.new_authkey())
    key.chmod(0o400)
    assert files.check_authkey(key) == []
    assert len(files.new_authkey()) == 256


def test_bundle_travels_as_json(tmp_path: Path) -> None:
    bundle = bundle_for(NodePaths(tmp_path), "a", "addr=127.0.0.1")
    assert files.Bundle.from_json(bundle.to_json()) == bundle
    with pytest.raises(HapyError) as caught:
        files.Bundle.from_json("{}")
    assert caught.value.reports[0].code == "CLUSTER_SETUP_BAD_BUNDLE"


def test_hapy_conf_is_an_environment_file(tmp_path: Path) -> None:
    paths = NodePaths(tmp_path)
    text = setup.hapy_conf_text(paths)
    assert parse_env_file(text) == {"HAPY_STATE_DIR": str(tmp_path / "var/lib/hapy"),
                                    "HAPY_LOG_LEVEL": "INFO"}
    assert parse_env_file("# c\nexport A='x y'\nB=\"z\"\nbroken\n=1\n") == {"A": "x y",
                                                                          "B": "z"}
    assert load_settings(paths, {}).state_dir == tmp_path / "var/lib/hapy"
    paths.hapy_conf.parent.mkdir(parents=True)
    paths.hapy_conf.write_text("HAPY_STATE_DIR=/srv/state\nHAPY_OCF_ROOT=/opt/ocf\n")
    settings = load_settings(paths, {})
    assert settings.state_dir == Path("/srv/state")
    assert ("HAPY_OCF_ROOT", "/opt/ocf") in settings.environment
    assert load_settings(paths, {"HAPY_STATE_DIR": "/elsewhere"}).state_dir == \
        Path("/elsewhere")


@needs_corosync
def test_install_writes_all_three_files(tmp_path: Path) -> None:
    paths = NodePaths(tmp_path)
    bundle = bundle_for(paths, "a", "addr=127.0.0.1")
    files.install(bundle, paths, overwrite=False, force=True)
    assert paths.authkey.read_bytes() == bundle.authkey
    assert paths.authkey.stat().st_mode & 0o777 == 0o400
    assert paths.corosync_conf.read_text() == bundle.corosync_conf
    assert paths.hapy_conf.read_text() == bundle.hapy_conf
    assert sorted(p.name for p in paths.corosync_conf.parent.iterdir()) == [
        "authkey", "corosync.conf"]  # no temporary file left
    conf, node = files.check_node_files(paths)
    assert node.label == "a" and corosync_conf.cluster_name(conf) == "c1"
    with pytest.raises(HapyError) as caught:
        files.install(bundle_for(paths, "b", "addr=127.0.0.1"), paths, overwrite=False,
                      force=True)
    assert {r.code for r in caught.value.reports} == {"CLUSTER_SETUP_CONFIG_EXISTS"}
    files.install(bundle_for(paths, "b", "addr=127.0.0.1"), paths, overwrite=True, force=True)
    assert "name: b" in paths.corosync_conf.read_text()


@needs_corosync
def test_what_corosync_refuses_is_not_written(tmp_path: Path) -> None:
    paths = NodePaths(tmp_path)
    good = bundle_for(paths, "a", "addr=127.0.0.1", "b", "addr=127.0.0.2")
    bad = files.Bundle(good.corosync_conf.replace("nodeid: 2", "nodeid: 1"), good.authkey,
                       good.hapy_conf)
    with pytest.raises(HapyError) as caught:
        files.install(bad, paths, overwrite=False, force=True)
    assert [r.code for r in caught.value.reports] == ["COROSYNC_CONF_INVALID"]
    assert "appears twice" in caught.value.reports[0].message
    assert not paths.corosync_conf.exists() and not paths.authkey.exists()


def test_a_host_not_in_the_nodelist_is_refused(tmp_path: Path) -> None:
    paths = NodePaths(tmp_path)
    bundle = bundle_for(paths, "a", "addr=192.0.2.1")
    checked = files.check_install(bundle, paths, overwrite=False, force=True)
    assert "COROSYNC_LOCAL_NODE_UNKNOWN" in {r.code for r in checked.errors}
