"""``hapy demo`` runs unprivileged-style in a temporary directory, recovers
the injected failure, moves the resources of the stopped node, and exits 0
within a minute, leaving no process behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _demo_processes() -> set[str]:
    found = subprocess.run(["pgrep", "-f", "hapy-demo-"], capture_output=True, text=True)
    return set(found.stdout.split())


def test_demo_runs_to_the_end_in_under_a_minute() -> None:
    before = _demo_processes()
    began = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "hapy", "demo"], capture_output=True,
                          text=True, timeout=120, env=os.environ.copy())
    took = time.monotonic() - began
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "running again after" in out
    assert "web runs on" in out
    assert "What happened:" in out and "Demo finished" in out
    assert took < 60, out
    assert _demo_processes() - before == set()
