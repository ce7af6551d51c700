#!/usr/bin/env python3
"""Differential test of `hapy simulate` against `crm_simulate` on small synthetic
CIBs from ../shared/bench/gen.py: for every NODESxRESOURCES size, flavour
(cold, or warm with an --event) and seed, both tools schedule the CIB as the
conformance runner does (-S for the transition summary, -sSQ for the
allocation scores), and the script reports how many CIBs agree on the
"Transition Summary" lines (the decisions metric) and on the scores. CIBs that
disagree are kept (--keep) with both outputs, the differing lines printed.

    python3 benchmarks/gendiff.py                         # the default sweep
    python3 benchmarks/gendiff.py --sizes 3x20 --seeds 1-50 --flavours cold
    python3 benchmarks/gendiff.py --events standby,offline --keep /tmp/gendiff
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchlib as bl
from scale import compare_summaries, parse_ladder


def parse_seeds(text: str) -> list[int]:
    """"1-20,33" -> [1, ..., 20, 33]."""
    seeds: list[int] = []
    for item in text.split(","):
        low, sep, high = item.strip().partition("-")
        if not item.strip():
            continue
        seeds.extend(range(int(low), int(high) + 1) if sep else [int(low)])
    return seeds


def generate(nodes: int, resources: int, flavour: str, event: str, seed: int,
             extra: list[str], out: Path) -> None:
    argv = [sys.executable, str(bl.shared_dir() / "bench" / "gen.py"), "-n", str(nodes),
            "-r", str(resources), "-f", flavour, "--seed", str(seed), "-o", str(out), *extra]
    if flavour == "warm":
        argv += ["-e", event]
    run = bl.run_measured(argv, timeout=600)
    if not run.ok:
        raise SystemExit(f"{shlex.join(argv)} failed: {run.stderr_tail}")


def score_lines(text: str) -> list[str]:
    """The -sSQ output as the conformance "scores" metric compares it: sorted, white
    space squashed, blank lines dropped."""
    return sorted(squashed for line in text.splitlines() if (squashed := "".join(line.split())))


def run_tool(cmd: list[str], cib: Path, timeout: float) -> tuple[str, str] | str:
    """(-S output, -sSQ output), or why the tool failed."""
    outputs: list[str] = []
    for mode in ("-S", "-sSQ"):
        run = bl.run_measured([*cmd, "-x", str(cib), mode], timeout, keep_stdout=True)
        if not run.ok:
            return f"{mode} exited {run.returncode}: {run.stderr_tail[-300:]}"
        outputs.append(run.stdout)
    return outputs[0], outputs[1]


def compare(cib: Path, args: argparse.Namespace) -> dict[str, Any]:
    mine = run_tool(shlex.split(args.hapy_cmd), cib, args.timeout)
    ref = run_tool(shlex.split(args.ref_cmd), cib, args.timeout)
    if isinstance(ref, str):
        return {"error": f"crm_simulate {ref}"}
    if isinstance(mine, str):
        return {"decisions": False, "scores": False, "error": f"hapy {mine}"}
    summary = compare_summaries(dict(bl.transition_summary(mine[0])),
                                dict(bl.transition_summary(ref[0])))
    mine_scores, ref_scores = score_lines(mine[1]), score_lines(ref[1])
    result: dict[str, Any] = {"decisions": summary["same"], "scores": mine_scores == ref_scores,
                              "summary": summary}
    if not result["scores"]:
        ref_set, mine_set = set(ref_scores), set(mine_scores)
        result["scores_only_hapy"] = [s for s in mine_scores if s not in ref_set][:20]
        result["scores_only_crm_simulate"] = [s for s in ref_scores if s not in mine_set][:20]
    if args.keep and not (result["decisions"] and result["scores"]):
        args.keep.mkdir(parents=True, exist_ok=True)
        stem = args.keep / cib.stem
        stem.with_suffix(".xml").write_bytes(cib.read_bytes())
        for tool, (summary_out, scores_out) in (("hapy", mine), ("crm_simulate", ref)):
            Path(f"{stem}.{tool}.summary").write_text(summary_out)
            Path(f"{stem}.{tool}.scores").write_text(scores_out)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", type=parse_ladder, default="3x20,4x40,6x60",
                    help="comma-separated NODESxRESOURCES (default: %(default)s)")
    ap.add_argument("--flavours", default="cold,warm", help="gen.py -f values (default: "
                    "%(default)s)")
    ap.add_argument("--events", default="standby", help="gen.py -e values for warm CIBs "
                    "(default: %(default)s)")
    ap.add_argument("--seeds", type=parse_seeds, default="1-10", help="e.g. 1-20,33 "
                    "(default: %(default)s)")
    ap.add_argument("--gen-args", default="", help="more gen.py options, e.g. '--fencing'")
    ap.add_argument("--hapy-cmd", default=bl.default_hapy_cmd(), help="default: %(default)s")
    ap.add_argument("--ref-cmd", default=bl.default_ref_cmd(), help="default: %(default)s")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per run")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="keep the CIBs that disagree, with both tools' outputs, here")
    ap.add_argument("--quiet", action="store_true", help="print only the totals")
    ap.add_argument("--out", type=Path, help="JSON file of every comparison")
    args = ap.parse_args()

    flavours = [f.strip() for f in args.flavours.split(",") if f.strip()]
    events = [e.strip() for e in args.events.split(",") if e.strip()]
    variants = [(f, e) for f in flavours for e in (events if f == "warm" else ["none"])]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for nodes, resources in args.sizes:
            for flavour, event in variants:
                for seed in args.seeds:
                    tag = flavour if flavour == "cold" else f"{flavour}-{event}"
                    cib = Path(tmp) / f"{nodes}x{resources}-{tag}-s{seed}.xml"
                    generate(nodes, resources, flavour, event, seed,
                             shlex.split(args.gen_args), cib)
                    row = {"cib": cib.stem, **compare(cib, args)}
                    rows.append(row)
                    if args.quiet or (row.get("decisions") and row.get("scores")):
                        continue
                    print(f"{cib.stem}: decisions={row.get('decisions')} "
                          f"scores={row.get('scores')} {row.get('error', '')}")
                    summary = row.get("summary", {})
                    for line in summary.get("only_hapy", []):
                        print(f"   hapy:         {line}")
                    for line in summary.get("only_crm_simulate", []):
                        print(f"   crm_simulate: {line}")
    compared = [r for r in rows if "decisions" in r]
    decisions = sum(bool(r["decisions"]) for r in compared)
    scores = sum(bool(r["scores"]) for r in compared)
    print(f"{len(compared)} CIBs compared ({len(rows) - len(compared)} crm_simulate failures):"
          f" decisions agree on {decisions} ({100 * decisions / max(1, len(compared)):.1f}%),"
          f" scores on {scores} ({100 * scores / max(1, len(compared)):.1f}%)")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
