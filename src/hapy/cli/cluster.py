"""``hapy cluster ...`` (pcs cluster): setting up a Corosync cluster, starting
and stopping nodes (of a Corosync cluster, or of an embedded cluster on this
host), and the embedded cluster's fault injection."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from hapy.reports import Report

#: a command's outcome: what --json-result prints, the text lines, the warnings
Outcome = tuple[object, list[str], list[Report]]


def add_dir_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", metavar="DIR",
                   help="the embedded cluster's directory (default: $HAPY_CLUSTER_DIR)")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "cluster", help="set up, start and stop a cluster",
        description="Set up, start and stop a cluster (pcs cluster).")
    csub = p.add_subparsers(dest="cluster_command", metavar="COMMAND", required=True)
    _register_setup(csub)
    start = csub.add_parser(
        "start", help="start nodes: corosync then hapy on this node (NODE..., --all: "
        "those nodes), or an embedded cluster's nodes (--embedded, --dir)")
    start.add_argument("nodes_to_start", nargs="*", metavar="NODE",
                       help="start only these nodes of an existing cluster")
    start.add_argument("--all", action="store_true", dest="all_nodes",
                       help="corosync: every node of corosync.conf's nodelist")
    start.add_argument("--wait", nargs="?", type=int, const=60, default=None, metavar="SECONDS",
                       help="corosync: wait until the nodes started are members and a DC "
                            "is elected (default 60 s)")
    _json_result_option(start)
    start.add_argument("--embedded", action="store_true",
                       help="several nodes on this host (the embedded cluster layer)")
    start.add_argument("--nodes", type=int, default=3, help="how many nodes (node1..nodeN)")
    start.add_argument("--token", type=int, metavar="MS", default=None,
                       help="token timeout: a silent node is lost after this long "
                            "(default 3000, as Corosync)")
    add_dir_option(start)
    start.set_defaults(func=run_start)
    stop = csub.add_parser("stop", help="stop nodes, moving their resources away first: "
                           "hapy then corosync on this node (NODE..., --all: those nodes); "
                           "embedded: all nodes by default")
    stop.add_argument("nodes_to_stop", nargs="*", metavar="NODE")
    stop.add_argument("--all", action="store_true", dest="all_nodes",
                      help="corosync: every node of corosync.conf's nodelist")
    stop.add_argument("--pacemaker", "--hapy", action="store_true", dest="only_hapy",
                      help="corosync: stop only the hapy daemon")
    stop.add_argument("--corosync", action="store_true", dest="only_corosync",
                      help="corosync: stop only corosync")
    _json_result_option(stop)
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


def _json_result_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json-result", action="store_true", help=argparse.SUPPRESS)


def _answer(args: argparse.Namespace, compute: Callable[[], Outcome]) -> int:
    """Run ``compute``; print its lines (warnings on stderr), or with
    ``--json-result`` (how one node answers another) one JSON object."""
    import json
    import sys

    from hapy.reports import HapyError

    if not getattr(args, "json_result", False):
        result, lines, warnings = compute()
        for warning in warnings:
            print(warning.render(), file=sys.stderr)
        for line in lines:
            print(line)
        return 0
    try:
        result, lines, warnings = compute()
    except HapyError as exc:
        print(json.dumps({"ok": False, "reports": [r.as_dict() for r in exc.reports]}))
        return 1
    print(json.dumps({"ok": True, "result": result,
                      "warnings": [w.as_dict() for w in warnings]}))
    return 0


def on_corosync(args: argparse.Namespace) -> bool:
    """Whether a cluster command is for a Corosync cluster: no embedded
    cluster named (--embedded, --dir, HAPY_CLUSTER_DIR) and corosync.conf
    exists here (as ``hapy daemon`` chooses its cluster layer)."""
    from hapy.commands.corosync.paths import NodePaths
    from hapy.commands.env import ENV_VAR

    if getattr(args, "embedded", False) or args.dir or os.environ.get(ENV_VAR):
        return False
    return NodePaths.from_env().corosync_conf.exists()


def _outcome_lines(outcomes: list[Any], *, starting: bool) -> list[str]:
    """``node: corosync started, hapy started`` (in the order they were acted on)."""
    lines = []
    for o in outcomes:
        order = (("corosync", o.corosync), ("hapy", o.hapy))
        parts = [f"{name} {state}" for name, state in (order if starting else order[::-1])
                 if state]
        lines.append(f"{o.node}: " + ", ".join(parts))
    return lines


def run_start(args: argparse.Namespace) -> int:
    from hapy.commands.cluster import start_cluster, start_nodes
    from hapy.commands.env import ClusterEnv

    if on_corosync(args):
        return _answer(args, lambda: _corosync_start(args))
    env = ClusterEnv.from_option(args.dir)
    if args.nodes_to_start:
        started = start_nodes(env, args.nodes_to_start)
    else:
        started = start_cluster(env, args.nodes, **(
            {"token_ms": args.token} if args.token else {}))
    print(f"Started {len(started.nodes)} nodes ({' '.join(started.nodes)}); "
          f"DC: {started.dc} ({started.seconds:.1f}s)")
    return 0


def _corosync_start(args: argparse.Namespace) -> Outcome:
    from hapy.commands.corosync import startstop

    outcomes = startstop.start(args.nodes_to_start, all_nodes=args.all_nodes,
                               wait=args.wait)
    return [o.as_dict() for o in outcomes], _outcome_lines(outcomes, starting=True), []


def run_stop(args: argparse.Namespace) -> int:
    from hapy.commands.cluster import stop_cluster, stop_node
    from hapy.commands.env import ClusterEnv

    if on_corosync(args):
        return _answer(args, lambda: _corosync_stop(args))
    env = ClusterEnv.from_option(args.dir)
    if args.nodes_to_stop:
        stopped = [n for n in args.nodes_to_stop if stop_node(env, n)]
    else:
        stopped = stop_cluster(env)
    print(f"Stopped {len(stopped)} nodes" + (f" ({' '.join(stopped)})" if stopped else ""))
    return 0


def _corosync_stop(args: argparse.Namespace) -> Outcome:
    from hapy.commands.corosync import startstop

    both = not (args.only_hapy or args.only_corosync)
    outcomes = startstop.stop(args.nodes_to_stop, all_nodes=args.all_nodes,
                              hapy=both or args.only_hapy,
                              corosync=both or args.only_corosync)
    return [o.as_dict() for o in outcomes], _outcome_lines(outcomes, starting=False), []


def _register_setup(csub: Any) -> None:
    setup = csub.add_parser(
        "setup", help="set up a Corosync cluster: corosync.conf, authkey and hapy.conf on "
        "every node (pcs cluster setup)",
        description="Write corosync.conf (knet, crypto on), a new authkey and hapy.conf on "
                    "every node, through the remote shell ($HAPY_REMOTE_SHELL, default ssh "
                    "to root@ADDR).  Grammar (pcs 0.11): NAME NODE [addr=ADDR]... "
                    "[transport knet [OPTIONS] [link OPTIONS]... [compression OPTIONS] "
                    "[crypto OPTIONS]] [totem OPTIONS] [quorum OPTIONS]; crypto is turned "
                    "off with 'crypto cipher=none hash=none'.")
    setup.add_argument("cluster_name", metavar="NAME")
    setup.add_argument("words", nargs="+", metavar="NODE|addr=ADDR|SECTION|OPTION=VALUE")
    setup.add_argument("--overwrite", action="store_true",
                       help="replace an existing configuration on the nodes")
    setup.add_argument("--force", action="store_true",
                       help="turn forceable errors (unknown options, unresolvable names, "
                            "corosync running or missing) into warnings")
    setup.add_argument("--local", action="store_true",
                       help="write this node's files only (copy them to the others "
                            "yourself: the same three files on every node)")
    setup.add_argument("--corosync_conf", "--corosync-conf", dest="corosync_conf",
                       metavar="PATH", help="write only corosync.conf, to PATH (no authkey, "
                       "no other node)")
    setup.add_argument("--start", action="store_true",
                       help="start the cluster on every node afterwards")
    setup.add_argument("--wait", nargs="?", type=int, const=60, default=None,
                       metavar="SECONDS", help="with --start: wait for the cluster to form")
    setup.set_defaults(func=run_setup)
    sync = csub.add_parser(
        "sync", help="copy this node's corosync.conf, authkey and hapy.conf to the other "
        "nodes (pcs cluster sync)")
    _json_result_option(sync)
    sync.set_defaults(func=run_sync)
    receive = csub.add_parser(
        "receive-config", help="write the configuration 'hapy cluster setup' sends (JSON on "
        "stdin); setup runs it on each node through the remote shell")
    receive.add_argument("--check", action="store_true",
                         help="only check that this node can take it")
    receive.add_argument("--overwrite", action="store_true")
    receive.add_argument("--force", action="store_true")
    _json_result_option(receive)
    receive.set_defaults(func=run_receive)


def run_setup(args: argparse.Namespace) -> int:
    return _answer(args, lambda: _setup(args))


def _setup(args: argparse.Namespace) -> Outcome:
    from pathlib import Path

    from hapy.commands.corosync import setup, startstop
    from hapy.commands.corosync.grammar import parse_setup
    from hapy.commands.corosync.paths import NodePaths

    spec = parse_setup(args.cluster_name, args.words)
    paths = NodePaths.from_env()
    if args.corosync_conf:
        done = setup.write_conf_only(spec, paths, Path(args.corosync_conf),
                                     overwrite=args.overwrite, force=args.force)
        return ({"cluster": done.cluster, "file": str(done.conf_path)},
                [f"Wrote {done.conf_path} for cluster {done.cluster}"], list(done.warnings))
    done = setup.setup(spec, paths=paths, overwrite=args.overwrite, force=args.force,
                       local_only=args.local)
    lines = [f"Cluster {done.cluster} set up on {', '.join(done.written)}: "
             f"{paths.corosync_conf}, {paths.authkey} (mode 0400), {paths.hapy_conf}"]
    if args.local:
        others = [n.name for n in spec.nodes if n.name not in done.written]
        if others:
            lines.append(f"Copy these three files, with their modes, to {', '.join(others)}"
                         f" (e.g. scp -p {paths.corosync_conf} {paths.authkey} root@NODE:"
                         f"{paths.corosync_conf.parent}/ and {paths.hapy_conf} to "
                         f"{paths.hapy_conf.parent}/)")
    if args.start:
        outcomes = startstop.start(all_nodes=True, paths=paths, wait=args.wait)
        lines += _outcome_lines(outcomes, starting=True)
    else:
        lines.append("Start it: hapy cluster start --all")
    return ({"cluster": done.cluster, "nodes": list(done.written), "local": done.local},
            lines, list(done.warnings))


def run_sync(args: argparse.Namespace) -> int:
    def synced() -> Outcome:
        from hapy.commands.corosync import setup

        nodes = setup.sync()
        return (list(nodes), [
            f"Synced corosync.conf, authkey and hapy.conf to {', '.join(nodes) or 'no node'}",
            "corosync reads them when it starts: restart the nodes that run (hapy cluster "
            "stop NODE, then start NODE), one at a time"], [])

    return _answer(args, synced)


def run_receive(args: argparse.Namespace) -> int:
    return _answer(args, lambda: _receive(args))


def _receive(args: argparse.Namespace) -> Outcome:
    import sys

    from hapy.commands.corosync import setup

    warnings = setup.receive(sys.stdin.read(), overwrite=args.overwrite, force=args.force,
                             check_only=args.check)
    return ({"checked" if args.check else "written": True},
            ["This node can take the configuration" if args.check
             else "Configuration written"], warnings)


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
