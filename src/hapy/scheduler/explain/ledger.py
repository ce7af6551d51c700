"""A ledger of score contributions, kept while the scheduler runs.

The scheduler changes node scores in many places (constraints, stickiness,
failcounts, colocations, clone and group structure...). When a ledger is given
to :func:`hapy.scheduler.run.schedule`, each of those places notes what it
changed and why: a :class:`Step` per node whose score changed, with the score
before and after. The score trace (``-s``) marks :class:`Checkpoint` s: the
scores as printed. Replaying a subject's steps from nothing reaches every
checkpoint's score, so an explanation adds up to what ``-s`` prints.

Off by default: without a ledger, each seam costs one attribute test
(:func:`noting` returns a shared do-nothing context).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from typing import TYPE_CHECKING

from hapy.records import field, record

if TYPE_CHECKING:
    from hapy.scheduler.working_set import Colocation, Node, Resource, WorkingSet

#: the node scores a resource is placed by
ALLOCATION = "allocation"
#: a promotable clone instance's promotion score
PROMOTION = "promotion"
#: a promotable clone's per-node score that ranks its instances for promotion
PROMOTION_NODE = "promotion-node"
#: a promotable instance's own promotion priority
PRIORITY = "priority"
#: the location scores for the Promoted role (added to promotion priorities)
PROMOTED_LOCATION = "promoted-location"

Detail = str | Callable[[], str]


@record
class Step:
    """One change of one subject's score on one node."""

    seq: int  # order among all the ledger's entries
    kind: str  # location, colocation, stickiness, failcount, ban, group, clone, ...
    source: str  # the constraint's id, or what else made the change
    detail: str
    node: str  # node name
    before: int | None  # None: the node was not allowed at all
    after: int | None
    #: the subject whose scores were added in (a group or clone parent), if any
    inherited: str | None = None
    inherited_channel: str = ALLOCATION
    #: the last of the inherited subject's entries that counted (None: all before)
    inherited_upto: int | None = None


@record
class Checkpoint:
    """A score as the scheduler's trace printed it."""

    seq: int
    func: str
    node: str
    score: int


@record(frozen=False)
class Entries:
    steps: list[Step] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)


@record(frozen=False)
class ScoreLedger:
    """Contributions per (subject name, channel)."""

    entries: dict[tuple[str, str], Entries] = field(default_factory=dict)
    node_names: Mapping[str, str] = field(default_factory=dict)  # node id -> name
    seq: int = 0

    def bind(self, ws: WorkingSet) -> None:
        """Read node names from ``ws`` (its index grows as nodes are unpacked)."""
        self.node_names = _NodeNames(ws)

    def of(self, subject: str, channel: str = ALLOCATION) -> Entries:
        return self.entries.get((subject, channel)) or Entries()

    def _entries(self, subject: str, channel: str) -> Entries:
        found = self.entries.get((subject, channel))
        if found is None:
            found = self.entries[(subject, channel)] = Entries()
        return found

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def note(self, subject: str, node_id: str, kind: str, source: str, detail: Detail,
             before: int | None, after: int | None, *, channel: str = ALLOCATION,
             inherited: str | None = None, inherited_channel: str = ALLOCATION,
             inherited_upto: int | None = None) -> None:
        """Record one node's change (or, when ``before == after``, a
        contribution that did not apply, such as a rule that did not match)."""
        text = detail() if callable(detail) else detail
        self._entries(subject, channel).steps.append(Step(
            self._next(), kind, source, text, self.node_names.get(node_id, node_id),
            before, after, inherited, inherited_channel, inherited_upto))

    def checkpoint(self, subject: str, node_name: str, score: int, func: str,
                   channel: str = ALLOCATION) -> None:
        self._entries(subject, channel).checkpoints.append(
            Checkpoint(self._next(), func, node_name, score))

    @contextmanager
    def watch(self, subjects: Sequence[tuple[str, Callable[[], Mapping[str, int]]]],
              kind: str, source: str, detail: Detail, *, channel: str = ALLOCATION,
              inherited: str | None = None, inherited_channel: str = ALLOCATION,
              inherited_upto: int | None = None) -> Iterator[None]:
        """Record every node whose score changes, for each (subject, scores
        getter), while the block runs."""
        before = [dict(get()) for _, get in subjects]
        yield
        for (name, get), old in zip(subjects, before, strict=True):
            self.diff(name, old, get(), kind, source, detail, channel=channel,
                      inherited=inherited, inherited_channel=inherited_channel,
                      inherited_upto=inherited_upto)

    def diff(self, subject: str, old: Mapping[str, int], new: Mapping[str, int], kind: str,
             source: str, detail: Detail, *, channel: str = ALLOCATION,
             inherited: str | None = None, inherited_channel: str = ALLOCATION,
             inherited_upto: int | None = None) -> None:
        """Record each node whose score differs between ``old`` and ``new``."""
        text: str | None = None
        for node_id in _changed(old, new):
            if text is None:
                text = detail() if callable(detail) else detail
            self.note(subject, node_id, kind, source, text, old.get(node_id),
                      new.get(node_id), channel=channel, inherited=inherited,
                      inherited_channel=inherited_channel, inherited_upto=inherited_upto)


