"""Fault injection and status for an embedded cluster (tests, ``hapy cluster``).

Each call opens the service's socket, sends one ``control`` frame and returns
the service's answer; errors come back as coded reports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hapy.cluster.embedded.paths import ClusterPaths
from hapy.cluster.wire import FrameError, encode, read_frame
from hapy.reports import HapyError, report


async def _acall(paths: ClusterPaths, frame: dict[str, Any]) -> dict[str, Any]:
    try:
        reader, writer = await asyncio.open_unix_connection(str(paths.socket))
    except OSError as exc:
        raise HapyError([report(
            "CLUSTER_UNREACHABLE",
            f"the embedded cluster's membership service is not running: {exc}",
            hint="start the cluster first", directory=str(paths.root))]) from None
    try:
        writer.write(encode({"type": "control", **frame}))
        await writer.drain()
        answer = await read_frame(reader)
    except (FrameError, ConnectionError) as exc:
        raise HapyError([report(
            "CLUSTER_UNREACHABLE", f"no answer from the membership service: {exc}",
            directory=str(paths.root))]) from None
    finally:
        writer.close()
    if answer is None or not answer.get("ok"):
        message = answer.get("message", "no answer") if answer else "no answer"
        raise HapyError([report("CLUSTER_CONTROL_FAILED", f"{frame.get('op')}: {message}",
                                directory=str(paths.root))])
    return answer


class ClusterControl:
    """Talks to the membership service of the cluster in ``cluster_dir``."""

    def __init__(self, cluster_dir: str | Path) -> None:
        self.paths = ClusterPaths(Path(cluster_dir).resolve())

    async def acall(self, op: str, **args: Any) -> dict[str, Any]:
        return await _acall(self.paths, {"op": op, **args})

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        return asyncio.run(self.acall(op, **args))

    def status(self) -> dict[str, Any]:
        """ring_id, expected_votes, token_ms and the partitions' members."""
        return self.call("status")

    def kill(self, node: str) -> None:
        """SIGKILL the node's daemon: it leaves at once."""
        self.call("kill", node=node)

    def pause(self, node: str) -> None:
        """SIGSTOP the node's daemon: it is expelled after the token timeout."""
        self.call("pause", node=node)

    def resume(self, node: str) -> None:
        self.call("resume", node=node)

    def partition(self, groups: Sequence[Sequence[str]]) -> None:
        """Split the nodes into groups that no longer hear each other."""
        self.call("partition", groups=[list(g) for g in groups])

    def heal(self) -> None:
        self.call("heal")

    def shutdown(self) -> None:
        self.call("shutdown")
