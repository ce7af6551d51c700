#!/usr/bin/env python3
"""Median wall time per case of `hapy simulate -S` vs Pacemaker's `crm_simulate -S`
over the scheduler regression cases (optionally filtered by group or name).

    python3 benchmarks/simulate_vs_crm_simulate.py [-k GROUP ...] [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT.parent / "shared" / "scheduler-cases"


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-k", action="append", default=[], help="group or name substring")
    ap.add_argument("--limit", type=int, default=0, help="at most N cases")
    args = ap.parse_args()
    with open(CASES / "cases.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if args.k:
        rows = [r for r in rows if any(k == r["group"] or k in r["name"] for k in args.k)]
    if args.limit:
        rows = rows[: args.limit]
    ours, theirs = [], []
    for i, row in enumerate(rows, 1):
        xml = str(CASES / "xml" / f"{row['name']}.xml")
        ours.append(timed([sys.executable, "-m", "hapy", "simulate", "-x", xml, "-S"]))
        theirs.append(timed(["crm_simulate", "-x", xml, "-S"]))
        print(f"\r{i}/{len(rows)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    mo, mt = statistics.median(ours), statistics.median(theirs)
    print(f"cases: {len(rows)}")
    print(f"hapy simulate median: {mo:.3f}s  crm_simulate median: {mt:.3f}s  ratio: {mo / mt:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
