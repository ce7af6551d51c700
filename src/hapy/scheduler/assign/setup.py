"""Preparing node scores before assignment: the symmetric-cluster baseline,
stickiness, group and clone structure."""

from __future__ import annotations

from hapy.cib.scores import add_scores, score_text
from hapy.records import replace
from hapy.scheduler.explain.ledger import noting
from hapy.scheduler.options import is_true
from hapy.scheduler.working_set import INFINITY, Colocation, Node, Resource, WorkingSet


def init_allowed(ws: WorkingSet) -> None:
    """In a symmetric cluster every resource may run on every node, starting
    from the node's own ``score`` (0 unless the node sets one)."""
    if not ws.options.symmetric:
        return
    for top in ws.resources:
        if top.orphan:
            # a resource known only from the status section may run nowhere
            continue
        for rsc in top.walk():
            with noting(ws, rsc, "default", "symmetric-cluster=true",
                        "every node is allowed, starting at the node's own score"):
                for node in ws.nodes:
                    if node.from_status or node.bundle_id is not None:
                        # only the resources already unpacked knew it; a
                        # bundle's guest node runs only what its bundle places
                        continue
                    if node.id in rsc.allowed:
                        rsc.allowed[node.id] = add_scores(rsc.allowed[node.id],
                                                          node.config_score)
                    else:
                        rsc.allowed[node.id] = node.config_score


def apply_stickiness(ws: WorkingSet) -> None:
    """Stickiness on the one node a managed resource runs on; an unmanaged
    resource is held (INFINITY) on every node it is active on; one frozen by
    a ticket's loss-policy gets neither."""
    for prim in ws.all_primitives():
        if prim.orphan:
            continue
        if prim.frozen_by_ticket:
            continue  # held where it is by the ticket's freeze, without stickiness
        if not prim.managed:
            with noting(ws, prim, "unmanaged", "is-managed=false",
                        "unmanaged: held where it is active"):
                for node in prim.running_on:
                    prim.allowed[node.id] = add_scores(prim.allowed.get(node.id, 0), INFINITY)
            continue
        if prim.stickiness == 0 or len(prim.running_on) != 1:
            continue
        node = prim.running_on[0]
        if not ws.options.symmetric and not _allowed_in_line(prim, node):
            continue
        with noting(ws, prim, "stickiness", "resource-stickiness",
                    _stickiness_text, prim, node):
            prim.allowed[node.id] = add_scores(prim.allowed.get(node.id, 0), prim.stickiness)


def _allowed_in_line(rsc: Resource, node: Node) -> bool:
    """Whether a location constraint lets ``rsc`` or one of its parents on
    ``node`` (in an asymmetric cluster, stickiness needs one)."""
    holder: Resource | None = rsc
    while holder is not None:
        if node.id in holder.allowed:
            return True
        holder = holder.parent
    return False


def _retarget(coloc: Colocation, grp: Resource) -> None:
    """A group follows its primaries through its first member; the resources
    that follow a group weigh in when its last member is placed (the
    colocation keeps the group as its primary)."""
    if coloc.dependent is grp:
        first = grp.children[0]
        grp.colocations_this_with.remove(coloc)
        coloc.dependent = first
        coloc.dependent_group = grp
        first.colocations_this_with.append(coloc)
        if coloc.score >= INFINITY:
            # every member must respect a mandatory colocation of the group
            # (even when an earlier member is held where it is, unmanaged)
            for member in grp.children[1:]:
                member.colocations_this_with.append(
                    replace(coloc, dependent=member, ban_only=True))
    if coloc.primary is grp:
        grp.colocations_with_this.remove(coloc)
        grp.children[-1].colocations_with_this.append(coloc)


def prepare_groups(ws: WorkingSet) -> None:
    """Chain each group's members with mandatory colocations (unless the
    group is not ``collocated``) and give the
    group's own scores and colocations to its first member."""
    for top in ws.resources:
        for grp in top.walk():
            if grp.variant != "group" or not grp.children:
                continue
            first = grp.children[0]
            if grp.parent is None or grp.parent.variant != "clone":
                with noting(ws, first, "group", grp.id,
                            "the group's own scores go to its first member",
                            inherited=grp):
                    for node_id, score in grp.allowed.items():
                        if node_id in first.allowed:
                            first.allowed[node_id] = add_scores(first.allowed[node_id], score)
                        else:
                            first.allowed[node_id] = score
                with noting(ws, grp.children[1:], "group", grp.id,
                            "allowed where its group is"):
                    for child in grp.children[1:]:
                        for node_id in grp.allowed:
                            child.allowed.setdefault(node_id, 0)
            # (members of a group whose "collocated" is false go anywhere)
            chained = is_true(grp.meta.get("collocated", "true"))
            for prev, cur in zip(grp.children, grp.children[1:] if chained else [],
                                 strict=False):
                coloc = Colocation(id=f"{grp.id}-internal", dependent=cur, primary=prev,
                                   score=INFINITY)
                cur.colocations_this_with.append(coloc)
                prev.colocations_with_this.append(coloc)
            for coloc in list(grp.colocations_this_with) + list(grp.colocations_with_this):
                _retarget(coloc, grp)
    for top in ws.resources:
        for rsc in top.walk():
            # what follows a resource weighs in by priority, then name
            rsc.colocations_with_this.sort(key=_dependent_order)


def _dependent_order(coloc: Colocation) -> tuple[int, str]:
    dependent = coloc.dependent_group or coloc.dependent
    return -dependent.priority, dependent.id


def _stickiness_text(prim: Resource, node: Node) -> str:
    return f"active on {node.uname}, resource-stickiness={score_text(prim.stickiness)}"
