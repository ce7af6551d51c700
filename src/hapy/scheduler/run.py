"""``schedule(cib, now)``: the whole scheduler pipeline.

unpack (nodes, resources, history, constraints) -> assign nodes and roles ->
create actions and orderings -> propagate required/runnable -> graph.
"""

from __future__ import annotations

from datetime import datetime

from hapy.cib import model as m
from hapy.cib.nvsets import unpack_nvsets
from hapy.cib.rules import RuleContext
from hapy.graph.model import TransitionGraph
from hapy.records import record
from hapy.scheduler.actions.anti_colocation import order_anti_colocations
from hapy.scheduler.actions.bundle import order_replicas
from hapy.scheduler.actions.collective import create_collective_actions
from hapy.scheduler.actions.constraints import apply_order_constraints
from hapy.scheduler.actions.definition_changes import (
    create_definition_actions,
    drop_superseded_reloads,
)
from hapy.scheduler.actions.failcounts import create_failcount_clears
from hapy.scheduler.actions.fencing import create_fencing, create_shutdowns
from hapy.scheduler.actions.lock_cleanup import create_lock_cleanups
from hapy.scheduler.actions.migration import order_migrations, plan_migrations
from hapy.scheduler.actions.model import Action
from hapy.scheduler.actions.monitors import create_probes, create_recurring, create_reprobes
from hapy.scheduler.actions.notifications import (
    create_notification_pseudo_actions,
    create_notifications,
    notifies,
)
from hapy.scheduler.actions.orphans import create_orphan_cleanup
from hapy.scheduler.actions.primitive import create_primitive_actions, rerun_pending_starts
from hapy.scheduler.actions.probe_orderings import order_probes
from hapy.scheduler.actions.propagate import propagate
from hapy.scheduler.actions.remote import (
    fence_unrecoverable_remotes,
    mark_downed_nodes,
    order_remote_actions,
)
from hapy.scheduler.actions.table import ActionTable
from hapy.scheduler.actions.unfencing import (
    add_unfencing_digests,
    create_reunfencing,
    create_unfencing,
)
from hapy.scheduler.actions.utilization import create_load_orderings
from hapy.scheduler.assign.bundle import seed_bundle_scores
from hapy.scheduler.assign.order import assignment_order
from hapy.scheduler.assign.primitive import assign_any
from hapy.scheduler.assign.setup import apply_stickiness, init_allowed, prepare_groups
from hapy.scheduler.assign.tickets import apply_tickets
from hapy.scheduler.assign.utilization import uses_utilization
from hapy.scheduler.explain.ledger import ScoreLedger
from hapy.scheduler.graph import build_graph
from hapy.scheduler.options import ClusterOptions
from hapy.scheduler.trace import ScoreTrace
from hapy.scheduler.unpack.bundles import add_bundle_nodes
from hapy.scheduler.unpack.constraints import unpack_constraints
from hapy.scheduler.unpack.health import apply_node_health_colours, apply_node_health_scores
from hapy.scheduler.unpack.history import apply_failcounts, unpack_history
from hapy.scheduler.unpack.nodes import apply_node_states, unpack_nodes
from hapy.scheduler.unpack.remote import (
    add_guest_connections,
    add_guest_constraints,
    add_remote_nodes,
    ban_from_remote_nodes,
    hold_reconnecting_connections,
    link_fillers,
)
from hapy.scheduler.unpack.resources import unpack_resources
from hapy.scheduler.unpack.shutdown_lock import apply_lock_scores, apply_shutdown_locks
from hapy.scheduler.working_set import WorkingSet


@record
class Transition:
    graph: TransitionGraph
    scores: tuple[str, ...]
    working_set: WorkingSet
    actions: tuple[Action, ...]


def cluster_options(cib: m.Cib, now: datetime) -> ClusterOptions:
    ctx = RuleContext(node_attrs={}, now=now)
    values = unpack_nvsets(cib.crm_config, ctx, first_id="cib-bootstrap-options")
    return ClusterOptions(values)


