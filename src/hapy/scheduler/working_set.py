"""The scheduler's working set: nodes, resources and actions of one run.

These objects are mutable, but only inside one ``schedule()`` call: they are
built from the immutable CIB model and thrown away when the transition has
been produced.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from hapy.cib import model as m
from hapy.records import field, record
from hapy.scheduler.options import ClusterOptions

if TYPE_CHECKING:
    from hapy.scheduler.actions.model import Action, Ordering
    from hapy.scheduler.explain.ledger import ScoreLedger
    from hapy.scheduler.trace import ScoreTrace

INFINITY = 1_000_000


class Role(enum.IntEnum):
    UNKNOWN = 0
    STOPPED = 1
    STARTED = 2
    UNPROMOTED = 3
    PROMOTED = 4

    @property
    def text(self) -> str:
        return _ROLE_TEXT[self]

    @classmethod
    def parse(cls, text: str | None) -> Role:
        if text is None:
            return cls.UNKNOWN
        return _ROLE_BY_NAME.get(text.strip().lower(), cls.UNKNOWN)


_ROLE_TEXT = {
    Role.UNKNOWN: "Unknown",
    Role.STOPPED: "Stopped",
    Role.STARTED: "Started",
    Role.UNPROMOTED: "Unpromoted",
    Role.PROMOTED: "Promoted",
}
_ROLE_BY_NAME = {
    "stopped": Role.STOPPED,
    "started": Role.STARTED,
    "unpromoted": Role.UNPROMOTED,
    "slave": Role.UNPROMOTED,
    "promoted": Role.PROMOTED,
    "master": Role.PROMOTED,
}


@record(frozen=False, eq=False)
class Node:
    id: str
    uname: str
    kind: str = "member"  # member, remote, guest
    index: int = 0
    online: bool = False
    unclean: bool = False
    standby: bool = False
    standby_onfail: bool = False
    maintenance: bool = False
    shutdown: bool = False
    pending: bool = False
    in_ccm: bool = False  # the cluster layer counts it as a member
    expected_up: bool = False
    unseen: bool = False
    is_dc: bool = False
    rsc_discovery_enabled: bool = True
    remote_requires_reset: bool = False
    remote_was_fenced: bool = False
    fence_revocable: bool = False  # a remote node fenced unless its connection restarts
    from_status: bool = False  # a remote node known only from an orphaned connection
    attrs: dict[str, str] = field(default_factory=dict)
    utilization: dict[str, str] = field(default_factory=dict)
    utilization_used: dict[str, int] = field(default_factory=dict)  # by assigned resources
    running: list[Resource] = field(default_factory=list)
    assigned: list[Resource] = field(default_factory=list)
    remote_rsc: Resource | None = None
    bundle_id: str | None = None  # a bundle replica's guest node: its bundle
    # a bundle's guest node the configuration's <nodes> names too: known to
    # the resources defined before the bundle's replica is
    declared: bool = False
    # a remote node's (online, unclean, shutdown) as unpacked, kept for the
    # status display once its connection's placement changed them
    unpacked_state: tuple[bool, bool, bool] | None = None
    config_score: int = 0
    state: m.NodeState | None = None
    fence_reason: str = ""
    health: str = "green"  # red, yellow or green (node-health-strategy)
    # failures are counted per operation (a CIB of feature set 3.0.13 or
    # later) rather than per resource (older)
    failures_per_operation: bool = True
    # indexes built on first use (see histories_of and failure_attrs)
    _histories: dict[str, list[m.LrmResource]] | None = field(default=None, compare=False)
    _failure_attrs: tuple[int, list[tuple[str, str]]] | None = field(default=None,
                                                                      compare=False)

    @property
    def is_remote(self) -> bool:
        return self.kind in ("remote", "guest")

    def histories_of(self, *ids: str) -> list[m.LrmResource]:
        """The resource histories in this node's status whose id, before any
        clone instance number (``rsc:2`` -> ``rsc``), is one of ``ids``' own,
        in the status section's order."""
        index = self._histories
        if index is None:
            index = {}
            if self.state is not None:
                for lrm in self.state.lrm_resources:
                    index.setdefault(lrm.id.split(":", 1)[0], []).append(lrm)
            self._histories = index
        bases = {i.split(":", 1)[0] for i in ids}
        if len(bases) == 1:
            return index.get(bases.pop(), [])
        found = [lrm for base in bases for lrm in index.get(base, ())]
        order = {id(lrm): n for n, lrm in enumerate(self.state.lrm_resources)} \
            if self.state is not None else {}
        found.sort(key=lambda lrm: order[id(lrm)])
        return found

    def failure_attrs(self) -> list[tuple[str, str]]:
        """This node's ``fail-count-*`` and ``last-failure-*`` attributes, in
        the form that counts (see ``failures_per_operation``): per operation
        (``fail-count-RSC#TASK_INTERVAL``) or per resource (``fail-count-RSC``)."""
        cached = self._failure_attrs
        if cached is None or cached[0] != len(self.attrs):
            found = [(name, value) for name, value in self.attrs.items()
                     if name.startswith(("fail-count-", "last-failure-"))
                     and ("#" in name) == self.failures_per_operation]
            cached = self._failure_attrs = (len(self.attrs), found)
        return cached[1]

    def available(self, *, consider_standby: bool = True) -> bool:
        """Can this node run resources now (pcmk "node available")?"""
        if not self.online or self.unclean or self.shutdown or self.pending:
            return False
        if consider_standby and (self.standby or self.standby_onfail):
            return False
        return not self.maintenance

    def __repr__(self) -> str:
        return f"Node({self.uname})"


