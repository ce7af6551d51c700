"""The embedded cluster layer: several nodes on one host.

One small membership service per cluster directory (:mod:`.service`, started
on demand by the first node that connects) orders every message and tracks
who is a member; each node daemon talks to it through :mod:`.client` over a
unix socket.  :mod:`.control` injects faults for tests: kill or pause a node,
partition the nodes into groups, heal.  For the demo, development and tests;
not for production (the service is a single point of failure).
"""

from hapy.cluster.embedded.paths import ClusterPaths

__all__ = ["ClusterPaths"]
