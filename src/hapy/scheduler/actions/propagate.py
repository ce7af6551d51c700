"""Propagating required/runnable across orderings until nothing changes.

Both properties only ever move one way (optional -> required, runnable ->
unrunnable), so a worklist reaches the fixed point: an action is looked at
again only when one of its own flags changed, and then only the orderings
that touch it are re-evaluated.
"""

from __future__ import annotations

from collections import deque

from hapy.scheduler.actions.model import (
    COMPLETES,
    DEMOTED,
    NOTIFIED,
    NOTIFY,
    PROMOTE,
    PROMOTED,
    RUNNING,
    START,
    STOP,
    STOPPED,
    Action,
    OrderFlag,
)
from hapy.scheduler.options import is_true
from hapy.scheduler.working_set import INFINITY, Node, Resource, Role, WorkingSet

F = OrderFlag
# the flags as plain integers: testing them is the inner loop of the
# propagation, and an enum.Flag builds a new member for every ``&``
_RUNNABLE_LEFT = F.RUNNABLE_LEFT.value
_ONE_OR_MORE = F.ONE_OR_MORE.value
_ASYMMETRICAL = F.ASYMMETRICAL.value
_IMPLIES_THEN = F.IMPLIES_THEN.value
_IMPLIES_FIRST = F.IMPLIES_FIRST.value
_IMPLIES_FIRST_PRINTED = F.IMPLIES_FIRST_PRINTED.value
_RESTART = F.RESTART.value
_IMPLIES_EITHER = _IMPLIES_THEN | _IMPLIES_FIRST


def _name(action: Action) -> str:
    if action.rsc is not None:
        return f"{action.rsc.name} {action.task}"
    return action.key


