"""The order of the transition summary's resource lines."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, run

from hapy.scheduler.summary import transition_summary


def _starts(strategy: str) -> list[str]:
    options = f'<nvpair id="ps" name="placement-strategy" value="{strategy}"/>'
    prefer = '<rsc_location id="l" rsc="r2" node="n1" score="100"/>'
    text = cib_text(dummy("r1") + dummy("r2"), constraints=prefer, options=options)
    lines = transition_summary(run(text).working_set)
    return [line.split()[2] for line in lines if line.split()[1] == "Start"]


def test_summary_follows_the_assignment_order_under_a_placement_strategy() -> None:
    # r2 wants a node more: it is assigned first, and listed first
    assert _starts("balanced") == ["r2", "r1"]
    # by default resources are listed in their configuration order
    assert _starts("default") == ["r1", "r2"]
