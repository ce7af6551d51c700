"""The scheduler conformance ratchet.

``hapy simulate`` runs over Pacemaker 2.1.5's scheduler regression cases
(``../shared/scheduler-cases``, through ``../shared/conformance/scheduler.py``)
and must never agree with Pacemaker on fewer cases than ``ratchet.json``
records, for any metric (decisions, summary, scores, actions, graph, pass), in
either scope:

* ``core``: the cases ``scheduler.py -k P`` selects for each pattern P of
  ``CORE_PATTERNS`` (a case is in when its group is P or its name contains P);
* ``all``: every case.

The cases are run once; the core scope is derived from the per-case JSON.
``ratchet-cases.json`` lists, per metric, the cases that passed when the
ratchet was last recorded: the test prints which cases newly fail and newly
pass against it, so a regression names its cases.

Raise the ratchet after an improvement with ``scripts/ratchet-update.py``
(it reuses this run's results from ``build/conformance/last-run.json`` with
``--from-json``).

Environment:
  HAPY_SHARED               the shared folder (default: ../shared beside the repo)
  HAPY_CONFORMANCE_CMD      the simulator command (default: this python -m hapy simulate)
  HAPY_CONFORMANCE_JOBS     parallel runs (default 2)
  HAPY_CONFORMANCE_TIMEOUT  seconds per run (default 120)

This module is also the library behind ``scripts/ratchet-update.py``.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RATCHET = HERE / "ratchet.json"
RATCHET_CASES = HERE / "ratchet-cases.json"
LAST_RUN = ROOT / "build" / "conformance" / "last-run.json"

METRICS = ("decisions", "summary", "scores", "actions", "graph", "pass")
SCOPES = ("core", "all")
# The core groups, each given to scheduler.py as -k (so a pattern also
# selects cases of other groups whose name contains it, e.g. "quorum").
CORE_PATTERNS = (
    "simple", "groups", "colocation-basic", "orphans", "params-reload", "target-role",
    "base-score", "dates-probes", "ordered-sets", "rules", "ordering", "colocation",
    "resource-sets", "node-attributes", "monitor-failures", "resource-recovery", "quorum",
    "node-recovery-fencing", "multiple-active", "history", "managed-maintenance",
    "node-health", "stopped-role-monitors", "intervals", "templates-tags", "defaults",
    "stop-all", "maintenance", "not-installed", "discovery-shutdown-lock", "degraded",
)

Result = dict[str, Any]
Counts = dict[str, dict[str, int]]  # scope -> metric (and "cases") -> count
CaseLists = dict[str, list[str]]  # metric -> names of the cases passing it


def shared_dir() -> Path:
    return Path(os.environ.get("HAPY_SHARED") or ROOT.parent / "shared")


def cases_dir() -> Path:
    return shared_dir() / "scheduler-cases"


def conformance_script() -> Path:
    return shared_dir() / "conformance" / "scheduler.py"


def default_cmd() -> str:
    return shlex.join([sys.executable, "-m", "hapy", "simulate"])


def conformance_cmd() -> str:
    return os.environ.get("HAPY_CONFORMANCE_CMD") or default_cmd()


def env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


@functools.cache
def scheduler_py() -> ModuleType:
    """The shared conformance script, as a module: the one definition of how cases are
    selected (-k) and compared."""
    spec = importlib.util.spec_from_file_location("hapy_shared_scheduler", conformance_script())
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {conformance_script()}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def case_names(patterns: Sequence[str] = ()) -> list[str]:
    """The cases of cases.tsv that scheduler.py -k PATTERN... selects (all without any)."""
    return [c["name"] for c in scheduler_py().load_cases(str(cases_dir()), list(patterns))]


def run_conformance(
    out: Path, cmd: str | None = None, jobs: int | None = None, timeout: float | None = None
) -> list[Result]:
    """Run scheduler.py over every case, writing its per-case JSON to *out*."""
    jobs = jobs or int(env_number("HAPY_CONFORMANCE_JOBS", 2))
    timeout = timeout or env_number("HAPY_CONFORMANCE_TIMEOUT", 120)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    argv = [
        sys.executable, str(conformance_script()), "--cmd", cmd or conformance_cmd(),
        "-j", str(jobs), "--timeout", str(timeout), "--json", str(out),
    ]
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(
            f"{shlex.join(argv)} exited {proc.returncode}:\n{proc.stdout[-3000:]}"
        )
    return load_results(out)


def load_results(path: Path) -> list[Result]:
    results: list[Result] = json.loads(path.read_text())
    return results


def by_scope(results: Sequence[Result]) -> dict[str, list[Result]]:
    core = set(case_names(CORE_PATTERNS))
    return {"core": [r for r in results if r["name"] in core], "all": list(results)}


def count(results: Sequence[Result]) -> Counts:
    counts: Counts = {}
    for scope, rs in by_scope(results).items():
        counts[scope] = {"cases": len(rs)} | {m: sum(1 for r in rs if r[m]) for m in METRICS}
    return counts


def passing(results: Iterable[Result]) -> CaseLists:
    rs = list(results)
    return {m: sorted(r["name"] for r in rs if r[m]) for m in METRICS}


def load_json(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else {}


def dump_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def recorded_count(recorded: Mapping[str, Mapping[str, int]], scope: str, metric: str) -> int:
    return int(recorded.get(scope, {}).get(metric, 0))


def lowered(recorded: Mapping[str, Mapping[str, int]], got: Counts) -> list[str]:
    """One line per (scope, metric) whose count fell below the recorded one."""
    return [
        f"{scope} {metric}: {got[scope][metric]} cases agree, the ratchet records "
        f"{recorded_count(recorded, scope, metric)}"
        for scope in SCOPES
        for metric in METRICS
        if got[scope][metric] < recorded_count(recorded, scope, metric)
    ]


def raised(recorded: Mapping[str, Mapping[str, int]], got: Counts) -> bool:
    return any(
        got[scope][metric] > recorded_count(recorded, scope, metric)
        for scope in SCOPES
        for metric in METRICS
    )


def table(recorded: Mapping[str, Mapping[str, int]], got: Counts) -> str:
    """Counts per scope and metric: now / recorded, with the difference."""
    lines = [f"{'scope':<6} {'cases':>6} " + " ".join(f"{m:>15}" for m in METRICS)]
    for scope in SCOPES:
        cells = []
        for m in METRICS:
            now, before = got[scope][m], recorded_count(recorded, scope, m)
            delta = f"({now - before:+d})" if now != before else ""
            cells.append(f"{f'{now}/{before}{delta}':>15}")
        lines.append(f"{scope:<6} {got[scope]['cases']:>6} " + " ".join(cells))
    lines.append("(each cell: cases agreeing now / recorded in ratchet.json)")
    return "\n".join(lines)


def names(cases: Sequence[str], limit: int = 80) -> str:
    more = f" ... (+{len(cases) - limit} more)" if len(cases) > limit else ""
    return " ".join(cases[:limit]) + more


def case_changes(recorded: Mapping[str, Sequence[str]], now: CaseLists) -> list[str]:
    """Per metric, the cases newly failing and newly passing against ratchet-cases.json."""
    if not recorded:
        return [f"({RATCHET_CASES.name} not recorded yet: no per-case comparison)"]
    lines = []
    for m in METRICS:
        before, after = set(recorded.get(m, ())), set(now[m])
        if lost := sorted(before - after):
            lines.append(f"{m}: newly failing ({len(lost)}): {names(lost)}")
        if gained := sorted(after - before):
            lines.append(f"{m}: newly passing ({len(gained)}): {names(gained)}")
    return lines


def report(results: Sequence[Result]) -> tuple[str, list[str]]:
    """The printable comparison with the recorded ratchet, and the regressions."""
    got = count(results)
    recorded = load_json(RATCHET)
    regressions = lowered(recorded, got)
    errors = [f"{r['name']}: {r['errors'][0]}" for r in results if r["errors"]]
    if errors:
        regressions.append(
            f"{len(errors)} cases made the simulator exit non-zero or time out "
            "(crm_simulate exits 0 on every case):\n  " + "\n  ".join(errors[:20])
        )
    lines = [table(recorded, got), *case_changes(load_json(RATCHET_CASES), passing(results))]
    return "\n".join(lines), regressions


@pytest.mark.conformance
def test_scheduler_conformance_does_not_regress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not (cases_dir() / "cases.tsv").exists() or not conformance_script().exists():
        pytest.skip(f"no scheduler cases under {shared_dir()} (set HAPY_SHARED)")
    cmd = conformance_cmd()
    # Keep the results of a run of hapy itself, for ratchet-update.py --from-json.
    out = LAST_RUN if cmd == default_cmd() else tmp_path / "results.json"
    results = run_conformance(out, cmd)
    missing = set(case_names()) - {r["name"] for r in results}
    assert not missing, f"scheduler.py did not report {len(missing)} cases: {sorted(missing)}"
    text, regressions = report(results)
    if out == LAST_RUN and not regressions and raised(load_json(RATCHET), count(results)):
        text += (
            "\nthe ratchet can be raised: scripts/ratchet-update.py --from-json "
            f"{LAST_RUN.relative_to(ROOT)}"
        )
    with capsys.disabled():
        print(f"\nscheduler conformance of {cmd} (results: {out})\n{text}")
    assert not regressions, "conformance regressed:\n" + "\n".join([*regressions, text])
