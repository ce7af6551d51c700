"""``hapy demo``: a 3-node embedded cluster in a temporary directory, showing
placement, recovery from a failure, a clean node stop, and a node's power
cut (fenced, then its resources recovered), with timings.

Unprivileged: it uses hapy's own agents (ocf:hapy:Dummy, whose state files
live in each node's runtime directory, and the fence agent fence_hapy); the
failure is injected by removing one such file behind the cluster's back, as
a crashed service would, the power cut by killing every process of a node.
"""

from __future__ import annotations

import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hapy.commands import cluster, constraint, faults, property, resource, status, stonith
from hapy.commands.env import ClusterEnv
from hapy.records import field, record
from hapy.reports import HapyError, report
from hapy.testing.power_cut import time_power_cut

Say = Callable[[str], None]
WAIT = 30.0


@record(frozen=False)
class DemoReport:
    """What happened, with how long each step took (seconds)."""

    steps: list[tuple[str, float]] = field(default_factory=list)

    def add(self, what: str, seconds: float) -> None:
        self.steps.append((what, seconds))


def _wait(what: str, check: Callable[[], bool], timeout: float = WAIT) -> float:
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > timeout:
            raise HapyError([report("DEMO_TIMEOUT", f"timed out waiting for {what}")])
        time.sleep(0.1)
    return time.monotonic() - began


def _status(env: ClusterEnv, say: Say) -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    for line in status.render_status_text(status.cluster_status(env, now), now):
        say("    " + line if line else "")


def run_demo(say: Say = print, keep: Path | None = None) -> DemoReport:
    """Run the demonstration; returns its timings.  Everything it started is
    stopped again, even when a step fails."""
    out = DemoReport()

    def interrupted(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, interrupted)
    try:
        with tempfile.TemporaryDirectory(prefix="hapy-demo-") as tmp:
            env = ClusterEnv(Path(keep or tmp) / "cluster")
            try:
                _run(env, say, out)
            finally:
                cluster.stop_cluster(env)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return out


def _run(env: ClusterEnv, say: Say, out: DemoReport) -> None:
    say("1. Starting a 3-node embedded cluster (node1, node2, node3)...")
    started = cluster.start_cluster(env, 3)
    out.add("cluster start, DC elected", started.seconds)
    say(f"   DC elected: {started.dc} after {started.seconds:.1f} s")

    say("2. Configuring: a fence device 'fencer' (hapy's fence_hapy, which cuts a node's "
        "power; stonith-action=off: a fenced node stays off), a group 'web' of two "
        "resources, a clone 'ping-clone'")
    stonith.create(env, "fencer", "fence_hapy")
    property.set_properties(env, [("stonith-action", "off")])
    monitor = [("monitor", [("interval", "1s"), ("timeout", "10s")])]
    began = time.monotonic()
    for name in ("web-ip", "web-server"):
        resource.create(env, name, "ocf:hapy:Dummy", ops=monitor, group="web",
                        no_default_ops=True)
    resource.create(env, "ping", "ocf:hapy:Dummy", ops=monitor, clone="ping-clone",
                    no_default_ops=True)
    constraint.location(env, "web", "prefers", ["node1=50"])
    took = _wait("the resources to start",
                 lambda: len(resource.running_nodes(env, "ping")) == 3
                 and resource.running_nodes(env, "web-server") != [])
    out.add("configure and start 5 resource instances", time.monotonic() - began)
    say(f"   all started after {took:.1f} s:")
    _status(env, say)

    [where] = resource.running_nodes(env, "web-server")
    say(f"3. Injecting a failure: web-server's process 'dies' on {where}")
    state = env.node_dir(where) / "run" / "rsctmp" / "hapy-Dummy-web-server.state"
    state.unlink()
    began = time.monotonic()
    _wait("web-server to be recovered", lambda: state.exists())
    recovered = time.monotonic() - began
    out.add(f"monitor failure to web-server running again on {where}", recovered)
    say(f"   the 1 s monitor noticed, the cluster restarted it in place: running again "
        f"after {recovered:.1f} s")
    _status(env, say)

    say(f"4. Stopping {where} cleanly: its resources move away first")
    began = time.monotonic()
    cluster.stop_node(env, where)
    stopped = time.monotonic() - began
    _wait("web to run on another node",
          lambda: bool(set(resource.running_nodes(env, "web-server")) - {where}))
    moved = time.monotonic() - began
    moved_to = ", ".join(resource.running_nodes(env, "web-server"))
    out.add(f"clean stop of {where} (its resources stopped first)", stopped)
    out.add(f"clean stop of {where} to web running on {moved_to}", moved)
    say(f"   {where} stopped after {stopped:.1f} s; web runs on {moved_to} after {moved:.1f} s")
    _status(env, say)

    say(f"5. Starting {where} again, then cutting the power of the node running web")
    cluster.start_nodes(env, [where])
    cluster.settle(env)
    _power_cut(env, say, out)
    _status(env, say)

    say("6. Stopping the cluster")
    began = time.monotonic()
    cluster.stop_cluster(env)
    out.add("cluster stop", time.monotonic() - began)


def _power_cut(env: ClusterEnv, say: Say, out: DemoReport) -> None:
    """Kill the node running web (no goodbye); show its fencing and web's
    recovery, with the timings the fencing history and the polls give."""
    [victim] = resource.running_nodes(env, "web-server")
    others = [n for n in env.node_names() if n != victim]
    cut = time_power_cut(
        env, victim, others[0], lambda: faults.kill_node(env, victim),
        lambda: any(n in others for n in resource.running_nodes(env, "web-server")), _wait)
    say(f"   {victim} powered off: its daemon and services are gone, without a word")
    killed, lost, running = cut.killed, cut.lost, cut.recovered
    moved_to = ", ".join(n for n in resource.running_nodes(env, "web-server") if n in others)
    out.add(f"power cut of {victim} to the others losing it (token timeout)", lost - killed)
    if cut.fencing is not None:
        fence = cut.fencing
        out.add(f"{victim} lost to its fencing done ({fence['action']} by "
                f"{fence['executioner']})", fence["completed"] - lost)
        say(f"   lost after {lost - killed:.1f} s; fenced ({fence['action']} by "
            f"{fence['executioner']} with {', '.join(fence['devices'])}) "
            f"{fence['completed'] - lost:.1f} s later; web runs on {moved_to} "
            f"{running - fence['completed']:.1f} s after the fencing")
    out.add(f"power cut of {victim} to web running on {moved_to}", running - killed)
    # the fencing left it off: power it on again
    began = time.monotonic()
    cluster.start_nodes(env, [victim])
    cluster.settle(env)
    say(f"   {victim} powered on again: it rejoined after {time.monotonic() - began:.1f} s")
