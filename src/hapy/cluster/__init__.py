"""The cluster layer: membership, quorum and totally ordered group messages.

:mod:`hapy.cluster.backend` defines the :class:`ClusterBackend` interface the
node daemon's components (CIB manager, attribute manager, fencer, controller)
use; :mod:`hapy.cluster.embedded` implements it for several nodes on one host.
The Corosync backend slots in behind the same interface.
"""
