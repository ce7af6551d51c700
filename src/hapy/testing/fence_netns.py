"""fence_hapy_netns: the fence agent of a namespace cluster (tests' machines).

The same protocol and actions as ``fence_hapy`` (:mod:`hapy.fencer.fence_hapy`),
for the machines of a :class:`hapy.testing.netns_cluster.NetnsCluster`: off
kills everything running in the node's network namespace, on boots the
machine again (corosync, then its hapy daemon).  The cluster is the
``machines_dir`` parameter, else ``$HAPY_NETNS_CLUSTER``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from hapy.fencer import fence_hapy
from hapy.fencer.embedded_power import PowerError
from hapy.fencer.fence_hapy import PowerSwitch, agent_metadata, read_stdin_options

METADATA = agent_metadata(
    "fence_hapy_netns", "Fence agent for the namespace machines of a hapy test cluster",
    "fence_hapy_netns powers off and on the machines of a hapy test cluster on Corosync, each "
    "machine being a network namespace running corosync and hapy: off kills every process in "
    "the namespace at once, on boots it again.",
    ("machines_dir", "--machines-dir",
     "The namespace cluster's directory (default: $HAPY_NETNS_CLUSTER)"))

_KNOWN = ("action", "port", "plug", "nodename", "machines_dir")
_ALIASES = {"option": "action", "machines-dir": "machines_dir"}


def parse_command_line(argv: Sequence[str]) -> dict[str, str]:
    return fence_hapy.parse_command_line(
        argv, "fence_hapy_netns", ("machines_dir", "--machines-dir"),
        "fence agent for hapy namespace clusters",
        "the cluster's directory (default: $HAPY_NETNS_CLUSTER)")


def _netns_switch(options: dict[str, str]) -> PowerSwitch:
    root = options.get("machines_dir") or os.environ.get("HAPY_NETNS_CLUSTER")
    if not root:
        raise PowerError("no cluster directory: set the machines_dir parameter or "
                         "HAPY_NETNS_CLUSTER")
    from hapy.testing.netns_cluster import NetnsCluster

    return NetnsCluster(Path(root))


def run(options: dict[str, str]) -> int:
    return fence_hapy.serve(options, METADATA, _netns_switch)


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    options = (parse_command_line(args) if args
               else read_stdin_options(sys.stdin.read(), _KNOWN, _ALIASES))
    return run(options)


if __name__ == "__main__":
    raise SystemExit(main())
