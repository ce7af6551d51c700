"""corosync.conf as ``hapy cluster setup`` writes it."""

from __future__ import annotations

from pathlib import Path

from hapy.cluster import corosync_conf
from hapy.commands.corosync.build import build_conf
from hapy.commands.corosync.grammar import parse_setup
from hapy.commands.corosync.paths import NodePaths


def conf(words: list[str], root: str = "/") -> corosync_conf.Section:
    return build_conf(parse_setup("c1", words), NodePaths(Path(root)))


def test_defaults_knet_crypto_nodeids_and_log() -> None:
    text = corosync_conf.render(conf(["a", "addr=10.0.0.1", "b", "addr=10.0.0.2", "c",
                                      "addr=10.0.0.3"]))
    root = corosync_conf.parse(text)
    totem = root.section("totem")
    assert totem is not None
    assert dict(totem.pairs()) == {"version": "2", "cluster_name": "c1", "transport": "knet",
                                   "crypto_cipher": "aes256", "crypto_hash": "sha256"}
    assert [(n.nodeid, n.name, n.addrs) for n in corosync_conf.nodelist(root)] == [
        (1, "a", ("10.0.0.1",)), (2, "b", ("10.0.0.2",)), (3, "c", ("10.0.0.3",))]
    quorum = root.section("quorum")
    assert quorum is not None and dict(quorum.pairs()) == {"provider": "corosync_votequorum"}
    logging = root.section("logging")
    assert logging is not None and logging.get("logfile") == "/var/log/corosync/corosync.log"
    assert root.section("system") is None  # default places: nothing to name


def test_two_nodes_get_two_node_unless_auto_tie_breaker() -> None:
    quorum = conf(["a", "b"]).section("quorum")
    assert quorum is not None and quorum.get("two_node") == "1"
    quorum = conf(["a", "b", "quorum", "auto_tie_breaker=1"]).section("quorum")
    assert quorum is not None and quorum.get("two_node") is None
    assert quorum.get("auto_tie_breaker") == "1"


def test_node_without_addr_is_reached_by_name() -> None:
    nodes = corosync_conf.nodelist(conf(["a", "b"]))
    assert [n.addrs for n in nodes] == [("a",), ("b",)]


def test_options_map_to_corosync_keys() -> None:
    root = conf(["a", "addr=10.0.0.1", "addr=10.1.0.1", "transport", "knet",
                 "ip_version=ipv4", "link", "link_priority=9", "link", "linknumber=0",
                 "pong_count=2", "compression", "model=zlib", "level=5", "crypto",
                 "cipher=none", "hash=none", "totem", "token=1000"])
    totem = root.section("totem")
    assert totem is not None
    values = dict(totem.pairs())
    assert values["ip_version"] == "ipv4" and values["token"] == "1000"
    assert values["crypto_cipher"] == "none" and values["crypto_hash"] == "none"
    assert values["knet_compression_model"] == "zlib"
    interfaces = [dict(s.pairs()) for s in totem.sections("interface")]
    # the first link section has no number: it gets the lowest one not taken (1)
    assert interfaces == [{"linknumber": "0", "knet_pong_count": "2"},
                          {"linknumber": "1", "knet_link_priority": "9"}]
    assert not corosync_conf.crypto_enabled(root)


def test_another_root_names_every_file_under_it() -> None:
    root = conf(["a"], "/srv/m1")
    totem, system = root.section("totem"), root.section("system")
    assert totem is not None and totem.get("keyfile") == "/srv/m1/etc/corosync/authkey"
    assert system is not None and system.get("state_dir") == "/srv/m1/var/lib/corosync"
