"""One node's controller.

* **DC election.**  The member of the current view with the lowest node id is
  the DC (the designated coordinator).  Views arrive in the same order on
  every member, so all agree without a vote.
* **Membership in the CIB.**  The DC records every member as a ``<node>``, its
  ``node_state`` as online, nodes that left as offline, and the quorum; a node
  that (re)joins has its resource history erased, so that probes find out
  afresh what runs there (a restarted node's resources are found running and
  kept, not restarted).  A node that left without the DC letting it shut
  down stays *expected up*: it is lost, and the scheduler has it fenced.
* **Fencing** (:mod:`hapy.controller.fencing`): the DC runs the fencing a
  transition asks for; every node learns each result before the fenced node
  is recorded down and its resources recovered.
* **Scheduling.**  The DC runs the scheduler (in a worker process) whenever
  the CIB changed and no transition is running, and executes the transition
  with the one graph runner: resource actions on its own node go to its
  executor, the others travel to their node on the ``crmd`` group.  A
  configuration change or a resource failure reported meanwhile aborts the
  transition (the actions in flight finish), and the DC plans again.
* **Executing.**  Every node runs the actions sent to it, records each result
  in the CIB's status section (and a failure's fail-count), and reports back.
  A recurring monitor whose result changes later is recorded the same way;
  a failure there makes the DC plan the recovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from hapy.aio import cancel_and_wait
from hapy.attrd.manager import AttrManager
from hapy.cib.ops import CibOp, CibRequest, cluster_property
from hapy.cib.status import (
    CRM_FEATURE_SET,
    OpRecord,
    lrm_xpath,
    node_expected_xml,
    node_fenced_xml,
    node_state_of,
    node_state_xml,
    op_record_xml,
    recurring_entries_xpath,
    transient_xpath,
)
from hapy.cib.xmlio import Element, serialize
from hapy.cibd.manager import CibManager
from hapy.cluster.backend import ClusterBackend, Delivery, Member, ViewChange
from hapy.controller import messages
from hapy.controller.fencing import FencingCoordinator
from hapy.controller.operations import (
    RECORDED_PENDING,
    operation_of,
    pending_record_of,
    record_of,
    target_rc,
)
from hapy.controller.planner import Planner
from hapy.executor.service import Executor, OperationResult
from hapy.fencer import FenceEvent, Fencer
from hapy.graph.model import GraphAction
from hapy.graph.runner import GraphRunner, RunResult, arun_graph
from hapy.reports import HapyError, report

log = logging.getLogger("hapy.controller")

#: seconds to wait for a remote action beyond its own timeout
REMOTE_GRACE = 30.0
#: pause before planning again after a transition that did not complete
RETRY_PAUSE = 0.5
#: how long the DC waits for the CIB sync before it complains (and waits on)
SYNC_WAIT = 30.0


class _DcActions:
    """The graph runner's actions, as the DC performs them for one transition."""

    def __init__(self, controller: Controller, tid: int) -> None:
        self.c = controller
        self.tid = tid

    async def execute_pseudo(self, action: GraphAction) -> bool:
        return True

    async def execute_cluster_event(self, action: GraphAction) -> bool:
        if action.operation == "do_shutdown" and action.on_node:
            await self.c.grant_shutdown(action.on_node)
        # clear_failcount and lrm_delete: nothing more to do yet
        return True

    async def execute_fence(self, action: GraphAction) -> bool:
        target = action.on_node
        if self.c.fencing is None or not target:
            log.error("fencing %s requested, but this node has no fencer", target)
            return False
        return await self.c.fencing.fence_for_transition(
            target, action.attributes.get("CRM_meta_stonith_action", "reboot"))

    async def execute_rsc_op(self, action: GraphAction) -> bool:
        return await self.c.dispatch(action, self.tid)


