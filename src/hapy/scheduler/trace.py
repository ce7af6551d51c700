"""The score trace that ``crm_simulate -s`` prints and ``hapy explain`` reads."""

from __future__ import annotations

from hapy.cib.scores import score_text
from hapy.records import field, record


@record(frozen=False)
class ScoreTrace:
    lines: list[str] = field(default_factory=list)

    def allocation(self, func: str, rsc_name: str, node_name: str, score: int) -> None:
        self.lines.append(
            f"{func}: {rsc_name} allocation score on {node_name}: {score_text(score)}"
        )

    def promotion(self, rsc_name: str, node_name: str, score: int) -> None:
        self.lines.append(f"{rsc_name} promotion score on {node_name}: {score_text(score)}")

    def utilization(self, line: str) -> None:
        self.lines.append(line)
