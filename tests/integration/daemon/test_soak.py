"""A short randomised soak in CI (``benchmarks/soak.py`` runs longer ones):
faults and changes from a printed seed, the invariant never broken, every
resource in its target state at the end."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from hapy.testing.soak import run_soak

pytestmark = pytest.mark.skipif(
    not Path("/usr/lib/ocf/resource.d/heartbeat/Dummy").exists(),
    reason="resource-agents not installed")


def test_a_short_random_soak_keeps_every_resource_once(tmp_path: Path) -> None:
    seed = int(os.environ.get("HAPY_SOAK_SEED") or time.time()) % 100000
    steps = int(os.environ.get("HAPY_SOAK_STEPS") or 6)
    result = run_soak(tmp_path / "cluster", seed, steps)
    print(f"soak seed {seed}: {result.steps} in {result.seconds:.0f} s")
    assert not result.doubles, f"seed {seed}: active on two nodes: {result.doubles[:5]}"
