"""``hapy simulate``: crm_simulate's options and output."""

from __future__ import annotations

import argparse
import gc
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "simulate",
        help="schedule a CIB and simulate the transition (crm_simulate)",
        description="Show what the cluster would do with a CIB, like crm_simulate.",
    )
    p.add_argument("-x", "--xml-file", metavar="FILE", required=True,
                   help="the CIB to use")
    p.add_argument("-S", "--simulate", action="store_true",
                   help="simulate the transition's execution and show the resulting status")
    p.add_argument("-R", "--run", action="store_true",
                   help="determine the cluster's response (schedule only)")
    p.add_argument("-s", "--show-scores", action="store_true", help="show allocation scores")
    p.add_argument("-Q", "--quiet", action="store_true", help="do not show status")
    p.add_argument("-G", "--save-graph", metavar="FILE", help="write the transition graph")
    p.add_argument("-D", "--save-dotfile", metavar="FILE", help="write the graph as dot")
    p.add_argument("-t", "--set-datetime", metavar="DATE", help="the time to schedule at")
    p.add_argument("-i", "--op-inject", metavar="OP", action="append", default=[],
                   help="inject an operation result before scheduling: RSC_TASK_INTERVAL@NODE=RC")
    p.add_argument("-F", "--op-fail", metavar="OP", action="append", default=[],
                   help="make an action of the transition fail: RSC_TASK_INTERVAL@NODE=RC")
    p.add_argument("-u", "--node-up", metavar="NODE", action="append", default=[])
    p.add_argument("-d", "--node-down", metavar="NODE", action="append", default=[])
    p.add_argument("-f", "--node-fail", metavar="NODE", action="append", default=[])
    p.add_argument("-O", "--save-output", metavar="FILE", help="write the resulting CIB")
    p.add_argument("-L", "--live-check", action="store_true",
                   help="use the running cluster's CIB (not available yet)")
    # nothing to clean up after: skip the interpreter's shut-down (see main)
    p.set_defaults(func=run, exit_at_once=True)


def run(args: argparse.Namespace) -> int:
    # One short run: the cyclic garbage collector would only spend time here
    # (about 3% of a small case, 5-10% of a large one) walking objects that
    # live until the end anyway.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if collecting:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    from hapy.simulate.driver import SimulateRequest, simulate

    request = SimulateRequest(
        xml_file=args.xml_file,
        simulate=args.simulate,
        show_scores=args.show_scores,
        quiet=args.quiet,
        graph_file=args.save_graph,
        dot_file=args.save_dotfile,
        date=args.set_datetime,
        inject=tuple(args.op_inject),
        fail=tuple(args.op_fail),
        node_up=tuple(args.node_up),
        node_down=tuple(args.node_down),
        node_fail=tuple(args.node_fail),
        output_file=args.save_output,
        process_exits=bool(getattr(args, "process_exits", False)),
    )
    return simulate(request)
