"""``hapy daemon``: run one node of a cluster in the foreground."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

COROSYNC_CONF = Path("/etc/corosync/corosync.conf")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "daemon", help="run one cluster node (foreground)",
        description="Run one node's daemon: CIB manager, controller and executor.  "
                    "The cluster layer is Corosync when /etc/corosync/corosync.conf exists "
                    "and no --cluster-dir is given, else the embedded one.")
    p.add_argument("--node", default=None,
                   help="this node's name (embedded: required; corosync: default and "
                        "check, the name in corosync's nodelist)")
    p.add_argument("--state-dir", required=True, help="where this node keeps its state")
    p.add_argument("--backend", choices=["embedded", "corosync"], default=None,
                   help="the cluster layer (default: see above)")
    p.add_argument("--cluster-dir", default=None,
                   help="the embedded cluster's directory (its membership service)")
    p.add_argument("--cpg-group", default="hapy",
                   help="corosync: the CPG group hapy's daemons meet in (default hapy)")
    p.add_argument("--log-level", default="INFO",
                   choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.set_defaults(func=run)


def choose_backend(backend: str | None, cluster_dir: str | None,
                   corosync_conf: Path = COROSYNC_CONF) -> str:
    """The cluster layer to use: the one asked for, else corosync when it is
    configured on this host and no embedded cluster directory is given."""
    if backend is not None:
        return backend
    if cluster_dir is None and corosync_conf.exists():
        return "corosync"
    return "embedded"


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from hapy.cluster.backend import ClusterBackend
    from hapy.daemon import run_daemon
    from hapy.reports import HapyError, report

    kind = choose_backend(args.backend, args.cluster_dir)
    backend: ClusterBackend
    cluster_dir: Path | None = None
    if kind == "embedded":
        from hapy.cluster.embedded.client import EmbeddedBackend

        missing = [opt for opt, value in (("--cluster-dir", args.cluster_dir),
                                          ("--node", args.node)) if value is None]
        if missing:
            raise HapyError([report(
                "DAEMON_OPTION_MISSING", f"the embedded backend needs {' and '.join(missing)}",
                hint="or run on a host with /etc/corosync/corosync.conf (--backend corosync)")])
        cluster_dir = Path(args.cluster_dir).resolve()
        backend = EmbeddedBackend(args.cluster_dir, args.node)
        name = args.node
    else:
        from hapy.cluster.backends.corosync.backend import CorosyncBackend, local_node_name

        name = args.node or local_node_name()
        backend = CorosyncBackend(name, cpg_group=args.cpg_group)
    logging.basicConfig(level=args.log_level,
                        format=f"%(asctime)s {name} %(name)s: %(message)s")
    asyncio.run(run_daemon(backend, Path(args.state_dir), cluster_dir=cluster_dir))
    return 0
