"""Operation history: where each resource is active, in which role, what
failed there, and what must happen about it.

For every ``lrm_resource`` of every node the recorded operations are replayed
in call order; the last successful operation decides the role, failures mark
the resource failed with the configured ``on-fail`` policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cmp_to_key

from hapy.cib import model as m
from hapy.scheduler.explain.ledger import noting
from hapy.scheduler.unpack.definition_check import check_definitions
from hapy.scheduler.unpack.migration_history import settle_migrations
from hapy.scheduler.unpack.nodes import can_fence
from hapy.scheduler.unpack.remote import (
    decide_remote_state,
    fence_remote_node,
    history_readable,
    link_connections,
    reconnect_interval_ms,
)
from hapy.scheduler.unpack.resources import build_instance, clone_max
from hapy.scheduler.working_set import INFINITY, Node, Resource, Role, WorkingSet

# OCF exit codes
OCF_OK = 0
OCF_ERR_GENERIC = 1
OCF_ERR_ARGS = 2
OCF_ERR_UNIMPLEMENTED = 3
OCF_ERR_PERM = 4
OCF_ERR_INSTALLED = 5
OCF_ERR_CONFIGURED = 6
OCF_NOT_RUNNING = 7
OCF_RUNNING_PROMOTED = 8
OCF_FAILED_PROMOTED = 9
OCF_DEGRADED = 190
OCF_DEGRADED_PROMOTED = 191
OCF_PENDING = 193  # not a real agent code: the result is not known yet

# execution status (op-status)
EXEC_PENDING = -1
EXEC_DONE = 0
EXEC_CANCELLED = 1
EXEC_TIMEOUT = 2
EXEC_NOT_SUPPORTED = 3
EXEC_ERROR = 4
EXEC_ERROR_HARD = 5
EXEC_ERROR_FATAL = 6
EXEC_NOT_INSTALLED = 7
EXEC_NOT_CONNECTED = 8
EXEC_INVALID = 9
EXEC_NO_FENCE_DEVICE = 10
EXEC_NO_SECRETS = 11

#: agent results that ban the resource from the node (ERR_CONFIGURED: from every
#: node); ERR_UNIMPLEMENTED is recovered like an ordinary failure
HARD_ERRORS = frozenset({OCF_ERR_ARGS, OCF_ERR_PERM, OCF_ERR_INSTALLED, OCF_ERR_CONFIGURED})

#: failed stop results that mean the stop will never work on this node
STOP_BLOCKING_ERRORS = frozenset({OCF_ERR_ARGS, OCF_ERR_UNIMPLEMENTED, OCF_ERR_PERM,
                                  OCF_ERR_INSTALLED})

#: on-fail policies from the mildest to the most severe
ON_FAIL_ORDER = ("ignore", "demote", "restart", "reset_remote", "restart-container",
                 "stop", "standby", "block", "fence")


def expected_rc(op: m.LrmOp) -> int | None:
    key = op.get("transition-key")
    if not key:
        return None
    parts = key.split(":")
    if len(parts) != 4:
        return None
    try:
        return int(parts[2])
    except ValueError:
        return None


def is_probe(op: m.LrmOp) -> bool:
    return op.operation == "monitor" and op.interval_ms == 0


def sort_ops(ops: Iterable[m.LrmOp]) -> list[m.LrmOp]:
    """Operations in the order they ran.

    Operations with call-ids follow them (one call-id recorded twice, as
    the last result and the last failure: by the time of the result).  An
    operation still pending without a call-id is placed by the transitions
    that asked for it and for the other (their transition keys), when the
    same transition engine asked both from different transitions: the
    lower transition first, transition -1 (outside any transition) last;
    otherwise the pending operation comes last."""
    return sorted(ops, key=cmp_to_key(_compare_ops))


def _compare_ops(a: m.LrmOp, b: m.LrmOp) -> int:
    if a.call_id < 0 and b.call_id < 0:
        return 0
    if a.call_id >= 0 and b.call_id >= 0:
        left, right = (a.call_id, _op_time(a)), (b.call_id, _op_time(b))
        return -1 if left < right else 1 if left > right else 0
    pending_last = 1 if a.call_id < 0 else -1
    a_key, b_key = _magic_transition(a), _magic_transition(b)
    if a_key is None or b_key is None:
        return 0
    (a_engine, a_graph), (b_engine, b_graph) = a_key, b_key
    if a_engine != b_engine or a_graph == b_graph:
        return pending_last
    if a_graph == -1 or (b_graph != -1 and a_graph > b_graph):
        return 1
    return -1


def _magic_transition(op: m.LrmOp) -> tuple[str, int] | None:
    """The transition engine (its uuid) and transition number an
    operation's ``transition-magic`` names
    (``status:rc;action:transition:rc:uuid``)."""
    magic = op.get("transition-magic") or ""
    _, _, key = magic.partition(";")
    parts = key.split(":")
    if len(parts) != 4:
        return None
    try:
        return parts[3], int(parts[1])
    except ValueError:
        return None


def find_op_config(
    prim: m.PrimitiveConfig | None, task: str, interval_ms: int
) -> m.OpConfig | None:
    if prim is None:
        return None
    for op in prim.ops:
        if op.name == task and op.interval_ms == interval_ms:
            return op
    return None


def default_on_fail(ws: WorkingSet, task: str, op_cfg: m.OpConfig | None,
                    rsc: Resource | None = None) -> str:
    if op_cfg is not None and op_cfg.attrs.get("on-fail"):
        return op_cfg.attrs["on-fail"].lower()
    if task == "demote" and rsc is not None:
        promoted_monitor = _promoted_monitor(rsc.primitive)
        if promoted_monitor is not None and promoted_monitor.attrs.get("on-fail"):
            # a demote without its own policy fails as the promoted monitor does
            return promoted_monitor.attrs["on-fail"].lower()
    if rsc is not None and rsc.container is not None and not rsc.is_remote_connection:
        # what runs inside a container is recovered by restarting the container
        return "restart-container"
    if task == "stop":
        return "fence" if ws.options.stonith_enabled else "block"
    return "restart"


def _promoted_monitor(prim: m.PrimitiveConfig | None) -> m.OpConfig | None:
    """The primitive's most frequent recurring monitor of the promoted role."""
    monitors = [op for op in (prim.ops if prim is not None else ())
                if op.name == "monitor" and op.interval_ms > 0
                and (op.role or "").lower() in ("promoted", "master")]
    return min(monitors, key=lambda op: op.interval_ms, default=None)


