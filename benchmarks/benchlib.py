"""Shared helpers of the benchmarks: where things are, running and measuring a
command (wall time and peak RSS of that one child), statistics, result files."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import functools
import importlib.util
import json
import math
import os
import platform
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CONFORMANCE_TEST = ROOT / "tests" / "conformance" / "test_scheduler_conformance.py"


@functools.cache
def ratchet() -> ModuleType:
    """The conformance ratchet module: where the core groups are listed, the shared
    folder is found and the shared scheduler.py is loaded."""
    spec = importlib.util.spec_from_file_location("hapy_conformance_ratchet", CONFORMANCE_TEST)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {CONFORMANCE_TEST}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shared_dir() -> Path:
    """../shared beside the repository, or $HAPY_SHARED."""
    path: Path = ratchet().shared_dir()
    return path


def core_patterns() -> tuple[str, ...]:
    patterns: tuple[str, ...] = ratchet().CORE_PATTERNS
    return patterns


def default_hapy_cmd() -> str:
    """`hapy simulate` of this interpreter's installation."""
    script = Path(sysconfig.get_path("scripts")) / "hapy"
    if os.access(script, os.X_OK):
        return shlex.join([str(script), "simulate"])
    return shlex.join([sys.executable, "-m", "hapy", "simulate"])


def default_ref_cmd() -> str:
    return shutil.which("crm_simulate") or "/usr/sbin/crm_simulate"


@dataclass(frozen=True)
class Run:
    """One measured run of a command."""

    seconds: float
    returncode: int | None  # None: killed at the time limit
    max_rss_kb: int  # peak resident set of the child (and its waited-for children)
    stdout: str
    stderr_tail: str
    cpu_seconds: float = 0.0  # user + system CPU time of the child: steadier than wall
    # time on a busy machine (no waiting for a CPU), but blind to I/O waits

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _limit_memory(limit_bytes: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return apply


def run_measured(
    argv: Sequence[str], timeout: float, mem_limit_mb: int = 0, keep_stdout: bool = False
) -> Run:
    """Run *argv* and measure it. The peak RSS comes from wait4() on this one child:
    the per-child form of getrusage(RUSAGE_CHILDREN), which only keeps a maximum
    over every child ever reaped."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=out if keep_stdout else subprocess.DEVNULL,
            stderr=err, preexec_fn=_limit_memory(mem_limit_mb << 20) if mem_limit_mb else None,
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - t0
        proc.returncode = code = os.waitstatus_to_exitcode(status)  # reaped: tell Popen
        timed_out = code == -signal.SIGKILL and seconds >= timeout
        out.seek(0)
        err.seek(0)
        return Run(
            seconds=seconds,
            returncode=None if timed_out else code,
            max_rss_kb=usage.ru_maxrss,
            stdout=out.read().decode(errors="replace") if keep_stdout else "",
            stderr_tail=err.read().decode(errors="replace")[-500:],
            cpu_seconds=usage.ru_utime + usage.ru_stime,
        )


def compile_package(name: str) -> str | None:
    """Byte-compile the package *name* as this interpreter would import it (what
    pip does when it installs a package, and what Python does on first import
    unless PYTHONDONTWRITEBYTECODE is set). Returns its folder (None: not found)."""
    import compileall

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = next(iter(spec.submodule_search_locations))
    compileall.compile_dir(folder, quiet=1)
    return folder


def median(values: Sequence[float]) -> float:
    s = sorted(values)
    if not s:
        return math.nan
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p90: fraction=0.9)."""
    s = sorted(values)
    if not s:
        return math.nan
    return s[max(0, math.ceil(fraction * len(s)) - 1)]


def fit_power(xs: Sequence[float], ys: Sequence[float]) -> float:
    """k of the least-squares fit y = c * x**k on log-log axes (nan if under 2 points)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x > 0 and y > 0]
    if len(pts) < 2:
        return math.nan
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in pts)
    return sxy / sxx if sxx else math.nan


def transition_summary(text: str) -> collections.Counter[str]:
    """The "Transition Summary:" lines of -S output, as the conformance "decisions"
    metric compares them (a multiset, white space squashed)."""
    lines: collections.Counter[str] = ratchet().scheduler_py().transition_summary(
        text.splitlines()
    )
    return lines


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine_info(ref_cmd: str) -> dict[str, Any]:
    """What the numbers were measured on and with."""
    cpu = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    ref_version = ""
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        argv = [*shlex.split(ref_cmd), "--version"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        ref_version = done.stdout.split("\n", 1)[0]
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "hapy_commit": _git("rev-parse", "--short", "HEAD"),
        "hapy_tree_dirty": bool(_git("status", "--porcelain", "--", "src")),
        "reference": ref_version,
        "python": platform.python_version(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


def write_results(stem: str, data: dict[str, Any], out: Path | None) -> Path:
    """Write *data* as JSON to *out*, or to results/STEM-<UTC timestamp>.json."""
    if out is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        out = RESULTS / f"{stem}-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1) + "\n")
    return out


def physical_memory_mb() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 20
    except (ValueError, OSError):
        return 0


def wait(check: Callable[[], bool], timeout: float = 120) -> float:
    """Poll ``check`` every 20 ms until true; the seconds it took (exits the
    benchmark when ``timeout`` passes)."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > timeout:
            raise SystemExit("timed out")
        time.sleep(0.02)
    return time.monotonic() - began


def dummy_state_file(env: Any, node: str, rsc: str) -> Path:
    """Where ocf:hapy:Dummy keeps ``rsc``'s state on ``node`` of an embedded cluster."""
    return Path(env.node_dir(node)) / "run" / "rsctmp" / f"hapy-Dummy-{rsc}.state"
