"""Clone notifications (``notify=true``).

Around each task a notifying clone performs (demote, stop, start, promote,
in that order), the instances are told before and after:

* pseudo-actions ``C_pre_notify_T_0`` -> ``C_confirmed-pre_notify_T_0`` ->
  the clone's task ``C_T_0`` ... its completion ``C_D_0`` (running,
  stopped...) -> ``C_post_notify_D_0`` -> ``C_confirmed-post_notify_D_0``;
* between them, a ``notify`` operation (``I_pre_notify_T_0``,
  ``I_post_notify_T_0``) on each instance active at that moment: before a
  demote or stop every active instance, after a stop those that remain,
  before a start those that remain, after a start (and around a promote)
  those that remain and those that started;
* the notifications of an earlier task are confirmed before those of a
  later one begin, the instances' recurring monitors wait for the post
  notifications they receive, and what other resources wait for is the
  confirmation of the post notification (not the bare completion);
* every notification, and every start/stop/promote/demote of an instance,
  carries the same ``CRM_meta_notify_*`` lists: the instances (and their
  nodes) active, inactive, promoted, unpromoted, starting, stopping,
  promoting and demoting, all nodes and the nodes the clone may run on.
"""

from __future__ import annotations

from dataclasses import dataclass

from hapy.scheduler.actions.model import (
    COMPLETES,
    DEMOTE,
    MONITOR,
    NOTIFIED,
    NOTIFY,
    PROMOTE,
    START,
    STOP,
    Action,
    OrderFlag,
)
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.options import is_true
from hapy.scheduler.working_set import Node, Resource, Role, WorkingSet

F = OrderFlag

#: the tasks a clone notifies about, in the order it performs them
PHASES = (DEMOTE, STOP, START, PROMOTE)
_EMPTY = " "


def notifies(rsc: Resource) -> bool:
    """Whether ``rsc`` is a clone whose instances are notified."""
    return rsc.variant == "clone" and is_true(rsc.meta.get("notify"))


@dataclass(frozen=True)
class _Keys:
    pre: str
    pre_done: str
    post: str
    post_done: str


def _keys(clone: Resource, task: str) -> _Keys:
    done = COMPLETES[task]
    return _Keys(
        pre=f"{clone.name}_pre_notify_{task}_0",
        pre_done=f"{clone.name}_confirmed-pre_notify_{task}_0",
        post=f"{clone.name}_post_notify_{done}_0",
        post_done=f"{clone.name}_confirmed-post_notify_{done}_0",
    )


def _tasks(clone: Resource) -> tuple[str, ...]:
    if clone.promotable:
        return PHASES
    return (STOP, START)


def _notify_meta(kind: str, task: str, key_type: str) -> dict[str, str]:
    key_operation = task if kind == "pre" else COMPLETES[task]
    return {
        "notify_type": kind,
        "notify_operation": task,
        "notify_key_type": key_type,
        "notify_key_operation": key_operation,
    }


def create_notification_pseudo_actions(table: ActionTable, clone: Resource) -> None:
    """The pseudo-actions that frame each task of a notifying clone, ordered
    around the clone's own task and completion pseudo-actions."""
    confirmed: list[Action] = []  # the post confirmations of the earlier tasks
    for task in _tasks(clone):
        act = table.find(f"{clone.name}_{task}_0", None)
        done = table.find(f"{clone.name}_{COMPLETES[task]}_0", None)
        if act is None or done is None:
            continue
        keys = _keys(clone, task)
        pre = table.pseudo(clone, NOTIFY, key=keys.pre)
        pre.meta.update(_notify_meta("pre", task, "pre"))
        pre_done = table.pseudo(clone, NOTIFIED, key=keys.pre_done)
        pre_done.meta.update(_notify_meta("pre", task, "confirmed-pre"))
        post = table.pseudo(clone, NOTIFY, key=keys.post)
        post.meta.update(_notify_meta("post", task, "post"))
        post_done = table.pseudo(clone, NOTIFIED, key=keys.post_done)
        post_done.meta.update(_notify_meta("post", task, "confirmed-post"))
        table.order(pre, pre_done, F.IMPLIES_FIRST | F.RUNNABLE_LEFT)
        table.order(pre_done, act, F.IMPLIES_FIRST)
        table.order(done, post, F.IMPLIES_THEN | F.RUNNABLE_LEFT)
        table.order(pre_done, post, F.OPTIONAL)
        table.order(post, post_done, F.IMPLIES_THEN | F.RUNNABLE_LEFT)
        for earlier in confirmed:
            table.order(earlier, pre, F.OPTIONAL)
        confirmed.append(post_done)


