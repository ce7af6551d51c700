#!/usr/bin/env python3
"""A long randomised soak of a real embedded cluster with fencing (the CI
test runs a few steps of the same): node kills, partitions and heals,
resource failures and configuration changes, from a seed.

    python3 benchmarks/soak.py --steps 50
    python3 benchmarks/soak.py --seed 1234 --steps 20 --nodes 5

Prints each step; exits non-zero if a resource was ever active on two nodes
or did not reach its target state.  Writes
``benchmarks/results/soak-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import machine_info, write_results

from hapy.testing.soak import run_soak


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=None, help="default: from the clock")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--resources", type=int, default=6)
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="run the cluster in DIR and leave its files there (logs, CIBs)")
    ap.add_argument("--out", type=Path, help="results file (default: benchmarks/results/)")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    with tempfile.TemporaryDirectory(prefix="hapy-soak-") as tmp:
        try:
            result = run_soak((args.keep or Path(tmp)) / "cluster", seed, args.steps,
                              nodes=args.nodes, resources=args.resources)
        except AssertionError as exc:
            print(f"soak seed {seed} FAILED: {exc}")
            return 1
    ok = not result.doubles
    print(f"soak seed {seed}: {len(result.steps)} steps in {result.seconds:.0f} s; "
          + ("never active on two nodes" if ok else f"ACTIVE TWICE: {result.doubles[:5]}"))
    path = write_results("soak", {"settings": vars(args) | {"seed": seed, "out": str(args.out),
                                               "keep": str(args.keep)},
                                  "machine": machine_info("crm_simulate"),
                                  "steps": result.steps, "seconds": result.seconds,
                                  "doubles": result.doubles}, args.out)
    print(f"wrote {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
