#!/usr/bin/env python3
"""Recovery times of a running embedded cluster, as the number of resources grows.

For each size N (``--sizes``, default 1 10 40), starts a 3-node embedded
cluster in a temporary directory, creates N ocf:hapy:Dummy resources (1 s
monitors), and measures, ``--repeat`` times each:

* failure -> running again: the state file of one resource is removed behind
  the cluster's back (a crashed service); time until it runs again;
* clean node stop -> running elsewhere: the node running most resources is
  stopped (``hapy cluster stop NODE``); time until every resource runs again
  on the other nodes (the node is started again before the next round).

The times include the 1 s monitor interval (a failure is noticed at the next
monitor), so the floor of the first is about 0.5 s on average.  Writes
``benchmarks/results/recovery-<UTC time>.json``.

    python3 benchmarks/recovery.py
    python3 benchmarks/recovery.py --sizes 1 10 40 100 --repeat 5
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

from hapy.commands import cluster, property, resource
from hapy.commands.env import ClusterEnv
from hapy.commands.status import resource_locations

MONITOR = [("monitor", [("interval", "1s"), ("timeout", "10s")])]



def cluster_cib(env: ClusterEnv) -> str:
    return str(env.request({"op": "cib", "request": {"op": "query"}})["xml"][0])



def measure(size: int, repeat: int) -> dict[str, Any]:
    names = [f"r{i}" for i in range(size)]
    with tempfile.TemporaryDirectory(prefix="hapy-bench-") as tmp:
        env = ClusterEnv(Path(tmp) / "cluster")
        try:
            cluster.start_cluster(env, 3)
            property.set_properties(env, [("stonith-enabled", "false")])
            began = time.monotonic()
            for name in names:
                resource.create(env, name, "ocf:hapy:Dummy", ops=MONITOR, no_default_ops=True)

            def all_running() -> bool:
                where = resource_locations(env)
                return all(len(where.get(n, [])) == 1 for n in names)

            wait(all_running)
            startup = time.monotonic() - began
            failures: list[float] = []
            moves: list[float] = []
            for round_ in range(repeat):
                cluster.settle(env)
                victim = names[round_ % size]
                nodes = resource_locations(env)[victim]
                if len(nodes) != 1:
                    dump = Path(tempfile.gettempdir()) / f"recovery-anomaly-{victim}.xml"
                    dump.write_text(cluster_cib(env))
                    raise SystemExit(f"{victim} is active on {nodes}: the CIB is in {dump}")
                [node] = nodes
                path = dummy_state_file(env, node, victim)
                path.unlink()
                failures.append(wait(path.exists))
                wait(all_running)  # the recovery transition is over
                where = resource_locations(env)
                counts: dict[str, int] = {}
                for n in names:
                    for host in where.get(n, []):
                        counts[host] = counts.get(host, 0) + 1
                busiest = max(counts, key=lambda h: counts[h])
                began = time.monotonic()
                cluster.stop_node(env, busiest)

                def moved(busiest: str = busiest) -> bool:
                    where = resource_locations(env)
                    return all(len(where.get(n, [])) == 1 and busiest not in where[n]
                               for n in names)

                wait(moved)
                moves.append(time.monotonic() - began)
                cluster.start_nodes(env, [busiest])
                wait(all_running)
            print(f"  N={size:4d}: start all {startup:6.2f} s; failure->running median "
                  f"{median(failures):5.2f} s; node stop->moved median {median(moves):5.2f} s",
                  flush=True)
            return {"resources": size, "startup_s": startup, "failure_to_running_s": failures,
                    "node_stop_to_moved_s": moves}
        finally:
            cluster.stop_cluster(env)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 40])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, help="results file (default: benchmarks/results/)")
    args = ap.parse_args()
    print(f"recovery on a 3-node embedded cluster, sizes {args.sizes}, {args.repeat} rounds")
    rows = [measure(size, args.repeat) for size in args.sizes]
    path = write_results("recovery", {"settings": vars(args) | {"out": str(args.out)},
                                      "machine": machine_info("crm_simulate"), "rows": rows},
                         args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