def confirmed_completion(table: ActionTable, rsc: Resource, done: str) -> Action | None:
    """What others wait for when they wait for a notifying clone's ``done``
    (running, stopped...): the confirmation of its post notification."""
    if not notifies(rsc):
        return None
    return table.find(f"{rsc.name}_confirmed-post_notify_{done}_0", None)


# ---------------------------------------------------------------- per instance


def _in_graph(action: Action) -> bool:
    return action.required and action.runnable and not action.deleted


def _graph_action(prim: Resource, task: str) -> Action | None:
    for action in prim.actions:
        if action.task == task and action.interval_ms == 0 and action.node is not None \
                and _in_graph(action):
            return action
    return None


def _required_action(prim: Resource, task: str) -> Action | None:
    for action in prim.actions:
        if action.task == task and action.interval_ms == 0 and action.node is not None \
                and action.required and not action.deleted:
            return action
    return None


def _can_notify(node: Node | None) -> bool:
    return node is not None and node.online and not node.unclean


@dataclass
class _Instance:
    prim: Resource
    current: Node | None
    stops: bool
    start_node: Node | None  # where it starts, if it does

    def recipients(self, task: str, kind: str) -> Node | None:
        """Where this instance is told about ``task`` (``kind`` pre or post)."""
        remains = self.current if not self.stops else None
        if task == DEMOTE or (task == STOP and kind == "pre"):
            return self.current
        if task == STOP or (task == START and kind == "pre"):
            return remains
        return self.start_node or remains


def _instances(clone: Resource) -> list[_Instance]:
    out: list[_Instance] = []
    for inst in clone.children:
        for prim in inst.primitives():
            current = prim.running_on[0] if prim.running_on else None
            stop = _graph_action(prim, STOP)
            start = _graph_action(prim, START)
            out.append(_Instance(prim, current, stop is not None and stop.node is current,
                                 start.node if start is not None else None))
    return out


def create_notifications(ws: WorkingSet, table: ActionTable) -> None:
    """The instances' notify operations and the ``CRM_meta_notify_*`` lists,
    once what every instance does is known."""
    for top in ws.resources:
        for clone in top.walk():
            if notifies(clone):
                _notify_instances(ws, table, clone)
            elif clone.variant == "clone" and any(
                is_true(prim.meta.get("notify")) for prim in clone.primitives()
            ):
                # instances asking for notifications in a clone that does not
                # notify: only those of stops implied by fencing are sent
                _notify_fenced_only(ws, table, clone)


def _notify_instances(ws: WorkingSet, table: ActionTable, clone: Resource) -> None:
    instances = _instances(clone)
    lists = _notify_lists(ws, clone)
    for task in _tasks(clone):
        keys = _keys(clone, task)
        for kind, first_key, done_key in (("pre", keys.pre, keys.pre_done),
                                          ("post", keys.post, keys.post_done)):
            first = table.find(first_key, None)
            done = table.find(done_key, None)
            if first is None or done is None or not _in_graph(first):
                continue
            for inst in instances:
                node = inst.recipients(task, kind)
                if not _can_notify(node):
                    continue
                assert node is not None
                op = table.get(inst.prim, NOTIFY, node,
                               key=f"{inst.prim.name}_{kind}_notify_{task}_0", optional=False)
                op.meta.update(lists)
                op.meta.update(_notify_meta(kind, task, kind))
                table.order(first, op, F.OPTIONAL)
                table.order(op, done, F.OPTIONAL)
                if kind == "post":
                    for mon in inst.prim.actions:
                        if mon.task == MONITOR and mon.interval_ms > 0 and mon.node is node:
                            table.order(done, mon, F.OPTIONAL)
    for inst in instances:
        for action in inst.prim.actions:
            if action.task in PHASES and action.interval_ms == 0 and _in_graph(action):
                action.meta.update(lists)
    _notify_fenced_stops(ws, table, clone, instances, lists)


def _notify_fenced_only(ws: WorkingSet, table: ActionTable, clone: Resource) -> None:
    instances = _instances(clone)
    fenced = [inst for inst in instances if (stop := _graph_action(inst.prim, STOP))
              is not None and stop.pseudo and inst.current is not None]
    # the notifications name the fenced stops only
    lists: dict[str, str] = {}
    lists["notify_stop_resource"], lists["notify_stop_uname"] = _joined(
        [(inst.prim.name, inst.current.uname) for inst in fenced if inst.current is not None])
    for inst in fenced:
        for action in inst.prim.actions:
            if action.task == STOP and _in_graph(action):
                action.meta.update(lists)
    _notify_fenced_stops(ws, table, clone, instances, lists)


