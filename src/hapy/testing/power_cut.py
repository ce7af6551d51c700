"""Timing a power cut of a running cluster's node: when the others lost it,
when its fencing was done (from the fencing history), when its resources ran
elsewhere.  The demo and benchmarks/failover.py tell these times."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from hapy.records import record


class Cluster(Protocol):
    """What is asked of the cluster: a node daemon's answer to a request."""

    def request(self, frame: dict[str, Any], node: str | None = None) -> dict[str, Any]: ...


#: wait(what, check): until check() is true (raising when it takes too long)
Wait = Callable[[str, Callable[[], bool]], object]


@record
class PowerCut:
    """Wall-clock times of one power cut of ``victim``."""

    victim: str
    killed: float
    #: the observer's view lost the victim
    lost: float
    #: the resources ran elsewhere
    recovered: float
    #: the fencing of the victim done since the cut (its history event), if any
    fencing: dict[str, Any] | None


def time_power_cut(env: Cluster, victim: str, observer: str, cut: Callable[[], object],
                   recovered: Callable[[], bool], wait: Wait) -> PowerCut:
    """Cut ``victim``'s power with ``cut`` and time what follows, seen from
    ``observer`` (another node), until ``recovered()``."""
    def fencings() -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = env.request(
            {"op": "fence_history", "target": victim}, node=observer)["events"]
        return events

    known = {e["id"] for e in fencings()}
    killed = time.time()
    cut()
    wait(f"the others to lose {victim}", lambda: victim not in env.request(
        {"op": "status"}, node=observer)["members"])
    lost = time.time()
    wait(f"{victim}'s resources to run elsewhere", recovered)
    done = time.time()
    events = [e for e in fencings() if e["id"] not in known and e["state"] == "done"]
    return PowerCut(victim, killed, lost, done, events[0] if events else None)
