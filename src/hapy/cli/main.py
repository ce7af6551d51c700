"""``hapy`` entry point: dispatches to sub-commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hapy import __version__
from hapy.reports import HapyError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hapy",
        description="hapy: a high-availability cluster resource manager compatible with "
        "Pacemaker",
    )
    parser.add_argument("--version", action="version", version=f"hapy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from hapy.cli import (
        admin,
        attribute,
        cluster,
        daemon,
        demo,
        resource,
        simulate,
        status,
        verify,
    )

    simulate.register(sub)
    verify.register(sub)
    cluster.register(sub)
    daemon.register(sub)
    status.register(sub)
    resource.register(sub)
    admin.register(sub)
    demo.register(sub)
    attribute.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        result: int = args.func(args)
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
