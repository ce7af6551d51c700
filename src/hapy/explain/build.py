"""From a scheduler run with a ledger to an :class:`Explanation`.

Every number comes from the run itself: a node's score is the one the score
trace printed (what ``hapy simulate -s`` shows), and its contributions are the
changes the scheduler recorded on the way there. A change the ledger cannot
account for (a gap between one recorded score and the next) is shown as
``unrecorded`` rather than hidden, so the contributions always lead to the
printed score.
"""

from __future__ import annotations

from hapy.cib.scores import score_text
from hapy.explain.model import (
    Capacity,
    Contribution,
    Explanation,
    NodeInfo,
    NodeScore,
    ResourceReport,
)
from hapy.scheduler.explain.ledger import (
    PROMOTION,
    Checkpoint,
    ScoreLedger,
    Step,
)
from hapy.scheduler.run import Transition
from hapy.scheduler.working_set import INFINITY, Node, Resource, Role, WorkingSet

UNRECORDED = "unrecorded"
NO_NODE = "stopped: no node can run it"
NO_FIRST = "stopped: its first member cannot run anywhere"


def explain(transition: Transition, ledger: ScoreLedger, rsc: Resource,
            only_node: Node | None = None) -> Explanation:
    ws = transition.working_set
    nodes = [n for n in ws.nodes if only_node is None or n is only_node]
    builder = _Builder(ws, ledger, nodes)
    report = builder.resource(rsc)
    return Explanation(
        resource=report,
        nodes=tuple(node_info(ws, n, rsc) for n in nodes),
        options=_options(ws),
        unexplained=builder.unexplained,
    )


def _options(ws: WorkingSet) -> tuple[tuple[str, str], ...]:
    opts = ws.options
    return (
        ("symmetric-cluster", str(opts.symmetric).lower()),
        ("placement-strategy", ws.placement_strategy),
        ("stonith-enabled", str(opts.stonith_enabled).lower()),
        ("have-quorum", str(ws.have_quorum).lower()),
        ("no-quorum-policy", str(opts.no_quorum_policy)),
        ("maintenance-mode", str(opts.flag("maintenance-mode")).lower()),
        ("stop-all-resources", str(opts.flag("stop-all-resources")).lower()),
    )


def node_states(node: Node) -> tuple[str, ...]:
    out = ["online" if node.online else "offline"]
    for flag, text in ((node.unclean, "unclean"), (node.pending, "pending"),
                       (node.standby, "standby"), (node.standby_onfail, "standby (on-fail)"),
                       (node.maintenance, "maintenance"), (node.shutdown, "shutting down")):
        if flag:
            out.append(text)
    if node.health != "green":
        out.append(f"health {node.health}")
    return tuple(out)


def node_info(ws: WorkingSet, node: Node, rsc: Resource) -> NodeInfo:
    from hapy.scheduler.assign.utilization import capacity, needs, remaining, uses_utilization

    caps: tuple[Capacity, ...] = ()
    if uses_utilization(ws):
        wanted: dict[str, int] = {}
        for prim in rsc.primitives():
            for name, amount in needs(prim).items():
                wanted[name] = wanted.get(name, 0) + amount
        free = remaining(node)
        caps = tuple(Capacity(name, total, free.get(name, 0), wanted.get(name, 0))
                     for name, total in sorted(capacity(node).items()))
    return NodeInfo(node.uname, node.kind, node_states(node), node.available(), caps)


