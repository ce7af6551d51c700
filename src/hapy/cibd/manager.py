"""The replicated CIB: every node applies the same changes in the same order.

A change is multicast to the ``cib`` group; every member applies it when it is
delivered (the cluster layer's total order makes the result the same
everywhere: :func:`hapy.cib.ops.apply_change` is deterministic, and so is the
validation that may refuse it).  The node that asked gets the result once its
own copy is applied *and* persisted.

When the view changes, the members agree on the newest CIB before taking
changes again:

1. at the view change every member becomes *syncing* and multicasts its
   version;
2. once the versions of all members are delivered, the member holding the
   newest (ties: the lowest node id) multicasts its whole CIB;
3. its delivery ends the sync: every member takes that CIB, with one
   correction: each member's own resource history (its ``lrm`` section),
   which it sent with its version, replaces what the newest CIB says of it.
   A node knows best what it ran: after a partition heals, the newest CIB
   may come from the other side, which could not see this node's starts
   and stops.  A daemon that has just started sends no history (what its
   agents run is found out afresh by probes).

A change delivered while syncing is refused by every member alike
(``CIB_SYNCING``), and the asking node retries it: the view change and the
end of the sync sit at the same place in every member's order (virtual
synchrony), so all agree on which changes were refused.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Callable
from typing import Any

from hapy.cib.ops import ChangeOutcome, CibOp, CibRequest, apply_change, query
from hapy.cib.status import own_history, put_history
from hapy.cib.validate import problems
from hapy.cib.versions import CibVersion, version_of
from hapy.cib.xmlio import Element, parse_xml_bytes, serialize
from hapy.cibd.store import CibStore
from hapy.cluster.backend import ClusterBackend, Delivery, ViewChange
from hapy.records import record
from hapy.reports import HapyError, Report, report

log = logging.getLogger("hapy.cibd")

GROUP = "cib"
EMPTY_CIB = (b'<cib admin_epoch="0" epoch="0" num_updates="0" validate-with="pacemaker-3.9" '
             b'crm_feature_set="3.16.1"><configuration><crm_config/><nodes/><resources/>'
             b'<constraints/></configuration><status/></cib>')
RETRY_DELAY = 0.05
RETRIES = 200
#: longest wait for one's own change to come back through the cluster
CHANGE_TIMEOUT = 30.0


@record
class _Sync:
    ring_id: int
    members: frozenset[int]


def _request_to_json(req: CibRequest) -> dict[str, Any]:
    return {"op": req.op.value, "xml": req.xml, "scope": req.scope, "xpath": req.xpath,
            "allow_create": req.allow_create, "delete_all": req.delete_all}


def _request_from_json(data: dict[str, Any]) -> CibRequest:
    return CibRequest(CibOp(data["op"]), data.get("xml"), data.get("scope"), data.get("xpath"),
                      bool(data.get("allow_create")), bool(data.get("delete_all")))


class CibManager:
    """One node's copy of the CIB, kept in step with the other nodes'."""

    def __init__(self, backend: ClusterBackend, store: CibStore) -> None:
        self.backend = backend
        self.store = store
        loaded = store.load()
        self.root: Element = loaded if loaded is not None else parse_xml_bytes(EMPTY_CIB)
        self._sync: _Sync | None = None
        self._versions: dict[int, tuple[CibVersion, int]] = {}
        # each member's own resource history, sent with its version
        self._histories: dict[int, str] = {}
        # False until this daemon took part in a first view: till then its
        # CIB's record of its own resources is from before it started
        self._history_known = False
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[ChangeOutcome]] = {}
        self._listeners: list[Callable[[Element, bool], None]] = []
        self.synced = asyncio.Event()
        # the current root and its errors (validating a change needs both)
        self._known_errors: tuple[Element, set[str]] | None = None

    # ------------------------------------------------------------- reading

    @property
    def version(self) -> CibVersion:
        return version_of(self.root)

    def query(self, request: CibRequest) -> list[Element]:
        return query(self.root, request)

    def on_change(self, listener: Callable[[Element, bool], None]) -> None:
        """Call ``listener(new_root, configuration_changed)`` after each change."""
        self._listeners.append(listener)

    # ------------------------------------------------------------- changing

    async def change(self, request: CibRequest, *,
                     still_valid: Callable[[], bool] | None = None) -> ChangeOutcome:
        """Apply a change cluster-wide; returns once it is applied and stored here.

        Raises :class:`HapyError` with the reasons when the change is refused
        (then no node's CIB changed).  ``still_valid`` is asked before each
        attempt (a change refused during a sync is sent again): a change that
        was right for an earlier view (the DC recording who is up) must not
        be applied in a later one; it fails with ``CIB_CHANGE_STALE``."""
        if not request.changes():
            raise HapyError([report("CIB_OP_NOT_A_CHANGE", "a query does not change the CIB")])
        for _ in range(RETRIES):
            if still_valid is not None and not still_valid():
                raise HapyError([report("CIB_CHANGE_STALE",
                                        "the change no longer applies (the view changed)")])
            try:
                return await self._change_once(request)
            except HapyError as exc:
                if exc.reports[0].code != "CIB_SYNCING":
                    raise
            await asyncio.sleep(RETRY_DELAY)
        raise HapyError([report("CIB_SYNC_TIMEOUT", "the nodes did not agree on the CIB in time",
                                hint="check the cluster's membership and retry")])

    async def _change_once(self, request: CibRequest) -> ChangeOutcome:
        rid = next(self._ids)
        future: asyncio.Future[ChangeOutcome] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        try:
            await self._send({"kind": "change", "origin": self.backend.nodeid, "rid": rid,
                              "request": _request_to_json(request)})
            try:
                return await asyncio.wait_for(future, CHANGE_TIMEOUT)
            except TimeoutError:
                raise HapyError([report(
                    "CIB_CHANGE_TIMEOUT", f"the change was not applied within "
                    f"{CHANGE_TIMEOUT:.0f} s", hint="check the cluster's membership and "
                    "retry; the change may still be applied")]) from None
        finally:
            self._waiting.pop(rid, None)

    async def _send(self, message: dict[str, Any]) -> None:
        await self.backend.send(GROUP, json.dumps(message).encode())

    # ------------------------------------------------------------- events

    async def handle(self, event: ViewChange | Delivery) -> None:
        """Feed the cluster events of the ``cib`` group (and every view change)."""
        if isinstance(event, ViewChange):
            await self._view_changed(event)
        elif event.group == GROUP:
            await self._delivered(event)

    async def _view_changed(self, view: ViewChange) -> None:
        members = frozenset(m.nodeid for m in view.members)
        history = own_history(self.root, self.backend.node_name) \
            if self._history_known else None
        self._history_known = True
        if members == {self.backend.nodeid}:
            # alone: our CIB is the cluster's
            self._sync = None
            self.synced.set()
            return
        self._sync = _Sync(view.ring_id, members)
        self._versions = {}
        self._histories = {}
        self.synced.clear()
        await self._send({"kind": "version", "ring": view.ring_id,
                          "version": list(self.version), "history": history})

    async def _delivered(self, delivery: Delivery) -> None:
        try:
            message = json.loads(delivery.payload)
            kind = message["kind"]
        except (ValueError, KeyError, TypeError):
            return  # not ours to understand; every member ignores it alike
        if kind == "change":
            self._apply(message)
        elif kind == "version":
            await self._version_delivered(delivery.sender.nodeid, message)
        elif kind == "full":
            try:
                self._full_delivered(message)
            except (HapyError, OSError, ValueError) as exc:
                # keep ours rather than stall: the next view change syncs again
                log.error("cannot take the cluster's CIB: %s", exc)
                self._sync = None
                self.synced.set()

    async def _version_delivered(self, sender: int, message: dict[str, Any]) -> None:
        sync = self._sync
        if sync is None or message.get("ring") != sync.ring_id:
            return
        self._versions[sender] = (CibVersion(*message["version"]), -sender)
        history = message.get("history")
        if isinstance(history, str):
            self._histories[sender] = history
        if set(self._versions) != set(sync.members):
            return
        best = max(self._versions, key=lambda n: self._versions[n])
        if best == self.backend.nodeid:
            await self._send({"kind": "full", "ring": sync.ring_id,
                              "cib": serialize(self.root).decode()})

    def _full_delivered(self, message: dict[str, Any]) -> None:
        sync = self._sync
        if sync is None or message.get("ring") != sync.ring_id:
            return
        root = parse_xml_bytes(str(message["cib"]).encode(), "<cluster sync>")
        for sender in sorted(self._histories):
            if sender in sync.members:
                put_history(root, parse_xml_bytes(self._histories[sender].encode(),
                                                  "<node history>"))
        if serialize(root) != serialize(self.root):
            self.store.save(root)
            self.root = root
            self._notify(True)
        self._sync = None
        self.synced.set()

    def _apply(self, message: dict[str, Any]) -> None:
        origin, rid = message.get("origin"), message.get("rid")
        mine = origin == self.backend.nodeid and isinstance(rid, int)
        future = self._waiting.get(rid) if mine and isinstance(rid, int) else None
        try:
            if self._sync is not None:
                raise HapyError([report("CIB_SYNCING", "the nodes are agreeing on the CIB")])
            request = _request_from_json(message["request"])
            outcome = apply_change(self.root, request)
            if outcome.changed:
                errors = self._new_errors(outcome.root) if outcome.configuration_changed \
                    else []
                if errors:
                    raise HapyError(errors)
                self.store.save(outcome.root)
                self.root = outcome.root
                self._notify(outcome.configuration_changed)
        except HapyError as exc:
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        except (KeyError, ValueError, TypeError) as exc:
            if future is not None and not future.done():
                future.set_exception(HapyError([report(
                    "CIB_OP_BAD_REQUEST", f"malformed change request: {exc}")]))
            return
        except Exception as exc:
            # e.g. the disk refused the write: this node could not apply it
            log.exception("applying a CIB change failed")
            if future is not None and not future.done():
                future.set_exception(HapyError([report(
                    "CIB_APPLY_FAILED", f"this node could not apply the change: {exc}",
                    hint="see the daemon's log")]))
            return
        if future is not None and not future.done():
            future.set_result(outcome)

    def _new_errors(self, candidate: Element) -> list[Report]:
        """The errors a configuration change would bring (a status change
        cannot make the configuration invalid, and is not checked)."""
        if self._known_errors is None or self._known_errors[0] is not self.root:
            self._known_errors = (self.root, {r.render() for r in problems(self.root)
                                              if r.is_error()})
        known = self._known_errors[1]
        return [r for r in problems(candidate) if r.is_error() and r.render() not in known]

    def _notify(self, configuration_changed: bool) -> None:
        for listener in self._listeners:
            listener(self.root, configuration_changed)
