"""``hapy demo``: watch a small cluster place, recover and move resources."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo", help="run a 3-node cluster on this host and show what it does",
        description="Start a 3-node embedded cluster in a temporary directory, configure "
        "resources, inject a failure, stop a node, and report the timings.")
    p.add_argument("--keep", metavar="DIR", help="use DIR instead of a temporary directory "
                   "(its files stay for inspection)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from hapy.commands.demo import run_demo

    began = time.monotonic()
    result = run_demo(print, Path(args.keep) if args.keep else None)
    print()
    print("What happened:")
    for what, seconds in result.steps:
        print(f"  {seconds:6.2f} s  {what}")
    print(f"Demo finished in {time.monotonic() - began:.1f} s")
    return 0