def _notify_fenced_stops(ws: WorkingSet, table: ActionTable, clone: Resource,
                         instances: list[_Instance], lists: dict[str, str]) -> None:
    """An instance stopped by fencing its node: the others are told once the
    node is fenced (and the clone's stop waits for the fencing)."""
    clone_stop = table.find(f"{clone.name}_{STOP}_0", None)
    for inst in instances:
        stop = _graph_action(inst.prim, STOP)
        node = inst.current
        if stop is None or not stop.pseudo or node is None or not node.unclean:
            continue
        fence = ws.fencing_actions.get(node.id)
        if fence is None or not _in_graph(fence):
            continue
        if clone_stop is not None:
            table.order(fence, clone_stop, F.OPTIONAL)
        post = table.get(inst.prim, NOTIFY, None, pseudo=True, optional=False,
                         key=f"{inst.prim.name}_post_notify_stonith_0")
        post.meta.update(_notify_meta("post", STOP, "post"), notify_key_operation="stonith")
        done = table.get(inst.prim, NOTIFIED, None, pseudo=True, optional=False,
                         key=f"{inst.prim.name}_confirmed-post_notify_stonith_0")
        done.meta.update(_notify_meta("post", STOP, "confirmed-post"),
                         notify_key_operation="stonith")
        table.order(fence, post, F.OPTIONAL)
        table.order(post, done, F.OPTIONAL)
        for other in instances:
            where = other.recipients(STOP, "post")
            if other is inst or not _can_notify(where):
                continue
            assert where is not None
            op = table.get(other.prim, NOTIFY, where, optional=False,
                           key=f"{other.prim.name}_post_notify_{STOP}_0")
            op.meta.update(lists)
            op.meta.update(post.meta)
            table.order(post, op, F.OPTIONAL)
            table.order(op, done, F.OPTIONAL)
            for mon in other.prim.actions:
                if mon.task == MONITOR and mon.interval_ms > 0 and mon.node is where:
                    table.order(done, mon, F.OPTIONAL)


def _joined(entries: list[tuple[str, str]]) -> tuple[str, str]:
    if not entries:
        return _EMPTY, _EMPTY
    entries.sort()
    return " ".join(e[0] for e in entries), " ".join(e[1] for e in entries)


def _notify_lists(ws: WorkingSet, clone: Resource) -> dict[str, str]:
    active: list[tuple[str, str]] = []
    inactive: list[tuple[str, str]] = []
    promoted: list[tuple[str, str]] = []
    unpromoted: list[tuple[str, str]] = []
    tasks: dict[str, list[tuple[str, str]]] = {t: [] for t in PHASES}
    for inst in clone.children:
        for prim in inst.primitives():
            current = prim.running_on[0] if prim.running_on else None
            if current is None:
                inactive.append((prim.name, ""))
            else:
                active.append((prim.name, current.uname))
                if prim.role is Role.PROMOTED:
                    promoted.append((prim.name, current.uname))
                elif prim.role is Role.UNPROMOTED:
                    unpromoted.append((prim.name, current.uname))
            for task in PHASES:
                # (what must happen is listed, even when it cannot run)
                action = _required_action(prim, task)
                if action is not None and action.node is not None:
                    tasks[task].append((prim.name, action.node.uname))
    meta: dict[str, str] = {}
    for name, entries in (("active", active), ("promoted", promoted),
                          ("unpromoted", unpromoted), *tasks.items()):
        meta[f"notify_{name}_resource"], meta[f"notify_{name}_uname"] = _joined(entries)
    meta["notify_inactive_resource"] = _joined(inactive)[0]
    meta["notify_master_resource"] = meta["notify_promoted_resource"]
    meta["notify_master_uname"] = meta["notify_promoted_uname"]
    meta["notify_slave_resource"] = meta["notify_unpromoted_resource"]
    meta["notify_slave_uname"] = meta["notify_unpromoted_uname"]
    unames = sorted(node.uname for node in ws.nodes)
    meta["notify_all_uname"] = " ".join(unames) or _EMPTY
    # (nodes outside an exclusive resource-discovery are not available)
    available = sorted(
        node.uname for node in ws.nodes if node.id in clone.allowed
        and not (clone.exclusive_discover and clone.discovery.get(node.id) != "exclusive")
    )
    meta["notify_available_uname"] = " ".join(available) or _EMPTY
    return meta
