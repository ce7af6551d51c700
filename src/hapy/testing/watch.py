"""Watching a real embedded cluster from the outside, for integration tests.

:class:`Watcher` polls the agents' own state files (every node keeps them in
its ``run/rsctmp`` directory) and records every moment a resource is active
on more than one node, and when each resource appeared or vanished where.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from hapy.reports import HapyError


class NodeDirs(Protocol):
    """Where each node keeps its files (an embedded cluster's ClusterEnv, a
    namespace cluster): the agents' state files are in ``run/rsctmp`` there."""

    def node_dir(self, name: str) -> Path: ...


class Watcher(threading.Thread):
    """Polls the agents' state files; records any moment a resource is active
    on more than one node, and each change of where it is active."""

    def __init__(self, env: NodeDirs, files: dict[str, str], nodes: Sequence[str]) -> None:
        super().__init__(daemon=True)
        self.env = env
        self.files = files  # resource -> state file name in rsctmp
        self.nodes = tuple(nodes)
        self.doubles: list[tuple[str, list[str]]] = []
        #: (wall-clock time, resource, nodes) each time a resource's nodes change
        self.changes: list[tuple[float, str, list[str]]] = []
        self.stop_flag = threading.Event()

    def where(self, rsc: str) -> list[str]:
        name = self.files[rsc]
        return [n for n in self.nodes
                if (self.env.node_dir(n) / "run" / "rsctmp" / name).exists()]

    def run(self) -> None:
        last: dict[str, list[str]] = {}
        while not self.stop_flag.is_set():
            for rsc in self.files:
                nodes = self.where(rsc)
                if len(nodes) > 1:
                    self.doubles.append((rsc, nodes))
                if nodes != last.get(rsc):
                    self.changes.append((time.time(), rsc, nodes))
                    last[rsc] = nodes
            time.sleep(0.02)

    def seen(self, rsc: str) -> list[str]:
        """Where ``rsc`` was active at the watcher's last look (wait on this
        rather than on a look of your own, and :meth:`first` finds it)."""
        found = [nodes for _, r, nodes in self.changes if r == rsc]
        return found[-1] if found else []

    def first(self, rsc: str, where: list[str], after: float = 0.0) -> float:
        """When ``rsc`` was first seen active on exactly ``where`` after ``after``."""
        return next(t for t, r, nodes in self.changes
                    if r == rsc and nodes == where and t >= after)

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_flag.set()
        self.join()

    def assert_never_twice(self) -> None:
        assert not self.doubles, f"active on two nodes: {self.doubles[:5]}"


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll ``check`` (a HapyError counts as not yet) until true or timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except HapyError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
