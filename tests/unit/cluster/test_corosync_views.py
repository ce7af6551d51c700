"""Corosync's CPG and quorum events turned into hapy's views (no corosync needed)."""

from __future__ import annotations

from hapy.cluster.backend import Delivery, Disconnected, ViewChange
from hapy.cluster.backends.corosync import envelope
from hapy.cluster.backends.corosync.ffi import (
    CPG_REASON_JOIN,
    CPG_REASON_NODEDOWN,
    CPG_REASON_NODEUP,
    CPG_REASON_PROCDOWN,
)
from hapy.cluster.backends.corosync.views import (
    Confchg,
    Message,
    Process,
    QuorumNotice,
    TotemConfchg,
    ViewTracker,
    ring_id,
)

NAMES = {1: "alpha", 2: "beta", 3: "gamma"}


def tracker(nodeid: int = 1, pid: int = 100) -> ViewTracker:
    return ViewTracker(nodeid, pid, name_of=lambda n: NAMES.get(n, f"node{n}"),
                       expected_votes=lambda: 3)


def confchg(members: list[tuple[int, int]], left: list[tuple[int, int, int]] = (),  # type: ignore[assignment]
            joined: list[tuple[int, int, int]] = ()) -> Confchg:  # type: ignore[assignment]
    return Confchg(tuple(Process(n, p) for n, p in members),
                   tuple(Process(*x) for x in left), tuple(Process(*x) for x in joined))


def started(t: ViewTracker, members: list[tuple[int, int]], seq: int = 8) -> ViewChange:
    assert t.quorum(QuorumNotice(True, seq)) == []
    assert t.cpg(confchg(members, joined=[(1, 100, CPG_REASON_JOIN)])) == []
    (view,) = t.cpg(TotemConfchg(seq, (1, 2, 3)))
    assert isinstance(view, ViewChange)
    return view


def test_first_view_waits_for_the_ring_and_lists_everyone_as_joined() -> None:
    t = tracker()
    view = started(t, [(1, 100), (2, 200)])
    assert view.names() == ("alpha", "beta")
    assert view.joined == view.members and view.left == ()
    assert view.quorate and view.expected_votes == 3
    assert view.ring_id >> 32 == 8


def test_process_join_and_leave_within_a_ring_make_views_at_once() -> None:
    t = tracker()
    first = started(t, [(1, 100)])
    (joined,) = t.cpg(confchg([(1, 100), (3, 300)], joined=[(3, 300, CPG_REASON_JOIN)]))
    assert isinstance(joined, ViewChange)
    assert [m.name for m in joined.joined] == ["gamma"] and joined.left == ()
    (left,) = t.cpg(confchg([(1, 100)], left=[(3, 300, CPG_REASON_PROCDOWN)]))
    assert isinstance(left, ViewChange)
    assert [m.name for m in left.left] == ["gamma"] and left.joined == ()
    assert len({first.ring_id, joined.ring_id, left.ring_id}) == 2  # same ring, same members
    assert joined.ring_id != left.ring_id


def test_a_restarted_process_is_seen_joining_again() -> None:
    t = tracker()
    started(t, [(1, 100), (2, 200)])
    (view,) = t.cpg(confchg([(1, 100), (2, 201)], left=[(2, 200, CPG_REASON_PROCDOWN)],
                            joined=[(2, 201, CPG_REASON_JOIN)]))
    assert isinstance(view, ViewChange)
    assert [m.name for m in view.joined] == ["beta"] and view.left == ()


def test_node_changes_fold_into_the_new_rings_view() -> None:
    t = tracker()
    started(t, [(1, 100), (2, 200), (3, 300)])
    assert t.cpg(confchg([(1, 100), (3, 300)], left=[(2, 200, CPG_REASON_NODEDOWN)])) == []
    # the new ring's quorum is not known yet: its view waits, and so does what follows
    assert t.cpg(TotemConfchg(12, (1, 3))) == []
    assert t.cpg(Message(3, 300, envelope.wrap("cib", b"x"))) == []
    out = t.quorum(QuorumNotice(True, 12))
    assert isinstance(out[0], ViewChange) and isinstance(out[1], Delivery)
    view = out[0]
    assert view.ring_id >> 32 == 12 and [m.name for m in view.left] == ["beta"]


