"""pcs's ``cluster setup`` grammar, and the checks of what it gives."""

from __future__ import annotations

import pytest

from hapy.commands.corosync.build import validate
from hapy.commands.corosync.grammar import NodeSpec, parse_setup
from hapy.reports import HapyError


def codes(words: list[str], *, force: bool = False) -> set[str]:
    spec = parse_setup("c1", words)
    return {r.code for r in validate(spec, force=force, resolve=lambda a: a != "nowhere")
            if r.is_error()}


def test_nodes_addresses_and_sections() -> None:
    spec = parse_setup("c1", [
        "a", "addr=10.0.0.1", "addr=10.1.0.1", "b", "addr=10.0.0.2", "addr=10.1.0.2",
        "transport", "knet", "link_mode=passive", "link", "linknumber=1", "link_priority=5",
        "compression", "model=zlib", "crypto", "cipher=aes128", "totem", "token=1000",
        "quorum", "wait_for_all=1"])
    assert spec.nodes == (NodeSpec("a", ("10.0.0.1", "10.1.0.1")),
                          NodeSpec("b", ("10.0.0.2", "10.1.0.2")))
    assert spec.transport == "knet"
    assert spec.transport_options == (("link_mode", "passive"),)
    assert spec.links == ((("linknumber", "1"), ("link_priority", "5")),)
    assert spec.compression == (("model", "zlib"),)
    assert spec.crypto == (("cipher", "aes128"),)
    assert spec.totem == (("token", "1000"),)
    assert spec.quorum == (("wait_for_all", "1"),)
    assert validate(spec, resolve=lambda a: True).errors == []


@pytest.mark.parametrize("words", [
    [], ["addr=10.0.0.1"], ["a", "port=1"], ["a", "crypto", "cipher=none"],
    ["a", "transport"], ["a", "totem", "token=1", "totem", "join=1"], ["a", "quorum", "x"],
])
def test_syntax_errors(words: list[str]) -> None:
    with pytest.raises(HapyError) as caught:
        parse_setup("c1", words)
    assert caught.value.reports[0].code == "CLUSTER_SETUP_SYNTAX"


@pytest.mark.parametrize(("words", "code"), [
    (["a", "a"], "CLUSTER_SETUP_NODE_TWICE"),
    (["a", "addr=10.0.0.1", "b", "addr=10.0.0.1"], "CLUSTER_SETUP_ADDR_TWICE"),
    (["a", "addr=10.0.0.1", "b"], "CLUSTER_SETUP_ADDR_COUNT"),
    (["a", "addr=10.0.0.1", "b", "addr=fe80::2"], "CLUSTER_SETUP_MIXED_FAMILIES"),
    (["a", "addr=nowhere"], "CLUSTER_SETUP_ADDR_UNRESOLVABLE"),
    (["a", "transport", "udp"], "CLUSTER_SETUP_TRANSPORT"),
    (["a", "totem", "token=soon"], "CLUSTER_SETUP_BAD_VALUE"),
    (["a", "totem", "colour=blue"], "CLUSTER_SETUP_UNKNOWN_OPTION"),
    (["a", "quorum", "wait_for_all=yes"], "CLUSTER_SETUP_BAD_VALUE"),
    (["a", "transport", "knet", "crypto", "hash=none"], "CLUSTER_SETUP_CRYPTO"),
    (["a", "transport", "knet", "link", "linknumber=1"], "CLUSTER_SETUP_BAD_LINK"),
    (["a", "transport", "knet", "link", "link"], "CLUSTER_SETUP_BAD_LINK"),
    (["a b"], "CLUSTER_SETUP_BAD_NODE_NAME"),
])
def test_checks(words: list[str], code: str) -> None:
    assert code in codes(words)


def test_force_turns_forceable_errors_into_warnings() -> None:
    assert codes(["a", "addr=nowhere", "totem", "colour=blue"], force=True) == set()
    assert codes(["a", "totem", "token=soon"], force=True) == {"CLUSTER_SETUP_BAD_VALUE"}


def test_bad_cluster_name() -> None:
    spec = parse_setup("my cluster", ["a"])
    assert "CLUSTER_SETUP_BAD_NAME" in {r.code for r in validate(spec, resolve=lambda a: True)}