class Controller:
    """The controller of the node this daemon runs."""

    def __init__(self, backend: ClusterBackend, cib: CibManager, executor: Executor,
                 planner: Planner, attrd: AttrManager, *,
                 fencer: Fencer | None = None,
                 clock: Callable[[], float] = time.time,
                 new_uuid: Callable[[], str] = lambda: str(uuid.uuid4())) -> None:
        self.backend = backend
        self.attrd = attrd
        #: record start/stop/promote/... as pending before running them
        #: (Pacemaker's record-pending): a DC elected meanwhile knows of them
        self.record_pending = True
        self.cib = cib
        self.executor = executor
        self.planner = planner
        self.clock = clock
        self.dc_uuid = new_uuid()
        self.view: ViewChange | None = None
        #: the node id of every node seen in a view (also after it left)
        self._nodeids: dict[str, int] = {}
        #: when each member was last seen joining (wall clock)
        self._joined_since: dict[str, float] = {}
        self.dc: Member | None = None
        self._wake = asyncio.Event()
        self._membership_dirty = False
        self._joined: set[str] = set()
        self._left: list[Member] = []
        self._runner: GraphRunner | None = None
        self._tid = 0
        self._remote: dict[tuple[int, int], tuple[str, asyncio.Future[bool]]] = {}
        self._first_results: dict[tuple[str, str, int], asyncio.Future[OperationResult]] = {}
        self._recurring_keys: dict[tuple[str, str, int], tuple[str, int]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.transitions: list[RunResult] = []
        self._recheck_by: float | None = None
        #: set once the DC has let this node shut down (its resources are gone)
        self.shutdown_granted = asyncio.Event()
        self.fencing = None if fencer is None else FencingCoordinator(
            backend.node_name, fencer, self._send, self._mark_fenced,
            lambda: list(self.view.names()) if self.view else [],
            lambda: self.dc.name if self.dc else None)
        cib.on_change(self._cib_changed)
        executor.on_result = self._executor_result

    # ------------------------------------------------------------ queries

    @property
    def node(self) -> str:
        return self.backend.node_name

    @property
    def is_dc(self) -> bool:
        return self.dc is not None and self.dc.name == self.node

    def _node_id(self, uname: str) -> str:
        nodeid = self._nodeids.get(uname)
        return uname if nodeid is None else str(nodeid)

    # ------------------------------------------------------------ events

    async def handle(self, event: ViewChange | Delivery) -> None:
        if isinstance(event, ViewChange):
            self._view_changed(event)
        elif event.group == messages.GROUP:
            message = messages.decode(event.payload)
            if message is not None:
                await self._message(message)

    def _view_changed(self, view: ViewChange) -> None:
        first = self.view is None
        was_dc = self.is_dc
        self.view = view
        for member in (*view.members, *view.left):
            self._nodeids[member.name] = member.nodeid
        for member in (view.members if first else view.joined):
            self._joined_since[member.name] = self.clock()
        names = {m.name for m in view.members}
        self.dc = min(view.members, key=lambda m: m.nodeid) if view.members else None
        # a node's first view lists everyone as joined: only this node is new
        joined = {self.node} if first else {m.name for m in view.joined}
        if was_dc and self.is_dc:
            # not yet recorded changes of earlier views still count
            self._joined |= joined
            self._left += list(view.left)
        else:
            self._joined = joined
            self._left = list(view.left)
        self._membership_dirty = True
        rejoined = {m.name for m in view.joined}
        for (tid, aid), (target, future) in list(self._remote.items()):
            # a node that left, or came back (its daemon restarted), will
            # never answer for the actions it had
            if (target not in names or target in rejoined) and not future.done():
                log.warning("node %s left during action %s of transition %s", target, aid, tid)
                future.set_result(False)
        if self._runner is not None:
            self._runner.abort("membership changed")
        if self.fencing is not None and self.is_dc and not first and view.joined:
            # the nodes that joined learn what was fenced while they were away
            self._spawn(self.fencing.share_history())
        self._wake.set()

    def _cib_changed(self, root: Element, configuration_changed: bool) -> None:
        if not self.is_dc:
            return
        if self._runner is not None:
            if configuration_changed:
                self._runner.abort("configuration changed")
            return
        self._wake.set()

    async def _message(self, message: dict[str, Any]) -> None:
        if self.fencing is not None and await self.fencing.handle(message):
            return
        kind = message.get("kind")
        if kind == "op" and message.get("target") == self.node:
            self._spawn(self._run_remote(message))
        elif kind == "op_done":
            entry = self._remote.get((int(message["tid"]), int(message["aid"])))
            if entry is not None and not entry[1].done():
                entry[1].set_result(bool(message.get("ok")))
        elif kind == "shutdown_granted" and message.get("node") == self.node:
            self.shutdown_granted.set()
        elif kind == "rsc_failed" and self.is_dc:
            if self._runner is not None:
                self._runner.abort(f"{message.get('rsc')} failed on {message.get('node')}")
            self._wake.set()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------ the DC loop

    async def run(self) -> None:
        """Plan and execute transitions while this node is the DC (forever)."""
        while True:
            # time alone changes things too (failure-timeout expiring, rules
            # with dates): plan again after cluster-recheck-interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._next_check())
            self._wake.clear()
            if not self.is_dc:
                continue
            if not self.cib.synced.is_set():
                try:
                    await asyncio.wait_for(self.cib.synced.wait(), SYNC_WAIT)
                except TimeoutError:
                    log.warning("the nodes have not agreed on the CIB for %.0f s", SYNC_WAIT)
                    self._wake.set()
                    continue
                if not self.is_dc:
                    # the view changed meanwhile: another node is the DC now
                    continue
            try:
                if self._membership_dirty:
                    await self._record_membership()
                result = await self._transition()
            except HapyError as exc:
                if exc.reports[0].code == "CIB_CHANGE_STALE":
                    # the view changed under this DC: the next round sees it
                    log.info("controller: %s", exc)
                    self._wake.set()
                    continue
                log.error("controller: %s", exc)
                result = None
                await asyncio.sleep(RETRY_PAUSE)
                self._wake.set()
            except Exception:
                # the DC must go on whatever one transition did
                log.exception("controller: transition failed")
                result = None
                await asyncio.sleep(RETRY_PAUSE)
                self._wake.set()
            if result is not None and (result.aborted or not result.ok):
                await asyncio.sleep(RETRY_PAUSE)
                self._wake.set()

    def _next_check(self) -> float:
        """Seconds until the DC must plan again although nothing changed: the
        graph's recheck-by (a date rule or failure-timeout turning), else
        cluster-recheck-interval."""
        wait = self._recheck_seconds()
        if self._recheck_by is not None:
            wait = min(wait, max(self._recheck_by - self.clock(), 0.0) + 0.5)
        return wait

    def _recheck_seconds(self) -> float:
        """cluster-recheck-interval (default 15 min; 0 disables it)."""
        from hapy.cib.iso8601 import parse_interval_ms

        text = cluster_property(self.cib.root, "cluster-recheck-interval") or "15min"
        try:
            ms = parse_interval_ms(text)
        except ValueError:
            ms = 15 * 60 * 1000
        return ms / 1000 if ms and ms > 0 else 24 * 3600.0

    async def _record_membership(self) -> None:
        assert self.view is not None
        self._membership_dirty = False
        joined, self._joined = self._joined, set()
        left, self._left = self._left, []
        view = self.view

        def current() -> bool:
            # all of this is about one view, written by its DC
            return self.view is view and self.is_dc

        await self.cib.change(still_valid=current, request=CibRequest(
            # (the feature set tells the scheduler how failures are counted:
            # per operation, as this controller records them)
            CibOp.MODIFY, f'<cib have-quorum="{1 if view.quorate else 0}" '
            f'dc-uuid="{self._node_id(self.node)}" crm_feature_set="{CRM_FEATURE_SET}"/>',
            scope="cib"))
        for member in view.members:
            await self.cib.change(still_valid=current, request=CibRequest(
                CibOp.MODIFY, f'<node id="{member.nodeid}" uname="{member.name}"/>',
                scope="nodes", allow_create=True))
            if member.name in joined:
                # a (re)joining node: what runs there is probed afresh, and
                # its transient attributes (shutdown, fail-counts) start over
                for xpath in (lrm_xpath(member.name), transient_xpath(member.name)):
                    with contextlib.suppress(HapyError):
                        await self.cib.change(still_valid=current, request=CibRequest(
                            CibOp.DELETE, xpath=xpath, delete_all=True))
            await self.cib.change(still_valid=current, request=CibRequest(
                CibOp.MODIFY, node_state_xml(str(member.nodeid), member.name, online=True,
                                             expected_up=True),
                scope="status", allow_create=True))
        present = {m.name for m in view.members}
        gone = {m.name: str(m.nodeid) for m in left if m.name not in present}
        # also every node the CIB still holds up but this view lacks (a DC
        # that just started, or a partition, never saw those leave)
        for state in self.cib.root.iterfind("status/node_state"):
            uname = state.get("uname")
            if uname and uname not in present and uname not in gone and (
                    state.get("in_ccm") == "true" or state.get("crmd") == "online"):
                gone[uname] = state.get("id") or self._node_id(uname)
        for uname, node_id in sorted(gone.items()):
            # expected stays as it was: "down" after a granted shutdown or a
            # fencing, else the node is lost and the scheduler fences it
            await self.cib.change(still_valid=current, request=CibRequest(
                CibOp.MODIFY, node_state_xml(node_id, uname, online=False, expected_up=None),
                scope="status", allow_create=True))

    async def _send(self, message: dict[str, Any]) -> None:
        await self.backend.send(messages.GROUP, messages.encode(message))

    async def _mark_fenced(self, event: FenceEvent) -> None:
        """Record the node ``event`` fenced: down and expected down, its
        resource history and transient attributes gone (what it ran is
        stopped) -- unless it has come back (a reboot) since the fencing
        began: then it is a member that has just joined, already recorded as
        such, and must not be marked down (were it lost again, it would not
        be fenced)."""
        target = event.target
        back_since = self._joined_since.get(target)
        if self.view is not None and target in self.view.names() \
                and back_since is not None and back_since >= event.started:
            log.info("%s, fenced, is back already", target)
            return
        await self.cib.change(CibRequest(
            CibOp.MODIFY, node_fenced_xml(self._node_id(target), target),
            scope="status", allow_create=True))
        for xpath in (lrm_xpath(target), transient_xpath(target)):
            with contextlib.suppress(HapyError):
                await self.cib.change(CibRequest(CibOp.DELETE, xpath=xpath, delete_all=True))

    async def grant_shutdown(self, node: str) -> None:
        """Tell ``node`` that its resources are gone and it may leave: from
        now on it is expected down (its leaving is no loss)."""
        state = node_state_of(self.cib.root, node)
        if state is None or state.get("expected") != "down":
            # once: a change would make the DC plan (and grant) again
            await self.cib.change(CibRequest(
                CibOp.MODIFY, node_expected_xml(self._node_id(node), node, up=False),
                scope="status", allow_create=True))
        if node == self.node:
            self.shutdown_granted.set()
        else:
            await self.backend.send(messages.GROUP, messages.encode(
                {"kind": "shutdown_granted", "node": node}))

    async def _transition(self) -> RunResult | None:
        planned_on = self.cib.version
        graph = await self.planner.plan(serialize(self.cib.root), self.clock())
        if not self.is_dc:
            return None  # another node became the DC while this one planned
        recheck = dict(graph.attributes).get("recheck-by")
        self._recheck_by = float(recheck) if recheck and recheck.isdigit() \
            and int(recheck) > 0 else None
        if not graph.synapses:
            return None
        self._tid += 1
        runner = GraphRunner(graph)
        self._runner = runner
        log.info("transition %d: %d actions", self._tid, len(graph.synapses))
        try:
            result = await arun_graph(runner, _DcActions(self, self._tid))
        finally:
            self._runner = None
        self.transitions.append(result)
        log.info("transition %d: %s (%d completed, %d failed%s)", self._tid,
                 "aborted" if result.aborted else "done", len(result.completed),
                 len(result.failed),
                 f"; {runner.abort_reason}" if runner.abort_reason else "")
        if self.cib.version != planned_on:
            # the transition's own results changed the CIB: look again
            self._wake.set()
        return result

    # ------------------------------------------------------------ actions

    async def dispatch(self, action: GraphAction, tid: int) -> bool:
        """Run a resource action of transition ``tid`` where it belongs."""
        target = action.on_node or self.node
        if target == self.node:
            return await self.execute(action, tid, self.dc_uuid)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._remote[(tid, action.id)] = (target, future)
        try:
            await self.backend.send(messages.GROUP, messages.encode({
                "kind": "op", "target": target, "tid": tid, "dc_uuid": self.dc_uuid,
                "action": messages.action_to_json(action)}))
            timeout = operation_of(action).timeout_ms / 1000 + REMOTE_GRACE \
                if action.resource is not None else REMOTE_GRACE
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            log.error("no result for %s on %s", action.operation_key, target)
            return False
        finally:
            self._remote.pop((tid, action.id), None)

    async def _run_remote(self, message: dict[str, Any]) -> None:
        action = messages.action_from_json(message["action"])
        tid = int(message["tid"])
        try:
            ok = await self.execute(action, tid, str(message.get("dc_uuid", "")))
        except HapyError as exc:  # e.g. the cluster is gone while recording the result
            log.warning("action %s: %s", action.operation_key, exc)
            ok = False
        except Exception:  # an action must always be answered
            log.exception("action %s failed to run", action.operation_key)
            ok = False
        try:
            await self.backend.send(messages.GROUP, messages.encode(
                {"kind": "op_done", "tid": tid, "aid": action.id, "ok": ok}))
        except HapyError as exc:  # the cluster is gone: the DC sees this node leave
            log.warning("cannot report %s's result: %s", action.operation_key, exc)

    async def execute(self, action: GraphAction, tid: int, dc_uuid: str) -> bool:
        """Run a resource action on this node and record its result."""
        if action.operation == "cancel":
            return await self._cancel(action)
        if action.operation in ("delete", "lrm_delete"):
            return True
        if action.resource is None:
            # probe_again (the node's legacy probe_complete attribute is not
            # true): with the attribute gone, the next transition probes the
            # node's resources one by one
            await self.attrd.update(self.node, "probe_complete", None)
            return True
        op = operation_of(action)
        expected = target_rc(action)
        key = f"{action.id}:{tid}:{expected}:{dc_uuid}"
        if op.interval_ms:
            ident = (op.rsc, op.action, op.interval_ms)
            first: asyncio.Future[OperationResult] = \
                asyncio.get_running_loop().create_future()
            older = self._first_results.get(ident)
            if older is not None and not older.done():
                # a newer transition restarts this monitor: the older wait ends
                older.set_exception(HapyError([report(
                    "CONTROLLER_ACTION_SUPERSEDED", f"{op.key} was restarted")]))
            self._first_results[ident] = first
            self._recurring_keys[ident] = (key, expected)
            self.executor.start_recurring(op)
            limit = (op.start_delay_ms + op.timeout_ms) / 1000 + REMOTE_GRACE
            try:
                done = await asyncio.wait_for(first, limit)
            except TimeoutError:
                log.error("no first result of %s within %.0f s", op.key, limit)
                return False
        else:
            if op.action in RECORDED_PENDING and self.record_pending:
                await self._record(pending_record_of(op, expected_rc=expected,
                                                     transition_key=key, now=self.clock()))
            done = await self.executor.execute(op)
        record = record_of(done, expected_rc=expected, transition_key=key)
        await self._record(record)
        if op.action == "stop" and not record.failed:
            with contextlib.suppress(HapyError):
                await self.cib.change(CibRequest(
                    CibOp.DELETE, xpath=recurring_entries_xpath(self.node, op.rsc),
                    delete_all=True))
        # an unexpected result (even a probe finding the resource running,
        # which is no failure) aborts the transition: it was planned on a
        # picture that was wrong
        return not record.unexpected

    async def _cancel(self, action: GraphAction) -> bool:
        rsc = action.resource
        if rsc is None:
            return True
        attrs = action.attributes
        task = attrs.get("CRM_meta_operation", "monitor")
        interval = int(attrs.get("CRM_meta_interval", "0") or 0)
        await self.executor.cancel(rsc.id, task, interval)
        with contextlib.suppress(HapyError):
            await self.cib.change(CibRequest(
                CibOp.DELETE, xpath=lrm_xpath(self.node, rsc.id)
                + f"/lrm_rsc_op[@id='{rsc.id}_{task}_{interval}']"))
        return True

    async def _record(self, record: OpRecord) -> None:
        node_id = self._node_id(self.node)
        await self.cib.change(CibRequest(CibOp.MODIFY, op_record_xml(node_id, self.node, record),
                                         scope="status", allow_create=True))
        if record.failed:
            await self._count_failure(record)

    async def _count_failure(self, record: OpRecord) -> None:
        suffix = f"{record.rsc}#{record.operation}_{record.interval_ms}"
        await self.attrd.update(self.node, f"fail-count-{suffix}", "value++")
        await self.attrd.update(self.node, f"last-failure-{suffix}", str(record.last_rc_change))

    def _executor_result(self, done: OperationResult) -> None:
        op = done.operation
        if not op.interval_ms:
            return  # one-shot results are recorded by execute()
        ident = (op.rsc, op.action, op.interval_ms)
        first = self._first_results.pop(ident, None)
        if first is not None and not first.done():
            first.set_result(done)
            return
        key, expected = self._recurring_keys.get(ident, (f"0:0:0:{self.dc_uuid}", 0))
        self._spawn(self._recurring_changed(done, key, expected))

    async def _recurring_changed(self, done: OperationResult, key: str, expected: int) -> None:
        record = record_of(done, expected_rc=expected, transition_key=key)
        try:
            await self._record(record)
        except HapyError as exc:
            log.error("cannot record %s: %s", record.rsc, exc)
        if record.failed:
            log.warning("%s on %s: %s failed (rc=%d)", record.rsc, self.node,
                        done.operation.key, record.rc)
            await self.backend.send(messages.GROUP, messages.encode(
                {"kind": "rsc_failed", "rsc": record.rsc, "node": self.node}))

    async def close(self) -> None:
        if self.fencing is not None:
            await self.fencing.close()
        for task in list(self._tasks):
            await cancel_and_wait(task)
        await self.executor.cancel_all()
        self.planner.close()
