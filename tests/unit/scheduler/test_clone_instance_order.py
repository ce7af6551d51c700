"""The order in which a clone's active instances are placed: on a tie, the
instance whose node the clone's primaries prefer goes first."""

from __future__ import annotations

from pathlib import Path

from tests.unit.scheduler.placement_cib import location, nvpair, primitive, run, scores


def test_instance_on_the_node_of_the_clones_primary_is_placed_first(tmp_path: Path) -> None:
    resources = ('<clone id="A"><meta_attributes id="A-m">' + nvpair("A", "promotable", "true")
                 + nvpair("A", "promoted-max", "2") + "</meta_attributes>" + primitive("a")
                 + "</clone>" + primitive("p"))
    # p can only run on n2; A's promoted instances go with p
    constraints = (location("p", "n1", "-INFINITY")
                   + '<rsc_colocation id="c" rsc="A" rsc-role="Promoted" with-rsc="p" '
                   'score="INFINITY"/>')
    result = run(tmp_path, "n1 n2", resources, constraints,
                 active={"n1": [("a", "promoted")], "n2": [("a", "run")]})
    # a:1 (on n2, p's node) is placed before a:0: n1 is still free for it
    assert scores(result, "a:1") == {"n1": "0", "n2": "1"}
    assert scores(result, "a:0") == {"n1": "1", "n2": "-INFINITY"}
