"""Where commands find the cluster: an embedded cluster's directory (``--dir``
or ``HAPY_CLUSTER_DIR``), and a running node daemon to ask there."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Protocol

from hapy.cluster.wire import FrameError, encode, read_frame
from hapy.records import record
from hapy.reports import HapyError, Report, report

ENV_VAR = "HAPY_CLUSTER_DIR"


@record
class ClusterEnv:
    """An embedded cluster rooted at ``root``."""

    root: Path

    @classmethod
    def from_option(cls, directory: str | None) -> ClusterEnv:
        chosen = directory or os.environ.get(ENV_VAR)
        if not chosen:
            raise HapyError([report(
                "CLUSTER_DIR_MISSING", "no cluster directory given",
                hint=f"pass --dir DIR or set {ENV_VAR}")])
        return cls(Path(chosen).resolve())

    @property
    def nodes_dir(self) -> Path:
        return self.root / "nodes"

    def node_dir(self, name: str) -> Path:
        return self.nodes_dir / name

    def node_names(self) -> list[str]:
        if not self.nodes_dir.is_dir():
            return []
        return sorted((p.name for p in self.nodes_dir.iterdir() if p.is_dir()),
                      key=_natural)

    def sockets(self) -> list[Path]:
        return [s for n in self.node_names() if (s := self.node_dir(n) / "hapy.sock").exists()]

    def request(self, frame: dict[str, Any], node: str | None = None) -> dict[str, Any]:
        """Ask a node's daemon (``node``, else the first that answers)."""
        targets = [self.node_dir(node) / "hapy.sock"] if node else self.sockets()
        last: str = "no node daemon is running"
        for sock in targets:
            try:
                answer = asyncio.run(_ask(sock, frame))
            except (OSError, FrameError) as exc:
                last = f"{sock}: {exc}"
                continue
            if not answer.get("ok"):
                raise HapyError(_reports(answer))
            return answer
        raise HapyError([report("CLUSTER_NOT_RUNNING", f"cannot reach the cluster: {last}",
                                hint="start it with 'hapy cluster start'",
                                directory=str(self.root))])


@record
class SocketEnv:
    """One node daemon's socket, given directly (agents run by hapy use it, and
    the commands on a node of a Corosync cluster)."""

    socket: Path | str
    #: what to do when the daemon does not answer
    hint: str = ""

    def request(self, frame: dict[str, Any], node: str | None = None) -> dict[str, Any]:
        try:
            answer = asyncio.run(_ask(Path(self.socket), frame))
        except (OSError, FrameError) as exc:
            raise HapyError([report(
                "CLUSTER_NOT_RUNNING",
                f"cannot reach the node daemon at {self.socket}: {exc}",
                hint=self.hint)]) from None
        if not answer.get("ok"):
            raise HapyError(_reports(answer))
        return answer


class DaemonClient(Protocol):
    """What a command needs: a request to a node daemon (an embedded
    cluster's :class:`ClusterEnv`, or one daemon's :class:`SocketEnv`)."""

    def request(self, frame: dict[str, Any], node: str | None = None) -> dict[str, Any]: ...


def connect(directory: str | None) -> ClusterEnv | SocketEnv:
    """The daemon the commands talk to: an embedded cluster's (``--dir`` or
    ``HAPY_CLUSTER_DIR``), else, on a node of a Corosync cluster (its
    corosync.conf exists), this node's daemon (its state directory from
    hapy.conf), as ``hapy daemon`` chooses its cluster layer."""
    if directory or os.environ.get(ENV_VAR):
        return ClusterEnv.from_option(directory)
    from hapy.commands.corosync.paths import NodePaths, load_settings

    paths = NodePaths.from_env()
    if paths.corosync_conf.exists():
        settings = load_settings(paths)
        return SocketEnv(settings.state_dir / "hapy.sock",
                         hint="start this node: hapy cluster start (corosync, then hapy)")
    return ClusterEnv.from_option(None)


def _natural(name: str) -> tuple[str, int]:
    head = name.rstrip("0123456789")
    tail = name[len(head):]
    return (head, int(tail) if tail else -1)


def _reports(answer: dict[str, Any]) -> list[Report]:
    out = [Report.from_dict(item) for item in answer.get("reports", [])
           if isinstance(item, dict)]
    return out or [report("DAEMON_ERROR", "the daemon refused the request")]


async def _ask(sock: Path, frame: dict[str, Any]) -> dict[str, Any]:
    reader, writer = await asyncio.open_unix_connection(str(sock))
    try:
        writer.write(encode({"type": "request", **frame}))
        await writer.drain()
        answer = await read_frame(reader)
    finally:
        writer.close()
    if answer is None:
        raise FrameError("the daemon closed the connection")
    return answer


def cib_change(env: ClusterEnv, op: str, xml: str | None = None, *, scope: str | None = None,
               xpath: str | None = None, allow_create: bool = False,
               delete_all: bool = False) -> dict[str, Any]:
    """One cibadmin-style change through a node daemon (all nodes apply it)."""
    return env.request({"op": "cib", "request": {
        "op": op, "xml": xml, "scope": scope, "xpath": xpath, "allow_create": allow_create,
        "delete_all": delete_all}})


def cib_query(env: ClusterEnv, *, scope: str | None = None,
              xpath: str | None = None) -> list[str]:
    """The XML of what a query selects; [] when nothing matches."""
    try:
        answer = env.request({"op": "cib", "request": {"op": "query", "scope": scope,
                                                        "xpath": xpath}})
    except HapyError as exc:
        if exc.reports[0].code == "CIB_OP_NOT_FOUND":
            return []
        raise
    return [str(x) for x in answer.get("xml", [])]
