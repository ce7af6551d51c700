"""corosync.conf read and written as a tree of sections."""

from __future__ import annotations

import pytest

from hapy.cluster import corosync_conf
from hapy.reports import HapyError

TEXT = """\
# a comment
totem {
    version: 2
    cluster_name: c1
    crypto_cipher: aes256
    crypto_hash: sha256

    interface {
        linknumber: 0
    }
}

nodelist {
    node {
        ring0_addr: fe80::1
        ring1_addr: 10.0.0.1
        name: a
        nodeid: 1
    }

    node {
        ring0_addr: b.example
        nodeid: 2
    }
}
"""


def test_parse_reads_sections_repeated_nodes_and_colons_in_values() -> None:
    root = corosync_conf.parse(TEXT)
    assert corosync_conf.cluster_name(root) == "c1"
    nodes = corosync_conf.nodelist(root)
    assert [(n.nodeid, n.label, n.addrs) for n in nodes] == [
        (1, "a", ("fe80::1", "10.0.0.1")), (2, "b.example", ("b.example",))]
    assert corosync_conf.crypto_enabled(root)
    assert corosync_conf.keyfile(root, "/etc/corosync/authkey") == "/etc/corosync/authkey"


def test_render_round_trips() -> None:
    root = corosync_conf.parse(TEXT)
    text = corosync_conf.render(root)
    assert text == TEXT.split("\n", 1)[1]  # everything but the comment
    assert corosync_conf.render(corosync_conf.parse(text)) == text


def test_crypto_off_when_both_none() -> None:
    root = corosync_conf.parse("totem {\n crypto_cipher: none\n crypto_hash: none\n}\n")
    assert not corosync_conf.crypto_enabled(root)


@pytest.mark.parametrize("text", ["totem {\n version: 2\n", "}\n", "totem {\n nonsense\n}\n",
                                  "bad name {\n}\n"])
def test_syntax_errors_are_coded(text: str) -> None:
    with pytest.raises(HapyError) as caught:
        corosync_conf.parse(text, "x.conf")
    assert caught.value.reports[0].code == "COROSYNC_CONF_INVALID"
    assert caught.value.reports[0].message.startswith("x.conf:")


def test_set_replaces_and_remove_drops() -> None:
    section = corosync_conf.Section("totem", [("token", "1"), ("token", "2"), ("x", "y")])
    assert section.get("token") == "2"
    section.set("token", "3")
    assert section.items == [("token", "3"), ("x", "y")]
    section.remove("x")
    assert section.items == [("token", "3")]
