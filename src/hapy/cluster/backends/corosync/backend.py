"""CorosyncBackend: the ClusterBackend on a running Corosync 3.

* membership: the processes in one CPG group (``hapy`` by default) that
  every node's daemon joins; hapy's groups travel inside it, tagged
  (:mod:`.envelope`), so views and the deliveries of every group share one
  total order and virtual synchrony (CPG's);
* views and ring ids: :mod:`.views`;
* quorum: libquorum's notifications (quorate, per ring) and votequorum's
  expected votes;
* names: the nodelist in cmap (``nodelist.node.X.name``, else ``ring0_addr``);
  this node's id from CPG.

Messages sent before joining, or across a partition, are never delivered
(CPG's rule): the daemon's components resynchronise at every view change.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Sequence

from hapy.cluster.backend import ClusterEvent, Delivery, Disconnected, ViewChange
from hapy.cluster.backends.corosync import envelope, ffi
from hapy.cluster.backends.corosync.cmap import CmapConnection
from hapy.cluster.backends.corosync.cpg import CpgConnection
from hapy.cluster.backends.corosync.quorum import QuorumConnection, VoteQuorumConnection
from hapy.cluster.backends.corosync.views import CpgEvent, QuorumNotice, ViewTracker
from hapy.reports import HapyError, report

DEFAULT_GROUP = "hapy"
CONNECT_TIMEOUT = 10.0
#: how long a new ring's view waits for that ring's quorum
QUORUM_WAIT = 2.0


def _unreachable(why: str, code: str = "CLUSTER_UNREACHABLE") -> HapyError:
    return HapyError([report(
        code, f"cannot use Corosync: {why}",
        hint="check that corosync runs on this node (systemctl status corosync; "
             "corosync-cfgtool -s) and that this process may use it (root, or a uidgid "
             "entry in corosync.conf)")])


def _cs_failure(exc: ffi.CsError) -> HapyError:
    if exc.code == ffi.CS_ERR_ACCESS or exc.code == ffi.CS_ERR_SECURITY:
        return _unreachable(f"{exc} (access denied)", "COROSYNC_ACCESS_DENIED")
    if exc.code == ffi.CS_ERR_EXIST and exc.call == "cpg_join":
        return _unreachable(f"{exc}: this process is in the group already (one connection "
                            "per process)", "COROSYNC_ALREADY_JOINED")
    if exc.code == ffi.CS_ERR_LIBRARY:
        return _unreachable(f"{exc} (corosync is not running)")
    return _unreachable(str(exc))


def local_node_name() -> str:
    """This node's name in corosync's nodelist (read before connecting, for
    what must be named before the daemon joins)."""
    try:
        cmap = CmapConnection()
    except ffi.CsError as exc:
        raise _cs_failure(exc) from None
    try:
        nodeid = cmap.local_nodeid()
        names = cmap.node_names()
    except ffi.CsError as exc:
        raise _cs_failure(exc) from None
    finally:
        cmap.close()
    if nodeid is None:
        raise _unreachable("corosync does not say which node this is "
                           "(no runtime.votequorum.this_node_id: is votequorum the quorum "
                           "provider?)", "COROSYNC_NODE_UNKNOWN")
    return names.get(nodeid) or socket.gethostname()


class CorosyncBackend:
    """One node's connection to a Corosync cluster (see :mod:`.views` for how
    its views and ring ids are made)."""

    #: the cluster layer's name, as crm_mon's "Stack:" shows it
    stack = "corosync"

    def __init__(self, node_name: str | None = None, *, cpg_group: str = DEFAULT_GROUP,
                 quorum_wait: float = QUORUM_WAIT,
                 connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self._wanted_name = node_name
        self._name = node_name or ""
        self._nodeid = 0
        self.cpg_group = cpg_group
        self.quorum_wait = quorum_wait
        self.connect_timeout = connect_timeout
        self._groups: set[str] = set()
        self._names: dict[int, str] = {}
        self._events: asyncio.Queue[ClusterEvent] = asyncio.Queue()
        self._cmap: CmapConnection | None = None
        self._cpg: CpgConnection | None = None
        self._quorum: QuorumConnection | None = None
        self._votequorum: VoteQuorumConnection | None = None
        self._tracker: ViewTracker | None = None
        self._first: asyncio.Future[ViewChange] | None = None
        self._release: asyncio.TimerHandle | None = None
        self._closing = False
        self.view: ViewChange | None = None

    @property
    def node_name(self) -> str:
        return self._name

    @property
    def nodeid(self) -> int:
        return self._nodeid

    # ---------------------------------------------------------------- names

    def _name_of(self, nodeid: int) -> str:
        name = self._names.get(nodeid)
        if name is None and self._cmap is not None:
            with contextlib.suppress(ffi.CsError):
                self._names = self._cmap.node_names()  # the nodelist may have been reloaded
            name = self._names.get(nodeid)
        return name or f"node{nodeid}"

    def _expected_votes(self) -> int:
        if self._votequorum is not None:
            with contextlib.suppress(ffi.CsError):
                return self._votequorum.expected_votes(self._nodeid)
        return max(len(self._names), 1)

    # -------------------------------------------------------------- connect

    async def connect(self, groups: Sequence[str] = ()) -> ViewChange:
        loop = asyncio.get_running_loop()
        self._closing = False
        self._events = asyncio.Queue()
        self._groups = set(groups)
        self._first = loop.create_future()
        try:
            self._open(loop)
        except ffi.CsError as exc:
            self._close_handles()
            raise _cs_failure(exc) from None
        except HapyError:
            self._close_handles()
            raise
        try:
            self.view = await asyncio.wait_for(asyncio.shield(self._first),
                                               self.connect_timeout)
        except TimeoutError:
            self._close_handles()
            raise _unreachable(f"joined CPG group {self.cpg_group!r} but saw no view within "
                               f"{self.connect_timeout:.0f} s") from None
        except HapyError:
            self._close_handles()
            raise
        return self.view

    def _open(self, loop: asyncio.AbstractEventLoop) -> None:
        self._cmap = CmapConnection()
        self._names = self._cmap.node_names()
        self._quorum = QuorumConnection(self._quorum_notice, self._lost)
        self._quorum.open()
        try:
            self._votequorum = VoteQuorumConnection()
        except ffi.CsError:
            self._votequorum = None  # another quorum provider: expected votes from the nodelist
        self._cpg = CpgConnection(self.cpg_group, self._cpg_events, self._lost)
        self._cpg.open()
        self._nodeid = self._cpg.local_nodeid()
        own = self._names.get(self._nodeid) or socket.gethostname()
        if self._wanted_name and self._wanted_name != own:
            raise HapyError([report(
                "COROSYNC_NODE_NAME_MISMATCH",
                f"this node is {own!r} (node id {self._nodeid}) in corosync's nodelist, "
                f"not {self._wanted_name!r}",
                hint="give the name from corosync.conf, or no name at all",
                node=self._wanted_name)])
        self._name = own
        self._tracker = ViewTracker(self._nodeid, os.getpid(), name_of=self._name_of,
                                    expected_votes=self._expected_votes)
        if not self._quorum.has_provider:
            self._tracker.quorum(QuorumNotice(True, 1 << 62))
        self._cpg.start(loop)
        self._quorum.start(loop)
        # what arrived before the readers were installed
        self._quorum.dispatch()
        self._cpg.dispatch()

    # --------------------------------------------------------------- events

    def _cpg_events(self, events: list[CpgEvent]) -> None:
        if self._tracker is None:
            return
        out: list[ClusterEvent] = []
        for event in events:
            out.extend(self._tracker.cpg(event))
        self._publish(out)

    def _quorum_notice(self, notice: QuorumNotice) -> None:
        if self._tracker is not None:
            self._publish(self._tracker.quorum(notice))

    def _release_wait(self) -> None:
        self._release = None
        if self._tracker is not None:
            self._publish(self._tracker.release())

    def _publish(self, events: list[ClusterEvent]) -> None:
        for event in events:
            if isinstance(event, Delivery):
                if event.group not in self._groups:
                    continue
            elif isinstance(event, ViewChange):
                self.view = event
                if self._first is not None and not self._first.done():
                    self._first.set_result(event)
                    continue  # returned by connect, not repeated by events()
            self._events.put_nowait(event)
        tracker = self._tracker
        waiting = tracker is not None and tracker.waiting_for is not None
        if waiting and self._release is None:
            self._release = asyncio.get_running_loop().call_later(
                self.quorum_wait, self._release_wait)
        elif not waiting and self._release is not None:
            self._release.cancel()
            self._release = None

    def _lost(self, reason: str) -> None:
        if self._closing:
            return
        if self._first is not None and not self._first.done():
            self._first.set_exception(_unreachable(reason))
            return
        self._events.put_nowait(Disconnected(reason))

    # ------------------------------------------------------------ interface

    async def join_group(self, group: str) -> None:
        self._groups.add(group)

    async def send(self, group: str, payload: bytes) -> None:
        if self._cpg is None:
            raise _unreachable("not connected")
        try:
            await self._cpg.mcast(envelope.wrap(group, payload))
        except ffi.CsError as exc:
            raise HapyError([report(
                "CLUSTER_SEND_FAILED", f"corosync refused a message to {group!r}: {exc}",
                hint="check corosync's state (corosync-cfgtool -s)", group=group)]) from None

    async def events(self) -> AsyncIterator[ClusterEvent]:
        while True:
            event = await self._events.get()
            yield event
            if isinstance(event, Disconnected):
                return

    async def close(self) -> None:
        self._closing = True
        self._close_handles()

    def _close_handles(self) -> None:
        if self._release is not None:
            self._release.cancel()
            self._release = None
        for handle in (self._cpg, self._quorum, self._votequorum, self._cmap):
            if handle is not None:
                with contextlib.suppress(ffi.CsError):
                    handle.close()
        self._cpg = self._quorum = None
        self._votequorum = None
        self._cmap = None
