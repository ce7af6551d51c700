"""pcs's resource create grammar, as `hapy resource create` reads it."""

from __future__ import annotations

import pytest

from hapy.cli.resource import parse_create_words, split_meta
from hapy.reports import HapyError


def test_params_ops_meta_and_clone_sections() -> None:
    spec = parse_create_words([
        "ip=10.0.0.1", "cidr_netmask=24", "op", "monitor", "interval=10s", "timeout=20s",
        "op", "start", "timeout=30s", "meta", "target-role=Stopped", "clone", "web-clone",
        "clone-max=2"])
    assert spec.params == [("ip", "10.0.0.1"), ("cidr_netmask", "24")]
    assert spec.ops == [("monitor", [("interval", "10s"), ("timeout", "20s")]),
                        ("start", [("timeout", "30s")])]
    assert spec.meta == [("target-role", "Stopped")]
    assert (spec.cloned, spec.clone, spec.promotable) == (True, "web-clone", False)
    assert spec.clone_meta == [("clone-max", "2")]


def test_promotable_without_an_id() -> None:
    spec = parse_create_words(["promotable", "promoted-max=1"])
    assert (spec.cloned, spec.clone, spec.promotable) == (True, None, True)
    assert spec.clone_meta == [("promoted-max", "1")]


@pytest.mark.parametrize("words", [["op"], ["op", "interval=10s"], ["justaword"]])
def test_malformed_words_get_a_coded_error(words: list[str]) -> None:
    with pytest.raises(HapyError) as err:
        parse_create_words(words)
    assert err.value.reports[0].code == "CLI_BAD_OPTION"


@pytest.mark.parametrize(("words", "params", "meta"), [
    (["a=1", "b=2"], ["a=1", "b=2"], []),
    (["a=1", "meta", "target-role=Stopped"], ["a=1"], ["target-role=Stopped"]),
    (["meta", "x=1", "y=2"], [], ["x=1", "y=2"]),
])
def test_update_words_split_at_meta(words: list[str], params: list[str],
                                    meta: list[str]) -> None:
    assert split_meta(words) == (params, meta)
