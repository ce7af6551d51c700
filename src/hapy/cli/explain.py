"""``hapy explain RESOURCE``: a resource's score on each node and what made it."""

from __future__ import annotations

import argparse
from typing import Any

from hapy.cli.cluster import add_dir_option


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "explain", help="explain a resource's placement scores",
        description="Show, for each node, a resource's allocation score (as 'hapy simulate "
        "-s' prints it) and what made it: location constraints and rules, colocations, "
        "stickiness, failcounts, node states, group and clone structure, promotion "
        "scores; then where it goes and what is planned for it.")
    p.add_argument("resource", metavar="RESOURCE")
    p.add_argument("-x", "--xml-file", metavar="FILE",
                   help="the CIB to use (default: the running cluster's)")
    p.add_argument("--node", metavar="NODE", help="only this node")
    p.add_argument("-t", "--set-datetime", metavar="DATE", help="the time to schedule at")
    p.add_argument("--output-as", choices=["text", "xml", "json"], default="text")
    add_dir_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hapy.commands.explain import ExplainRequest, explain_request
    from hapy.display.explain import render_json, render_text, render_xml

    ex = explain_request(ExplainRequest(
        resource=args.resource, xml_file=args.xml_file, node=args.node,
        date=args.set_datetime, cluster_dir=args.dir))
    if args.output_as == "json":
        print(render_json(ex), end="")
    elif args.output_as == "xml":
        request = f"hapy explain {args.resource}" + (f" --node {args.node}" if args.node
                                                      else "") + " --output-as xml"
        print(render_xml(ex, request), end="")
    else:
        for line in render_text(ex):
            print(line)
    return 0