class _Propagation:
    def __init__(self, actions: list[Action]) -> None:
        self.queue: deque[Action] = deque()
        self.queued: set[int] = set()
        self.colocation_blocked: set[int] = set()  # resources that can start nowhere
        # runnable one-or-more inputs of the actions that need only some
        self.runnable_inputs: dict[int, int] = {
            a.id: sum(1 for o in a.inputs if o.flags.value & _ONE_OR_MORE and o.first.runnable)
            for a in actions if a.required_runnable > 0
        }
        for action in actions:
            if not action.runnable and action.unrunnable_source is None and not action.probe:
                # unrunnable in itself (not through an ordering)
                action.unrunnable_stops = True
            self.push(action)
        # a resource that cannot start where it is active stops (for no
        # other reason) before anything is propagated
        for action in actions:
            if action.unrunnable_stops and action.task == START:
                self.stop_if_cannot_start(action)

    def push(self, action: Action) -> None:
        if action.id not in self.queued:
            self.queued.add(action.id)
            self.queue.append(action)

    # -- the two changes ------------------------------------------------------

    def require(self, action: Action, reason_from: Action | None) -> None:
        if not action.optional:
            own = action.reason_source
            if reason_from is not None and reason_from.rsc is not None \
                    and reason_from.rsc is not action.rsc and own is not None \
                    and own.rsc is action.rsc and action.reason.startswith("required"):
                # required by its own resource (a restart's start by its
                # stop) says nothing; what another resource requires does
                action.reason = f"required {reason_from.rsc.name} {reason_from.task}"
                action.reason_source = reason_from
            return
        action.optional = False
        if reason_from is not None and not action.reason:
            action.reason = f"required {reason_from.rsc.name if reason_from.rsc else ''} " \
                f"{reason_from.task}".replace("  ", " ")
            action.reason_source = reason_from
        self.push(action)

    def block(self, action: Action, source: Action | None, stops: bool) -> None:
        if not action.runnable:
            if stops and not action.unrunnable_stops:
                action.unrunnable_stops = True
                self.push(action)
            return
        action.runnable = False
        action.unrunnable_stops = stops
        if action.unrunnable_source is None and source is not None:
            action.unrunnable_source = _root_cause(source)
        self.push(action)
        for o in action.outputs:
            if o.flags.value & _ONE_OR_MORE and o.then.id in self.runnable_inputs:
                self.runnable_inputs[o.then.id] -= 1
                self.enough_inputs(o.then)

    # -- rules ------------------------------------------------------------------

    def ordering(self, first: Action, then: Action, order_flags: OrderFlag) -> None:
        flags = order_flags.value
        if flags & _RUNNABLE_LEFT and not flags & _ONE_OR_MORE and not first.runnable:
            # a group not running because a member cannot start is its own cause
            member_of = then.task == RUNNING and first.rsc is not None \
                and then.rsc is not None and first.rsc.parent is then.rsc \
                and then.rsc.variant == "group"
            self.block(then, None if member_of else first,
                       first.unrunnable_stops and not flags & _ASYMMETRICAL)
        if flags & _IMPLIES_THEN and first.required and (then.optional or _own_reason(then)) and (
            first.runnable or first.pseudo
        ) and not (_clone_completion(first) and _keeps_running(then)
                   and not _acts_on(first, _where(then))) \
                and _required_on(first, then.node, then):
            self.require(then, first)
        # a collective's pseudo-action is needed only for members' actions
        # that can run
        if flags & _IMPLIES_FIRST and then.required and first.optional and (
            then.runnable or not first.pseudo or _active_member_held(then)
            or _blocked_by_quorum_in_group(first, then)
            or _blocked_leaving_stop(first, then) or _clone_starts_anyway(first, then)
        ) and not _clone_completion(first) and _required_on(then, first.node, first):
            self.require(first, then)
        if flags & _IMPLIES_FIRST_PRINTED and then.required and then.runnable \
                and first.optional:
            self.require(first, then)
        if flags & _RESTART and first.optional and then.task == START \
                and first.task == STOP and then.node is first.node and then.required \
                and then.runnable:
            self.require(first, then)
        # a group stopping a disabled member while others keep running starts
        if flags & _RESTART and first.task == STOPPED and first.required and then.optional \
                and then.rsc is not None and _stops_disabled_member(then.rsc):
            self.require(then, first)
        # no start anywhere while a stop that must happen cannot
        if flags & _RESTART and first.task == STOP and then.task == START and first.required \
                and not first.runnable and then.runnable:
            self.block(then, first, False)
        # a stop ordered (mandatorily) with the stop of a blocked resource
        # waits for it forever
        if flags & _IMPLIES_EITHER and first.task == STOP \
                and then.task == STOP and then.runnable and not first.runnable \
                and first.rsc is not None and first.rsc.block:
            self.block(then, first, False)

    def enough_inputs(self, then: Action) -> None:
        """An action needing only some of its inputs runnable (one-or-more)."""
        count = self.runnable_inputs.get(then.id)
        if count is not None and then.runnable and count < then.required_runnable:
            self.block(then, None, True)

    def stop_if_cannot_start(self, start: Action) -> None:
        """A managed resource whose start became unrunnable must stop where it
        is active (it cannot be (re)started there)."""
        rsc = start.rsc
        if rsc is None or rsc.variant != "primitive" or start.task != START \
                or start.runnable or not rsc.managed:
            return
        if not start.unrunnable_stops:
            # (an asymmetrical ordering does not stop it) but a resource
            # that had to stop anyway (moving, recovering) stays stopped
            # because it cannot start again
            src = start.unrunnable_source
            if src is not None and start.required:
                for stop in rsc.actions:
                    if stop.task == STOP and stop.runnable and not stop.optional \
                            and stop.reason in ("", "failed") \
                            and rsc.assigned_node is not None:
                        _stop_reason(stop, start, src)
            return
        if not start.required and start.node not in rsc.running_on:
            return
        src = start.unrunnable_source
        for stop in rsc.actions:
            if stop.task != STOP or not stop.runnable:
                continue
            if not stop.optional and src is not None and (
                stop.reason.startswith("required")
                or (stop.reason in ("", "failed") and rsc.assigned_node is not None)
            ):
                # what makes it stop is that it cannot start again
                _stop_reason(stop, start, src)
            if stop.optional:
                if src is not None and not stop.reason:
                    _stop_reason(stop, start, src)
                elif start.reason.startswith("colocation with") and not stop.reason:
                    stop.reason = start.reason
                stop.optional = False
                self.push(stop)

    def block_colocated(self, start: Action) -> None:
        """A resource that can start nowhere (none of its instances or
        members can) keeps the resources colocated with it mandatorily from
        starting (and running)."""
        rsc = start.rsc
        if rsc is None or start.task != START or start.runnable or not start.unrunnable_stops:
            return  # (a start merely held back, e.g. by a probe, blocks nothing)
        top = rsc
        while top.parent is not None:
            top = top.parent
        if id(top) in self.colocation_blocked:
            return
        for child in top.children:
            first_start = next((a for a in child.actions if a.task == START), None)
            if first_start is None or first_start.runnable or not first_start.unrunnable_stops:
                return
        self.colocation_blocked.add(id(top))
        for member in top.walk():
            for coloc in member.colocations_with_this:
                if coloc.score < INFINITY or coloc.primary_role is not Role.UNKNOWN:
                    continue
                if coloc.dependent_role is Role.UNKNOWN:
                    # it may not run: its start is blocked (a bundle's: its
                    # bundled instances')
                    blocked, stops = [coloc.dependent], True
                    if coloc.dependent.variant == "bundle":
                        blocked = [p for p in coloc.dependent.primitives()
                                   if p.clone_parent() is not None]
                elif coloc.dependent_role is Role.PROMOTED:
                    # it may not be promoted: its instances' promotions are
                    blocked, stops = list(coloc.dependent.primitives()), False
                else:
                    continue
                task = START if stops else PROMOTE
                for holder in blocked:
                    for action in holder.actions:
                        if action.task == task and action.runnable:
                            action.reason = f"colocation with {rsc.name}"
                            self.block(action, None, stops)

    def visit(self, action: Action) -> None:
        self.enough_inputs(action)
        self.stop_if_cannot_start(action)
        for outputs in (action.outputs, action.implied_outputs):
            for o in outputs:
                self.ordering(o.first, o.then, o.flags)
        for inputs in (action.inputs, action.implied_inputs):
            for o in inputs:
                self.ordering(o.first, o.then, o.flags)


