#!/usr/bin/env python3
"""How `hapy simulate -x CIB -S` and `crm_simulate -x CIB -S` grow with the size
of the cluster: a ladder of synthetic CIBs from ../shared/bench/gen.py
(NODES x RESOURCES; by default a "warm" cluster, everything running with its
operation history, then node1 put in standby so its resources move).

For each rung and tool: the median wall time of --repeat runs and the peak RSS
(wait4() of that child), and whether both tools chose the same "Transition
Summary". At the end, the exponent k of time ~ resources**k (least squares on
log-log, and between neighbouring rungs). A tool that fails or hits --timeout on
a rung is not run on the bigger ones. JSON goes to
benchmarks/results/scale-<UTC time>.json.

    python3 benchmarks/scale.py                          # 10x50 20x100 50x250 100x500
    python3 benchmarks/scale.py --ladder 10x50,50x250,200x1000 --timeout 3600
    python3 benchmarks/scale.py --flavour cold --tools hapy

Beware: crm_simulate needed ~10 min and ~5 GB at 200x1000 (warm) here, and
went past 15 GB at 500x2000; --mem-limit-mb caps every run's address space.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchlib as bl


def parse_ladder(text: str) -> list[tuple[int, int]]:
    rungs = []
    for item in text.split(","):
        nodes, sep, resources = item.strip().lower().partition("x")
        if not sep or not nodes.isdigit() or not resources.isdigit():
            raise argparse.ArgumentTypeError(f"ladder rung {item!r} is not NODESxRESOURCES")
        rungs.append((int(nodes), int(resources)))
    return rungs


def generate(args: argparse.Namespace, nodes: int, resources: int, out: Path) -> float:
    """Write the rung's CIB with gen.py; returns the seconds it took."""
    argv = [
        sys.executable, str(bl.shared_dir() / "bench" / "gen.py"), "-n", str(nodes),
        "-r", str(resources), "-f", args.flavour, "--seed", str(args.seed), "-o", str(out),
    ]
    if args.flavour == "warm":
        argv += ["-e", args.event]
    if args.fencing:
        argv.append("--fencing")
    if args.no_probe_history:
        argv.append("--no-probe-history")
    run = bl.run_measured(argv, timeout=3600)
    if not run.ok:
        raise SystemExit(f"{shlex.join(argv)} failed: {run.stderr_tail}")
    return run.seconds


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--ladder", type=parse_ladder, default="10x50,20x100,50x250,100x500",
                    help="comma-separated NODESxRESOURCES rungs (default: %(default)s)")
    ap.add_argument("--flavour", choices=("warm", "cold"), default="warm", help="gen.py -f")
    ap.add_argument("--event", choices=("standby", "offline", "none"), default="standby",
                    help="gen.py -e, for warm clusters")
    ap.add_argument("--fencing", action="store_true", help="gen.py --fencing")
    ap.add_argument("--no-probe-history", action="store_true", help="gen.py --no-probe-history")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs per rung and tool (median kept)")
    ap.add_argument("--tools", default="hapy,crm_simulate", help="which to run (default: both)")
    ap.add_argument("--hapy-cmd", default=bl.default_hapy_cmd(), help="default: %(default)s")
    ap.add_argument("--ref-cmd", default=bl.default_ref_cmd(), help="default: %(default)s")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per run (default 900)")
    ap.add_argument("--mem-limit-mb", type=int, default=bl.physical_memory_mb() // 2,
                    help="address-space limit per run, 0 for none (default: half the RAM, "
                         "%(default)s)")
    ap.add_argument("--keep-cibs", type=Path, metavar="DIR", help="keep the generated CIBs here")
    ap.add_argument("--out", type=Path, help="JSON file (default: a new one in results/)")
    args = ap.parse_args()

    commands = {"hapy": args.hapy_cmd, "crm_simulate": args.ref_cmd}
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    if unknown := set(wanted) - set(commands):
        ap.error(f"unknown tools {sorted(unknown)}; choose from {sorted(commands)}")
    tools = {t: shlex.split(commands[t]) for t in wanted}
    gave_up: dict[str, str] = {}
    rungs: list[dict[str, Any]] = []

    with tempfile.TemporaryDirectory(prefix="hapy-scale-") as tmp:
        cib_dir = args.keep_cibs or Path(tmp)
        cib_dir.mkdir(parents=True, exist_ok=True)
        for nodes, resources in args.ladder:
            cib = cib_dir / f"{args.flavour}-{nodes}x{resources}-seed{args.seed}.xml"
            gen_seconds = generate(args, nodes, resources, cib)
            rung: dict[str, Any] = {
                "nodes": nodes, "resources": resources, "cib_bytes": cib.stat().st_size,
                "gen_seconds": round(gen_seconds, 3),
            }
            print(f"{nodes}x{resources}: CIB {rung['cib_bytes'] / 1e6:.1f} MB "
                  f"(generated in {gen_seconds:.1f}s)", flush=True)
            summaries = {}
            for tool, argv in tools.items():
                if tool in gave_up:
                    rung[tool] = {"skipped": gave_up[tool]}
                    print(f"  {tool:<13} skipped ({gave_up[tool]})", flush=True)
                    continue
                runs = [
                    bl.run_measured([*argv, "-x", str(cib), "-S"], args.timeout,
                                    args.mem_limit_mb, keep_stdout=True)
                    for _ in range(args.repeat)
                ]
                bad = next((r for r in runs if not r.ok), None)
                rung[tool] = {
                    "seconds": bl.median([r.seconds for r in runs]),
                    "max_rss_kb": max(r.max_rss_kb for r in runs),
                    "ok": bad is None,
                }
                if bad is None:
                    summaries[tool] = bl.transition_summary(runs[0].stdout)
                    rung[tool]["transition_summary_lines"] = sum(summaries[tool].values())
                    status = "ok"
                else:
                    why = (f"timed out after {args.timeout:g}s" if bad.returncode is None
                           else f"exited {bad.returncode}")
                    gave_up[tool] = f"{why} at {nodes}x{resources}"
                    rung[tool]["error"] = f"{why}: {bad.stderr_tail[-200:]}"
                    status = why
                print(f"  {tool:<13} {rung[tool]['seconds']:9.2f}s  "
                      f"peak RSS {rung[tool]['max_rss_kb'] / 1024:8.1f} MB  {status}", flush=True)
            if len(summaries) == 2:
                rung["same_decisions"] = summaries["hapy"] == summaries["crm_simulate"]
                print(f"  same Transition Summary: {rung['same_decisions']}", flush=True)
            rungs.append(rung)

    growth: dict[str, Any] = {}
    for tool in tools:
        done = [r for r in rungs if r.get(tool, {}).get("ok")]
        xs = [float(r["resources"]) for r in done]
        ys = [float(r[tool]["seconds"]) for r in done]
        steps = [
            {"from": f"{a['nodes']}x{a['resources']}", "to": f"{b['nodes']}x{b['resources']}",
             "k": bl.fit_power(xs[i:i + 2], ys[i:i + 2])}
            for i, (a, b) in enumerate(zip(done, done[1:], strict=False))
        ]
        growth[tool] = {"k": bl.fit_power(xs, ys), "steps": steps}
        local = ", ".join(f"{s['from']}->{s['to']}: {s['k']:.2f}" for s in steps)
        if len(done) < 2:
            print(f"{tool}: growth needs two rungs that ran cleanly ({len(done)} did)")
            continue
        print(f"{tool}: time ~ resources^{growth[tool]['k']:.2f} over {len(done)} rungs"
              f" (between rungs: {local})")
    if "hapy" in tools and "crm_simulate" in tools:
        for r in rungs:
            if r.get("hapy", {}).get("ok") and r.get("crm_simulate", {}).get("ok"):
                r["ratio"] = r["hapy"]["seconds"] / r["crm_simulate"]["seconds"]
                print(f"{r['nodes']}x{r['resources']}: hapy / crm_simulate = {r['ratio']:.2f}")

    data = {
        "benchmark": "scale",
        "machine": bl.machine_info(args.ref_cmd),
        "settings": {
            "ladder": [f"{n}x{r}" for n, r in args.ladder], "flavour": args.flavour,
            "event": args.event, "fencing": args.fencing,
            "no_probe_history": args.no_probe_history, "seed": args.seed,
            "repeat": args.repeat, "timeout": args.timeout, "mem_limit_mb": args.mem_limit_mb,
            "commands": {t: commands[t] for t in tools},
        },
        "rungs": rungs,
        "growth": growth,
    }
    print(f"results: {bl.write_results('scale', data, args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
