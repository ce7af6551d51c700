"""A ticket that is not granted: what its loss-policy does to the resources
that depend on it.

Expected behaviour established with crm_simulate 2.1.5 on the same CIBs.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.scheduler.placement_cib import nvpair, placed, primitive, run, scores

_TICKET = '<rsc_ticket id="t" rsc="{rsc}" ticket="T" rsc-role="Started" loss-policy="freeze"/>'


def test_freeze_keeps_an_active_resource_where_it_is_without_stickiness(
    tmp_path: Path,
) -> None:
    sticky = nvpair("A", "resource-stickiness", "100")
    result = run(tmp_path, "n1 n2", primitive("A", sticky), _TICKET.format(rsc="A"),
                 active={"n1": [("A", "run")]})
    assert scores(result, "A") == {"n1": "0", "n2": "0"}
    assert placed(result, "A") == "n1"
    assert not result.working_set.resources_by_id["A"].managed


def test_freeze_keeps_an_inactive_resource_stopped(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", primitive("A"), _TICKET.format(rsc="A"))
    assert scores(result, "A") == {"n1": "-INFINITY", "n2": "-INFINITY"}
    assert placed(result, "A") is None
