#!/usr/bin/env python3
"""Wall time per case of `hapy simulate -x CASE -S` against Pacemaker's
`crm_simulate -x CASE -S`, over the scheduler regression cases.

Each case runs --repeat times per tool (tools alternating, the median kept);
the report gives, per tool, the median, p90 and total of those per-case times,
the ratio of the medians and the median of the per-case ratios, then the same
for CPU time (user + system: steadier than wall time on a shared machine).
hapy's package is byte-compiled first, as an installed package is (--no-compile
to measure with whatever bytecode there is). Cases where
either tool exits non-zero are reported and left out of the ratios. Runs one
command at a time (no parallelism: it measures latency). JSON goes to
benchmarks/results/simulate_vs_crm_simulate-<UTC time>.json.

    python3 benchmarks/simulate_vs_crm_simulate.py               # the core groups
    python3 benchmarks/simulate_vs_crm_simulate.py -k clones -k promotable
    python3 benchmarks/simulate_vs_crm_simulate.py --all --repeat 3
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

import benchlib as bl


def select_cases(cases_dir: Path, patterns: tuple[str, ...]) -> list[dict[str, str]]:
    """The cases scheduler.py -k would pick: group equal to, or name containing, a pattern."""
    cases: list[dict[str, str]] = bl.ratchet().scheduler_py().load_cases(
        str(cases_dir), list(patterns)
    )
    return cases


def tool_stats(seconds: list[float]) -> dict[str, float]:
    return {
        "median": bl.median(seconds),
        "p90": bl.percentile(seconds, 0.9),
        "mean": sum(seconds) / len(seconds) if seconds else float("nan"),
        "total": sum(seconds),
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("-k", action="append", default=[], metavar="PATTERN",
                    help="cases whose group is PATTERN or whose name contains it "
                         "(default: the core groups of the conformance ratchet)")
    ap.add_argument("--all", action="store_true", help="every case")
    ap.add_argument("--limit", type=int, default=0, help="at most N cases")
    ap.add_argument("--repeat", type=int, default=1, help="runs per case and tool (median kept)")
    ap.add_argument("--hapy-cmd", default=bl.default_hapy_cmd(), help="default: %(default)s")
    ap.add_argument("--ref-cmd", default=bl.default_ref_cmd(), help="default: %(default)s")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per run")
    ap.add_argument("--cases", type=Path, default=bl.shared_dir() / "scheduler-cases")
    ap.add_argument("--no-compile", action="store_true",
                    help="do not byte-compile hapy's package first")
    ap.add_argument("--out", type=Path, help="JSON file (default: a new one in results/)")
    args = ap.parse_args()

    patterns: tuple[str, ...] = () if args.all else tuple(args.k) or bl.core_patterns()
    cases = select_cases(args.cases, patterns)[: args.limit or None]
    if not cases:
        print(f"no cases under {args.cases} match {list(patterns)}", file=sys.stderr)
        return 2
    tools = {"hapy": shlex.split(args.hapy_cmd), "crm_simulate": shlex.split(args.ref_cmd)}
    print(f"{len(cases)} cases, {args.repeat} run(s) each; hapy: {args.hapy_cmd}; "
          f"reference: {args.ref_cmd}", file=sys.stderr)

    # Bytecode as an installed package has it: without it (PYTHONDONTWRITEBYTECODE set
    # and an editable install), every run compiles hapy's sources again.
    compiled = None if args.no_compile else bl.compile_package("hapy")
    # One untimed run each: first-run costs (bytecode compilation, cold caches) are not
    # what a case costs.
    warm = str(args.cases / "xml" / f"{cases[0]['name']}.xml")
    for argv in tools.values():
        bl.run_measured([*argv, "-x", warm, "-S"], args.timeout)

    per_case: list[dict[str, Any]] = []
    for i, case in enumerate(cases, 1):
        xml = str(args.cases / "xml" / f"{case['name']}.xml")
        runs: dict[str, list[bl.Run]] = {t: [] for t in tools}
        for _ in range(args.repeat):
            for tool, argv in tools.items():
                runs[tool].append(bl.run_measured([*argv, "-x", xml, "-S"], args.timeout))
        row: dict[str, Any] = {"name": case["name"], "group": case["group"]}
        for tool, rs in runs.items():
            row[tool] = {
                "seconds": bl.median([r.seconds for r in rs]),
                "cpu_seconds": bl.median([r.cpu_seconds for r in rs]),
                "ok": all(r.ok for r in rs),
                "returncode": next((r.returncode for r in rs if not r.ok), 0),
                "max_rss_kb": max(r.max_rss_kb for r in rs),
                "stderr_tail": next((r.stderr_tail for r in rs if not r.ok), ""),
            }
        per_case.append(row)
        print(f"\r{i}/{len(cases)} {case['name'][:40]:<40}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)

    both_ok = [r for r in per_case if r["hapy"]["ok"] and r["crm_simulate"]["ok"]]
    failed = {t: [r["name"] for r in per_case if not r[t]["ok"]] for t in tools}
    summary: dict[str, Any] = {
        "cases": len(per_case),
        "timed_cases": len(both_ok),
        "failed": failed,
    }
    for key, prefix in (("seconds", ""), ("cpu_seconds", "cpu_")):
        stats = {t: tool_stats([r[t][key] for r in both_ok]) for t in tools}
        ref_median = stats["crm_simulate"]["median"]
        ratio_of_medians = stats["hapy"]["median"] / ref_median if both_ok and ref_median else 0
        ratios = [r["hapy"][key] / r["crm_simulate"][key] for r in both_ok
                  if r["crm_simulate"][key]]
        summary |= {
            f"{prefix}stats": stats,
            f"{prefix}ratio_of_medians": ratio_of_medians,
            f"{prefix}median_of_ratios": bl.median(ratios),
            f"{prefix}p90_of_ratios": bl.percentile(ratios, 0.9),
        }
        what = "CPU s" if prefix else "s"
        print(f"{'tool':<14} {'median':>9} {'p90':>9} {'mean':>9} {'total':>9}  ({what} per "
              f"case, {len(both_ok)} cases both ran cleanly)")
        for tool in tools:
            st = stats[tool]
            print(f"{tool:<14} {st['median']:>9.3f} {st['p90']:>9.3f} {st['mean']:>9.3f} "
                  f"{st['total']:>9.1f}")
        print(f"hapy / crm_simulate ({what}): ratio of medians {ratio_of_medians:.2f}, median "
              f"per-case ratio {bl.median(ratios):.2f}, p90 per-case ratio "
              f"{bl.percentile(ratios, 0.9):.2f}")
    for tool, names in failed.items():
        if names:
            print(f"{tool} exited non-zero or timed out on {len(names)} cases: "
                  + " ".join(names[:20]) + (" ..." if len(names) > 20 else ""))

    data = {
        "benchmark": "simulate_vs_crm_simulate",
        "machine": bl.machine_info(args.ref_cmd),
        "settings": {
            "patterns": list(patterns), "repeat": args.repeat, "timeout": args.timeout,
            "hapy_cmd": args.hapy_cmd, "ref_cmd": args.ref_cmd,
            "hapy_bytecode_compiled": compiled,
        },
        "summary": summary,
        "cases": per_case,
    }
    print(f"results: {bl.write_results('simulate_vs_crm_simulate', data, args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
