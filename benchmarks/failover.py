#!/usr/bin/env python3
"""Failover time of a running cluster with fencing: a node's power is cut
and its resources must run elsewhere.

Two clusters (``--backend``):

* ``embedded`` (default): 3 nodes of an embedded cluster on this host, the
  ``fence_hapy`` device; the power cut is ``hapy cluster kill``;
* ``corosync``: 3 machines made of network namespaces, each running a real
  corosync and a hapy daemon (:mod:`hapy.testing.netns_cluster`, root
  needed), the ``fence_hapy_netns`` device; the power cut kills every
  process of the machine.

For each size N (``--sizes``, default 1 10 40), starts the cluster with
fencing on and N ocf:hapy:Dummy resources (1 s monitors) and, ``--repeat``
times, cuts the power of the node running most of them.  Each round is split
into:

* detection: kill -> the DC's view no longer has the node (the token
  timeout, ``--token`` ms, default 1000);
* scheduling: view change -> the fencing starts (the DC records the node
  lost, plans, and asks its fencer);
* fencing: the fencing's start -> its end (the agent cuts the node's
  power: kills what it ran and wipes its runtime files; stonith-action=off,
  so that the node stays off until the round is measured);
* start: the fencing's end -> every resource runs again on the others.

The times come from the fencing history's own timestamps and from polling
(every 20 ms) the DC's view and the agents' state files.  The killed node is
powered on again and rejoins before the next round.  Writes
``benchmarks/results/failover-<UTC time>.json``.

    python3 benchmarks/failover.py
    python3 benchmarks/failover.py --sizes 1 10 --repeat 5 --token 3000
    python3 benchmarks/failover.py --backend corosync
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import dummy_state_file, machine_info, median, wait, write_results

from hapy.commands import cluster, faults, property, resource
from hapy.commands.env import ClusterEnv, cib_change
from hapy.commands.status import resource_locations
from hapy.testing.power_cut import time_power_cut

MONITOR = [("monitor", [("interval", "1s"), ("timeout", "10s")])]
NETNS_NODES = [(1, "node1", "10.253.0.1"), (2, "node2", "10.253.0.2"),
               (3, "node3", "10.253.0.3")]


class Cluster:
    """A running cluster under test: its client, its fence device, its power."""

    def __init__(self, env: Any, device: str, kill: Callable[[str], object],
                 power_on: Callable[[str], object]) -> None:
        self.env = env
        self.device = device
        self.kill = kill
        self.power_on = power_on


@contextlib.contextmanager
def embedded_cluster(root: Path, token_ms: int) -> Iterator[Cluster]:
    env = ClusterEnv(root)
    try:
        cluster.start_cluster(env, 3, token_ms=token_ms)
        yield Cluster(env, '<primitive id="fencer" class="stonith" type="fence_hapy"/>',
                      lambda n: faults.kill_node(env, n),
                      lambda n: cluster.start_nodes(env, [n]))
    finally:
        cluster.stop_cluster(env)


@contextlib.contextmanager
def corosync_cluster(root: Path, token_ms: int) -> Iterator[Cluster]:
    from hapy.testing.corosync import corosync_missing
    from hapy.testing.netns_cluster import NetnsCluster
    from hapy.testing.watch import wait_for

    missing = corosync_missing()
    if missing:
        raise SystemExit(f"cannot run a corosync cluster here: {missing}")
    machines = NetnsCluster.create(root, "hapybench", NETNS_NODES, token_ms=token_ms)
    try:
        for _, name, _ in NETNS_NODES:
            machines.boot(name)
        names = machines.node_names()
        wait_for(lambda: all(machines.request({"op": "status"}, node=n)["members"] == names
                             for n in names), "the cluster formed", timeout=60)
        device = ('<primitive id="fencer" class="stonith" type="fence_hapy_netns">'
                  '<instance_attributes id="fencer-ia"><nvpair id="fencer-dir" '
                  f'name="machines_dir" value="{machines.root}"/></instance_attributes>'
                  '</primitive>')
        yield Cluster(machines, device, machines.power_off, machines.boot)
    finally:
        machines.destroy()


def one_round(c: Cluster, names: list[str]) -> dict[str, float]:
    env = c.env
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
    cut = time_power_cut(env, victim, watcher_node, lambda: c.kill(victim), lambda: all(
        any(dummy_state_file(env, o, n).exists() for o in others) for n in moving),
        lambda _what, check: wait(check))
    if cut.fencing is None:
        raise SystemExit(f"{victim}'s resources moved without a fencing")
    fence = cut.fencing
    detected, running, killed = cut.lost, cut.recovered, cut.killed
    # the fencing left it off (stonith-action=off): power it on for the next round
    c.power_on(victim)
    wait(lambda: victim in env.request({"op": "status"}, node=watcher_node)["members"])
    cluster.settle(env)
    return {"detection_s": detected - killed, "scheduling_s": fence["started"] - detected,
            "fencing_s": fence["completed"] - fence["started"],
            "start_s": running - fence["completed"], "total_s": running - killed}


def measure(size: int, repeat: int, token_ms: int, keep: Path | None,
            backend: str) -> dict[str, Any]:
    names = [f"r{i}" for i in range(size)]
    start = corosync_cluster if backend == "corosync" else embedded_cluster
    with tempfile.TemporaryDirectory(prefix="hapy-bench-") as tmp, \
            start((keep or Path(tmp)) / f"cluster-{size}", token_ms) as c:
        env = c.env
        # a fenced node stays off (a reboot could bring it back before its
        # resources were recovered elsewhere, and they would stay there)
        property.set_properties(env, [("stonith-action", "off")])
        cib_change(env, "create", c.device, scope="resources")
        for name in names:
            resource.create(env, name, "ocf:hapy:Dummy", ops=MONITOR, no_default_ops=True)
        wait(lambda: all(len(resource_locations(env).get(n, [])) == 1 for n in names))
        cluster.settle(env)
        rounds = [one_round(c, names) for _ in range(repeat)]
        parts = ("detection_s", "scheduling_s", "fencing_s", "start_s", "total_s")
        summary = {p: median([r[p] for r in rounds]) for p in parts}
        print(f"  N={size:4d}: " + "; ".join(f"{p[:-2]} {summary[p]:5.2f} s" for p in parts),
              flush=True)
        return {"resources": size, "rounds": rounds, "median": summary}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 40])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--token", type=int, default=1000, help="token timeout (ms)")
    ap.add_argument("--backend", choices=("embedded", "corosync"), default="embedded",
                    help="the cluster layer (corosync: network-namespace machines, root)")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="run the clusters in DIR and leave their files there (logs, CIBs)")
    ap.add_argument("--out", type=Path, help="results file (default: benchmarks/results/)")
    args = ap.parse_args()
    print(f"failover on a 3-node {args.backend} cluster with fencing, sizes {args.sizes}, "
          f"{args.repeat} rounds, token {args.token} ms")
    rows = [measure(size, args.repeat, args.token, args.keep, args.backend)
            for size in args.sizes]
    path = write_results(f"failover-{args.backend}" if args.backend != "embedded"
                         else "failover", {"settings": vars(args) | {"out": str(args.out),
                                                                "keep": str(args.keep)},
                                      "machine": machine_info("crm_simulate"), "rows": rows},
                         args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
