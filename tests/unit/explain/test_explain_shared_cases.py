"""On the shared scheduler cases (only when ``HAPY_SHARED`` names the shared
folder): every score ``hapy explain`` shows is the one ``hapy simulate -s``
prints for that resource and node, and every change on the way is recorded
(no ``unrecorded`` gap). Compared with hapy's own output, not with Pacemaker's
expected files."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hapy.cib.scores import score_text
from hapy.commands.explain import load_file
from hapy.explain.build import explain
from hapy.explain.model import ResourceReport
from hapy.scheduler.explain.ledger import ScoreLedger
from hapy.scheduler.run import schedule
from hapy.simulate.driver import SimulateRequest, simulate

FIXED = datetime(2024, 1, 1, tzinfo=UTC)


def _cases() -> list[Path]:
    shared = os.environ.get("HAPY_SHARED")
    if not shared:
        return []
    return sorted((Path(shared) / "scheduler-cases" / "xml").glob("*.xml"))


def _printed(path: Path, now: datetime) -> tuple[dict[tuple[str, str], str],
                                                 dict[tuple[str, str], str]]:
    out = io.StringIO()
    simulate(SimulateRequest(xml_file=str(path), show_scores=True, quiet=True,
                             date=f"{now:%Y-%m-%dT%H:%M:%S}Z"), out=out)
    allocation: dict[tuple[str, str], str] = {}
    promotion: dict[tuple[str, str], str] = {}
    for line in out.getvalue().splitlines():
        head, _, score = line.rpartition(": ")
        if " allocation score on " in head:
            name, node = head.split(": ", 1)[1].split(" allocation score on ")
            allocation[(name, node)] = score
        elif " promotion score on " in head:
            name, node = head.split(" promotion score on ")
            promotion[(name, node)] = score
    return allocation, promotion


def _walk(rsc: ResourceReport) -> list[ResourceReport]:
    out = [rsc]
    for member in rsc.members:
        out.extend(_walk(member))
    return out


@pytest.mark.skipif(not _cases(), reason="set HAPY_SHARED to the shared folder")
@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_explain_totals_are_what_simulate_prints(path: Path) -> None:
    cib, recorded = load_file(str(path))
    now = recorded or FIXED
    allocation, promotion = _printed(path, now)
    ledger = ScoreLedger()
    transition = schedule(cib, now, ledger=ledger)
    for top in transition.working_set.resources:
        ex = explain(transition, ledger, top)
        assert ex.unexplained == 0, top.name
        for rsc in _walk(ex.resource):
            for score in rsc.scores:
                shown = None if score.score is None else score_text(score.score)
                assert shown == allocation.get((rsc.name, score.node)), (rsc.name, score.node)
                if score.promotion is not None:
                    assert score_text(score.promotion) == promotion[(rsc.name, score.node)]
