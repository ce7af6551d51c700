"""What ``hapy explain`` reports: plain records, rendered by
:mod:`hapy.display.explain`."""

from __future__ import annotations

from hapy.records import record


@record
class Contribution:
    """One change of a score: ``before`` -> ``after`` (None: not allowed)."""

    kind: str
    source: str
    detail: str
    before: int | None
    after: int | None
    #: what an inherited score (a group's, a clone's...) was made of on this node
    parts: tuple[Contribution, ...] = ()


@record
class Capacity:
    name: str
    capacity: int
    free: int  # once the scheduler's assignments are counted
    needed: int  # by the explained resource


@record
class NodeScore:
    """One resource's score on one node, and what made it."""

    node: str
    #: the allocation score ``hapy simulate -s`` printed (None: not printed)
    score: int | None
    contributions: tuple[Contribution, ...]
    #: changes after the score was printed (capacity checks while choosing)
    later: tuple[Contribution, ...] = ()
    #: a promotable instance's promotion score there, and what made it
    promotion: int | None = None
    promotion_contributions: tuple[Contribution, ...] = ()
    chosen: bool = False


@record
class NodeInfo:
    name: str
    kind: str  # member, remote, guest
    state: tuple[str, ...]  # online/offline, unclean, standby, maintenance...
    can_run: bool
    capacity: tuple[Capacity, ...] = ()


@record
class ResourceReport:
    name: str
    variant: str  # primitive, group, clone, promotable clone, bundle
    parent: str | None
    scores: tuple[NodeScore, ...]
    placed_on: str | None
    #: where it is placed, or why it is stopped or blocked
    outcome: str
    current: str  # where it is active now
    role: str
    next_role: str
    actions: tuple[str, ...]
    members: tuple[ResourceReport, ...] = ()


@record
class Explanation:
    resource: ResourceReport
    nodes: tuple[NodeInfo, ...]
    #: cluster options that decide scores (symmetric-cluster, placement-strategy...)
    options: tuple[tuple[str, str], ...]
    #: changes the ledger could not attribute (0 when every change is explained)
    unexplained: int = 0