def _bundle_instance(ws: WorkingSet, node: Node, rsc_id: str) -> Resource | None:
    """On a bundle's guest node, the bundled primitive's history belongs to
    that replica's instance."""
    from hapy.scheduler.unpack.bundles import bundle_clone

    bundle = ws.resources_by_id.get(node.bundle_id or "")
    if bundle is None or bundle.variant != "bundle":
        return None
    clone = bundle_clone(bundle)
    try:
        index = int(node.id.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return None
    if clone is None or index >= len(clone.children):
        return None
    inst = clone.children[index]
    if inst.id != rsc_id.split(":", 1)[0]:
        return None
    return inst


class HistoryUnpacker:
    def __init__(self, ws: WorkingSet) -> None:
        self.ws = ws
        # clone instance -> node ids where it has history
        self.instance_nodes: dict[int, set[str]] = {}
        # every replayed history: (resource, node, lrm_resource, ops in call order)
        self.entries: list[tuple[Resource, Node, m.LrmResource, list[m.LrmOp]]] = []
        # failed migrate_to operations, checked once every node is unpacked
        self.failed_migrations: list[tuple[Resource, Node, m.LrmOp]] = []

    # -- finding the resource an lrm_resource belongs to ---------------------
    def resolve(self, lrm: m.LrmResource, node: Node) -> Resource | None:
        rsc = self.ws.resources_by_id.get(lrm.id)
        if node.bundle_id is not None:
            inner = _bundle_instance(self.ws, node, lrm.id)
            if inner is not None:
                return inner
        if rsc is not None and rsc.variant == "primitive":
            clone = rsc.clone_parent()
            if clone is None or clone.unique:
                return rsc
            # an anonymous instance recorded under its numbered name: map it anyway
            base = lrm.id.split(":", 1)[0]
            return self._anonymous_instance(clone, base, node)
        base = lrm.id.split(":", 1)[0]
        template = self.ws.resources_by_id.get(base)
        if template is not None and template.variant == "primitive":
            clone = template.clone_parent()
        else:
            clone = self.ws.clone_of_member.get(base) if template is None else None
        if clone is not None:
            if clone.unique:
                return self._unique_orphan(clone, lrm.id, base)
            return self._anonymous_instance(clone, base, node)
        return None

    def _prim_of(self, instance: Resource, base: str) -> Resource | None:
        for prim in instance.primitives():
            if prim.id == base:
                return prim
        return None

    def _anonymous_instance(self, clone: Resource, base: str, node: Node) -> Resource | None:
        """The instance an anonymous clone's history on ``node`` belongs to:
        the instance already active there (for a cloned group: any member),
        else the first instance active nowhere, else a new orphan.  A second
        history of a primitive already active on the node is an orphan, and
        so is one on a lost node of an instance that needs no fencing (when
        there are fewer instances than nodes)."""
        inactive: Resource | None = None
        if node.unclean and not node.online and not node.is_remote and clone.children:
            template = self._prim_of(clone.children[0], base)
            if template is not None and template.requires in ("quorum", "nothing") and \
                    clone_max(self.ws, clone) < sum(1 for n in self.ws.nodes
                                                    if not n.from_status):
                # an instance that needs no fencing is presumed inactive on
                # a lost node: with fewer instances than nodes, what its
                # history shows there is an orphan
                number = len(clone.children)
                return self._prim_of(self._orphan_instance(clone, number), base)
        skip_inactive = False
        for inst in clone.children:
            prims = inst.primitives()
            if any(node in p.running_on for p in prims):
                prim = self._prim_of(inst, base)
                if prim is not None and prim.running_on:
                    # (a further history of it on this node: another
                    # instance active here may take it, else an orphan)
                    inactive = None
                    skip_inactive = True
                    continue
                if prim is not None:
                    return prim
            elif not skip_inactive and inactive is None \
                    and not any(p.running_on for p in prims):
                inactive = self._prim_of(inst, base)
        if inactive is not None:
            return inactive
        number = len(clone.children)
        return self._prim_of(self._orphan_instance(clone, number), base)

    def _orphan_instance(self, clone: Resource, number: int) -> Resource:
        """A clone instance that has history but is beyond clone-max."""
        inst = build_instance(self.ws, clone, number)
        for rsc in inst.walk():
            rsc.orphan = True
        clone.children.append(inst)
        return inst

    def _unique_orphan(self, clone: Resource, name: str, base: str) -> Resource | None:
        try:
            number = int(name.split(":", 1)[1])
        except (IndexError, ValueError):
            return None
        return self._prim_of(self._orphan_instance(clone, number), base)

    def _orphan(self, lrm: m.LrmResource) -> Resource:
        from hapy.scheduler.unpack.resources import build_primitive

        prim_cfg = m.PrimitiveConfig(
            id=lrm.id, rclass=lrm.rclass or "ocf", type=lrm.type or "", provider=lrm.provider
        )
        rsc = build_primitive(self.ws, prim_cfg, None)
        rsc.orphan = True
        if not self.ws.options.flag("stop-orphan-resources"):
            rsc.managed = False
        rsc.sort_index = len(self.ws.resources)
        self.ws.resources.append(rsc)
        return rsc

    # -- replaying the history -------------------------------------------------
    def unpack(self) -> None:
        """Cluster nodes first; then each remote or guest node once its
        connection is known to be up (a connection may run on another
        remote node); the rest last, with fencing only (their resources
        may be active, so they need fencing)."""
        ws = self.ws
        states = {s.id: s for s in ws.cib.node_states}
        for cluster_state in ws.cib.node_states:
            node = ws.nodes_by_id.get(cluster_state.id)
            if node is not None and not node.is_remote:
                self.unpack_node(node, cluster_state)
        link_connections(ws)
        # in the order of the status section, then those without a state
        remote = [ws.nodes_by_id[s.id] for s in ws.cib.node_states
                  if s.id in ws.nodes_by_id and ws.nodes_by_id[s.id].is_remote]
        listed = {id(n) for n in remote}
        remote += [n for n in ws.nodes if n.is_remote and id(n) not in listed]
        progress = True
        while progress and remote:
            progress = False
            for node in list(remote):
                if not history_readable(node):
                    continue
                remote.remove(node)
                decide_remote_state(ws, node)
                state = states.get(node.id)
                if state is not None:
                    self.unpack_node(node, state)
                progress = True
        for node in remote:
            decide_remote_state(ws, node)
            state = states.get(node.id)
            if state is not None and ws.options.stonith_enabled:
                self.unpack_node(node, state)
        for rsc, source, op in self.failed_migrations:
            self._failed_migration_target(rsc, source, op)
        settle_migrations(ws, self.entries)
        for rsc in ws.all_primitives():
            if len(rsc.running_on) > 1:
                self._multiply_active(rsc)

    def _failed_migration_target(self, rsc: Resource, source: Node, op: m.LrmOp) -> None:
        """After a failed migrate_to the resource may be active on the target too,
        when the target has history of it but none newer than the failure (an
        operation without a time is not newer), and the source has not started
        it again since. Its role stays what the source says."""
        target = self.ws.nodes_by_name.get(op.get("migrate_target") or "")
        if target is None or not target.online or target in rsc.running_on:
            return
        failed_at = _op_time(op)
        if target.id not in rsc.known_on:
            return  # never probed there: a probe will tell
        for entry_rsc, node, _lrm, ops in self.entries:
            if entry_rsc is not rsc or node not in (source, target):
                continue
            if node is source:
                later = ops[ops.index(op) + 1:] if op in ops else []
                if any(o.operation in ("start", "migrate_from") for o in later):
                    return  # the source recovered it
                continue
            if failed_at and any(o is not op and _op_time(o) > failed_at for o in ops):
                return  # the target has told more since
        # listed before the source, where the resource was found first
        at = rsc.running_on.index(source) if source in rsc.running_on else len(rsc.running_on)
        rsc.running_on.insert(at, target)
        target.running.append(rsc)
        rsc.known_on[target.id] = target

    def _multiply_active(self, rsc: Resource) -> None:
        """multiple-active=stop_only stops it everywhere, block leaves it alone."""
        if rsc.multiple_active == "stop_only":
            with noting(self.ws, rsc, "multiple-active", "multiple-active=stop_only",
                        "active on more than one node: stopped everywhere"):
                for node in self.ws.nodes:
                    rsc.allowed[node.id] = -INFINITY
        elif rsc.multiple_active == "block":
            rsc.managed = False
            rsc.block = True

    def unpack_node(self, node: Node, state: m.NodeState) -> None:
        if (
            node.kind == "member" and not node.online and not self.ws.options.stonith_enabled
            and not self.ws.options.flag("shutdown-lock")
        ):
            # without fencing, a node that is down runs nothing, whatever its
            # old history says
            for lrm in state.lrm_resources:
                rsc = self.resolve(lrm, node)
                if rsc is not None:
                    rsc.known_on[node.id] = node
            return
        for lrm in state.lrm_resources:
            rsc = self.resolve(lrm, node)
            if rsc is None:
                if not lrm.ops:
                    continue
                rsc = self._orphan(lrm)
            if rsc.clone_parent() is not None:
                holder = rsc
                while holder.parent is not None and holder.parent.variant != "clone":
                    holder = holder.parent
                self.instance_nodes.setdefault(id(holder), set()).add(node.id)
            failure = self.replay(rsc, node, lrm)
            if not rsc.unique and rsc.clone_parent() is not None and (
                node in rsc.running_on or (rsc.history_name is None and ":" not in lrm.id)
            ):
                # an anonymous instance is known by its history's name: the
                # one where it is active, else the bare name it was found under
                rsc.history_name = lrm.id
            if node.maintenance and node in rsc.running_on:
                # the cluster leaves alone what runs on a node in maintenance
                rsc.managed = False
            self._check_active_on_down_node(rsc, node)
            if failure is None or node.unclean:
                # what failed on a node about to be fenced is moot: fencing stops it
                continue
            on_fail, role, still_failed = failure
            if still_failed:
                rsc.failed = True
                rsc.failed_on[node.id] = node
            rsc.on_fail[node.id] = on_fail
            self._apply_on_fail(rsc, node, on_fail, role)

    def _check_active_on_down_node(self, rsc: Resource, node: Node) -> None:
        """A cluster node that left but seems to run a managed resource must be fenced."""
        if node.is_remote:
            if not node.online and rsc.managed and node in rsc.running_on:
                fence_remote_node(self.ws, node, f"{rsc.name} is thought to be active there")
            if node.kind == "guest" and node.remote_requires_reset and node in rsc.running_on \
                    and rsc.managed:
                # the guest is reset with its container: what ran there must recover
                rsc.failed = True
                rsc.failed_on[node.id] = node
            return
        if node.kind != "member" or node.unclean or node.online or node.in_ccm or node.maintenance:
            return
        if rsc.managed and node in rsc.running_on:
            node.unclean = True
            node.fence_reason = f"{rsc.name} is thought to be active there"

    def replay(
        self, rsc: Resource, node: Node, lrm: m.LrmResource
    ) -> tuple[str, Role, bool] | None:
        """Replay one resource's history on one node; return the on-fail
        policy and role of its failure, if the history ends failed, and
        whether the resource is still failed there (a failure whose policy a
        later stop does not settle holds, the resource being stopped)."""
        ws = self.ws
        ops = sort_ops(lrm.ops)
        self.entries.append((rsc, node, lrm, ops))
        role = Role.STOPPED
        failed = False
        on_fail = ""
        known = False
        pending: str | None = None
        migrate_target: Node | None = None
        failcount_expired = self._failure_expired(rsc, node) \
            and not self._failed_with_block(rsc, ops)
        seen_by_monitor = False
        stop_failed = False
        settled_by_stop = False  # a failure whose policy holds, though stopped since
        expired_seen = False  # a failed operation here has expired
        for op in ops:
            task = op.operation
            if task == "notify" or op.op_status == EXEC_CANCELLED:
                continue
            if op.op_status == EXEC_PENDING or (op.rc_code == OCF_PENDING and op.call_id < 0):
                if is_probe(op):
                    continue  # a probe still running tells nothing yet
                pending = task
                if task == "start":
                    rsc.start_pending = True
                if task in ("start", "migrate_to", "migrate_from", "promote"):
                    role = max(role, Role.STARTED)
                if task == "promote":
                    role = Role.PROMOTED
                known = True
                continue
            was_known, known = known, True
            rc = op.rc_code
            exp = expected_rc(op)
            probe = is_probe(op)
            if self._expired_failure(rsc, node, op, failcount_expired):
                expired_seen = True
                known = was_known  # forgotten: an expired failed probe is probed again
                if op.interval_ms > 0 and not op.id.endswith("_last_failure_0"):
                    # (and an expired failed recurring monitor started again)
                    rsc.reschedule_on.setdefault(node.id, set()).add(op.interval_ms)
                continue
            if probe and not failcount_expired and (
                (rc in (OCF_ERR_ARGS, OCF_ERR_INSTALLED) and op.op_status == EXEC_DONE)
                or op.op_status == EXEC_NOT_INSTALLED
            ):
                rsc.probe_failures.append((node.uname, rc))
            if op.op_status == EXEC_NOT_INSTALLED or (rc == OCF_ERR_INSTALLED and probe):
                # the agent is missing here: the resource cannot run on this node
                clone = rsc.clone_parent()
                with noting(ws, [rsc, clone] if clone is not None and not clone.unique
                            else rsc, "not-installed", op.id,
                            f"{rsc.name} is not installed on {node.uname}"):
                    self._ban(rsc, node)
                rsc.stop_reason[node.id] = "not installed"
                if probe or task != "stop":
                    if not probe:
                        failed = True
                    continue
                # a stop that could not run: handled like any failed stop
            ok = self._is_success(task, probe, rc, exp, op.op_status)
            if ok:
                before = role
                role = self._role_after_success(task, rc, role, probe)
                if task == "monitor" and before < Role.STARTED <= role:
                    seen_by_monitor = True  # active, its role only seen by a monitor
                elif task in ("start", "promote", "demote", "migrate_from"):
                    seen_by_monitor = False
                if task == "stop" and failed and self._outlives_stop(rsc, on_fail):
                    # the stop does not settle this failure: its policy holds
                    settled_by_stop = on_fail != "reset_remote"
                elif task in ("start", "stop", "promote", "demote", "migrate_from") or (
                    probe and rc in (OCF_NOT_RUNNING,)
                ):
                    failed = False
                    on_fail = ""
                    settled_by_stop = False
                if task == "migrate_to":
                    target_name = op.get("migrate_target")
                    migrate_target = ws.nodes_by_name.get(target_name or "")
                elif task in ("stop", "start", "migrate_from"):
                    migrate_target = None
                continue
            # a failure
            op_cfg = find_op_config(rsc.primitive, task, op.interval_ms)
            policy = default_on_fail(ws, task, op_cfg, rsc)
            if rsc.is_remote_connection and rsc.container is None and not probe \
                    and task != "start" and not (op_cfg and op_cfg.attrs.get("on-fail")):
                # a remote connection lost: the node is reset (fenced)
                policy = "reset_remote" if rsc.managed else "stop"
            if task == "migrate_to" and not failcount_expired:
                self.failed_migrations.append((rsc, node, op))
            if failcount_expired and task != "stop":
                # an expired failure is forgotten (the failcount is cleared)
                if rc == OCF_NOT_RUNNING:
                    role = Role.STOPPED
                continue
            if task == "stop" and rc in STOP_BLOCKING_ERRORS and not can_fence(ws, node):
                # the stop failed for good and fencing cannot clean up: give up
                rsc.managed = False
                rsc.block = True
            if policy == "ignore":
                # the failure is shown but otherwise treated as a success:
                # an ignored stop failure leaves the resource stopped
                rsc.failure_ignored = True
                role = Role.STOPPED if task == "stop" else max(role, Role.STARTED)
                continue
            if policy == "restart-container" and task == "stop":
                # the container's restart stops it for good: found stopped
                rsc.failure_ignored = True
                role = Role.STOPPED
                failed = True
                on_fail = policy
                continue
            if rc in HARD_ERRORS:
                # the agent cannot work on this node (or, misconfigured, anywhere)
                self._ban_after_hard_error(rsc, node, rc)
            if task == "stop":
                # whatever happens next, it will not run there again soon
                with noting(self.ws, rsc, "failed-stop", op.id,
                            f"its stop failed on {node.uname} (rc={rc})"):
                    rsc.allowed[node.id] = -INFINITY
            if task == "demote" and policy != "block":
                # staying promoted would retry the demote forever: the
                # recovery stops the instance before any new promotion
                role = Role.UNPROMOTED
            elif rc == OCF_NOT_RUNNING and not probe and task not in ("monitor", "start"):
                role = Role.STOPPED
            elif rc in (OCF_RUNNING_PROMOTED, OCF_FAILED_PROMOTED) or task in (
                "promote", "demote"
            ):
                role = Role.PROMOTED
            elif task == "stop" or role < Role.STARTED:
                role = max(role, Role.STARTED)
            failed = True
            settled_by_stop = False
            if ON_FAIL_ORDER.index(policy) >= ON_FAIL_ORDER.index(on_fail or "ignore"):
                on_fail = policy
            stop_failed = task == "stop"
            if task == "stop":
                rsc.stop_pending = False
                # a resource that failed to stop may not come back there
                with noting(self.ws, rsc, "failed-stop", op.id,
                            f"its stop failed on {node.uname} (rc={rc})"):
                    rsc.allowed[node.id] = -INFINITY
        if ((failcount_expired and self._has_expired_op(rsc, ops))
                or self._reconnect_waited(rsc, node, ops)) and node.online \
                and not rsc.orphan and not (failed and stop_failed) \
                and fail_count(rsc, node) > 0:
            # an expired failure is cleared (not a failed stop: it stays)
            rsc.clear_failcount_on[node.id] = node
        elif expired_seen and self._reconnect_ms(rsc) > 0 and node.online:
            # (a connection's failure that waited for its reconnect interval
            # is cleared, whatever its fail count)
            rsc.clear_failcount_on[node.id] = node
        if not known:
            return None
        rsc.known_on[node.id] = node
        if pending is not None:
            rsc.pending_task = pending
            rsc.pending_node = node
        if migrate_target is not None and role >= Role.STARTED:
            rsc.partial_migration_target = migrate_target
            rsc.partial_migration_source = node
        if role > Role.STOPPED:
            if rsc.promotable and role == Role.STARTED:
                role = Role.UNPROMOTED
                rsc.role_seen_by_monitor = seen_by_monitor
            rsc.running_on.append(node)
            node.running.append(rsc)
            if rsc.role == Role.STOPPED or role > rsc.role:
                rsc.role = role
        return (on_fail, role, not settled_by_stop) if failed else None

    @staticmethod
    def _outlives_stop(rsc: Resource, on_fail: str) -> bool:
        """Whether a failure's policy still holds once the resource has
        stopped: stopping it, fencing or putting its node in standby do; so
        does resetting a remote node whose connection waits for its
        reconnect interval (it reconnects only once the failure is cleared)."""
        if on_fail in ("stop", "fence", "standby"):
            return True
        return on_fail == "reset_remote" and reconnect_interval_ms(rsc) > 0

    def _ban_after_hard_error(self, rsc: Resource, node: Node, rc: int) -> None:
        nodes = self.ws.nodes if rc == OCF_ERR_CONFIGURED else [node]
        clone = rsc.clone_parent()
        banned = [rsc, clone] if clone is not None and not clone.unique else [rsc]
        where = "any node" if rc == OCF_ERR_CONFIGURED else node.uname
        with noting(self.ws, banned, "hard-error", f"rc={rc}",
                    f"{rsc.name} failed with a hard error on {node.uname}: "
                    f"banned from {where}"):
            for target in nodes:
                self._ban(rsc, target)

    def _ban(self, rsc: Resource, node: Node) -> None:
        """Keep ``rsc`` off ``node``; an anonymous clone instance bans its whole clone."""
        rsc.allowed[node.id] = -INFINITY
        clone = rsc.clone_parent()
        if clone is not None and not clone.unique:
            clone.allowed[node.id] = -INFINITY

    def _apply_on_fail(self, rsc: Resource, node: Node, policy: str, role: Role) -> None:
        if policy == "block":
            rsc.managed = False
            rsc.block = True
        elif policy == "standby":
            node.standby_onfail = True
        elif policy == "fence":
            if not node.unclean:
                node.unclean = True
                node.fence_reason = f"{rsc.name} failed there"
        elif policy == "stop":
            rsc.next_role = Role.STOPPED
            rsc.target_role = Role.STOPPED
            clone = rsc.clone_parent()
            banned = [rsc, clone] if clone is not None and not clone.unique else [rsc]
            with noting(self.ws, banned, "on-fail", "on-fail=stop",
                        f"{rsc.name} failed on {node.uname} with on-fail=stop: "
                        "it stays stopped everywhere"):
                for target in self.ws.nodes:
                    self._ban(rsc, target)
        elif policy == "restart-container":
            container = rsc.container
            if container is not None:
                # restarted where it runs, and what runs inside it with it
                container.history_digest_mismatch.setdefault(node.id, "")
        elif policy == "reset_remote":
            remote = rsc.remote_node
            if remote is not None and not remote.remote_was_fenced:
                fence_remote_node(self.ws, remote, "remote connection is unrecoverable")
            if reconnect_interval_ms(rsc) > 0:
                # it waits for the reconnect interval, down
                rsc.next_role = Role.STOPPED
                rsc.target_role = Role.STOPPED

    def _is_success(self, task: str, probe: bool, rc: int, exp: int | None, status: int) -> bool:
        if status not in (EXEC_DONE, EXEC_ERROR):
            return False
        if probe:
            return rc in (OCF_OK, OCF_NOT_RUNNING, OCF_RUNNING_PROMOTED)
        if exp is None:
            exp = OCF_OK
        if rc == exp:
            return True
        if task == "monitor" and rc in (OCF_OK, OCF_RUNNING_PROMOTED) and exp in (
            OCF_OK,
            OCF_RUNNING_PROMOTED,
        ):
            # a monitor that finds the resource in the other role is not a failure
            return rc == exp
        if task == "stop" and rc == OCF_NOT_RUNNING:
            return True
        return rc in (OCF_DEGRADED, OCF_DEGRADED_PROMOTED)

    def _role_after_success(self, task: str, rc: int, role: Role, probe: bool) -> Role:
        if rc == OCF_NOT_RUNNING:
            return Role.STOPPED  # whatever the task, "not running" was expected
        if task == "start" or task == "migrate_from":
            return Role.STARTED
        if task == "stop":
            return Role.STOPPED
        if task == "promote":
            return Role.PROMOTED
        if task == "demote":
            return Role.UNPROMOTED
        if task == "migrate_to":
            return max(role, Role.STARTED)
        if task == "monitor":
            if rc == OCF_NOT_RUNNING:
                return Role.STOPPED
            if rc in (OCF_RUNNING_PROMOTED, OCF_DEGRADED_PROMOTED):
                return Role.PROMOTED
            return role if role >= Role.STARTED else Role.STARTED
        return role

    def _expired_failure(
        self, rsc: Resource, node: Node, op: m.LrmOp, failcount_expired: bool
    ) -> bool:
        """A failed operation older than failure-timeout, with no unexpired
        fail count on the node, is ignored."""
        timeout = self._failure_timeout_ms(rsc)
        if timeout <= 0:
            return False
        probe = is_probe(op)
        if op.op_status != EXEC_NOT_INSTALLED and self._is_success(
            op.operation, probe, op.rc_code, expected_rc(op), op.op_status
        ):
            return False
        try:
            changed = int(op.get("last-rc-change") or op.get("last-run") or "")
        except ValueError:
            return False
        if changed + timeout // 1000 > int(self.ws.now.timestamp()):
            return False
        return failcount_expired or fail_count(rsc, node) <= 0

    def _has_expired_op(self, rsc: Resource, ops: list[m.LrmOp]) -> bool:
        """Whether an operation recorded here (with its time) is older than
        the failure-timeout: what makes the expired failcount be cleared."""
        now = int(self.ws.now.timestamp())
        timeout_s = self._failure_timeout_ms(rsc) // 1000
        return any(_op_time(op) > 0 and _op_time(op) + timeout_s <= now for op in ops)

    def _reconnect_waited(self, rsc: Resource, node: Node, ops: list[m.LrmOp]) -> bool:
        """A remote connection's fail count is cleared once its reconnect
        interval has passed (after its node is fenced, if it must be) -- for
        failures recorded by a controller that counts failures per operation
        (feature set 3.0.13 on)."""
        interval = reconnect_interval_ms(rsc) \
            if rsc.is_remote_connection and rsc.container is None else 0
        last = last_failure_time(rsc, node)
        if interval <= 0 or last is None:
            return False
        if not any(_feature_set(op) >= (3, 0, 13) for op in ops
                   if op.id.endswith("_last_failure_0")):
            return False
        return last + interval // 1000 <= int(self.ws.now.timestamp())

    def _reconnect_ms(self, rsc: Resource) -> int:
        """A remote node's connection with a reconnect interval: the
        interval, once the node was fenced since the connection failed (or
        without fencing; its failure expires with it); 0 otherwise."""
        if not rsc.is_remote_connection or rsc.container is not None:
            return 0
        remote = self.ws.nodes_by_id.get(rsc.id)
        if self.ws.options.stonith_enabled and (remote is None or not remote.remote_was_fenced):
            return 0
        return reconnect_interval_ms(rsc)

    def _failure_timeout_ms(self, rsc: Resource) -> int:
        """After how long a failure expires: a remote connection with a
        reconnect interval waits for it (never, before its node was fenced)."""
        if rsc.is_remote_connection and rsc.container is None \
                and reconnect_interval_ms(rsc) > 0:
            return self._reconnect_ms(rsc)
        return rsc.failure_timeout_ms

    def _failed_with_block(self, rsc: Resource, ops: list[m.LrmOp]) -> bool:
        """A failure of an operation configured with on-fail=block never
        expires (failure-timeout does not apply to it)."""
        for op in ops:
            if op.op_status == EXEC_PENDING or self._is_success(
                op.operation, is_probe(op), op.rc_code, expected_rc(op), op.op_status
            ):
                continue
            op_cfg = find_op_config(rsc.primitive, op.operation, op.interval_ms)
            if op_cfg is not None and op_cfg.attrs.get("on-fail") == "block":
                return True
        return False

    # -- failcounts --------------------------------------------------------------
    def _failure_expired(self, rsc: Resource, node: Node) -> bool:
        timeout = self._failure_timeout_ms(rsc)
        if timeout <= 0:
            return False
        last = last_failure_time(rsc, node)
        if last is None:
            return False
        return last + timeout // 1000 <= int(self.ws.now.timestamp())


def _feature_set(op: m.LrmOp) -> tuple[int, ...]:
    """The ``crm_feature_set`` an operation was recorded with (() if unknown)."""
    try:
        return tuple(int(part) for part in (op.get("crm_feature_set") or "").split("."))
    except ValueError:
        return ()


def _op_time(op: m.LrmOp) -> int:
    """When an operation's result was recorded (``last-rc-change``), 0 if unknown."""
    try:
        return int(op.get("last-rc-change") or op.get("last-run") or "0")
    except ValueError:
        return 0


def _failure_attr_matches(name: str, prefix: str, rsc: Resource) -> bool:
    if not name.startswith(prefix):
        return False
    rest = name[len(prefix):]
    ids = {rsc.id, rsc.name}
    for ident in ids:
        if rest == ident or rest.startswith(ident + "#"):
            return True
    return False


def fail_count(rsc: Resource, node: Node) -> int:
    """The failcount of ``rsc`` on ``node`` from the node's attributes."""
    from hapy.cib.scores import add_scores, parse_score

    total = 0
    for name, value in node.failure_attrs():
        if _failure_attr_matches(name, "fail-count-", rsc):
            try:
                total = add_scores(total, parse_score(value))
            except ValueError:
                continue
    return total


def last_failure_time(rsc: Resource, node: Node) -> int | None:
    best: int | None = None
    for name, value in node.failure_attrs():
        if _failure_attr_matches(name, "last-failure-", rsc):
            try:
                t = int(value)
            except ValueError:
                continue
            best = t if best is None else max(best, t)
    return best


def apply_failcounts(ws: WorkingSet) -> None:
    """Ban resources from nodes where they failed migration-threshold times."""
    from hapy.cib.scores import add_scores, score_text

    for prim in ws.all_primitives():
        if prim.orphan:
            continue  # not placed anywhere: it only stops
        for node in ws.nodes:
            count = fail_count(prim, node)
            for filler in prim.fillers:
                # a container also answers for its guest connection's failures
                count = add_scores(count, fail_count(filler, node))
            if count <= 0 or node.id in prim.clear_failcount_on:
                continue
            if prim.failure_ignored and node.id not in prim.failed_on:
                continue  # failures with on-fail=ignore do not count
            if prim.failure_timeout_ms > 0:
                last = last_failure_time(prim, node)
                if last is not None:
                    expires = last + prim.failure_timeout_ms // 1000
                    if expires <= int(ws.now.timestamp()):
                        continue
                    # the scheduler must run again once it expires (recheck-by)
                    ws.rule_changes.append(datetime.fromtimestamp(expires + 1, UTC))
            if prim.migration_threshold > 0 and count >= prim.migration_threshold:
                # (an anonymous clone's instances are interchangeable: the
                # whole clone is banned; a unique instance is banned alone)
                clone = prim.clone_parent()
                target = clone if clone is not None and not clone.unique else prim
                with noting(ws, (target, prim) if target is not prim else prim, "failcount",
                            "migration-threshold",
                            f"{prim.name} failed {score_text(count)} time(s) on "
                            f"{node.uname}, migration-threshold is "
                            f"{score_text(prim.migration_threshold)}"):
                    target.allowed[node.id] = -INFINITY
                    prim.allowed[node.id] = -INFINITY


def unpack_history(ws: WorkingSet) -> None:
    from hapy.scheduler.unpack.bundles import resolve_host_addresses

    unpacker = HistoryUnpacker(ws)
    unpacker.unpack()
    resolve_host_addresses(ws)
    check_definitions(ws, unpacker.entries)