class _Builder:
    def __init__(self, ws: WorkingSet, ledger: ScoreLedger, nodes: list[Node]) -> None:
        self.ws = ws
        self.ledger = ledger
        self.nodes = nodes
        self.unexplained = 0

    # -- resources ------------------------------------------------------------------

    def resource(self, rsc: Resource) -> ResourceReport:
        members = tuple(self.resource(child) for child in rsc.children)
        variant = rsc.variant
        if variant == "clone" and rsc.promotable:
            variant = "promotable clone"
        current = ", ".join(sorted({n.uname for p in rsc.primitives() for n in p.running_on}))
        why = outcome(self.ws, rsc)
        if why.startswith(NO_NODE):
            why = f"{NO_NODE}: {self.exclusions(rsc)}"
        elif why.startswith(NO_FIRST) and rsc.children:
            why = f"{NO_FIRST} ({rsc.children[0].name}): {self.exclusions(rsc.children[0])}"
        return ResourceReport(
            name=rsc.name,
            variant=variant,
            parent=rsc.parent.name if rsc.parent is not None else None,
            scores=tuple(self.node_score(rsc, node) for node in self.nodes),
            placed_on=_placed_on(rsc),
            outcome=why,
            current=current or "nowhere",
            role=rsc.role.text if rsc.variant == "primitive" else "",
            next_role=_next_role(rsc),
            actions=tuple(planned_actions(self.ws, rsc)),
            members=members,
        )

    def node_score(self, rsc: Resource, node: Node) -> NodeScore:
        entries = self.ledger.of(rsc.name)
        shown = _last(entries.checkpoints, node.uname)
        steps = [s for s in entries.steps if s.node == node.uname]
        upto = shown.seq if shown is not None else None
        contributions = self.chain(steps, upto, shown.score if shown else None, rsc.name)
        later: tuple[Contribution, ...] = ()
        if shown is not None:
            later = tuple(self.contribution(s, rsc.name) for s in steps if s.seq > shown.seq)
        promotion: int | None = None
        promoted: tuple[Contribution, ...] = ()
        if rsc.parent is not None and rsc.parent.variant == "clone" and rsc.parent.promotable:
            pentries = self.ledger.of(rsc.name, PROMOTION)
            pshown = _last(pentries.checkpoints, node.uname)
            if pshown is not None:
                promotion = pshown.score
                psteps = [s for s in pentries.steps if s.node == node.uname]
                promoted = self.chain(psteps, pshown.seq, pshown.score, rsc.name)
        return NodeScore(
            node=node.uname,
            score=shown.score if shown is not None else None,
            contributions=contributions,
            later=later,
            promotion=promotion,
            promotion_contributions=promoted,
            chosen=_placed_on(rsc) == node.uname,
        )

    def exclusions(self, rsc: Resource) -> str:
        """Why each node is out: the change that made its score negative,
        or the node's state."""
        out = []
        for node in self.ws.nodes:
            if not node.available():
                out.append(f"{node.uname} {', '.join(node_states(node)[1:]) or 'offline'}")
                continue
            score = self.node_score(rsc, node)
            if score.score is None:
                out.append(f"{node.uname} not allowed")
                continue
            culprit = _culprit(score.contributions + score.later)
            if culprit is not None:
                text = f"{node.uname} {score_text(culprit.after or 0)} by {_named(culprit)}"
                inner = _culprit(culprit.parts)
                while inner is not None and (deeper := _culprit(inner.parts)) is not None:
                    inner = deeper
                if inner is not None:
                    text += f" (from {_named(inner)})"
                out.append(text)
            elif score.score is not None and score.score < 0:
                out.append(f"{node.uname} {score_text(score.score)}")
        return "; ".join(out) or "no node"

    # -- contributions ----------------------------------------------------------------

    def chain(self, steps: list[Step], upto: int | None, final: int | None,
              subject: str) -> tuple[Contribution, ...]:
        """The steps up to a checkpoint, with a gap shown wherever one
        recorded score does not lead to the next."""
        out: list[Contribution] = []
        value: int | None = None
        for step in steps:
            if upto is not None and step.seq > upto:
                break
            if step.before != value:
                out.append(self.gap(value, step.before, subject))
            out.append(self.contribution(step, subject))
            value = step.after
        if upto is not None and final != value:
            out.append(self.gap(value, final, subject))
        return tuple(out)

    def gap(self, before: int | None, after: int | None, subject: str) -> Contribution:
        self.unexplained += 1
        return Contribution(UNRECORDED, subject, "a change the scheduler did not record",
                            before, after)

    def contribution(self, step: Step, subject: str) -> Contribution:
        parts: tuple[Contribution, ...] = ()
        if step.inherited is not None:
            parts = self.inherited(step)
        return Contribution(step.kind, step.source, step.detail, step.before, step.after, parts)

    def inherited(self, step: Step) -> tuple[Contribution, ...]:
        assert step.inherited is not None
        entries = self.ledger.of(step.inherited, step.inherited_channel)
        upto = step.seq if step.inherited_upto is None else step.inherited_upto + 1
        steps = [s for s in entries.steps if s.node == step.node and s.seq < upto]
        out: list[Contribution] = []
        for sub in steps:
            out.append(self.contribution(sub, step.inherited))
        return tuple(out)


def _named(item: Contribution) -> str:
    return item.kind if item.source == item.kind else f"{item.kind} {item.source}"


