#!/usr/bin/env python3
"""Record the current conformance counts in tests/conformance/ratchet.json.

Refuses to lower a recorded count unless --allow-lower is given."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "conformance"))

from test_scheduler_conformance import (  # noqa: E402
    CORE_GROUPS,
    RATCHET,
    counts,
    run_conformance,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--allow-lower", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = run_conformance(Path(tmp) / "results.json")
    new = {
        "core": counts([r for r in results if r["group"] in CORE_GROUPS]),
        "all": counts(results),
    }
    old = json.loads(RATCHET.read_text()) if RATCHET.exists() else {}
    for scope, values in new.items():
        for metric, value in values.items():
            before = old.get(scope, {}).get(metric, 0)
            if value < before and not args.allow_lower:
                print(f"refusing to lower {scope} {metric} from {before} to {value}")
                return 1
    RATCHET.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
    print(json.dumps(new, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
