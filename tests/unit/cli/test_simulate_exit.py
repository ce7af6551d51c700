"""``hapy simulate`` run as the program ends the process itself (no interpreter
shut-down): its output and files are complete, and in-process calls return."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import subprocess
import sys
from pathlib import Path

from hapy.cli.main import main

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "two-nodes.xml"
SRC = Path(__file__).resolve().parents[3] / "src"


def test_program_output_and_files_are_complete(tmp_path: Path) -> None:
    graph, out_cib = tmp_path / "graph.xml", tmp_path / "out.xml"
    argv = ["simulate", "-x", str(SAMPLE), "-S", "-s", "-G", str(graph), "-O", str(out_cib)]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    # an atexit hook that would print if the interpreter shut down as usual
    code = "import atexit, sys; atexit.register(print, 'SHUT-DOWN'); " \
        "from hapy.cli.main import main; sys.exit(main())"
    proc = subprocess.run([sys.executable, "-c", code, *argv], env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "SHUT-DOWN" not in proc.stdout  # it ended at once
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        assert main(argv[:-4]) == 0  # in-process: returns
    assert proc.stdout == captured.getvalue()
    assert graph.read_text().rstrip().endswith("</transition_graph>")
    assert out_cib.read_text().rstrip().endswith("</cib>")
    assert gc.isenabled()  # the collector is back on after an in-process run