#: a clone's pseudo-actions that only mark what its instances did
_COMPLETIONS = frozenset((RUNNING, STOPPED, PROMOTED, DEMOTED, NOTIFY, NOTIFIED))


def _clone_completion(action: Action) -> bool:
    """A clone's completion (or post notification): what follows it cannot
    make it happen, only the instances' actions can."""
    rsc = action.rsc
    return action.pseudo and rsc is not None and rsc.variant == "clone" \
        and action.task in _COMPLETIONS \
        and (action.task not in (NOTIFY, NOTIFIED) or action.meta.get("notify_type") == "post")


def _clone_starts_anyway(first: Action, then: Action) -> bool:
    """A clone's start that an instance's start needs although that start
    cannot run (held back by its own instance orderings, the clone's start
    itself can run)."""
    return first.task == START and then.task == START and first.runnable \
        and then.node is not None \
        and first.rsc is not None and first.rsc.variant == "clone" \
        and then.rsc is not None and then.rsc.clone_parent() is first.rsc


def _own_reason(action: Action) -> bool:
    """A required action whose reason is an action of its own resource (a
    restart's start required by its stop): another resource's reason wins."""
    source = action.reason_source
    return source is not None and source.rsc is action.rsc and action.rsc is not None


def _keeps_running(action: Action) -> bool:
    """A start of a primitive (not a clone instance) already active where it
    would start: a clone starting or promoting instances elsewhere does not
    restart it (the clone's stops reach it through the reverse ordering),
    one starting or promoting an instance on its node does; the instances
    of a clone ordered after it do restart."""
    rsc = action.rsc
    if action.task != START or rsc is None or rsc.clone_parent() is not None:
        return False
    if rsc.variant == "group":
        # (a group's start: every member already active where it goes)
        node = rsc.assigned_node
        return node is not None and bool(rsc.children) \
            and all(node in m.running_on for m in rsc.children)
    return rsc.variant == "primitive" \
        and action.node is not None and action.node in rsc.running_on


def _where(action: Action) -> Node | None:
    """The node an action happens on (a group's pseudo-action: the group's)."""
    if action.node is None and action.rsc is not None and action.rsc.variant == "group":
        return action.rsc.assigned_node
    return action.node


def _stop_reason(stop: Action, start: Action, src: Action) -> None:
    """Why a resource stops because it cannot start: staying where it is,
    its restart was required by the start of an active resource (that
    cannot happen), else that action is unrunnable."""
    if (not src.pseudo and start.node is stop.node and src.rsc is not None
            and any(not n.unclean for n in src.rsc.running_on)
            and (src.runnable or not _reaches_guest(src.rsc))) \
            or _instances_must_start(src):
        stop.reason = f"required {_name(src)}"
        stop.reason_source = src
    else:
        stop.reason = f"unrunnable {_name(src)}"


def _instances_must_start(src: Action) -> bool:
    """A clone's start (or its completion) that some instance's start needs
    although it cannot run: what follows it was required by it before it
    turned out unrunnable."""
    clone = src.rsc
    if not src.pseudo or clone is None or clone.variant != "clone" \
            or src.task not in (START, RUNNING):
        return False
    return any(a.task == START and a.required and a.node is not None
               for inst in clone.children for p in inst.primitives() for a in p.actions)


def _reaches_guest(rsc: Resource) -> bool:
    """A remote connection, or the container a guest node's connection needs."""
    return rsc.is_remote_connection or any(f.is_remote_connection for f in rsc.fillers)


#: the instance task a clone's completion pseudo-action stands for
_DONE_BY = {done: task for task, done in COMPLETES.items()}