def _changed(old: Mapping[str, int], new: Mapping[str, int]) -> list[str]:
    out = [n for n, score in new.items() if old.get(n) != score or n not in old]
    out += [n for n in old if n not in new]
    return out


class _NodeNames(Mapping[str, str]):
    def __init__(self, ws: WorkingSet) -> None:
        self._ws = ws

    def __getitem__(self, node_id: str) -> str:
        return self._ws.nodes_by_id[node_id].uname

    def __iter__(self) -> Iterator[str]:
        return iter(self._ws.nodes_by_id)

    def __len__(self) -> int:
        return len(self._ws.nodes_by_id)


_NOTHING: AbstractContextManager[None] = nullcontext()


def noting(ws: WorkingSet, rscs: Resource | Sequence[Resource], kind: str, source: str,
           detail: str | Callable[..., str] = "", *args: object,
           inherited: Resource | None = None, inherited_upto: int | None = None,
           tree: bool = False,
           ) -> AbstractContextManager[None]:
    """A block that changes the allocation scores of ``rscs``: with a ledger,
    each changed node is recorded; without, nothing happens. ``detail`` is
    text, or a function called with ``args`` once the block has run (only
    when something changed). With ``tree``, everything inside ``rscs`` too."""
    ledger = ws.ledger
    if ledger is None:
        return _NOTHING
    many = rscs if isinstance(rscs, Sequence) else (rscs,)
    if tree:
        many = [inner for rsc in many for inner in rsc.walk()]
    text: Detail = detail if isinstance(detail, str) else partial(detail, *args)
    return ledger.watch([(r.name, _allowed_of(r)) for r in many], kind, source, text,
                        inherited=None if inherited is None else inherited.name,
                        inherited_upto=inherited_upto)


def _allowed_of(rsc: Resource) -> Callable[[], Mapping[str, int]]:
    return lambda: rsc.allowed


def node_name(node: Node | None) -> str:
    return "none" if node is None else node.uname


def colocation_text(coloc: Colocation, way: str) -> str:
    """A colocation as ``hapy explain`` shows it: ``with`` its primary (the
    constraint moves the dependent), or ``from`` its dependent (the
    dependent's preferences weigh on the primary's nodes)."""
    from hapy.cib.scores import score_text
    from hapy.scheduler.working_set import Role

    def named(rsc: Resource, role: Role) -> str:
        return rsc.name if role is Role.UNKNOWN else f"{rsc.name} ({role.text})"

    attribute = "" if coloc.node_attribute == "#uname" else \
        f", node-attribute={coloc.node_attribute}"
    score = score_text(coloc.score)
    if way == "from":
        return (f"{named(coloc.dependent, coloc.dependent_role)} wants to be with it "
                f"(score {score}{attribute}): its node preferences are weighed in")
    placed = "" if coloc.primary.provisional else f"; {_placement_text(coloc)}"
    return (f"with {named(coloc.primary, coloc.primary_role)} (score {score}{attribute})"
            f"{placed}")


def _placement_text(coloc: Colocation) -> str:
    """Where a colocation's (assigned) primary went."""
    from hapy.scheduler.assign.promotable import instance_next_role
    from hapy.scheduler.working_set import Role

    primary = coloc.primary
    if primary.variant != "clone":
        where = primary.assigned_node
        return f"{primary.name} is placed on {where.uname if where else 'no node'}"
    role = coloc.primary_role
    nodes = sorted({inst.assigned_node.uname for inst in primary.children
                    if inst.assigned_node is not None
                    and (role is Role.UNKNOWN or instance_next_role(inst) is role)})
    what = "instances" if role is Role.UNKNOWN else f"{role.text} instances"
    return f"its {what} are on {', '.join(nodes) if nodes else 'no node'}"
