"""Plain data describing what the cluster status display shows.

The scheduler fills these frozen records (hapy.records) from the unpacked cluster state
and hands a :class:`ClusterView` to :func:`hapy.display.text.render_status`.
Every field holds *state*, never presentation: the renderer derives all the
text (role words, flags, clone summaries, node grouping) from it.

Conventions shared by all classes:

* Node references are node *names* (``uname``), the same strings as
  :attr:`NodeView.name`.  A name not present in :attr:`ClusterView.nodes` is
  treated as an online, clean node.
* ``target_role`` is the raw ``target-role`` meta-attribute value in effect for
  that resource (inherited values included: a primitive in a group or clone
  whose parent sets ``target-role=Stopped`` carries ``"Stopped"`` too), or
  ``None`` when unset.  Legacy spellings (``Master``/``Slave``) are accepted.
* ``managed`` is False when the resource is unmanaged for any reason:
  ``is-managed=false`` (own or inherited), ``maintenance=true`` meta-attribute,
  cluster ``maintenance-mode``, or running on a node in maintenance.
  Pacemaker 2.1.5 prints all of these as ``unmanaged``.
"""

from __future__ import annotations

from enum import StrEnum

from hapy.records import record


class NodeType(StrEnum):
    """Kind of cluster node."""

    MEMBER = "member"  # full cluster node (corosync member)
    REMOTE = "remote"  # Pacemaker Remote node (ocf:pacemaker:remote connection)
    GUEST = "guest"  # guest node: remote-node meta-attribute or bundle replica


class Health(StrEnum):
    """Node health as computed by the node-health-strategy."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class Role(StrEnum):
    """Current role of a resource, in Pacemaker's order (Unknown lowest)."""

    UNKNOWN = "Unknown"
    STOPPED = "Stopped"
    STARTED = "Started"
    UNPROMOTED = "Unpromoted"
    PROMOTED = "Promoted"

    @property
    def rank(self) -> int:
        """Position in Pacemaker's role ordering (used for max/compare)."""
        return _ROLE_RANK[self]

    @classmethod
    def parse(cls, text: str | None) -> Role:
        """Role from its configuration spelling (case-insensitive, legacy names ok)."""
        if text is None:
            return cls.UNKNOWN
        return _ROLE_NAMES.get(text.strip().lower(), cls.UNKNOWN)


_ROLE_RANK = {
    Role.UNKNOWN: 0,
    Role.STOPPED: 1,
    Role.STARTED: 2,
    Role.UNPROMOTED: 3,
    Role.PROMOTED: 4,
}

_ROLE_NAMES = {
    "unknown": Role.UNKNOWN,
    "stopped": Role.STOPPED,
    "started": Role.STARTED,
    "unpromoted": Role.UNPROMOTED,
    "slave": Role.UNPROMOTED,
    "promoted": Role.PROMOTED,
    "master": Role.PROMOTED,
}


@record
class NodeView:
    """One node, as unpacked from the CIB ``<nodes>`` and ``<status>`` sections.

    Include every node the scheduler knows, also offline guest nodes (they are
    not printed but resources may still reference them).
    """

    name: str
    """Node name (uname); what is displayed."""
    id: str = ""
    """Node id (not displayed; informative)."""
    type: NodeType = NodeType.MEMBER
    online: bool = True
    unclean: bool = False
    """Node needs fencing (displayed as ``UNCLEAN (online|offline)``)."""
    pending: bool = False
    """Node is joining (displayed as ``pending``)."""
    standby: bool = False
    """``standby`` node attribute is true."""
    standby_onfail: bool = False
    """Put in standby by an ``on-fail=standby`` failure."""
    maintenance: bool = False
    """Node (or its ``maintenance`` attribute) in maintenance mode."""
    shutdown: bool = False
    """Shutting down (not displayed by 2.1.5's text output; informative)."""
    health: Health = Health.GREEN
    container_host: str | None = None
    """Guest nodes: name of the node hosting the container (not displayed)."""


@record
class PrimitiveView:
    """A primitive resource, or one instance of a cloned/bundled primitive.

    ``id`` is the *displayed* id (Pacemaker's "printable id"): the resource id,
    except for instances of anonymous (``globally-unique=false``) clones, which
    drop the ``:N`` instance suffix (``dlm``, not ``dlm:0``).  Unique clone
    instances keep it (``child_rsc:2``).
    """

    id: str
    rclass: str
    """Resource class: ``ocf``, ``stonith``, ``lsb``, ``systemd``, ``service``..."""
    agent: str
    """Agent type, e.g. ``Dummy``, ``IPaddr2``, ``fence_xvm``."""
    provider: str | None = None
    """Provider (only shown for class ``ocf``)."""
    role: Role = Role.STOPPED
    """Current role as unpacked from history.  ``Started`` inside a promotable
    clone is displayed as ``Unpromoted`` by the renderer; inside a bundle it is
    displayed as given (Pacemaker does not flag bundles promotable), so give
    bundle children of a promotable bundle their real role."""
    nodes: tuple[str, ...] = ()
    """Nodes the resource is active on (``running_on``), in the order found in
    the status section; may include offline nodes.  One entry is displayed as
    ``Started node1``; several as ``Started [ node1 node2 ]`` in this order."""
    failed: bool = False
    orphan: bool = False
    """Resource has history but is no longer configured (``ORPHANED``)."""
    managed: bool = True
    blocked: bool = False
    """Further action blocked by a failure (``on-fail=block`` or a failed stop
    without fencing); displayed as ``blocked`` (replaces ``unmanaged``)."""
    failure_ignored: bool = False
    """A failure was ignored (``on-fail=ignore``)."""
    target_role: str | None = None
    pending_task: str | None = None
    """Name of an in-flight operation recorded with record-pending
    (``start``, ``stop``, ``monitor``, ``migrate_to``, ``migrate_from``,
    ``promote``, ``demote``, or ``probe`` for a pending probe)."""
    pending_node: str | None = None
    """Node where ``pending_task`` is in flight; displayed when the resource
    is not running anywhere (``Starting node1``)."""
    locked_to: str | None = None
    """Node holding a shutdown lock on this resource, displayed with
    ``(LOCKED)`` when the resource is not running."""
    probe_failures: tuple[tuple[str, int], ...] = ()
    """Failed probes of this resource that mask it as stopped, as
    ``(node, rc)`` pairs in status order: probe (monitor, interval 0) results
    with rc 5 (not installed) or 2 (invalid parameter), or execution status
    "not installed"; expired failures excluded.  Shown as
    ``Stopped (not installed)`` when the resource is stopped."""
    description: str | None = None
    """``description`` attribute; shown only for multiply-active resources."""
    internal: bool = False
    """Implicit resource never displayed but counted in the "resource
    instances" totals and in a node's active resources: the connection
    resource Pacemaker creates for a guest node (``remote-node``
    meta-attribute).  Orphaned ones are ordinary orphans, not internal."""


