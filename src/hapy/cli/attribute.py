"""``hapy attribute``: transient node attributes (attrd_updater's job)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hapy.cli.cluster import add_dir_option


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "attribute", help="set or query a transient node attribute (attrd_updater)",
        description="Set, delete or query a node's transient attribute, through the "
        "cluster's attribute manager.")
    p.add_argument("-n", "--name", required=True)
    p.add_argument("-N", "--node", help="the node (default: the daemon's own)")
    action = p.add_mutually_exclusive_group(required=True)
    action.add_argument("-U", "--update", metavar="VALUE",
                        help="set the value (value++ and value+=N increment)")
    action.add_argument("-D", "--delete", action="store_true")
    action.add_argument("-Q", "--query", action="store_true")
    p.add_argument("-d", "--delay", type=int, default=0, metavar="MS",
                   help="dampening: write to the CIB this long after the first change")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the value")
    p.add_argument("--socket", help="a node daemon's socket (agents use this)")
    add_dir_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hapy.commands.env import ClusterEnv, SocketEnv, connect

    env: ClusterEnv | SocketEnv = SocketEnv(args.socket) if args.socket else \
        connect(args.dir)
    frame: dict[str, Any] = {"op": "attribute", "node": args.node, "name": args.name}
    if args.query:
        answer = env.request({**frame, "query": True})
        value = answer.get("value")
        if value is None:
            print(f"error: attribute {args.name} is not set", file=sys.stderr)
            return 105
        print(value if args.quiet else f'name="{args.name}" host="{answer.get("node")}" '
              f'value="{value}"')
        return 0
    env.request({**frame, "value": None if args.delete else args.update, "delay": args.delay})
    return 0
