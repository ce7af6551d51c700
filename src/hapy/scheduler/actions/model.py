"""Scheduler actions and orderings, before they become a transition graph."""

from __future__ import annotations

import enum

from hapy.records import field, record
from hapy.scheduler.working_set import Node, Resource

# Task names
START = "start"
STOP = "stop"
MONITOR = "monitor"
PROMOTE = "promote"
DEMOTE = "demote"
MIGRATE_TO = "migrate_to"
MIGRATE_FROM = "migrate_from"
NOTIFY = "notify"
RUNNING = "running"
STOPPED = "stopped"
PROMOTED = "promoted"
DEMOTED = "demoted"
NOTIFIED = "notified"
STONITH = "stonith"
SHUTDOWN = "do_shutdown"
CLEAR_FAILCOUNT = "clear_failcount"
LRM_DELETE = "lrm_delete"
REPROBE = "probe_again"  # a node whose probes must all be done again
RELOAD = "reload-agent"
CANCEL = "cancel"
DELETE = "delete"

#: the pseudo-action that completes each task of a collective resource
COMPLETES = {START: RUNNING, STOP: STOPPED, PROMOTE: PROMOTED, DEMOTE: DEMOTED, NOTIFY: NOTIFIED}


def op_key(rsc_name: str, task: str, interval_ms: int = 0) -> str:
    return f"{rsc_name}_{task}_{interval_ms}"


@record(frozen=False, eq=False)
class Action:
    id: int
    key: str
    task: str
    rsc: Resource | None = None
    node: Node | None = None
    interval_ms: int = 0
    optional: bool = True
    runnable: bool = True
    pseudo: bool = False
    is_cluster_event: bool = False  # crm_event (fencing, shutdown, clear_failcount)
    meta: dict[str, str] = field(default_factory=dict)  # CRM_meta_* without the prefix
    params: dict[str, str] | None = None  # instance parameters; None: the resource's
    reason: str = ""
    print_always: bool = False
    migrate_runnable: bool = False
    # unrunnable in a way that keeps its resource from staying active (not
    # only from starting: an asymmetrical ordering blocks just the start)
    unrunnable_stops: bool = False
    # > 0: runnable while at least this many of its one-or-more inputs are
    required_runnable: int = 0
    priority: int = 0
    downed: list[Node] = field(default_factory=list)
    internal_key: str | None = None
    fence_action: str | None = None
    shutdown_lock: int | None = None  # a stop done under a shutdown lock
    mode: str | None = None  # a cluster event's mode ("cib": in the CIB only)
    # bookkeeping for the graph
    inputs: list[Ordering] = field(default_factory=list)
    outputs: list[Ordering] = field(default_factory=list)
    # orderings that carry implications only, never shown in the graph
    implied_inputs: list[Ordering] = field(default_factory=list)
    implied_outputs: list[Ordering] = field(default_factory=list)
    probe: bool = False
    cancel_target_interval: int | None = None
    deleted: bool = False

    reason_source: Action | None = None
    unrunnable_source: Action | None = None

    @property
    def required(self) -> bool:
        return not self.optional

    def describe(self) -> str:
        where = f" on {self.node.uname}" if self.node else ""
        return f"{self.key}{where}"

    def __repr__(self) -> str:
        flags = "".join(
            c
            for c, on in (
                ("O", self.optional),
                ("U", not self.runnable),
                ("P", self.pseudo),
            )
            if on
        )
        return f"Action({self.id}:{self.describe()}{' ' + flags if flags else ''})"


class OrderFlag(enum.Flag):
    NONE = 0
    OPTIONAL = enum.auto()  # only orders, when both happen
    IMPLIES_THEN = enum.auto()  # first required -> then required
    IMPLIES_FIRST = enum.auto()  # then required -> first required
    RUNNABLE_LEFT = enum.auto()  # then runnable only if first runnable
    ONE_OR_MORE = enum.auto()  # then runnable if any first runnable
    RESTART = enum.auto()  # stop/start of the same resource
    STONITH_STOP = enum.auto()
    SERIALIZE_ONLY = enum.auto()
    IMPLIES_FIRST_MIGRATABLE = enum.auto()
    IMPLIES_THEN_PRINTED = enum.auto()
    IMPLIES_FIRST_PRINTED = enum.auto()
    SAME_NODE = enum.auto()  # only when both are on the same node
    PROBE = enum.auto()
    THEN_CANCELS_FIRST = enum.auto()
    LOAD = enum.auto()
    ASYMMETRICAL = enum.auto()
    PROMOTED_IMPLIES_FIRST = enum.auto()
    UNMIGRATABLE_LEFT = enum.auto()  # first unrunnable -> then cannot migrate
    IMPLIES_FIRST_RESTART = enum.auto()  # used for then-restart semantics of clones

    MANDATORY = IMPLIES_THEN | RUNNABLE_LEFT


@record(frozen=False, eq=False)
class Ordering:
    first: Action
    then: Action
    flags: OrderFlag
    id: int = 0

    def __repr__(self) -> str:
        return f"Ordering({self.first.describe()} -> {self.then.describe()} {self.flags})"
