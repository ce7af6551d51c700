"""Corosync's CPG and quorum events turned into hapy's views (pure: no I/O).

hapy's members are the processes in hapy's CPG group, one per node (a node is
a member while its daemon has joined the group).  What Corosync tells a
client, on one stream in the total order, is:

* a CPG *confchg* for the group (members, left, joined, each with a reason):
  a process joined or left (JOIN, LEAVE, PROCDOWN) at a point of the total
  order every member shares; or nodes went down or came up (NODEDOWN,
  NODEUP) because the totem ring changed, in which case a *totem confchg*
  with the new ring follows at once;
* a totem confchg: a new ring, with its sequence number (the same on every
  node of the ring); a new connection is told the current ring this way too
  (CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF), possibly after its own join, so
  the first view waits for it.

So a view is made:

* at a JOIN/LEAVE/PROCDOWN confchg, in the current ring;
* at a totem confchg, folding in the NODEDOWN/NODEUP confchgs just before it
  (their ring is the old one, which after a merge differs between the two
  sides: only the new ring is common to all).

Its ring id is ``seq << 32 | (crc32 of the members' node ids and pids) with
the last bit the quorate flag``: the same on every member, different for two
successive views.  It grows from ring to ring but not within one ring (views
of one ring differ by their members, not by order).

Quorum comes from another connection (libquorum), unordered with the CPG
stream; its notifications carry the ring seq they are about.  A view of a new
ring waits (with everything after it) until the quorum of that ring is known,
so every member reports the same quorum in it; :meth:`ViewTracker.release`
gives up waiting (the backend calls it after a timeout).  A quorum change
within a ring (expected votes changed by the administrator, say) makes a view
of its own.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable

from hapy.cluster.backend import ClusterEvent, Delivery, Disconnected, Member, ViewChange
from hapy.cluster.backends.corosync import envelope
from hapy.cluster.backends.corosync.ffi import CPG_REASON_NODEDOWN, CPG_REASON_NODEUP
from hapy.records import record


@record
class Process:
    """A member of the CPG group: a process on a node."""

    nodeid: int
    pid: int
    reason: int = 0


@record
class Confchg:
    members: tuple[Process, ...]
    left: tuple[Process, ...]
    joined: tuple[Process, ...]


@record
class TotemConfchg:
    seq: int
    nodes: tuple[int, ...]


@record
class Message:
    nodeid: int
    pid: int
    data: bytes


@record
class QuorumNotice:
    quorate: bool
    seq: int


CpgEvent = Confchg | TotemConfchg | Message


def ring_id(seq: int, processes: Iterable[tuple[int, int]], quorate: bool) -> int:
    """The ring id of a view: its ring, its members and its quorum."""
    canon = ",".join(f"{n}:{p}" for n, p in sorted(processes)).encode()
    return (seq << 32) | (zlib.crc32(canon) & 0xFFFFFFFE) | int(quorate)


class ViewTracker:
    """Feeds on one node's Corosync events; yields hapy's cluster events."""

    def __init__(self, nodeid: int, pid: int, *, name_of: Callable[[int], str],
                 expected_votes: Callable[[], int]) -> None:
        self.nodeid = nodeid
        self.pid = pid
        self._name_of = name_of
        self._expected_votes = expected_votes
        self.seq = 0
        #: whether a totem confchg told the ring yet (the first view waits for it)
        self.ring_known = False
        self.processes: frozenset[tuple[int, int]] = frozenset()
        self.quorate = False
        self.quorum_seq = -1
        #: the view last emitted (None: not yet a member)
        self.view: ViewChange | None = None
        self._view_processes: frozenset[tuple[int, int]] = frozenset()
        #: nodes went down or up: the new ring's totem confchg is coming
        self._ring_changing = False
        #: waiting for the quorum of this ring before emitting its view
        self.waiting_for: int | None = None
        self._held: list[CpgEvent] = []
        self._deliveries = 0
        self.gone = False

    # ------------------------------------------------------------ input

    def cpg(self, event: CpgEvent) -> list[ClusterEvent]:
        if self.gone:
            return []
        if self.waiting_for is not None:
            self._held.append(event)
            return []
        return self._handle(event)

    def quorum(self, notice: QuorumNotice) -> list[ClusterEvent]:
        if self.gone:
            return []
        old = self.quorate
        self.quorate = notice.quorate
        self.quorum_seq = max(self.quorum_seq, notice.seq)
        if self.waiting_for is not None:
            if self.quorum_seq >= self.waiting_for:
                return self.release()
            return []
        if self.view is not None and notice.quorate != old and not self._ring_changing:
            return [self._emit()]
        return []

    def release(self) -> list[ClusterEvent]:
        """Stop waiting for the quorum of the new ring: emit its view (with
        the quorum known now) and what came after it."""
        if self.waiting_for is None:
            return []
        self.waiting_for = None
        out: list[ClusterEvent] = []
        if self._is_member() and self.ring_known:
            out.append(self._emit())
        held, self._held = self._held, []
        for event in held:
            out.extend(self.cpg(event))
        return out

    # ---------------------------------------------------------- handling

    def _is_member(self) -> bool:
        return (self.nodeid, self.pid) in self.processes

    def _handle(self, event: CpgEvent) -> list[ClusterEvent]:
        if isinstance(event, Message):
            if self.view is None:
                return []
            unwrapped = envelope.unwrap(event.data)
            if unwrapped is None:
                return []
            self._deliveries += 1
            group, payload = unwrapped
            return [Delivery(group, Member(event.nodeid, self._name_of(event.nodeid)),
                             self._deliveries, payload)]
        if isinstance(event, TotemConfchg):
            self.seq = event.seq
            self.ring_known = True
            self._ring_changing = False
            if self.view is None and not self._is_member():
                return []
            if self.quorum_seq < event.seq:
                self.waiting_for = event.seq
                return []
            return [self._emit()]
        self.processes = frozenset((p.nodeid, p.pid) for p in event.members)
        if self.view is not None and not self._is_member():
            self.gone = True
            return [Disconnected("this process left hapy's CPG group")]
        reasons = {p.reason for p in (*event.left, *event.joined)}
        if reasons & {CPG_REASON_NODEDOWN, CPG_REASON_NODEUP}:
            # the totem confchg of the new ring follows: its view has these
            self._ring_changing = True
        if not self._is_member() or not self.ring_known or self._ring_changing:
            return []
        return [self._emit()]

    def _emit(self) -> ViewChange:
        now = self.processes
        before = self._view_processes
        first = self.view is None
        by_node = {n: p for n, p in sorted(now)}
        old_nodes = {n: p for n, p in sorted(before)}
        members = tuple(Member(n, self._name_of(n)) for n in sorted(by_node))
        if first:
            joined = members
        else:
            joined = tuple(m for m in members if old_nodes.get(m.nodeid) != by_node[m.nodeid])
        left = tuple(Member(n, self._name_of(n)) for n in sorted(old_nodes) if n not in by_node)
        self.view = ViewChange(ring_id(self.seq, now, self.quorate), members, joined, left,
                               self.quorate, self._expected_votes())
        self._view_processes = now
        return self.view
