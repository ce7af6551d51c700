#!/usr/bin/env python3
"""Failover time of a running embedded cluster with fencing: a node's power
is cut (``hapy cluster kill``) and its resources must run elsewhere.

For each size N (``--sizes``, default 1 10 40), starts a 3-node embedded
cluster with fencing on (the ``fence_hapy`` device) and N ocf:hapy:Dummy
resources (1 s monitors) and, ``--repeat`` times, kills the node running
most of them.  Each round is split into:

* detection: kill -> the DC's view no longer has the node (the token
  timeout, ``--token`` ms, default 1000);
* scheduling: view change -> the fencing starts (the DC records the node
  lost, plans, and asks its fencer);
* fencing: the fencing's start -> its end (fence_hapy cuts the node's
  power: kills what it ran and wipes its runtime files; stonith-action=off,
  so that the node stays off until the round is measured);
* start: the fencing's end -> every resource runs again on the others.

The times come from the fencing history's own timestamps and from polling
(every 20 ms) the DC's view and the agents' state files.  The killed node is
powered on again and rejoins before the next round.  Writes
``benchmarks/results/failover-<UTC time>.json``.

    python3 benchmarks/failover.py
    python3 benchmarks/failover.py --sizes 1 10 --repeat 5 --token 3000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import dummy_state_file, machine_info, median, wait, write_results

from hapy.commands import cluster, faults, property, resource
from hapy.commands.env import ClusterEnv, cib_change
from hapy.commands.status import resource_locations

MONITOR = [("monitor", [("interval", "1s"), ("timeout", "10s")])]




def one_round(env: ClusterEnv, names: list[str]) -> dict[str, float]:
    where = resource_locations(env)
    counts: dict[str, int] = {}
    for name in names:
        for host in where.get(name, []):
            counts[host] = counts.get(host, 0) + 1
    dc = str(env.request({"op": "status"})["dc"])
    candidates = [h for h in counts if h != dc] or list(counts)
    victim = max(candidates, key=lambda h: counts[h])
    others = [n for n in env.node_names() if n != victim]
    watcher_node = dc if dc != victim else others[0]
    moving = [n for n in names if victim in where.get(n, [])]
    known = {e["id"] for e in env.request({"op": "fence_history"}, node=watcher_node)["events"]}
    killed = time.time()
    faults.kill_node(env, victim)
    wait(lambda: victim not in env.request({"op": "status"}, node=watcher_node)["members"])
    detected = time.time()
    wait(lambda: all(any(dummy_state_file(env, o, n).exists() for o in others) for n in moving))
    running = time.time()
    events = [e for e in env.request({"op": "fence_history", "target": victim},
                                     node=watcher_node)["events"]
              if e["id"] not in known and e["state"] == "done"]
    if not events:
        raise SystemExit(f"{victim}'s resources moved without a fencing")
    fence = events[0]
    # the fencing left it off (stonith-action=off): power it on for the next round
    cluster.start_nodes(env, [victim])
    wait(lambda: victim in env.request({"op": "status"}, node=watcher_node)["members"])
    cluster.settle(env)
    return {"detection_s": detected - killed, "scheduling_s": fence["started"] - detected,
            "fencing_s": fence["completed"] - fence["started"],
            "start_s": running - fence["completed"], "total_s": running - killed}


def measure(size: int, repeat: int, token_ms: int, keep: Path | None) -> dict[str, Any]:
    names = [f"r{i}" for i in range(size)]
    with tempfile.TemporaryDirectory(prefix="hapy-bench-") as tmp:
        env = ClusterEnv((keep or Path(tmp)) / f"cluster-{size}")
        try:
            cluster.start_cluster(env, 3, token_ms=token_ms)
            # a fenced node stays off (a reboot could bring it back before its
            # resources were recovered elsewhere, and they would stay there)
            property.set_properties(env, [("stonith-action", "off")])
            cib_change(env, "create", '<primitive id="fencer" class="stonith" '
                       'type="fence_hapy"/>', scope="resources")
            for name in names:
                resource.create(env, name, "ocf:hapy:Dummy", ops=MONITOR, no_default_ops=True)
            wait(lambda: all(len(resource_locations(env).get(n, [])) == 1 for n in names))
            cluster.settle(env)
            rounds = [one_round(env, names) for _ in range(repeat)]
            parts = ("detection_s", "scheduling_s", "fencing_s", "start_s", "total_s")
            summary = {p: median([r[p] for r in rounds]) for p in parts}
            print(f"  N={size:4d}: " + "; ".join(f"{p[:-2]} {summary[p]:5.2f} s" for p in parts),
                  flush=True)
            return {"resources": size, "rounds": rounds, "median": summary}
        finally:
            cluster.stop_cluster(env)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 40])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--token", type=int, default=1000, help="token timeout (ms)")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="run the clusters in DIR and leave their files there (logs, CIBs)")
    ap.add_argument("--out", type=Path, help="results file (default: benchmarks/results/)")
    args = ap.parse_args()
    print(f"failover on a 3-node embedded cluster with fencing, sizes {args.sizes}, "
          f"{args.repeat} rounds, token {args.token} ms")
    rows = [measure(size, args.repeat, args.token, args.keep) for size in args.sizes]
    path = write_results("failover", {"settings": vars(args) | {"out": str(args.out),
                                                                "keep": str(args.keep)},
                                      "machine": machine_info("crm_simulate"), "rows": rows},
                         args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