def _required_on(action: Action, node: Node | None, other: Action | None = None) -> bool:
    """Whether a clone's pseudo-action is required as far as ``node`` is
    concerned: only an instance acting there makes an action on that node
    follow it."""
    clone = action.rsc
    if node is None or clone is None or clone.variant != "clone" or not action.pseudo:
        return True
    if other is not None and other.rsc is not None and other.rsc.clone_parent() is not None:
        return True  # another clone's instances follow the clone as a whole
    return _acts_on(action, node)


def _acts_on(action: Action, node: Node | None) -> bool:
    """Whether an instance of the clone whose pseudo-action ``action`` is does
    what it stands for (a start for "running", a promotion for "promoted"...)
    on ``node``."""
    clone = action.rsc
    if node is None or clone is None:
        return False
    task = _DONE_BY.get(action.task, action.task)
    return any(a.task == task and a.node is node and a.required
               for inst in clone.children for p in inst.primitives() for a in p.actions)


def _stops_disabled_member(group: Resource) -> bool:
    """A group with a member disabled (target-role=Stopped) while active and
    another member staying active."""
    members = list(group.primitives())
    return any(m.target_role is Role.STOPPED and m.running_on for m in members) \
        and any(m.assigned_node is not None for m in members)


def _active_member_held(then: Action) -> bool:
    """An active member's action on a node, held back (its node cannot be
    fenced, or quorum is lost), still makes its collective's pseudo-action
    part of the transition."""
    return then.node is not None and then.rsc is not None and bool(then.rsc.running_on)


def _blocked_by_quorum_in_group(first: Action, then: Action) -> bool:
    """An active group member's start (after its stop) held back by the lost
    quorum still makes the group's start part of the transition."""
    return first.pseudo and first.task == START and first.rsc is not None \
        and first.rsc.variant == "group" and then.reason == "no quorum" \
        and then.rsc is not None and bool(then.rsc.running_on)


def _blocked_leaving_stop(first: Action, then: Action) -> bool:
    """A clone instance that must leave a node where its stop cannot run
    (the node cannot be fenced) still makes the clone's stop happen."""
    rsc = then.rsc
    return first.pseudo and first.task == STOP and then.task == STOP and rsc is not None \
        and first.rsc is rsc.clone_parent() and rsc.assigned_node is None and not then.reason


def _root_cause(source: Action) -> Action:
    """The action reported as the reason something became unrunnable: through
    the pseudo-actions of groups and clones, the one that started it."""
    seen = 0
    # (a notifying clone's confirmation is reported itself)
    while source.pseudo and source.unrunnable_source is not None and seen < 100 \
            and source.task != NOTIFIED:
        source = source.unrunnable_source
        seen += 1
    return source


def propagate(ws: WorkingSet) -> None:
    work = _Propagation(ws.actions)
    while work.queue:
        while work.queue:
            action = work.queue.popleft()
            work.queued.discard(action.id)
            work.visit(action)
        # once orderings have settled, what can start nowhere takes its
        # mandatory dependents down with it (which may settle more)
        for action in ws.actions:
            if action.task == START and not action.runnable:
                work.block_colocated(action)
    for top in ws.resources:
        for rsc in top.walk():
            if rsc.variant == "group":
                _chain_member_stop_reasons(rsc)


def _chain_member_stop_reasons(group: Resource) -> None:
    """An ordered group whose members all stop because it cannot start
    again: the first member says why; each further one names its
    predecessor, whose stop and start alternate as the reason (as Pacemaker
    reaches them along the group's stop and start chains: a stop first
    when the first member's reason is a requirement, a start first when it
    is an unrunnable action)."""
    if not is_true(group.meta.get("ordered", "true")):
        return  # (the same test that chains the members' orderings)
    members = group.children
    if len(members) < 2:
        return
    steps: list[tuple[Action, Action]] = []
    for member in members:
        stops = [a for a in member.actions if a.task == STOP and a.required and a.runnable]
        if len(stops) != 1:
            return
        start = next((a for a in member.actions if a.task == START
                      and a.node is stops[0].node), None)
        if start is None or start.runnable:
            return
        steps.append((stops[0], start))
    reason = steps[0][0].reason
    if not reason.startswith(("required ", "unrunnable ")) \
            or any(stop.reason != reason for stop, _ in steps[1:]):
        return
    stop_first = reason.startswith("required ")
    for index in range(1, len(steps)):
        prev_stop, prev_start = steps[index - 1]
        prev = prev_stop if (index % 2 == 1) == stop_first else prev_start
        stop = steps[index][0]
        stop.reason = f"required {_name(prev)}"
        stop.reason_source = prev