@record
class GroupView:
    """A resource group, top level or one instance of a cloned group.

    ``id`` is the full id (instances of cloned groups keep ``:N``:
    ``Resource Group: grp:0``).
    """

    id: str
    children: tuple[PrimitiveView, ...] = ()
    """All members in configuration order, including stopped orphans."""
    managed: bool = True
    target_role: str | None = None


@record
class CloneView:
    """A clone (``<clone>``, or legacy ``<master>`` which is promotable)."""

    id: str
    child_id: str
    """XML id of the cloned primitive/group (shown as ``[child_id]``)."""
    instances: tuple[PrimitiveView | GroupView, ...] = ()
    """Every instance the scheduler created, in its order: instances 0 to
    clone-max - 1 first (stopped ones included), then orphan instances in the
    order they were found in the status section."""
    unique: bool = False
    """``globally-unique=true``: every instance is listed individually."""
    promotable: bool = False
    managed: bool = True
    target_role: str | None = None
    """The clone's own ``target-role`` meta-attribute (not inherited)."""
    clone_max: int = 0
    """Effective clone-max: the meta-attribute (``meta_attributes`` first, then
    ``instance_attributes``), or by default the number of nodes that existed
    when the clone was unpacked (see :attr:`allowed_nodes`; "never discover"
    bundle nodes count here too).  Offline nodes count."""
    allowed_nodes: tuple[str, ...] = ()
    """Candidate nodes for the ``Stopped: [ ... ]`` summary (order irrelevant).

    In a symmetric cluster (default): every node that existed when the clone
    was unpacked, location constraints NOT applied (banned nodes stay in).
    Those are: the ``<nodes>`` entries, remote nodes of configured
    ``ocf:pacemaker:remote`` primitives, guest nodes of configured
    ``remote-node`` meta-attributes, and bundle nodes only if they appear in
    ``<nodes>`` *and* their bundle comes after the clone in the configuration
    (a bundle marks its nodes "never discover", which keeps them out of
    resources unpacked later).  Remote nodes known only from the status
    section (orphaned connections) are not in it.
    In an asymmetric cluster (``symmetric-cluster=false``): the nodes where an
    instance has resource history (Pacemaker's ``known_on``)."""
    probe_failures: tuple[tuple[str, int], ...] = ()
    """``(node, rc)`` of masked failed probes of the clone's child resource
    (see :attr:`PrimitiveView.probe_failures`); such nodes are summarised as
    ``Stopped (not installed): [ ... ]``."""


@record
class BundleReplicaView:
    """One replica of a bundle: its implicit resources."""

    index: int
    container: PrimitiveView
    """The container resource (``<bundle>-docker-N`` / ``-podman-N`` / ...)."""
    child: PrimitiveView | None = None
    """The bundled primitive's instance, when the bundle wraps a primitive."""
    ip: PrimitiveView | None = None
    """The IPaddr2 resource (``<bundle>-ip-ADDR``), when ip-range-start is set."""
    ip_address: str | None = None
    """The replica's IP address, shown as ``name (ADDR)``."""
    remote: PrimitiveView | None = None
    """The remote connection resource (``<bundle>-N``), when present."""


@record
class BundleView:
    """A bundle (container-based resource)."""

    id: str
    image: str
    """Container image, shown as ``[image]``."""
    replicas: tuple[BundleReplicaView, ...] = ()
    """All configured replicas in index order.  More than one replica prints
    ``Container bundle set:``, exactly one ``Container bundle:``."""
    unique: bool = False
    managed: bool = True


ResourceView = PrimitiveView | GroupView | CloneView | BundleView


@record
class ClusterView:
    """Everything the status display needs."""

    nodes: tuple[NodeView, ...] = ()
    """All nodes (member, remote and guest, offline ones too).  The renderer
    sorts them by name itself (numeric-aware, case-insensitive)."""
    resources: tuple[ResourceView, ...] = ()
    """Top-level resources in Pacemaker's resource-list order: configuration
    order stably sorted by the ``priority`` meta-attribute (highest first),
    followed by orphan primitives found only in the status section, in the
    order found.  Implicit resources (guest-node connections, bundle
    internals) are not listed here.  Inactive orphans may be included: the
    renderer skips them."""
    implicit_instances: int = 0
    """How many implicit resources (guest-node connections) there are: not
    listed, but counted in the ``N of M resource instances`` line."""
    maintenance_mode: bool = False
    """Cluster property ``maintenance-mode=true`` (prints a banner before the
    status, see :func:`hapy.display.text.render_preamble`)."""
