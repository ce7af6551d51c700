"""The embedded cluster's membership service: one per cluster directory.

It is the cluster's sequencer.  Every frame is handled to completion on one
event loop, so:

* a message is written to every recipient before the next message or view
  change is handled: all members see deliveries and view changes in the same
  order (total order, virtual synchrony);
* a member that sends nothing (not even a heartbeat) for the token timeout is
  expelled, as Corosync drops a node that stops passing the token; a member
  whose connection closes leaves at once.

Faults for tests arrive as ``control`` frames: ``kill`` / ``pause`` /
``resume`` signal a member's process (known from SO_PEERCRED), ``partition``
splits the nodes into groups that no longer hear each other, ``heal`` joins
them again.  Each group gets its own view and its own quorum.

Frames from a member: ``hello`` {name, groups}, ``join`` {group}, ``mcast`` {group,
payload}, ``hb``, ``bye``.  Frames to a member: ``welcome`` {nodeid, token_ms},
``view`` {ring_id, members, joined, left, quorate, expected_votes},
``deliver`` {group, sender, seq, payload}, ``expelled`` {reason}, ``error``
{code, message}.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hapy.cluster.embedded.paths import ClusterPaths, load_config
from hapy.cluster.quorum import QuorumOptions, VoteQuorum
from hapy.cluster.wire import Frame, FrameError, encode, peer_credentials, read_frame
from hapy.records import field, record

log = logging.getLogger("hapy.membership")

# a member whose unsent output exceeds this is too slow to keep up: expelled
MAX_BACKLOG = 256 * 1024 * 1024


@record(frozen=False, eq=False)
class _Member:
    name: str
    nodeid: int
    pid: int | None
    writer: asyncio.StreamWriter
    last_seen: float
    groups: set[str] = field(default_factory=set)
    # the names in the last view this member was told about
    view: tuple[str, ...] = ()
    # False once its connection dropped without a goodbye
    connected: bool = True


class MembershipService:
    """Membership, quorum and message ordering for the nodes of one host."""

    def __init__(
        self,
        paths: ClusterPaths,
        *,
        token_ms: int | None = None,
        clock: Callable[[], float] | None = None,
        idle_exit: float = 0.0,
    ) -> None:
        self.paths = paths
        config = load_config(paths)
        self.token = (token_ms if token_ms is not None else config.token_ms) / 1000.0
        self._clock = clock
        self.idle_exit = idle_exit
        self._declared = config.nodes
        self.quorum = VoteQuorum(QuorumOptions(config.two_node, config.wait_for_all))
        self._nodeids: dict[str, int] = self._load_nodeids()
        self._members: dict[str, _Member] = {}
        # partition group of each node name; absent means group 0
        self._partition: dict[str, int] = {}
        # the process of each paused node, for resume
        self._paused: dict[str, int] = {}
        # the tasks serving a connection each
        self._connections: set[asyncio.Task[None]] = set()
        self._ring = 0
        self._seq = 0
        self._server: asyncio.base_events.Server | None = None
        self._stopped = asyncio.Event()
        self._idle_since: float | None = None

    # ------------------------------------------------------------------ ids

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def _load_nodeids(self) -> dict[str, int]:
        ids: dict[str, int] = {}
        with contextlib.suppress(FileNotFoundError, ValueError):
            data = json.loads(self.paths.nodeids.read_text())
            if isinstance(data, dict):
                ids = {str(k): int(v) for k, v in data.items()}
        for name in self._declared:
            if name not in ids:
                ids[name] = max(ids.values(), default=0) + 1
        return ids

    def _nodeid(self, name: str) -> int:
        if name not in self._nodeids:
            self._nodeids[name] = max(self._nodeids.values(), default=0) + 1
            tmp = self.paths.nodeids.with_suffix(".tmp")
            tmp.write_text(json.dumps(self._nodeids))
            tmp.replace(self.paths.nodeids)
        return self._nodeids[name]

    @property
    def expected_votes(self) -> int:
        """One vote per node ever declared or seen."""
        return max(len(self._nodeids), 1)

    # ---------------------------------------------------------------- views

    def _groups(self) -> dict[int, list[_Member]]:
        groups: dict[int, list[_Member]] = {}
        for member in self._members.values():
            groups.setdefault(self._partition.get(member.name, 0), []).append(member)
        return groups

    def _refresh_views(self) -> None:
        """Tell every member whose view changed about its new view."""
        groups = self._groups()
        self.quorum.observe([len(g) for g in groups.values()], self.expected_votes)
        for members in groups.values():
            members.sort(key=lambda m: m.nodeid)
            names = tuple(m.name for m in members)
            changed = [m for m in members if m.view != names]
            if not changed:
                continue
            self._ring += 1
            quorate = self.quorum.quorate(len(members), self.expected_votes)
            listed = [[m.nodeid, m.name] for m in members]
            for member in changed:
                old = set(member.view)
                joined = [[m.nodeid, m.name] for m in members if m.name not in old]
                left = [[self._nodeids.get(n, 0), n] for n in member.view if n not in names]
                member.view = names
                self._send(member, {
                    "type": "view", "ring_id": self._ring, "members": listed,
                    "joined": joined, "left": left, "quorate": quorate,
                    "expected_votes": self.expected_votes,
                })

    def _send(self, member: _Member, frame: Frame) -> None:
        if not member.connected or member.writer.is_closing():
            return
        member.writer.write(encode(frame))
        transport = member.writer.transport
        if transport.get_write_buffer_size() > MAX_BACKLOG:
            self._expel(member, "too slow to receive its messages", refresh=False)

    def _expel(self, member: _Member, reason: str, *, refresh: bool = True) -> None:
        if self._members.get(member.name) is not member:
            return
        log.info("%s (node id %d) leaves: %s", member.name, member.nodeid, reason)
        del self._members[member.name]
        if not member.writer.is_closing():
            with contextlib.suppress(FrameError):
                member.writer.write(encode({"type": "expelled", "reason": reason}))
            member.writer.close()
        if refresh:
            self._refresh_views()

    # ------------------------------------------------------------- handlers

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        creds = peer_credentials(writer)
        if creds is not None and creds[1] not in (0, os.getuid()):
            writer.write(encode({"type": "error", "code": "CLUSTER_ACCESS_DENIED",
                                 "message": f"uid {creds[1]} may not join this cluster"}))
            writer.close()
            return
        member: _Member | None = None
        said_bye = False
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)
        try:
            while True:
                frame = await read_frame(reader)
                if frame is None:
                    break
                kind = frame["type"]
                if kind == "control":
                    writer.write(encode(await self._control(frame)))
                    continue
                if member is None:
                    if kind != "hello":
                        writer.write(encode({"type": "error", "code": "CLUSTER_PROTOCOL",
                                             "message": "the first frame must be hello"}))
                        break
                    member = self._hello(frame, writer, creds[0] if creds else None)
                    if member is None:
                        break
                    continue
                if self._members.get(member.name) is not member:
                    break  # expelled meanwhile
                member.last_seen = self._now()
                if kind == "mcast":
                    self._mcast(member, frame)
                elif kind == "join":
                    member.groups.add(str(frame.get("group", "")))
                elif kind == "bye":
                    said_bye = True
                    break
                elif kind != "hb":
                    self._send(member, {"type": "error", "code": "CLUSTER_PROTOCOL",
                                        "message": f"unknown frame type {kind!r}"})
        except (FrameError, ConnectionError) as exc:
            if member is not None:
                self._expel(member, f"protocol error: {exc}")
        except asyncio.CancelledError:
            # the service is stopping: this connection ends quietly
            return
        finally:
            if member is not None:
                if said_bye:
                    self._expel(member, "left")
                else:
                    # a process that died without a word stays a (silent)
                    # member until the token timeout, as under Corosync: if
                    # it comes back in time, the others see no change
                    member.connected = False
            if not writer.is_closing():
                writer.close()

    def _hello(self, frame: Frame, writer: asyncio.StreamWriter,
               pid: int | None) -> _Member | None:
        name = frame.get("name")
        if not isinstance(name, str) or not name or len(name) > 255:
            writer.write(encode({"type": "error", "code": "CLUSTER_BAD_NODE_NAME",
                                 "message": f"invalid node name {name!r}"}))
            return None
        stale = self._members.get(name)
        if stale is not None:
            # the same node connecting again: its old connection is dead (the
            # others keep their view: the node never left it)
            self._expel(stale, "replaced by a new connection of the same node", refresh=False)
        groups = frame.get("groups", [])
        member = _Member(name, self._nodeid(name), pid, writer, self._now(),
                         {str(g) for g in groups} if isinstance(groups, list) else set())
        if stale is not None:
            # the others never saw it leave; they see it join again, so that
            # they learn its state was lost (as a CPG group shows a process
            # that failed and came back)
            for other in self._members.values():
                other.view = tuple(n for n in other.view if n != name)
        self._members[name] = member
        log.info("%s (node id %d, pid %s) joins", name, member.nodeid, pid)
        self._idle_since = None
        writer.write(encode({"type": "welcome", "nodeid": member.nodeid,
                             "token_ms": round(self.token * 1000)}))
        self._refresh_views()
        return member

    def _mcast(self, sender: _Member, frame: Frame) -> None:
        group = frame.get("group")
        payload = frame.get("payload")
        if not isinstance(group, str) or not isinstance(payload, str):
            self._send(sender, {"type": "error", "code": "CLUSTER_PROTOCOL",
                                "message": "mcast needs a group and a payload"})
            return
        self._seq += 1
        out = {"type": "deliver", "group": group, "sender": [sender.nodeid, sender.name],
               "seq": self._seq, "payload": payload}
        part = self._partition.get(sender.name, 0)
        for member in list(self._members.values()):
            if group in member.groups and self._partition.get(member.name, 0) == part:
                self._send(member, out)

    async def _control(self, frame: Frame) -> Frame:
        op = frame.get("op")
        try:
            if op == "status":
                return {"type": "result", "ok": True, **self.status()}
            if op in ("kill", "pause", "resume"):
                return self._signal(str(frame.get("node")), str(op))
            if op == "partition":
                groups = frame.get("groups")
                if not isinstance(groups, list) or not all(
                        isinstance(g, list) and all(isinstance(n, str) for n in g)
                        for g in groups):
                    raise ValueError("partition needs a list of lists of node names")
                self.partition(groups)
                return {"type": "result", "ok": True}
            if op == "heal":
                self.partition([])
                return {"type": "result", "ok": True}
            if op == "shutdown":
                self._stopped.set()
                return {"type": "result", "ok": True}
            raise ValueError(f"unknown control operation {op!r}")
        except ValueError as exc:
            return {"type": "result", "ok": False, "message": str(exc)}

    def _signal(self, node: str, op: str) -> Frame:
        member = self._members.get(node)
        pid = member.pid if member is not None else None
        if op == "resume":
            # a paused node is expelled after the token timeout: its process
            # is remembered from the pause
            pid = self._paused.pop(node, pid)
        if pid is None:
            raise ValueError(f"node {node!r} is not connected")
        sig = {"kill": signal.SIGKILL, "pause": signal.SIGSTOP, "resume": signal.SIGCONT}[op]
        try:
            os.kill(pid, sig)
        except OSError as exc:
            raise ValueError(f"cannot signal node {node!r} (pid {pid}): {exc}") from None
        if op == "pause":
            self._paused[node] = pid
        elif op == "kill":
            self._paused.pop(node, None)
        return {"type": "result", "ok": True, "pid": pid}

    # ---------------------------------------------------------- public API

    def partition(self, groups: Sequence[Sequence[str]]) -> None:
        """Split the nodes: each listed group hears only itself; the unlisted
        nodes form one more group.  An empty list heals every partition."""
        self._partition = {name: i + 1 for i, group in enumerate(groups) for name in group}
        self._refresh_views()

    def status(self) -> dict[str, Any]:
        groups = self._groups()
        return {
            "ring_id": self._ring,
            "expected_votes": self.expected_votes,
            "quorum_votes": self.quorum.needed(self.expected_votes),
            "two_node": self.quorum.options.two_node,
            "wait_for_all": self.quorum.options.waits_for_all,
            "waiting_for_all": self.quorum.waiting_for_all,
            "token_ms": round(self.token * 1000),
            "partitions": [
                sorted(([m.nodeid, m.name, m.pid] for m in members), key=lambda x: x[0])
                for _, members in sorted(groups.items())
            ],
        }

    async def _watch_tokens(self) -> None:
        interval = self.token / 4
        last_tick = self._now()
        while not self._stopped.is_set():
            await asyncio.sleep(interval)
            now = self._now()
            gap, last_tick = now - last_tick, now
            if gap > interval + self.token / 2:
                # this service itself did not run for a while (a loaded
                # host): the members' silence is its own, not theirs
                log.warning("the membership service stalled for %.1f s; no one is expelled "
                            "for it", gap)
                for member in self._members.values():
                    member.last_seen = now
                continue
            late = [m for m in self._members.values() if now - m.last_seen > self.token]
            for member in late:
                self._expel(member, "token timeout", refresh=False)
            if late:
                self._refresh_views()
            if self.idle_exit > 0:
                if self._members:
                    self._idle_since = None
                elif self._idle_since is None:
                    self._idle_since = now
                elif now - self._idle_since >= self.idle_exit:
                    self._stopped.set()

    async def start(self) -> None:
        self.paths.root.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.paths.socket.unlink()
        old_umask = os.umask(0o117)  # socket mode 0660
        try:
            self._server = await asyncio.start_unix_server(self._serve, path=str(self.paths.socket))
        finally:
            os.umask(old_umask)

    async def run(self) -> None:
        """Serve until stopped (shutdown control frame, idle exit or :meth:`stop`)."""
        if self._server is None:
            await self.start()
        watcher = asyncio.create_task(self._watch_tokens())
        try:
            await self._stopped.wait()
        finally:
            watcher.cancel()
            await self._close()

    def stop(self) -> None:
        self._stopped.set()

    async def _close(self) -> None:
        for member in list(self._members.values()):
            self._expel(member, "the membership service stopped", refresh=False)
        if self._connections:
            # let every connection's handler see its end (not be cancelled)
            for task in self._connections:
                task.cancel()
            await asyncio.wait(self._connections, timeout=2)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.paths.socket.unlink()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hapy.cluster.embedded.service",
        description="The membership service of an embedded hapy cluster.")
    parser.add_argument("--dir", required=True, help="the cluster directory")
    parser.add_argument("--token-ms", type=int, default=None,
                        help="expel a node silent for this long (default: cluster.json, 1000)")
    parser.add_argument("--idle-exit", type=float, default=0.0,
                        help="exit after this many seconds without members (0: never)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s membership %(levelname)s: %(message)s")
    paths = ClusterPaths(Path(args.dir).resolve())
    try:
        service = MembershipService(paths, token_ms=args.token_ms, idle_exit=args.idle_exit)
    except ValueError as exc:
        print(f"error: {exc} (CLUSTER_CONFIG_INVALID)", file=sys.stderr)
        return 1

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, service.stop)
        await service.start()
        paths.pid_file.write_text(f"{os.getpid()}\n")
        try:
            await service.run()
        finally:
            with contextlib.suppress(FileNotFoundError):
                paths.pid_file.unlink()

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