@record(frozen=False, eq=False)
class Resource:
    id: str
    variant: str  # primitive, group, clone, bundle
    parent: Resource | None = None
    children: list[Resource] = field(default_factory=list)
    primitive: m.PrimitiveConfig | None = None
    config: m.ResourceConfig | None = None
    meta: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    utilization: dict[str, str] = field(default_factory=dict)
    # flags
    managed: bool = True
    failed: bool = False
    failure_ignored: bool = False  # a failure with on-fail=ignore was recorded
    # (node name, rc) of probes that masked the resource as not installed there
    probe_failures: list[tuple[str, int]] = field(default_factory=list)
    orphan: bool = False
    unique: bool = False
    promotable: bool = False
    block: bool = False
    provisional: bool = True
    is_remote_connection: bool = False
    remote_node: Node | None = None  # a connection: the remote or guest node it runs
    container: Resource | None = None  # a guest connection: the guest's container
    fillers: list[Resource] = field(default_factory=list)  # a container: its connections
    # a clone: its instances in the order they were considered for placement
    # (an ordered clone starts them in this order)
    instance_order: list[Resource] = field(default_factory=list)
    start_pending: bool = False  # a start of it is recorded in flight (it is run again)
    stop_pending: bool = False
    allow_migrate: bool = False
    needs_fencing: bool = True
    ignore_failure_stop: bool = False
    maintenance: bool = False
    critical: bool = True
    frozen_by_ticket: bool = False  # unmanaged by a ticket's loss-policy (not shown)
    # a promotable instance active but, per its history, neither started nor
    # demoted: only a monitor saw it running
    role_seen_by_monitor: bool = False
    # configuration-derived values
    priority: int = 0
    stickiness: int = 0
    migration_threshold: int = INFINITY
    failure_timeout_ms: int = 0
    target_role: Role = Role.UNKNOWN
    requires: str = "fencing"
    multiple_active: str = "stop_start"
    # state
    role: Role = Role.STOPPED
    next_role: Role = Role.UNKNOWN
    running_on: list[Node] = field(default_factory=list)
    pending_task: str | None = None
    pending_node: Node | None = None
    partial_migration_target: Node | None = None
    partial_migration_source: Node | None = None
    dangling_migration_sources: list[Node] = field(default_factory=list)
    known_on: dict[str, Node] = field(default_factory=dict)  # probed nodes by id
    failed_on: dict[str, Node] = field(default_factory=dict)
    on_fail: dict[str, str] = field(default_factory=dict)  # node id -> policy of last failure
    stop_reason: dict[str, str] = field(default_factory=dict)
    # placement
    allowed: dict[str, int] = field(default_factory=dict)  # node id -> score
    discovery: dict[str, str] = field(default_factory=dict)  # node id -> always/never/exclusive
    exclusive_discover: bool = False
    assigned_node: Node | None = None
    lock_node: Node | None = None  # shutdown lock
    lock_time: int | None = None
    # nodes whose record of an expired shutdown lock is deleted from the CIB
    expired_lock_on: dict[str, Node] = field(default_factory=dict)
    # clone instance data
    clone_name: str | None = None  # "rsc:0"
    history_name: str | None = None  # anonymous instance: the name its history is under
    instance_number: int | None = None
    actions: list[Action] = field(default_factory=list)
    colocations_this_with: list[Colocation] = field(default_factory=list)
    colocations_with_this: list[Colocation] = field(default_factory=list)
    ticket_constraints: list[object] = field(default_factory=list)
    promotion_priority: int = 0
    promoted_locations: dict[str, int] = field(default_factory=dict)  # role=Promoted
    sort_index: int = 0
    recovery_reasons: dict[str, str] = field(default_factory=dict)
    # what the history implies once compared with the current definition
    # (unpack/definition_check.py): node id -> restart reason ("" for none)
    history_digest_mismatch: dict[str, str] = field(default_factory=dict)
    reload_on: dict[str, Node] = field(default_factory=dict)  # reload the agent there
    reschedule_on: dict[str, set[int]] = field(default_factory=dict)  # node id -> intervals
    cancel_ops: list[tuple[Node, m.LrmOp]] = field(default_factory=list)  # recurring, unneeded
    delete_on: dict[str, Node] = field(default_factory=dict)  # agent changed: forget history
    # failures forgotten (expired, or the definition they failed with changed)
    clear_failcount_on: dict[str, Node] = field(default_factory=dict)
    assign_running: bool = False  # recursion guard while assigning
    #: a cloned group's instance: colocations with another clone's instances
    #: that its first member takes when the group is placed
    follow_on_assign: list[Colocation] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The name used in keys and output: the instance name for clone children."""
        return self.clone_name or self.id

    @property
    def top(self) -> Resource:
        rsc = self
        while rsc.parent is not None:
            rsc = rsc.parent
        return rsc

    def walk(self) -> list[Resource]:
        """This resource and everything inside it, parents before children."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out

    def primitives(self) -> list[Resource]:
        if self.variant == "primitive":
            return [self]
        out: list[Resource] = []
        for child in self.children:
            out.extend(child.primitives())
        return out

    def is_clone_instance(self) -> bool:
        return self.parent is not None and self.parent.variant == "clone"

    def clone_parent(self) -> Resource | None:
        rsc = self.parent
        while rsc is not None:
            if rsc.variant == "clone":
                return rsc
            rsc = rsc.parent
        return None

    def current_node(self) -> Node | None:
        return self.running_on[0] if self.running_on else None

    def staying_node(self) -> Node | None:
        """The node where staying is preferred among equally good ones: the
        source of its unfinished migration, else the first it is active on."""
        if self.partial_migration_source is not None:
            return self.partial_migration_source
        return self.running_on[0] if self.running_on else None

    def __repr__(self) -> str:
        return f"Resource({self.name})"


