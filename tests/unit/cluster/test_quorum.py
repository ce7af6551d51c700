"""votequorum's rules: majority, two_node, wait_for_all."""

from __future__ import annotations

import pytest

from hapy.cluster.quorum import QuorumOptions, VoteQuorum


@pytest.mark.parametrize(("expected", "needed"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3)])
def test_a_majority_of_the_expected_votes_is_needed(expected: int, needed: int) -> None:
    quorum = VoteQuorum()
    assert quorum.needed(expected) == needed
    quorum.observe([expected], expected)
    assert quorum.quorate(needed, expected)
    assert not quorum.quorate(needed - 1, expected)


def test_a_split_five_node_cluster_keeps_quorum_on_the_bigger_side_only() -> None:
    quorum = VoteQuorum()
    quorum.observe([3, 2], 5)
    assert quorum.quorate(3, 5) and not quorum.quorate(2, 5)


def test_two_node_needs_one_vote_but_only_after_both_were_seen() -> None:
    quorum = VoteQuorum(QuorumOptions(two_node=True))
    assert quorum.needed(2) == 1
    quorum.observe([1], 2)
    assert quorum.waiting_for_all and not quorum.quorate(1, 2)
    quorum.observe([2], 2)
    assert quorum.quorate(2, 2)
    # a split: each side keeps quorum (fencing decides who survives)
    quorum.observe([1, 1], 2)
    assert quorum.quorate(1, 2)
    # everyone gone: a new start waits for both again
    quorum.observe([], 2)
    quorum.observe([1], 2)
    assert not quorum.quorate(1, 2)


def test_two_node_only_applies_to_two_expected_votes() -> None:
    quorum = VoteQuorum(QuorumOptions(two_node=True, wait_for_all=False))
    quorum.observe([1, 2], 3)
    assert not quorum.quorate(1, 3) and quorum.quorate(2, 3)


def test_wait_for_all_without_two_node() -> None:
    quorum = VoteQuorum(QuorumOptions(wait_for_all=True))
    quorum.observe([2], 3)
    assert not quorum.quorate(2, 3)
    quorum.observe([3], 3)
    quorum.observe([2, 1], 3)
    assert quorum.quorate(2, 3)
