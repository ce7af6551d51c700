"""The conformance ratchet: ``hapy simulate`` over Pacemaker's scheduler
regression cases must never agree with Pacemaker on fewer cases than
``ratchet.json`` records (raise the counts with scripts/ratchet-update.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("HAPY_SHARED", ROOT.parent / "shared"))
CASES = SHARED / "scheduler-cases"
SCRIPT = SHARED / "conformance" / "scheduler.py"
RATCHET = Path(__file__).with_name("ratchet.json")
METRICS = ("decisions", "summary", "scores", "actions", "graph", "pass")
CORE_GROUPS = frozenset(
    (
        "simple", "groups", "colocation-basic", "orphans", "params-reload", "target-role",
        "base-score", "dates-probes", "ordered-sets", "rules", "ordering", "colocation",
        "resource-sets", "node-attributes", "monitor-failures", "resource-recovery", "quorum",
        "node-recovery-fencing", "multiple-active", "history", "managed-maintenance", "node-health",
        "stopped-role-monitors", "intervals", "templates-tags", "defaults", "stop-all",
        "maintenance", "not-installed", "discovery-shutdown-lock", "degraded",
    )
)


def run_conformance(out: Path) -> list[dict[str, object]]:
    cmd = os.environ.get("HAPY_CONFORMANCE_CMD", f"{sys.executable} -m hapy simulate")
    subprocess.run(
        [sys.executable, str(SCRIPT), "--cmd", cmd, "-j", str(os.cpu_count() or 2),
         "--timeout", "120", "--json", str(out)],
        check=True, stdout=subprocess.DEVNULL,
    )
    results: list[dict[str, object]] = json.loads(out.read_text())
    return results


def counts(results: list[dict[str, object]]) -> dict[str, int]:
    return {m: sum(1 for r in results if r[m]) for m in METRICS}


@pytest.mark.conformance
def test_scheduler_conformance_does_not_regress(tmp_path: Path) -> None:
    if not SCRIPT.exists() or not CASES.exists():
        pytest.skip(f"scheduler cases not found under {SHARED}")
    results = run_conformance(tmp_path / "results.json")
    scopes = {
        "core": counts([r for r in results if r["group"] in CORE_GROUPS]),
        "all": counts(results),
    }
    recorded = json.loads(RATCHET.read_text())
    print(json.dumps(scopes, indent=1))
    failing = {r["name"] for r in results if r["errors"]}
    assert not failing, f"hapy simulate exited non-zero or timed out on: {sorted(failing)}"
    for scope, got in scopes.items():
        for metric in METRICS:
            assert got[metric] >= recorded[scope][metric], (
                f"{scope} {metric}: {got[metric]} cases agree, the ratchet records "
                f"{recorded[scope][metric]}"
            )