def _culprit(items: tuple[Contribution, ...]) -> Contribution | None:
    """The change that made a score negative (the last one to ban it)."""
    return next((c for c in reversed(items) if c.after is not None and c.after < 0
                 and (c.before is None or c.before >= 0 or c.after <= -INFINITY)), None)


def _last(checkpoints: list[Checkpoint], node: str) -> Checkpoint | None:
    found = None
    for point in checkpoints:
        if point.node == node:
            found = point
    return found


def _placed_on(rsc: Resource) -> str | None:
    if rsc.variant == "clone":
        return None
    node = rsc.assigned_node
    if node is None and rsc.variant == "group" and rsc.children:
        node = rsc.children[0].assigned_node
    return node.uname if node is not None else None


def _next_role(rsc: Resource) -> str:
    if rsc.variant != "primitive":
        return ""
    role = rsc.next_role
    if role is Role.STARTED and rsc.promotable:
        role = Role.UNPROMOTED
    return role.text


def outcome(ws: WorkingSet, rsc: Resource) -> str:
    """Where the resource goes, or why it is stopped or blocked."""
    if rsc.variant == "clone":
        placed = [(i.name, _placed_on(i)) for i in rsc.children]
        count = sum(1 for _, node in placed if node is not None)
        where = ", ".join(f"{name} on {node}" for name, node in placed if node is not None)
        text = f"{count} of {len(placed)} instances placed" + (f": {where}" if where else "")
        if rsc.promotable:
            promoted = [i.name for i in rsc.children
                        if any(p.next_role is Role.PROMOTED for p in i.primitives())]
            text += f"; promoted: {', '.join(promoted) if promoted else 'none'}"
        return text
    node = _placed_on(rsc)
    if rsc.variant == "group":
        if node is None:
            return NO_FIRST
        stopped = [m.name for m in rsc.children if m.assigned_node is None]
        return f"placed on {node}" + _tie_text(ws, rsc.children[0]) + \
            (f" (stopped: {', '.join(stopped)})" if stopped else "")
    blocked = rsc.block or any(p.block for p in rsc.primitives())
    if not rsc.managed:
        state = "blocked" if blocked else "unmanaged"
        return f"{state}: stays as it is" + (f" on {node}" if node else "")
    if ws.startup_disabled():
        return "frozen: stonith-enabled is true but no fencing device is configured"
    if node is not None:
        return f"placed on {node}" + _tie_text(ws, rsc)
    if rsc.target_role is Role.STOPPED:
        return "stopped: target-role=Stopped"
    if ws.options.flag("stop-all-resources"):
        return "stopped: stop-all-resources=true"
    usable = [n for n_id, score in rsc.allowed.items()
              if (n := ws.nodes_by_id.get(n_id)) is not None and n.available() and score >= 0]
    if not rsc.allowed:
        return "stopped: no node is allowed (symmetric-cluster=false and no location " \
            "constraint allows one)"
    if not usable:
        return NO_NODE
    return "stopped"


def _tie_text(ws: WorkingSet, rsc: Resource) -> str:
    """How the chosen node won when other usable nodes had the same score."""
    chosen = rsc.assigned_node
    if chosen is None:
        return ""
    score = rsc.allowed.get(chosen.id)
    if score is None or score < 0:
        return ""
    tied = sorted(n.uname for n_id, s in rsc.allowed.items()
                  if s == score and n_id != chosen.id
                  and (n := ws.nodes_by_id.get(n_id)) is not None and n.available())
    if not tied:
        return ""
    how = "more free capacity, then " if ws.placement_strategy.lower() == "balanced" else ""
    if ws.placement_strategy.lower() != "minimal":
        how += "fewer resources already placed there, then "
    return (f" (tied at {score_text(score)} with {', '.join(tied)}: chosen by {how}"
            "the node it is active on, then name)")


def planned_actions(ws: WorkingSet, rsc: Resource) -> list[str]:
    """The transition summary's lines for ``rsc``'s primitives."""
    from hapy.scheduler.summary import primitive_line

    out: list[str] = []
    for prim in rsc.primitives():
        row = primitive_line(ws, prim)
        rows = row if isinstance(row, list) else ([row] if row is not None else [])
        for verb, name, detail, reason in rows:
            out.append(f"{verb} {name} ({detail.strip()})" + (f" {reason}" if reason else ""))
    return out