def unpack(cib: m.Cib, now: datetime, ledger: ScoreLedger | None = None) -> WorkingSet:
    ws = WorkingSet(cib=cib, now=now, options=cluster_options(cib, now))
    if ledger is not None:
        ws.ledger = ledger
        ledger.bind(ws)
    ws.have_quorum = cib.have_quorum
    ws.placement_strategy = ws.options.get("placement-strategy")
    unpack_nodes(ws)
    add_remote_nodes(ws)
    add_bundle_nodes(ws)
    apply_node_states(ws)
    apply_node_health_colours(ws)
    unpack_resources(ws)
    add_guest_connections(ws)
    link_fillers(ws)
    unpack_history(ws)
    hold_reconnecting_connections(ws)
    # like Pacemaker, keep the resources by priority (status displays and the
    # transition summary list them that way)
    ws.resources.sort(key=lambda r: -r.priority)
    apply_shutdown_locks(ws)
    return ws


def schedule(cib: m.Cib, now: datetime, *, with_scores: bool = True,
             ledger: ScoreLedger | None = None) -> Transition:
    """With a ``ledger``, the run also records what made each score
    (``hapy explain``); the transition is the same either way."""
    ws = unpack(cib, now, ledger)
    ws.trace = ScoreTrace(ledger=ledger) if with_scores or ledger is not None else None
    init_allowed(ws)
    seed_bundle_scores(ws)
    ban_from_remote_nodes(ws)
    apply_node_health_scores(ws)
    data = unpack_constraints(ws)
    add_guest_constraints(ws, data)
    apply_tickets(ws, data)
    apply_failcounts(ws)
    apply_stickiness(ws)
    apply_lock_scores(ws)
    prepare_groups(ws)
    order = assignment_order(ws)
    if uses_utilization(ws):
        # (the transition summary lists the resources in that order)
        ws.summary_order = order
    for rsc in order:
        assign_any(ws, rsc)

    table = ActionTable(ws)
    everything = [r for top in ws.resources for r in top.walk()]
    for rsc in everything:
        if rsc.variant == "primitive":
            create_primitive_actions(ws, table, rsc)
            create_definition_actions(ws, table, rsc)
    # innermost first: a clone of groups orders its instances' pseudo-actions
    for rsc in reversed(everything):
        if rsc.variant in ("group", "clone", "bundle"):
            create_collective_actions(ws, table, rsc)
        if notifies(rsc):
            create_notification_pseudo_actions(table, rsc)
    create_reprobes(ws, table)
    for rsc in everything:
        if rsc.variant == "primitive":
            create_probes(ws, table, rsc)
    for rsc in ws.resources:
        if rsc.variant == "bundle":
            order_replicas(table, rsc)
    migrating = plan_migrations(ws, table)
    create_load_orderings(ws, table)
    apply_order_constraints(ws, table, data)
    order_anti_colocations(ws, table)
    fence_unrecoverable_remotes(ws)
    create_reunfencing(ws, table)
    create_unfencing(ws, table)
    create_fencing(ws, table)
    add_unfencing_digests(ws)
    create_shutdowns(ws, table)
    create_orphan_cleanup(ws, table)
    create_failcount_clears(ws, table)
    create_lock_cleanups(ws, table)
    order_remote_actions(ws, table)
    order_probes(ws, table, data)
    order_migrations(table, migrating)
    propagate(ws)
    for rsc in everything:
        if rsc.variant == "primitive":
            create_recurring(ws, table, rsc)
    order_remote_actions(ws, table)
    propagate(ws)
    rerun_pending_starts(ws, table)
    create_notifications(ws, table)
    drop_superseded_reloads(ws, table)
    mark_downed_nodes(ws, table)
    graph = build_graph(ws)
    scores = tuple(ws.trace.lines) if ws.trace is not None else ()
    return Transition(graph=graph, scores=scores, working_set=ws, actions=tuple(ws.actions))
