"""The score trace that ``crm_simulate -s`` prints and ``hapy explain`` reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hapy.cib.scores import score_text
from hapy.records import field, record

if TYPE_CHECKING:
    from hapy.scheduler.explain.ledger import ScoreLedger


@record(frozen=False)
class ScoreTrace:
    lines: list[str] = field(default_factory=list)
    #: also marks each printed score in this ledger (``hapy explain``)
    ledger: ScoreLedger | None = None

    def allocation(self, func: str, rsc_name: str, node_name: str, score: int) -> None:
        self.lines.append(
            f"{func}: {rsc_name} allocation score on {node_name}: {score_text(score)}"
        )
        if self.ledger is not None:
            self.ledger.checkpoint(rsc_name, node_name, score, func)

    def promotion(self, rsc_name: str, node_name: str, score: int) -> None:
        self.lines.append(f"{rsc_name} promotion score on {node_name}: {score_text(score)}")
        if self.ledger is not None:
            from hapy.scheduler.explain.ledger import PROMOTION

            self.ledger.checkpoint(rsc_name, node_name, score, "promotion", PROMOTION)

    def utilization(self, line: str) -> None:
        self.lines.append(line)
