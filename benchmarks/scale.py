#!/usr/bin/env python3
"""How `hapy simulate` and `crm_simulate` grow with the size of the cluster: a
ladder of synthetic CIBs from ../shared/bench/gen.py (NODES x RESOURCES), each
scheduled with -R (schedule only) and -S (schedule, then simulate the
transition's execution), on a "warm" cluster (everything running with its
operation history, then node1 put in standby so its resources move) and a
"cold" one (nothing running, nothing probed yet).

For each flavour, mode, rung and tool: the median wall time and CPU time
(user + system) of --repeat runs (the tools alternate), the peak RSS (wait4()
of that child), and whether both tools chose the same "Transition Summary"
(where they differ, the differing lines are kept). At the end, the exponent k
of time ~ (nodes x resources)**k (least squares on log-log, and between
neighbouring rungs), the ratios, and the issue's bars: at 32x5000 warm, -R at
most half of crm_simulate's time and no more memory; at 12x750 warm, -S at
least 10x faster; near-linear growth. JSON goes to
benchmarks/results/scale-<UTC time>.json, the Markdown table beside it (.md).

    python3 benchmarks/scale.py           # the issue's ladder: -R and -S, warm and cold
    python3 benchmarks/scale.py --ladder 4x250,12x750 --modes S --flavours warm
    python3 benchmarks/scale.py --tools hapy --repeat 3

crm_simulate is slow on the big rungs (-R at 32x5000 warm: ~46 s and 2.5 GB;
-S: ~65 s already at 12x750 warm), so it runs only up to --ref-max per mode
(and flavour), and its results are cached by the CIB's content hash
(--ref-cache): rungs of at least --reuse-ref-from nodes x resources reuse a
cached run instead of running it again (--fresh-ref not to). A tool that fails
or hits --timeout on a rung is not run on the bigger ones of that series;
--mem-limit-mb caps every run's address space.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchlib as bl

DEFAULT_LADDER = "4x250,8x500,12x750,16x1500,24x3000,32x5000"
DEFAULT_REF_MAX = "S/warm=12x750,S/cold=4x250"
TOOLS = ("hapy", "crm_simulate")


def parse_rung(item: str) -> tuple[int, int]:
    nodes, sep, resources = item.strip().lower().partition("x")
    if not sep or not nodes.isdigit() or not resources.isdigit():
        raise argparse.ArgumentTypeError(f"ladder rung {item!r} is not NODESxRESOURCES")
    return int(nodes), int(resources)


def parse_ladder(text: str) -> list[tuple[int, int]]:
    return [parse_rung(item) for item in text.split(",") if item.strip()]


def parse_ref_max(text: str) -> dict[str, int]:
    """MODE[/FLAVOUR]=NxR,... -> {"S/warm": nodes*resources, "R": ...}."""
    limits: dict[str, int] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        key, sep, rung = item.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"--ref-max item {item!r} is not MODE[/FLAVOUR]=NxR")
        nodes, resources = parse_rung(rung)
        limits[key.strip()] = nodes * resources
    return limits


def generate(args: argparse.Namespace, flavour: str, nodes: int, resources: int,
             out: Path) -> float:
    """Write the rung's CIB with gen.py; returns the seconds it took."""
    argv = [
        sys.executable, str(bl.shared_dir() / "bench" / "gen.py"), "-n", str(nodes),
        "-r", str(resources), "-f", flavour, "--seed", str(args.seed), "-o", str(out),
    ]
    if flavour == "warm":
        argv += ["-e", args.event]
    if args.fencing:
        argv.append("--fencing")
    if args.no_probe_history:
        argv.append("--no-probe-history")
    run = bl.run_measured(argv, timeout=3600)
    if not run.ok:
        raise SystemExit(f"{shlex.join(argv)} failed: {run.stderr_tail}")
    return run.seconds


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class RefCache:
    """crm_simulate's results by (CIB content, mode, version): its big rungs take
    minutes and gigabytes, and its answer on a given CIB does not change."""

    def __init__(self, folder: Path | None, version: str) -> None:
        self.folder = folder
        self.version = version

    def _path(self, cib_sha: str, mode: str) -> Path | None:
        if self.folder is None:
            return None
        tag = hashlib.sha256(self.version.encode()).hexdigest()[:8]
        return self.folder / f"{cib_sha[:24]}-{mode}-{tag}.json"

    def get(self, cib_sha: str, mode: str) -> dict[str, Any] | None:
        path = self._path(cib_sha, mode)
        if path is None or not path.exists():
            return None
        found: dict[str, Any] = json.loads(path.read_text())
        return found

    def put(self, cib_sha: str, mode: str, entry: dict[str, Any]) -> None:
        path = self._path(cib_sha, mode)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(entry) + "\n")


