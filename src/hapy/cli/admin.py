"""``hapy property|node|constraint|cib ...``: pcs's grammar for them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hapy.cli.cluster import add_dir_option


def _env(args: argparse.Namespace) -> Any:
    from hapy.commands.env import connect

    return connect(args.dir)


def _leaf(sub: Any, name: str, helptext: str, func: Any, **defaults: Any) -> Any:
    p = sub.add_parser(name, help=helptext)
    add_dir_option(p)
    p.set_defaults(func=func, **defaults)
    return p


def register(sub: Any) -> None:
    prop = sub.add_parser("property", help="cluster properties (pcs property)")
    psub = prop.add_subparsers(dest="property_command", metavar="COMMAND", required=True)
    pset = _leaf(psub, "set", "set properties (name=value; an empty value unsets)", run_prop_set)
    pset.add_argument("pairs", nargs="+")
    pset.add_argument("--force", action="store_true", help="allow unknown properties")
    punset = _leaf(psub, "unset", "remove properties", run_prop_unset)
    punset.add_argument("names", nargs="+")
    _leaf(psub, "list", "show the properties set", run_prop_list)

    node = sub.add_parser("node", help="node standby and maintenance (pcs node)")
    nsub = node.add_subparsers(dest="node_command", metavar="COMMAND", required=True)
    for name, attr, on in (("standby", "standby", True), ("unstandby", "standby", False),
                           ("maintenance", "maintenance", True),
                           ("unmaintenance", "maintenance", False)):
        leaf = _leaf(nsub, name, f"set {attr} {'on' if on else 'off'}", run_node,
                     attr=attr, on=on)
        leaf.add_argument("nodes", nargs="*")
        leaf.add_argument("--all", action="store_true", help="every node")

    cons = sub.add_parser("constraint", help="constraints (pcs constraint)")
    csub = cons.add_subparsers(dest="constraint_command", metavar="COMMAND", required=True)
    loc = _leaf(csub, "location", "RSC prefers|avoids NODE[=SCORE]...", run_location)
    loc.add_argument("rsc")
    loc.add_argument("verb", choices=["prefers", "avoids"])
    loc.add_argument("targets", nargs="+")
    colo = csub.add_parser("colocation", help="colocation constraints")
    colo_sub = colo.add_subparsers(dest="colocation_command", metavar="COMMAND", required=True)
    cadd = _leaf(colo_sub, "add", "[ROLE] RSC with [ROLE] RSC [SCORE] [id=ID]", run_colocation)
    cadd.add_argument("words", nargs="+")
    order = _leaf(csub, "order", "[ACTION] RSC then [ACTION] RSC [options]", run_order)
    order.add_argument("words", nargs="+")
    remove = _leaf(csub, "remove", "remove constraints by id", run_remove)
    remove.add_argument("ids", nargs="+")
    _leaf(csub, "list", "list the constraints", run_list)

    cib = sub.add_parser("cib", help="the whole CIB (cibadmin)")
    bsub = cib.add_subparsers(dest="cib_command", metavar="COMMAND", required=True)
    query = _leaf(bsub, "query", "print the CIB (or a section, or an XPath)", run_cib_query)
    query.add_argument("--scope", help="a section: resources, constraints, status...")
    query.add_argument("--xpath")
    replace = _leaf(bsub, "replace", "replace the CIB (or --scope section) with a file",
                    run_cib_replace)
    replace.add_argument("file")
    replace.add_argument("--scope")


def run_prop_set(args: argparse.Namespace) -> int:
    from hapy.commands.property import set_properties
    from hapy.commands.resource import parse_pairs

    set_properties(_env(args), list(parse_pairs(args.pairs)), force=args.force)
    return 0


def run_prop_unset(args: argparse.Namespace) -> int:
    from hapy.commands.property import unset_property

    env = _env(args)
    for name in args.names:
        unset_property(env, name)
    return 0


def run_prop_list(args: argparse.Namespace) -> int:
    from hapy.commands.property import list_properties

    print("Cluster Properties:")
    for name, value, _ in list_properties(_env(args)):
        print(f"  {name}: {value}")
    return 0


def run_node(args: argparse.Namespace) -> int:
    from hapy.commands import node

    env = _env(args)
    names = node.all_nodes(env) if args.all else args.nodes
    if not names:
        from hapy.reports import HapyError, report

        raise HapyError([report("CLI_NODE_MISSING", "name the nodes, or pass --all")])
    for name in names:
        if args.attr == "standby":
            node.standby(env, name, args.on)
        else:
            node.maintenance(env, name, args.on)
    return 0


def run_location(args: argparse.Namespace) -> int:
    from hapy.commands.constraint import location

    location(_env(args), args.rsc, args.verb, args.targets)
    return 0


def run_colocation(args: argparse.Namespace) -> int:
    from hapy.commands.constraint import colocation

    colocation(_env(args), args.words)
    return 0


def run_order(args: argparse.Namespace) -> int:
    from hapy.commands.constraint import order

    ident = order(_env(args), args.words)
    words = args.words
    print(f"Adding {' '.join(words[:words.index('then')])} "
          f"{' '.join(words[words.index('then'):])} (id:{ident})")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from hapy.commands.constraint import remove

    env = _env(args)
    for ident in args.ids:
        remove(env, ident)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from hapy.commands.constraint import list_lines

    for line in list_lines(_env(args)):
        print(line)
    return 0


def run_cib_query(args: argparse.Namespace) -> int:
    from hapy.commands.env import cib_query

    found = cib_query(_env(args), scope=args.scope, xpath=args.xpath)
    if not found:
        from hapy.reports import HapyError, report

        raise HapyError([report("CIB_OP_NOT_FOUND", "nothing matches")])
    for xml in found:
        sys.stdout.write(xml if xml.endswith("\n") else xml + "\n")
    return 0


def run_cib_replace(args: argparse.Namespace) -> int:
    from hapy.cib.xmlio import read_xml_file, to_string
    from hapy.commands.env import cib_change

    root = read_xml_file(args.file)
    cib_change(_env(args), "replace", to_string(root, pretty=False), scope=args.scope)
    return 0
