"""The attribute manager: transient node attributes (fail counts, promotion
scores, the shutdown request, anything ``hapy attribute`` sets), kept by every
node and written to the CIB's status section by one writer.

* An update is multicast on the ``attrd`` group; every node applies the
  updates in the cluster's order, so all hold the same table.
* The writer is the member with the lowest node id (the DC, by the same
  rule).  It writes an attribute once its *dampening* delay has passed since
  the first update of a burst: a flapping value costs one CIB write, not one
  per change (``dampen`` in ms, per update, as attrd_updater's ``--delay``).
* A node joining gets the table from the writer; attributes of a node that
  left are dropped (Pacemaker clears a departed node's transient attributes).
* ``value++`` and ``value+=N`` increment, as Pacemaker's attrd does (fail
  counts are counted that way, INFINITY capped).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

from hapy.cib.ops import CibOp, CibRequest
from hapy.cib.status import transient_attribute_xml, transient_attribute_xpath
from hapy.cibd.manager import CibManager
from hapy.cluster.backend import ClusterBackend, Delivery, ViewChange
from hapy.records import record
from hapy.reports import HapyError, report

GROUP = "attrd"
INFINITY = 1000000
_INCREMENT = re.compile(r"^(?:value)?\+\+$|^(?:value)?\+=(\d+)$")


@record(frozen=False)
class _Attr:
    value: str | None
    dampen_ms: int = 0
    written: str | None = None
    pending: asyncio.TimerHandle | None = None


def apply_increment(old: str | None, update: str) -> str:
    """The new value of an attribute for ``update`` (``value++``, ``value+=N``,
    or a plain value), with INFINITY as the ceiling."""
    match = _INCREMENT.match(update)
    if not match:
        return update
    step = int(match.group(1) or 1)
    if old is not None and old.upper() in ("INFINITY", "+INFINITY"):
        return "INFINITY"
    try:
        base = int(old) if old is not None else 0
    except ValueError:
        base = 0
    total = base + step
    return "INFINITY" if total >= INFINITY else str(total)


class AttrManager:
    """One node's copy of the transient attributes of every node."""

    def __init__(self, backend: ClusterBackend, cib: CibManager,
                 node_ids: Callable[[str], str]) -> None:
        self.backend = backend
        self.cib = cib
        self._node_ids = node_ids
        self.table: dict[tuple[str, str], _Attr] = {}
        self.view: ViewChange | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def is_writer(self) -> bool:
        if self.view is None or not self.view.members:
            return False
        return min(self.view.members, key=lambda m: m.nodeid).name == self.backend.node_name

    def get(self, node: str, name: str) -> str | None:
        attr = self.table.get((node, name))
        return attr.value if attr else None

    async def update(self, node: str, name: str, value: str | None, *,
                     dampen_ms: int = 0) -> None:
        """Set (or with None delete) an attribute of ``node`` cluster-wide."""
        try:
            transient_attribute_xpath(node, name)
        except ValueError:
            raise HapyError([report("ATTRD_BAD_NAME", f"invalid attribute name {name!r} or "
                                    f"node {node!r}", hint="quotes cannot be used")]) from None
        await self.backend.send(GROUP, json.dumps({
            "kind": "update", "node": node, "name": name, "value": value,
            "dampen": dampen_ms}).encode())

    async def handle(self, event: ViewChange | Delivery) -> None:
        if isinstance(event, ViewChange):
            await self._view_changed(event)
            return
        if event.group != GROUP:
            return
        try:
            message: dict[str, Any] = json.loads(event.payload)
        except ValueError:
            return
        kind = message.get("kind")
        if kind == "update":
            self._apply(str(message["node"]), str(message["name"]), message.get("value"),
                        int(message.get("dampen", 0)))
        elif kind == "table" and not self.is_writer:
            for node, name, value in message.get("rows", []):
                self.table.setdefault((node, name), _Attr(value, written=value)).value = value

    async def _view_changed(self, view: ViewChange) -> None:
        was_writer = self.is_writer
        self.view = view
        present = {m.name for m in view.members}
        for key in [k for k in self.table if k[0] not in present]:
            attr = self.table.pop(key)
            if attr.pending:
                attr.pending.cancel()
        if self.is_writer and view.joined:
            rows = [[n, a, v.value] for (n, a), v in self.table.items() if v.value is not None]
            await self.backend.send(GROUP, json.dumps({"kind": "table", "rows": rows}).encode())
        if self.is_writer and not was_writer:
            # the previous writer may have left writes undone.  Not awaited:
            # a CIB change completes only once its delivery is handled, by
            # the very loop that is handling this view change
            for node, name in list(self.table):
                self._write_soon(node, name)

    def _apply(self, node: str, name: str, update: object, dampen_ms: int) -> None:
        attr = self.table.get((node, name))
        old = attr.value if attr else None
        value = None if update is None else apply_increment(old, str(update))
        if attr is None:
            attr = self.table[(node, name)] = _Attr(value, dampen_ms)
        attr.value, attr.dampen_ms = value, dampen_ms
        if not self.is_writer or attr.pending is not None:
            return  # the write already scheduled will take the newest value
        loop = asyncio.get_running_loop()
        attr.pending = loop.call_later(dampen_ms / 1000, self._write_soon, node, name)

    def _write_soon(self, node: str, name: str) -> None:
        task = asyncio.ensure_future(self._write(node, name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, node: str, name: str) -> None:
        attr = self.table.get((node, name))
        if attr is None:
            return
        attr.pending = None
        value = attr.value
        if value == attr.written:
            return
        try:
            if value is None:
                await self.cib.change(CibRequest(
                    CibOp.DELETE, xpath=transient_attribute_xpath(node, name), delete_all=True))
            else:
                await self.cib.change(CibRequest(
                    CibOp.MODIFY, transient_attribute_xml(self._node_ids(node), node, name, value),
                    scope="status", allow_create=True))
            attr.written = value
        except HapyError as exc:
            if exc.reports[0].code == "CIB_OP_NOT_FOUND":
                attr.written = value  # nothing to delete
                return
            # not written (e.g. the nodes are agreeing on the CIB): try again
            loop = asyncio.get_running_loop()
            attr.pending = loop.call_later(0.2, self._write_soon, node, name)
