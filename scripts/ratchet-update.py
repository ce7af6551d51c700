#!/usr/bin/env python3
"""Record the scheduler conformance reached in the ratchet.

Rewrites tests/conformance/ratchet.json (cases agreeing with Pacemaker, per
scope and metric) and tests/conformance/ratchet-cases.json (the names of the
cases passing each metric) from a fresh run of ``hapy simulate`` over every
regression case, or from the results a previous run left (--from-json; the
conformance test keeps its run in build/conformance/last-run.json).

Refuses to lower any recorded count unless --allow-lower is given, and refuses
to record a command other than ``hapy simulate`` (e.g. crm_simulate) or a run
over fewer than all the cases.

    scripts/ratchet-update.py                      # run the cases, then record
    scripts/ratchet-update.py --from-json build/conformance/last-run.json
    scripts/ratchet-update.py --dry-run            # compare only, write nothing
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
TEST_MODULE = ROOT / "tests" / "conformance" / "test_scheduler_conformance.py"


def load_ratchet_module() -> ModuleType:
    """The conformance test module, which holds the ratchet logic."""
    spec = importlib.util.spec_from_file_location("hapy_conformance_ratchet", TEST_MODULE)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {TEST_MODULE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--from-json", type=Path, metavar="FILE",
                    help="use the per-case results of an earlier scheduler.py --json run")
    ap.add_argument("--cmd", help="the simulator command (default: this python -m hapy simulate)")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="parallel runs (default 2)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per run (default 120)")
    ap.add_argument("--allow-lower", action="store_true", help="record lower counts too")
    ap.add_argument("--dry-run", action="store_true", help="compare only, write nothing")
    args = ap.parse_args()
    rt = load_ratchet_module()

    if args.from_json:
        results = rt.load_results(args.from_json)
        source = str(args.from_json)
    else:
        cmd = args.cmd or rt.conformance_cmd()
        if cmd != rt.default_cmd() and not args.dry_run:
            print(f"refusing to record the ratchet of {cmd!r}: only {rt.default_cmd()!r} "
                  "is recorded (use --dry-run to just compare)", file=sys.stderr)
            return 2
        print(f"running {cmd} over every case (-j {args.jobs}) ...", file=sys.stderr)
        results = rt.run_conformance(rt.LAST_RUN, cmd, args.jobs, args.timeout)
        source = str(rt.LAST_RUN)

    missing = set(rt.case_names()) - {r["name"] for r in results}
    if missing:
        print(f"refusing: {source} lacks {len(missing)} of the cases "
              f"(e.g. {sorted(missing)[:5]}); record a run over all of them", file=sys.stderr)
        return 2

    got = rt.count(results)
    recorded = rt.load_json(rt.RATCHET)
    text, problems = rt.report(results)
    print(text)
    lower = rt.lowered(recorded, got)
    for problem in problems:
        if problem not in lower:
            print("note:", problem, file=sys.stderr)
    if lower and not args.allow_lower:
        print("refusing to lower the ratchet (--allow-lower to force):\n  " + "\n  ".join(lower),
              file=sys.stderr)
        return 1
    if args.dry_run:
        print("dry run: nothing written")
        return 0
    rt.dump_json(rt.RATCHET, got)
    rt.dump_json(rt.RATCHET_CASES, rt.passing(results))
    print(f"wrote {rt.RATCHET.relative_to(ROOT)} and {rt.RATCHET_CASES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
