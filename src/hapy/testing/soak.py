"""A randomised soak of a real embedded cluster with fencing: node kills,
partitions and heals, resource failures and configuration changes, for a
bounded number of steps from a printed seed.  Used by ``test_soak.py`` (a
few steps, in CI) and ``benchmarks/soak.py`` (many).

After the last step the faults are undone and the cluster must settle with
every resource in its target state (started exactly once, or stopped), and
the agents' own state files must never have shown a resource active on two
nodes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from hapy.commands import cluster, faults, resource
from hapy.commands.env import ClusterEnv, cib_change
from hapy.records import field, record
from hapy.testing.watch import Watcher, wait_for

MONITOR = [("monitor", [("interval", "1s"), ("timeout", "10s")])]
TOKEN_MS = 1000


@record(frozen=False)
class SoakResult:
    seed: int
    steps: list[str] = field(default_factory=list)
    doubles: list[tuple[str, list[str]]] = field(default_factory=list)
    seconds: float = 0.0


def _members(env: ClusterEnv, node: str) -> list[str]:
    return list(env.request({"op": "status"}, node=node)["members"])


def _all_up(env: ClusterEnv, nodes: list[str]) -> bool:
    return all(sorted(_members(env, n)) == sorted(nodes) for n in nodes)


def run_soak(root: Path, seed: int, steps: int, *, nodes: int = 3, resources: int = 4,
             say: Callable[[str], None] = print) -> SoakResult:
    """Run the soak in the cluster directory ``root``; the cluster is stopped
    at the end whatever happened."""
    rng = random.Random(seed)
    result = SoakResult(seed)
    say(f"soak: seed {seed}, {steps} steps, {nodes} nodes, {resources} resources")
    began = time.monotonic()
    env = ClusterEnv(root)
    cluster.start_cluster(env, nodes, token_ms=TOKEN_MS)
    names = env.node_names()
    rscs = [f"r{i}" for i in range(resources)]
    watcher = Watcher(env, {r: f"Dummy-{r}.state" for r in rscs}, names)
    watcher.start()
    stopped: set[str] = set()
    try:
        cib_change(env, "create", '<primitive id="fencer" class="stonith" type="fence_hapy">'
                   '<operations><op id="fencer-mon" name="monitor" interval="60s"/>'
                   '</operations></primitive>', scope="resources")
        for rsc in rscs:
            resource.create(env, rsc, "ocf:heartbeat:Dummy", ops=MONITOR, no_default_ops=True)
        wait_for(lambda: all(len(watcher.where(r)) == 1 for r in rscs), "all started", 60)
        minority = nodes // 2 if nodes > 2 else 1
        for step in range(steps):
            kind = rng.choice(["kill", "partition", "fail", "toggle", "kill", "fail"])
            if kind == "kill":
                victim = rng.choice(names)
                what = f"kill {victim}"
                faults.kill_node(env, victim)
                # fence_hapy reboots it: wait until everyone is back
                wait_for(lambda: _all_up(env, names), f"all nodes after {what}", 90)
            elif kind == "partition":
                side = sorted(rng.sample(names, minority))
                rest = [n for n in names if n not in side]
                what = f"partition {','.join(side)} | {','.join(rest)}"
                faults.partition(env, [",".join(rest), ",".join(side)])
                wait_for(lambda rest=rest: all(_members(env, n) == rest  # type: ignore[misc]
                                               for n in rest),
                         "the majority's view", 60)
                cluster.settle(env, 90)
                faults.heal(env)
                wait_for(lambda: _all_up(env, names), "the healed view", 90)
            elif kind == "fail":
                running = [(r, watcher.where(r)) for r in rscs if len(watcher.where(r)) == 1]
                if not running:
                    continue
                rsc, [where] = rng.choice(running)
                what = f"fail {rsc} on {where}"
                (env.node_dir(where) / "run" / "rsctmp" / f"Dummy-{rsc}.state").unlink(
                    missing_ok=True)
            else:
                rsc = rng.choice(rscs)
                if rsc in stopped:
                    resource.enable(env, rsc)
                    stopped.discard(rsc)
                    what = f"enable {rsc}"
                else:
                    resource.disable(env, rsc)
                    stopped.add(rsc)
                    what = f"disable {rsc}"
            say(f"soak step {step + 1}/{steps}: {what}")
            result.steps.append(what)
            cluster.settle(env, 90)
        wait_for(lambda: _all_up(env, names), "every node up at the end", 90)
        cluster.settle(env, 90)

        def in_target_state() -> bool:
            return all(len(watcher.where(r)) == (0 if r in stopped else 1) for r in rscs)

        wait_for(in_target_state, "every resource in its target state", 60)
    finally:
        watcher.stop_flag.set()
        watcher.join()
        result.doubles = list(watcher.doubles)
        cluster.stop_cluster(env)
        result.seconds = time.monotonic() - began
    return result