def measure_many(commands: dict[str, list[str]], cib: Path, mode: str,
                 args: argparse.Namespace,
                 ) -> dict[str, tuple[dict[str, Any], dict[str, int] | None, str]]:
    """Run each command --repeat times, alternating between them."""
    runs: dict[str, list[bl.Run]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, argv in commands.items():
            if runs[name] and not runs[name][-1].ok:
                continue
            runs[name].append(bl.run_measured([*argv, "-x", str(cib), f"-{mode}"], args.timeout,
                                              args.mem_limit_mb, keep_stdout=True))
    out: dict[str, tuple[dict[str, Any], dict[str, int] | None, str]] = {}
    for name, done in runs.items():
        bad = next((r for r in done if not r.ok), None)
        result: dict[str, Any] = {
            "seconds": bl.median([r.seconds for r in done]),
            "cpu_seconds": bl.median([r.cpu_seconds for r in done]),
            "max_rss_kb": max(r.max_rss_kb for r in done),
            "runs": len(done),
            "ok": bad is None,
        }
        summary: dict[str, int] | None = None
        if bad is None:
            summary = dict(bl.transition_summary(done[0].stdout))
            result["transition_summary_lines"] = sum(summary.values())
            status = "ok"
        else:
            status = (f"timed out after {args.timeout:g}s" if bad.returncode is None
                      else f"exited {bad.returncode}")
            result["error"] = f"{status}: {bad.stderr_tail[-200:]}"
        out[name] = (result, summary, status)
    return out


def compare_summaries(mine: dict[str, int], ref: dict[str, int]) -> dict[str, Any]:
    only_hapy = sorted(line for line, n in mine.items() for _ in range(n - ref.get(line, 0)))
    only_ref = sorted(line for line, n in ref.items() for _ in range(n - mine.get(line, 0)))
    return {
        "same": not only_hapy and not only_ref,
        "differing_lines": max(len(only_hapy), len(only_ref)),
        "only_hapy": only_hapy[:40],
        "only_crm_simulate": only_ref[:40],
    }


def growth(rows: list[dict[str, Any]], tool: str, key: str) -> dict[str, Any]:
    done = [r for r in rows if r.get(tool, {}).get("ok")]
    xs = [float(r["nodes"] * r["resources"]) for r in done]
    ys = [float(r[tool][key]) for r in done]
    steps = [
        {"from": f"{a['nodes']}x{a['resources']}", "to": f"{b['nodes']}x{b['resources']}",
         "k": bl.fit_power(xs[i:i + 2], ys[i:i + 2])}
        for i, (a, b) in enumerate(zip(done, done[1:], strict=False))
    ]
    return {"k": bl.fit_power(xs, ys), "rungs": len(done), "steps": steps}


def _fmt(value: float | None, unit: str = "", digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}{unit}"


def markdown_table(rows: list[dict[str, Any]]) -> str:
    head = ("| flavour | mode | nodes x resources | CIB | hapy wall | hapy CPU | hapy RSS "
            "| crm_simulate wall | crm_simulate CPU | crm_simulate RSS | speed-up (wall) "
            "| speed-up (CPU) | same summary |")
    lines = [head, "|" + "|".join("---" for _ in range(head.count("|") - 1)) + "|"]
    for r in rows:
        h = r.get("hapy", {})
        c = r.get("crm_simulate", {})
        ok_h, ok_c = h.get("ok"), c.get("ok")
        cached = " (cached)" if c.get("cached") else ""
        same = r.get("summary", {}).get("same")
        same_text = "-" if same is None else (
            "yes" if same else f"no ({r['summary']['differing_lines']} lines)")
        lines.append(
            f"| {r['flavour']} | -{r['mode']} | {r['nodes']} x {r['resources']} "
            f"| {r['cib_bytes'] / 1e6:.1f} MB "
            f"| {_fmt(h.get('seconds'), ' s') if ok_h else '-'} "
            f"| {_fmt(h.get('cpu_seconds'), ' s') if ok_h else '-'} "
            f"| {h['max_rss_kb'] // 1024 if ok_h else '-'} MB "
            f"| {_fmt(c.get('seconds'), ' s') + cached if ok_c else c.get('skipped', '-')} "
            f"| {_fmt(c.get('cpu_seconds'), ' s') if ok_c else '-'} "
            f"| {str(c['max_rss_kb'] // 1024) + ' MB' if ok_c else '-'} "
            f"| {_fmt(r.get('speedup'), 'x', 1)} | {_fmt(r.get('speedup_cpu'), 'x', 1)} "
            f"| {same_text} |"
        )
    return "\n".join(lines) + "\n"


def check_bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's bars, where the rungs they name were measured."""
    def row(flavour: str, mode: str, nodes: int, resources: int) -> dict[str, Any] | None:
        return next((r for r in rows if (r["flavour"], r["mode"], r["nodes"], r["resources"])
                     == (flavour, mode, nodes, resources)
                     and r.get("hapy", {}).get("ok") and r.get("crm_simulate", {}).get("ok")),
                    None)

    bars = []
    r = row("warm", "R", 32, 5000)
    if r is not None:
        h, c = r["hapy"], r["crm_simulate"]
        bars.append({
            "bar": "32x5000 warm -R: at most half of crm_simulate's time, no more memory",
            "time_ratio": h["seconds"] / c["seconds"],
            "cpu_ratio": h["cpu_seconds"] / c["cpu_seconds"],
            "rss_ratio": h["max_rss_kb"] / c["max_rss_kb"],
            "met": h["seconds"] <= c["seconds"] / 2 and h["max_rss_kb"] <= c["max_rss_kb"],
        })
    r = row("warm", "S", 12, 750)
    if r is not None:
        h, c = r["hapy"], r["crm_simulate"]
        bars.append({
            "bar": "12x750 warm -S: at least 10x faster than crm_simulate",
            "speedup": c["seconds"] / h["seconds"],
            "speedup_cpu": c["cpu_seconds"] / h["cpu_seconds"],
            "met": c["seconds"] >= 10 * h["seconds"],
        })
    return bars


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--ladder", type=parse_ladder, default=DEFAULT_LADDER,
                    help="comma-separated NODESxRESOURCES rungs (default: %(default)s)")
    ap.add_argument("--modes", default="R,S", help="crm_simulate modes: R (schedule only), "
                    "S (simulate the execution too); default: %(default)s")
    ap.add_argument("--flavours", default="warm,cold", help="gen.py -f values "
                    "(default: %(default)s)")
    ap.add_argument("--event", choices=("standby", "offline", "none"), default="standby",
                    help="gen.py -e, for warm clusters")
    ap.add_argument("--fencing", action="store_true", help="gen.py --fencing")
    ap.add_argument("--no-probe-history", action="store_true", help="gen.py --no-probe-history")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs per rung and tool (median kept)")
    ap.add_argument("--tools", default="hapy,crm_simulate", help="which to run (default: both)")
    ap.add_argument("--hapy-cmd", default=bl.default_hapy_cmd(), help="default: %(default)s")
    ap.add_argument("--ref-cmd", default=bl.default_ref_cmd(), help="default: %(default)s")
    ap.add_argument("--ref-max", type=parse_ref_max, default=DEFAULT_REF_MAX,
                    help="biggest rung crm_simulate runs, per MODE or MODE/FLAVOUR "
                         "(default: %(default)s; others unlimited)")
    ap.add_argument("--ref-cache", type=Path,
                    default=Path.home() / ".cache" / "hapy-bench" / "crm_simulate",
                    help="where crm_simulate's results are kept by CIB hash (default: "
                         "%(default)s)")
    ap.add_argument("--reuse-ref-from", type=int, default=100_000, metavar="SIZE",
                    help="reuse a cached crm_simulate result on rungs of at least SIZE "
                         "nodes x resources (default: %(default)s)")
    ap.add_argument("--fresh-ref", action="store_true", help="never reuse cached results")
    ap.add_argument("--no-compile", action="store_true",
                    help="do not byte-compile hapy first (see README)")
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
    modes = [m.strip().upper() for m in args.modes.split(",") if m.strip()]
    if bad_modes := set(modes) - {"R", "S"}:
        ap.error(f"unknown modes {sorted(bad_modes)}; choose from R, S")
    flavours = [f.strip() for f in args.flavours.split(",") if f.strip()]
    if bad_flavours := set(flavours) - {"warm", "cold"}:
        ap.error(f"unknown flavours {sorted(bad_flavours)}; choose from warm, cold")
    tools = {t: shlex.split(commands[t]) for t in wanted}
    if "hapy" in tools and not args.no_compile:
        bl.compile_package("hapy")
    machine = bl.machine_info(args.ref_cmd)
    cache = RefCache(args.ref_cache, machine["reference"])
    gave_up: dict[tuple[str, str, str], str] = {}
    rows: list[dict[str, Any]] = []

    with tempfile.TemporaryDirectory(prefix="hapy-scale-") as tmp:
        cib_dir = args.keep_cibs or Path(tmp)
        cib_dir.mkdir(parents=True, exist_ok=True)
        for flavour in flavours:
            for nodes, resources in args.ladder:
                cib = cib_dir / f"{flavour}-{nodes}x{resources}-seed{args.seed}.xml"
                gen_seconds = generate(args, flavour, nodes, resources, cib)
                cib_sha = _sha256(cib)
                size = nodes * resources
                print(f"{flavour} {nodes}x{resources}: CIB {cib.stat().st_size / 1e6:.1f} MB "
                      f"(generated in {gen_seconds:.1f}s)", flush=True)
                for mode in modes:
                    row: dict[str, Any] = {
                        "flavour": flavour, "mode": mode, "nodes": nodes,
                        "resources": resources, "cib_bytes": cib.stat().st_size,
                        "cib_sha256": cib_sha, "gen_seconds": round(gen_seconds, 3),
                    }
                    to_run: dict[str, list[str]] = {}
                    for tool, argv in tools.items():
                        key = (tool, mode, flavour)
                        limit = args.ref_max.get(f"{mode}/{flavour}", args.ref_max.get(mode))
                        if key in gave_up:
                            row[tool] = {"skipped": gave_up[key]}
                        elif tool == "crm_simulate" and limit is not None and size > limit:
                            row[tool] = {"skipped": "past --ref-max"}
                        elif (tool == "crm_simulate" and not args.fresh_ref
                              and size >= args.reuse_ref_from
                              and (hit := cache.get(cib_sha, mode)) is not None):
                            row[tool] = {**hit["result"], "cached": hit["date"]}
                            row["_ref_summary"] = hit["summary"]
                        else:
                            to_run[tool] = argv
                    measured = measure_many(to_run, cib, mode, args) if to_run else {}
                    summaries: dict[str, dict[str, int]] = {}
                    if "_ref_summary" in row:
                        summaries["crm_simulate"] = row.pop("_ref_summary")
                    for tool, (result, summary, status) in measured.items():
                        row[tool] = result
                        if summary is not None:
                            summaries[tool] = summary
                        else:
                            gave_up[(tool, mode, flavour)] = f"{status} at {nodes}x{resources}"
                        if tool == "crm_simulate" and summary is not None:
                            cache.put(cib_sha, mode, {"date": machine["date"], "result": result,
                                                      "summary": summary})
                    for tool in tools:
                        r = row[tool]
                        if "skipped" in r:
                            print(f"  -{mode} {tool:<13} skipped ({r['skipped']})", flush=True)
                            continue
                        note = " (cached)" if r.get("cached") else ""
                        print(f"  -{mode} {tool:<13} {r['seconds']:8.2f}s wall "
                              f"{r['cpu_seconds']:8.2f}s CPU  peak RSS "
                              f"{r['max_rss_kb'] / 1024:7.0f} MB  "
                              f"{'ok' if r['ok'] else r.get('error', '')[:60]}{note}",
                              flush=True)
                    if len(summaries) == 2:
                        row["summary"] = compare_summaries(summaries["hapy"],
                                                           summaries["crm_simulate"])
                        print(f"  -{mode} same Transition Summary: {row['summary']['same']}"
                              + ("" if row["summary"]["same"] else
                                 f" ({row['summary']['differing_lines']} lines differ)"),
                              flush=True)
                    h, c = row.get("hapy", {}), row.get("crm_simulate", {})
                    if h.get("ok") and c.get("ok"):
                        row["speedup"] = c["seconds"] / h["seconds"]
                        row["speedup_cpu"] = c["cpu_seconds"] / h["cpu_seconds"]
                    rows.append(row)

    fits: dict[str, Any] = {}
    for flavour in flavours:
        for mode in modes:
            series = [r for r in rows if r["flavour"] == flavour and r["mode"] == mode]
            for tool in tools:
                fit = {key: growth(series, tool, key) for key in ("seconds", "cpu_seconds")}
                fits[f"{tool} -{mode} {flavour}"] = fit
                if fit["seconds"]["rungs"] >= 2:
                    steps = ", ".join(f"{s['to']}: {s['k']:.2f}" for s in fit["seconds"]["steps"])
                    print(f"{tool} -{mode} {flavour}: time ~ (nodes x resources)^"
                          f"{fit['seconds']['k']:.2f} wall, ^{fit['cpu_seconds']['k']:.2f} CPU "
                          f"over {fit['seconds']['rungs']} rungs (steps: {steps})")
    bars = check_bars(rows) if len(tools) == 2 else []
    for bar in bars:
        print(f"bar: {bar['bar']}: {'met' if bar['met'] else 'NOT met'} "
              + ", ".join(f"{k} {v:.3f}" for k, v in bar.items() if isinstance(v, float)))
    table = markdown_table(rows)
    print(table)

    data = {
        "benchmark": "scale",
        "machine": machine,
        "settings": {
            "ladder": [f"{n}x{r}" for n, r in args.ladder], "modes": modes,
            "flavours": flavours, "event": args.event, "fencing": args.fencing,
            "no_probe_history": args.no_probe_history, "seed": args.seed,
            "repeat": args.repeat, "timeout": args.timeout, "mem_limit_mb": args.mem_limit_mb,
            "ref_max": args.ref_max, "reuse_ref_from": args.reuse_ref_from,
            "commands": {t: commands[t] for t in tools},
        },
        "rows": rows,
        "growth": fits,
        "bars": bars,
        "table": table,
    }
    out = bl.write_results("scale", data, args.out)
    out.with_suffix(".md").write_text(table)
    print(f"results: {out} (table: {out.with_suffix('.md')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
