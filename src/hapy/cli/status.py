"""``hapy status [corosync]``: the cluster's state, as crm_mon / pcs status show it."""

from __future__ import annotations

import argparse
from typing import Any

from hapy.cli.cluster import add_dir_option


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "status", help="show the cluster's state (crm_mon); 'corosync': corosync's membership",
        description="Show nodes and resources, as crm_mon does (with corosync's quorum and "
                    "members on a Corosync cluster).  'hapy status corosync' shows "
                    "corosync's membership as 'pcs status corosync' does.")
    p.add_argument("view", nargs="?", choices=["corosync"],
                   help="corosync: the membership corosync sees from this node")
    p.add_argument("--output-as", choices=["text", "xml", "json"], default="text",
                   help="json: only with 'corosync'")
    add_dir_option(p)
    p.set_defaults(func=run)


def print_corosync(output_as: str, *, quorum: bool = False) -> int:
    from hapy.commands.corosync import membership

    state = membership.read_quorum()
    if output_as == "xml":
        print(membership.as_xml(state), end="")
    elif output_as == "json":
        print(membership.as_json(state), end="")
    else:
        lines = membership.quorum_lines(state) if quorum else membership.membership_lines(state)
        for line in lines:
            print(line)
    return 0


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from hapy.commands.env import connect
    from hapy.commands.status import cluster_status, render_status_text
    from hapy.reports import HapyError, report

    if args.view == "corosync":
        return print_corosync(args.output_as)
    if args.output_as == "json":
        raise HapyError([report("STATUS_OUTPUT_UNSUPPORTED", "--output-as json is only for "
                                "'hapy status corosync'", hint="use --output-as xml "
                                "(crm_mon's XML)")])
    now = datetime.now(UTC)
    status = cluster_status(connect(args.dir), now)
    if args.output_as == "xml":
        print(status.xml, end="")
        return 0
    for line in render_status_text(status, now):
        print(line)
    return 0
