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
    start.add_argument("nodes_to_start", nargs="*", metavar="NODE",
                       help="start only these nodes of an existing cluster")
    start.add_argument("--embedded", action="store_true",
                       help="several nodes on this host (the only layer so far)")
    start.add_argument("--nodes", type=int, default=3, help="how many nodes (node1..nodeN)")
    start.add_argument("--token", type=int, metavar="MS", default=None,
                       help="token timeout: a silent node is lost after this long "
                            "(default 3000, as Corosync)")
    add_dir_option(start)
    start.set_defaults(func=run_start)
    stop = csub.add_parser("stop", help="stop nodes (all by default), moving their "
                           "resources away first")
    stop.add_argument("nodes_to_stop", nargs="*", metavar="NODE")
    add_dir_option(stop)
    stop.set_defaults(func=run_stop)
    faults = {
        "kill": "power a node off at once: its daemon is killed, no goodbye",
        "pause": "freeze a node's daemon (SIGSTOP): the others lose it after the token "
                 "timeout",
        "resume": "let a paused node's daemon run again",
    }
    for name, text in faults.items():
        fp = csub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        fp.add_argument("node", metavar="NODE")
        add_dir_option(fp)
        fp.set_defaults(func=run_fault, fault=name)
    part = csub.add_parser("partition", help="split the nodes into sides that do not hear "
                           "each other", description="Split the nodes into sides that do "
                           "not hear each other; each argument is one side (nodes separated "
                           "by commas), unlisted nodes form one more side.")
    part.add_argument("sides", nargs="+", metavar="NODE[,NODE...]")
    add_dir_option(part)
    part.set_defaults(func=run_partition)
    heal = csub.add_parser("heal", help="end every partition")
    add_dir_option(heal)
    heal.set_defaults(func=run_heal)


def run_start(args: argparse.Namespace) -> int:
    from hapy.commands.cluster import start_cluster, start_nodes
    from hapy.commands.env import ClusterEnv

    env = ClusterEnv.from_option(args.dir)
    if args.nodes_to_start:
        started = start_nodes(env, args.nodes_to_start)
    else:
        started = start_cluster(env, args.nodes, **(
            {"token_ms": args.token} if args.token else {}))
    print(f"Started {len(started.nodes)} nodes ({' '.join(started.nodes)}); "
          f"DC: {started.dc} ({started.seconds:.1f}s)")
    return 0


def run_stop(args: argparse.Namespace) -> int:
    from hapy.commands.cluster import stop_cluster, stop_node
    from hapy.commands.env import ClusterEnv

    env = ClusterEnv.from_option(args.dir)
    if args.nodes_to_stop:
        stopped = [n for n in args.nodes_to_stop if stop_node(env, n)]
    else:
        stopped = stop_cluster(env)
    print(f"Stopped {len(stopped)} nodes" + (f" ({' '.join(stopped)})" if stopped else ""))
    return 0


def run_fault(args: argparse.Namespace) -> int:
    from hapy.commands import faults
    from hapy.commands.env import ClusterEnv

    env = ClusterEnv.from_option(args.dir)
    if args.fault == "kill":
        killed = faults.kill_node(env, args.node)
        print(f"Powered off {args.node} ({killed} processes killed)")
    elif args.fault == "pause":
        faults.pause_node(env, args.node)
        print(f"Paused {args.node}")
    else:
        faults.resume_node(env, args.node)
        print(f"Resumed {args.node}")
    return 0


def run_partition(args: argparse.Namespace) -> int:
    from hapy.commands import faults
    from hapy.commands.env import ClusterEnv

    groups = faults.partition(ClusterEnv.from_option(args.dir), args.sides)
    print("Partitioned: " + " | ".join(",".join(g) for g in groups))
    return 0


def run_heal(args: argparse.Namespace) -> int:
    from hapy.commands import faults
    from hapy.commands.env import ClusterEnv

    faults.heal(ClusterEnv.from_option(args.dir))
    print("Healed")
    return 0
