"""``hapy quorum status``: votequorum's view from this node (pcs quorum status)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "quorum", help="corosync's quorum (pcs quorum)",
        description="Corosync's quorum, as this node's votequorum sees it.")
    qsub = p.add_subparsers(dest="quorum_command", metavar="COMMAND", required=True)
    status = qsub.add_parser("status", help="quorum and membership (corosync-quorumtool -s)")
    status.add_argument("--output-as", choices=["text", "xml", "json"], default="text")
    status.set_defaults(func=run_status)


def run_status(args: argparse.Namespace) -> int:
    from hapy.cli.status import print_corosync

    return print_corosync(args.output_as, quorum=True)
