"""``hapy status``: the cluster's state, as crm_mon / pcs status show it."""

from __future__ import annotations

import argparse
from typing import Any

from hapy.cli.cluster import add_dir_option


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "status", help="show the cluster's state (crm_mon)",
        description="Show nodes and resources, as crm_mon does.")
    p.add_argument("--output-as", choices=["text", "xml"], default="text")
    add_dir_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from hapy.commands.env import ClusterEnv
    from hapy.commands.status import cluster_status, render_status_text

    now = datetime.now(UTC)
    status = cluster_status(ClusterEnv.from_option(args.dir), now)
    if args.output_as == "xml":
        print(status.xml, end="")
        return 0
    for line in render_status_text(status, now):
        print(line)
    return 0
