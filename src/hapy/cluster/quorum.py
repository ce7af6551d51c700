"""Quorum as Corosync's votequorum computes it (one vote per node).

* A partition is quorate when its members hold a majority of the expected
  votes: ``expected // 2 + 1`` of them.
* ``two_node``: in a cluster of exactly two expected votes, one is enough
  (each side of a split keeps quorum; fencing decides who survives).
  ``two_node`` turns ``wait_for_all`` on unless it is set explicitly.
* ``wait_for_all``: after the cluster starts, no partition is quorate until
  all expected nodes have been members of one view at the same time; from
  then on the usual rule applies.  The wait starts over only when every node
  has gone (a whole-cluster restart).
"""

from __future__ import annotations

from hapy.records import record


@record
class QuorumOptions:
    """votequorum's options, as ``quorum { }`` in corosync.conf gives them."""

    two_node: bool = False
    #: None: on with two_node, off otherwise (votequorum's default)
    wait_for_all: bool | None = None

    @property
    def waits_for_all(self) -> bool:
        return self.two_node if self.wait_for_all is None else self.wait_for_all


class VoteQuorum:
    """The quorum state of one cluster, fed with its partitions as they change."""

    def __init__(self, options: QuorumOptions | None = None) -> None:
        options = options or QuorumOptions()
        self.options = options
        self._all_seen = not options.waits_for_all

    def needed(self, expected_votes: int) -> int:
        """Votes a partition must hold to be quorate."""
        if self.options.two_node and expected_votes == 2:
            return 1
        return expected_votes // 2 + 1

    def observe(self, partitions: list[int], expected_votes: int) -> None:
        """Note the current partitions' sizes (members per partition)."""
        if not any(partitions):
            # everyone is gone: a new start waits for all again
            self._all_seen = not self.options.waits_for_all
        elif max(partitions) >= expected_votes:
            self._all_seen = True

    def quorate(self, members: int, expected_votes: int) -> bool:
        """Whether a partition of ``members`` nodes has quorum."""
        return self._all_seen and members >= self.needed(expected_votes)

    @property
    def waiting_for_all(self) -> bool:
        return not self._all_seen
