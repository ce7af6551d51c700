"""The ClusterBackend interface: what the node daemon needs from the cluster layer.

The model is Corosync's closed process groups (CPG) with virtual synchrony:

* A *view* (a ring, in Corosync's words) is the set of nodes that can talk to
  each other, numbered by a ring id that only grows.  Every member of a view
  learns of it through a :class:`ViewChange` event.
* Messages sent to a group are delivered to every member of the sender's
  current view that has joined the group, in one total order that is the same
  on every member, the sender included (agreed ordering).
* Virtual synchrony: members that move together from one view to the next
  have delivered the same messages in the old view before the view change.
  A message is delivered in the view it was sent in, or not at all.
* Quorum is computed per view, with votequorum's rules
  (:mod:`hapy.cluster.quorum`): a view is quorate when its members hold more
  than half of the expected votes (one vote per node), with ``two_node`` and
  ``wait_for_all``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from hapy.records import record


@record
class Member:
    """A node in a view: its stable node id and its name."""

    nodeid: int
    name: str


@record
class ViewChange:
    """A new view: who is in it, who joined and left since the previous one."""

    ring_id: int
    members: tuple[Member, ...]
    joined: tuple[Member, ...]
    left: tuple[Member, ...]
    quorate: bool
    expected_votes: int

    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members)


@record
class Delivery:
    """A message delivered to a group, in the cluster's total order."""

    group: str
    sender: Member
    seq: int
    payload: bytes


@record
class Disconnected:
    """This node lost the cluster layer (expelled, or the service went away).

    No further events come; the daemon must stop acting on its view (it is no
    longer a member of any) and may :meth:`ClusterBackend.connect` again.
    """

    reason: str


ClusterEvent = ViewChange | Delivery | Disconnected


class ClusterBackend(Protocol):
    """One node's connection to the cluster layer."""

    @property
    def node_name(self) -> str:
        """This node's name."""
        ...

    @property
    def nodeid(self) -> int:
        """This node's id, valid once connected."""
        ...

    async def connect(self, groups: Sequence[str] = ()) -> ViewChange:
        """Join the cluster and ``groups``; returns the first view, which
        contains this node.  Joining the groups with the cluster makes this node
        receive every message its first view's members send to them.

        Raises :class:`hapy.reports.HapyError` (code ``CLUSTER_UNREACHABLE``)
        when the cluster layer cannot be reached.
        """
        ...

    async def join_group(self, group: str) -> None:
        """Receive the messages sent to ``group`` from now on (in total order)."""
        ...

    async def send(self, group: str, payload: bytes) -> None:
        """Send ``payload`` to every member of the current view in ``group``.

        Returns once the message is handed to the cluster layer; it is then
        delivered to all of them, this node included, in the agreed order,
        unless the view changes first (virtual synchrony).
        """
        ...

    def events(self) -> AsyncIterator[ClusterEvent]:
        """View changes and deliveries, in the order the cluster layer agreed."""
        ...

    async def close(self) -> None:
        """Leave the cluster cleanly: the others see this node leave at once."""
        ...
