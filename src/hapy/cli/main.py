"""``hapy`` entry point: dispatches to sub-commands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from hapy import __version__
from hapy.reports import HapyError

# the module registering each command (admin registers several), in help order
_COMMANDS = {
    "simulate": "simulate", "verify": "verify", "cluster": "cluster", "daemon": "daemon",
    "status": "status", "resource": "resource", "property": "admin", "node": "admin",
    "constraint": "admin", "cib": "admin", "demo": "demo", "attribute": "attribute",
    "stonith": "stonith", "quorum": "quorum", "explain": "explain",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given the arguments, only the command they name is
    registered (start-up time matters for ``hapy simulate``)."""
    import importlib

    parser = argparse.ArgumentParser(
        prog="hapy",
        description="hapy: a high-availability cluster resource manager compatible with "
        "Pacemaker",
    )
    parser.add_argument("--version", action="version", version=f"hapy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    first = next((a for a in argv if not a.startswith("-")), None) if argv else None
    modules = [_COMMANDS[first]] if first in _COMMANDS else \
        list(dict.fromkeys(_COMMANDS.values()))
    for name in modules:
        importlib.import_module(f"hapy.cli.{name}").register(sub)
    return parser


def _exit_now(code: int) -> None:
    """End the process at once, without the interpreter's clean-up (tearing
    down every module and object: about 8% of a small ``hapy simulate``).
    Only for a command that has nothing left to clean up; returns if the
    output cannot be flushed, leaving the usual exit to report it."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command *argv* names (default: the program's arguments). Called
    without *argv*, as the program, a command that sets ``exit_at_once`` ends
    the process itself when it is done."""
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    # the command may leave what it built for the process's end to drop
    args.process_exits = argv is None and getattr(args, "exit_at_once", False)
    try:
        result: int = args.func(args)
        if args.process_exits:
            _exit_now(result)
        return result
    except HapyError as exc:
        for rep in exc.reports:
            print(rep.render(), file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
