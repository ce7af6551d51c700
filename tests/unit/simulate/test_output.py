"""crm_simulate's lines for executed actions."""

from __future__ import annotations

from hapy.graph.model import ActionKind, GraphAction, ResourceRef
from hapy.simulate.output import executed_line


def _start(node: str, long_id: str) -> GraphAction:
    return GraphAction(id=1, kind=ActionKind.RSC_OP, operation="start",
                       operation_key=f"{long_id}_start_0", on_node=node,
                       resource=ResourceRef(id="d", rclass="ocf", type="Dummy",
                                            provider="pacemaker", long_id=long_id))


def test_anonymous_instance_named_after_an_existing_history() -> None:
    known = {"d"}
    assert "d               start on n2" in executed_line(_start("n2", "d:1"), known)


def test_anonymous_instance_without_history_keeps_its_instance_name() -> None:
    known: set[str] = set()
    assert "d:0             start on n1" in executed_line(_start("n1", "d:0"), known)
    # what it was recorded under is known from then on
    assert known == {"d:0"}
    assert "d:1             start on n2" in executed_line(_start("n2", "d:1"), known)