def test_both_sides_of_a_merge_get_the_same_ring_id() -> None:
    a, c = tracker(1, 100), tracker(3, 300)
    started(a, [(1, 100), (2, 200)], seq=8)
    assert c.quorum(QuorumNotice(False, 4)) == []
    c.cpg(confchg([(3, 300)], joined=[(3, 300, CPG_REASON_JOIN)]))
    c.cpg(TotemConfchg(4, (3,)))
    merged = [(1, 100), (2, 200), (3, 300)]
    a.cpg(confchg(merged, joined=[(3, 300, CPG_REASON_NODEUP)]))
    c.cpg(confchg(merged, joined=[(1, 100, CPG_REASON_NODEUP), (2, 200, CPG_REASON_NODEUP)]))
    for t in (a, c):
        t.quorum(QuorumNotice(True, 16))
    (va,) = a.cpg(TotemConfchg(16, (1, 2, 3)))
    (vc,) = c.cpg(TotemConfchg(16, (1, 2, 3)))
    assert isinstance(va, ViewChange) and isinstance(vc, ViewChange)
    assert va.ring_id == vc.ring_id and va.members == vc.members
    assert [m.name for m in va.joined] == ["gamma"]
    assert [m.name for m in vc.joined] == ["alpha", "beta"]


def test_waiting_for_quorum_gives_up_on_release() -> None:
    t = tracker()
    started(t, [(1, 100)])
    assert t.cpg(TotemConfchg(20, (1,))) == []
    (view,) = t.release()
    assert isinstance(view, ViewChange) and view.ring_id >> 32 == 20


def test_quorum_change_within_a_ring_is_a_view_of_its_own() -> None:
    t = tracker()
    first = started(t, [(1, 100)])
    (view,) = t.quorum(QuorumNotice(False, 8))
    assert isinstance(view, ViewChange)
    assert not view.quorate and view.members == first.members and view.ring_id != first.ring_id
    assert t.quorum(QuorumNotice(False, 8)) == []


def test_deliveries_are_unwrapped_numbered_and_foreign_messages_dropped() -> None:
    t = tracker()
    assert t.cpg(Message(2, 200, envelope.wrap("cib", b"early"))) == []  # before the first view
    started(t, [(1, 100), (2, 200)])
    out = t.cpg(Message(2, 200, envelope.wrap("cib", b"a")))
    out += t.cpg(Message(2, 200, b"not an envelope"))
    out += t.cpg(Message(1, 100, envelope.wrap("attrd", b"b")))
    assert [(d.group, d.sender.name, d.seq, d.payload) for d in out
            if isinstance(d, Delivery)] == [("cib", "beta", 1, b"a"), ("attrd", "alpha", 2, b"b")]


def test_leaving_the_group_disconnects() -> None:
    t = tracker()
    started(t, [(1, 100), (2, 200)])
    (event,) = t.cpg(confchg([(2, 200)], left=[(1, 100, 2)]))
    assert isinstance(event, Disconnected)
    assert t.cpg(confchg([(1, 100), (2, 200)])) == []


def test_ring_id_ignores_member_order_and_marks_quorum() -> None:
    assert ring_id(5, [(2, 9), (1, 8)], True) == ring_id(5, [(1, 8), (2, 9)], True)
    assert ring_id(5, [(1, 8)], True) & 1 == 1 and ring_id(5, [(1, 8)], False) & 1 == 0
    assert ring_id(6, [(1, 8)], False) > ring_id(5, [(1, 8)], True)
