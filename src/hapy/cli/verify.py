"""``hapy verify``: check a CIB for errors (crm_verify)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "verify", help="check a CIB for errors (crm_verify)",
        description="Check a CIB for configuration errors, like crm_verify.",
    )
    p.add_argument("-x", "--xml-file", metavar="FILE", required=True)
    p.add_argument("-V", "--verbose", action="count", default=0)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hapy.commands.verify import verify_file

    reports = verify_file(args.xml_file)
    for rep in reports:
        print(rep.render(), file=sys.stderr)
    if any(r.is_error() for r in reports):
        print("Errors found during check: config not valid", file=sys.stderr)
        return 1
    return 0
