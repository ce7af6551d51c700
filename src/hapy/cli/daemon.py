"""``hapy daemon``: run one node of a cluster in the foreground."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

COROSYNC_CONF = Path("/etc/corosync/corosync.conf")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "daemon", help="run one cluster node (foreground)",
        description="Run one node's daemon: CIB manager, controller and executor.  "
                    "The cluster layer is Corosync when /etc/corosync/corosync.conf exists "
                    "and no --cluster-dir is given, else the embedded one.")
    p.add_argument("--node", default=None,
                   help="this node's name (embedded: required; corosync: default and "
                        "check, the name in corosync's nodelist)")
    p.add_argument("--state-dir", default=None,
                   help="where this node keeps its state (embedded: required; corosync: "
                        "default HAPY_STATE_DIR from the environment or /etc/hapy/hapy.conf, "
                        "else /var/lib/hapy)")
    p.add_argument("--backend", choices=["embedded", "corosync"], default=None,
                   help="the cluster layer (default: see above)")
    p.add_argument("--cluster-dir", default=None,
                   help="the embedded cluster's directory (its membership service)")
    p.add_argument("--cpg-group", default=None,
                   help="corosync: the CPG group hapy's daemons meet in (default "
                        "HAPY_CPG_GROUP, else hapy)")
    p.add_argument("--log-level", default=None,
                   choices=LOG_LEVELS)
    p.set_defaults(func=run)


def choose_backend(backend: str | None, cluster_dir: str | None,
                   corosync_conf: Path | None = None) -> str:
    """The cluster layer to use: the one asked for, else corosync when it is
    configured on this host (``$HAPY_ROOT/etc/corosync/corosync.conf``) and
    no embedded cluster directory is given."""
    if backend is not None:
        return backend
    if corosync_conf is None:
        from hapy.commands.corosync.paths import NodePaths

        corosync_conf = NodePaths.from_env().corosync_conf
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
    state_dir: str | None = args.state_dir
    log_level: str = args.log_level or "INFO"
    if kind == "embedded":
        from hapy.cluster.embedded.client import EmbeddedBackend

        missing = [opt for opt, value in (("--cluster-dir", args.cluster_dir),
                                          ("--node", args.node),
                                          ("--state-dir", args.state_dir)) if value is None]
        if missing:
            raise HapyError([report(
                "DAEMON_OPTION_MISSING", f"the embedded backend needs {' and '.join(missing)}",
                hint="or run on a host with /etc/corosync/corosync.conf (--backend corosync)")])
        cluster_dir = Path(args.cluster_dir).resolve()
        backend = EmbeddedBackend(args.cluster_dir, args.node)
        name = args.node
    else:
        from hapy.cluster.backends.corosync.backend import CorosyncBackend, local_node_name
        from hapy.commands.corosync.paths import NodePaths, load_settings

        settings = load_settings(NodePaths.from_env())
        state_dir = state_dir or str(settings.state_dir)
        log_level = args.log_level or settings.log_level
        name = args.node or local_node_name()
        backend = CorosyncBackend(name, cpg_group=args.cpg_group or settings.cpg_group)
    assert state_dir is not None
    if log_level not in LOG_LEVELS:
        raise HapyError([report("HAPY_CONF_BAD_VALUE", f"log level {log_level!r} is none of "
                                f"{', '.join(LOG_LEVELS)}", hint="fix HAPY_LOG_LEVEL in "
                                "/etc/hapy/hapy.conf")])
    logging.basicConfig(level=log_level,
                        format=f"%(asctime)s {name} %(name)s: %(message)s")
    asyncio.run(run_daemon(backend, Path(state_dir), cluster_dir=cluster_dir))
    return 0