@record(frozen=False, eq=False)
class Colocation:
    id: str
    dependent: Resource
    primary: Resource
    score: int
    dependent_role: Role = Role.UNKNOWN
    primary_role: Role = Role.UNKNOWN
    node_attribute: str = "#uname"
    influence: bool = True
    # a group member after the first bound by its group's colocation: only
    # the nodes it bans count (the first member weighs the scores)
    ban_only: bool = False
    # the group that declared this colocation as its dependent, when its
    # first member (``dependent``) now holds it
    dependent_group: Resource | None = None
    # the dependent as configured (assigning hands a group's colocations to
    # its first member)
    configured_dependent: Resource | None = None


@record(frozen=False, eq=False)
class Ticket:
    id: str
    granted: bool = False
    standby: bool = False
    last_granted: str | None = None


@record(frozen=False, eq=False)
class WorkingSet:
    cib: m.Cib
    now: datetime
    options: ClusterOptions
    nodes: list[Node] = field(default_factory=list)
    nodes_by_id: dict[str, Node] = field(default_factory=dict)
    nodes_by_name: dict[str, Node] = field(default_factory=dict)
    resources: list[Resource] = field(default_factory=list)  # top-level, config order
    resources_by_id: dict[str, Resource] = field(default_factory=dict)  # every id and name
    #: the id of each primitive configured inside a clone -> that clone (a
    #: clone with clone-max=0 has no instance to find it through)
    clone_of_member: dict[str, Resource] = field(default_factory=dict)
    rsc_defaults: dict[str, str] = field(default_factory=dict)
    op_defaults_sets: tuple[object, ...] = ()
    colocations: list[Colocation] = field(default_factory=list)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    have_quorum: bool = True
    dc_node: Node | None = None
    actions: list[Action] = field(default_factory=list)
    orderings: list[Ordering] = field(default_factory=list)
    trace: ScoreTrace | None = None
    #: what made each score (``hapy explain``); None: not recorded
    ledger: ScoreLedger | None = None
    fencing_actions: dict[str, Action] = field(default_factory=dict)
    stonith_devices: list[Resource] = field(default_factory=list)
    config_errors: list[str] = field(default_factory=list)
    placement_strategy: str = "default"
    recheck_by: int | None = None
    #: when date rules evaluated while scheduling change their results
    rule_changes: list[datetime] = field(default_factory=list)
    # the order the transition summary lists the resources in (None: resources')
    summary_order: list[Resource] | None = None

    def startup_disabled(self) -> bool:
        """Fencing is enabled but no fencing device is configured (nor a
        watchdog, ``have-watchdog``, that can fence): the cluster changes
        nothing (no start, stop, promotion or recovery); probes and
        monitors of what is active still run."""
        return self.options.stonith_enabled and not self.stonith_devices \
            and not self.options.flag("have-watchdog")

    def node(self, name_or_id: str) -> Node | None:
        return self.nodes_by_name.get(name_or_id) or self.nodes_by_id.get(name_or_id)

    def all_primitives(self) -> list[Resource]:
        out: list[Resource] = []
        for rsc in self.resources:
            out.extend(rsc.primitives())
        return out
