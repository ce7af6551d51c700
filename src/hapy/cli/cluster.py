"""``hapy cluster start|stop``: an embedded cluster on this host (pcs cluster)."""

from __future__ import annotations

import argparse
from typing import Any


def add_dir_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", metavar="DIR",
                   help="the embedded cluster's directory (default: $HAPY_CLUSTER_DIR)")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "cluster", help="start and stop a cluster", description="Start and stop a cluster.")
    csub = p.add_subparsers(dest="cluster_command", metavar="COMMAND", required=True)
    start = csub.add_parser("start", help="start the cluster's nodes in the background")
    start.add_argument("--embedded", action="store_true", required=True,
                       help="several nodes on this host (the only layer so far)")
    start.add_argument("--nodes", type=int, default=3, help="how many nodes (node1..nodeN)")
    add_dir_option(start)
    start.set_defaults(func=run_start)
    stop = csub.add_parser("stop", help="stop every process the cluster started")
    add_dir_option(stop)
    stop.set_defaults(func=run_stop)


def run_start(args: argparse.Namespace) -> int:
    from hapy.commands.cluster import start_cluster
    from hapy.commands.env import ClusterEnv

    started = start_cluster(ClusterEnv.from_option(args.dir), args.nodes)
    print(f"Started {len(started.nodes)} nodes ({' '.join(started.nodes)}); "
          f"DC: {started.dc} ({started.seconds:.1f}s)")
    return 0


def run_stop(args: argparse.Namespace) -> int:
    from hapy.commands.cluster import stop_cluster
    from hapy.commands.env import ClusterEnv

    stopped = stop_cluster(ClusterEnv.from_option(args.dir))
    print(f"Stopped {len(stopped)} nodes" + (f" ({' '.join(stopped)})" if stopped else ""))
    return 0
