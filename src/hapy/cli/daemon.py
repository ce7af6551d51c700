"""``hapy daemon``: run one node of a cluster in the foreground."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "daemon", help="run one cluster node (foreground)",
        description="Run one node's daemon: CIB manager, controller and executor.")
    p.add_argument("--node", required=True, help="this node's name")
    p.add_argument("--state-dir", required=True, help="where this node keeps its state")
    p.add_argument("--backend", choices=["embedded"], default="embedded",
                   help="the cluster layer (corosync comes later)")
    p.add_argument("--cluster-dir", required=True,
                   help="the embedded cluster's directory (its membership service)")
    p.add_argument("--log-level", default="INFO",
                   choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    from pathlib import Path

    from hapy.cluster.embedded.client import EmbeddedBackend
    from hapy.daemon import run_daemon

    logging.basicConfig(level=args.log_level,
                        format=f"%(asctime)s {args.node} %(name)s: %(message)s")
    backend = EmbeddedBackend(args.cluster_dir, args.node)
    asyncio.run(run_daemon(backend, Path(args.state_dir),
                           cluster_dir=Path(args.cluster_dir).resolve()))
    return 0
