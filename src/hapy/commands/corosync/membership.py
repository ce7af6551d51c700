"""What corosync says of membership and quorum (``hapy status corosync``,
``hapy quorum status``), read from its configuration map and votequorum on
this node; the hapy daemon need not run."""

from __future__ import annotations

import json
import re

from hapy.records import record
from hapy.reports import HapyError, report

_MEMBER_KEY = re.compile(r"^runtime\.members\.(\d+)\.status$")


@record
class Member:
    nodeid: int
    name: str
    votes: int
    local: bool


@record
class CorosyncQuorum:
    """This node's view: the members and votequorum's numbers."""

    members: tuple[Member, ...]
    local_nodeid: int
    quorate: bool
    expected_votes: int
    highest_expected: int
    total_votes: int
    quorum: int
    flags: tuple[str, ...]
    provider: str
    ring_id: str


def _not_running(why: str) -> HapyError:
    return HapyError([report(
        "COROSYNC_NOT_RUNNING", f"cannot read corosync's state on this node: {why}",
        hint="start it: hapy cluster start (corosync must run on this node)")])


def read_quorum() -> CorosyncQuorum:
    """Membership and quorum from the corosync on this node."""
    from hapy.cluster.backends.corosync import ffi
    from hapy.cluster.backends.corosync.cmap import CmapConnection
    from hapy.cluster.backends.corosync.quorum import VoteQuorumConnection

    try:
        cmap = CmapConnection()
    except ffi.CsError as exc:
        raise _not_running(str(exc)) from None
    try:
        names = cmap.node_names()
        local = cmap.local_nodeid() or 0
        provider = cmap.get_string("quorum.provider") or "none"
        ring = cmap.get_string("runtime.totem.pg.mrp.srp.ring_id") or ""
        joined = []
        for key in cmap.keys("runtime.members."):
            match = _MEMBER_KEY.match(key)
            if match and cmap.get_string(key) == "joined":
                joined.append(int(match.group(1)))
    except ffi.CsError as exc:
        raise _not_running(str(exc)) from None
    finally:
        cmap.close()
    try:
        votequorum = VoteQuorumConnection()
    except ffi.CsError as exc:
        raise HapyError([report("COROSYNC_NO_VOTEQUORUM", f"votequorum does not answer: {exc}",
                                hint="corosync.conf's quorum provider must be "
                                     "corosync_votequorum")]) from None
    try:
        mine = votequorum.info(local)
        members = []
        for nodeid in sorted(joined):
            try:
                votes = int(votequorum.info(nodeid).node_votes)
            except ffi.CsError:
                votes = 0
            members.append(Member(nodeid, names.get(nodeid, f"node{nodeid}"), votes,
                                  nodeid == local))
    except ffi.CsError as exc:
        raise _not_running(str(exc)) from None
    finally:
        votequorum.close()
    flags = []
    if mine.flags & ffi.VOTEQUORUM_INFO_QUORATE:
        flags.append("Quorate")
    if mine.flags & ffi.VOTEQUORUM_INFO_TWONODE:
        flags.append("2Node")
    if mine.flags & ffi.VOTEQUORUM_INFO_WAIT_FOR_ALL:
        flags.append("WaitForAll")
    return CorosyncQuorum(tuple(members), local, bool(mine.flags & ffi.VOTEQUORUM_INFO_QUORATE),
                          int(mine.node_expected_votes), int(mine.highest_expected),
                          int(mine.total_votes), int(mine.quorum), tuple(flags), provider, ring)


def membership_lines(state: CorosyncQuorum) -> list[str]:
    """pcs status corosync's table."""
    out = ["Membership information", "----------------------",
           f"{'Nodeid':>10} {'Votes':>10} Name"]
    for member in state.members:
        out.append(f"{member.nodeid:>10} {member.votes:>10} {member.name}"
                   + (" (local)" if member.local else ""))
    return out


def quorum_lines(state: CorosyncQuorum) -> list[str]:
    """pcs quorum status's text (corosync-quorumtool -s's layout)."""
    return [
        "Quorum information", "------------------",
        f"Quorum provider:  {state.provider}",
        f"Nodes:            {len(state.members)}",
        f"Node ID:          {state.local_nodeid}",
        *([f"Ring ID:          {state.ring_id}"] if state.ring_id else []),
        f"Quorate:          {'Yes' if state.quorate else 'No'}",
        "", "Votequorum information", "----------------------",
        f"Expected votes:   {state.expected_votes}",
        f"Highest expected: {state.highest_expected}",
        f"Total votes:      {state.total_votes}",
        f"Quorum:           {state.quorum}" + ("" if state.quorate else "  Activity blocked"),
        f"Flags:            {' '.join(state.flags)}",
        "", *membership_lines(state),
    ]


def as_dict(state: CorosyncQuorum) -> dict[str, object]:
    return {
        "quorum": {"provider": state.provider, "quorate": state.quorate,
                   "local_nodeid": state.local_nodeid, "ring_id": state.ring_id,
                   "expected_votes": state.expected_votes,
                   "highest_expected": state.highest_expected,
                   "total_votes": state.total_votes, "quorum": state.quorum,
                   "flags": list(state.flags)},
        "members": [{"nodeid": m.nodeid, "name": m.name, "votes": m.votes, "local": m.local}
                    for m in state.members],
    }


def as_json(state: CorosyncQuorum) -> str:
    return json.dumps(as_dict(state), indent=2) + "\n"


def as_xml(state: CorosyncQuorum) -> str:
    from xml.sax.saxutils import quoteattr

    def yes(flag: bool) -> str:
        return "true" if flag else "false"

    lines = ['<corosync>',
             f'  <quorum provider={quoteattr(state.provider)} quorate="{yes(state.quorate)}" '
             f'local_nodeid="{state.local_nodeid}" ring_id={quoteattr(state.ring_id)} '
             f'expected_votes="{state.expected_votes}" '
             f'highest_expected="{state.highest_expected}" '
             f'total_votes="{state.total_votes}" quorum="{state.quorum}" '
             f'flags={quoteattr(" ".join(state.flags))}/>',
             '  <membership>']
    lines += [f'    <node nodeid="{m.nodeid}" name={quoteattr(m.name)} votes="{m.votes}" '
              f'local="{yes(m.local)}"/>' for m in state.members]
    lines += ['  </membership>', '</corosync>']
    return "\n".join(lines) + "\n"
