"""``hapy explain`` on the command line: output formats and coded errors."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from lxml import etree
from tests.unit.scheduler.scheduler_cib import cib_text, dummy

from hapy.cli.main import main

CIB = cib_text(
    f'<group id="g">{dummy("a")}{dummy("b")}</group>',
    constraints='<rsc_location id="loc-g" rsc="g" node="n1" score="100"/>')


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["explain", *argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def cib_file(tmp_path: Path) -> str:
    path = tmp_path / "cib.xml"
    path.write_text(CIB)
    return str(path)


def test_text_output(cib_file: str) -> None:
    code, out, _ = _run("g", "-x", cib_file)
    assert code == 0
    assert out.startswith("Resource: g (group)\n")
    assert "  outcome: placed on n1\n" in out
    assert "  on n1: 100  <- placed here" in out
    assert "location loc-g: prefers n1, score 100" in out


def test_json_output(cib_file: str) -> None:
    code, out, _ = _run("a", "-x", cib_file, "--node", "n1", "--output-as", "json")
    assert code == 0
    data = json.loads(out)
    assert data["resource"]["name"] == "a"
    [score] = data["resource"]["scores"]
    assert (score["node"], score["score"], score["chosen"]) == ("n1", "100", True)
    group = next(c for c in score["contributions"] if c["kind"] == "group")
    assert group["effect"] == "+100"
    assert [p["source"] for p in group["parts"]][-1] == "loc-g"


def test_xml_output(cib_file: str) -> None:
    code, out, _ = _run("g", "-x", cib_file, "--output-as", "xml")
    assert code == 0
    root = etree.fromstring(out.encode())
    assert root.tag == "pacemaker-result"
    assert root.find("status").get("code") == "0"
    group = root.find("explanation/resource")
    assert group.get("id") == "g" and group.get("placed_on") == "n1"
    members = [r.get("id") for r in group.findall("resource")]
    assert members == ["a", "b"]
    score = group.find("resource/score[@node='n1']")
    assert score.get("score") == "100"


@pytest.mark.parametrize(("argv", "code"), [
    (("nope",), "EXPLAIN_UNKNOWN_RESOURCE"),
    (("g", "--node", "n9"), "EXPLAIN_UNKNOWN_NODE"),
    (("g", "-t", "not a date"), "EXPLAIN_BAD_DATE"),
])
def test_errors_are_coded(cib_file: str, argv: tuple[str, ...], code: str) -> None:
    status, out, err = _run(*argv, "-x", cib_file)
    assert status == 1 and out == ""
    assert err.rstrip().endswith(f"({code})")
    assert "Traceback" not in err


def test_missing_file_is_a_coded_error(tmp_path: Path) -> None:
    status, _, err = _run("g", "-x", str(tmp_path / "none.xml"))
    assert status == 1 and "(CIB_FILE_UNREADABLE)" in err


def test_without_a_file_or_a_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HAPY_CLUSTER_DIR", raising=False)
    status, _, err = _run("g")
    assert status == 1 and "(EXPLAIN_NO_CIB)" in err


def test_without_a_running_cluster(tmp_path: Path) -> None:
    status, _, err = _run("g", "--dir", str(tmp_path))
    assert status == 1 and "(CLUSTER_NOT_RUNNING)" in err


def test_reads_the_running_clusters_cib(tmp_path: Path) -> None:
    """Without -x, the CIB comes from a node daemon, queried as hapy status does."""
    import asyncio
    import threading

    from hapy.cluster.wire import encode, read_frame

    sock = tmp_path / "nodes" / "n1" / "hapy.sock"
    sock.parent.mkdir(parents=True)
    asked: list[dict[str, object]] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        frame = await read_frame(reader)
        assert frame is not None
        asked.append(frame)
        writer.write(encode({"type": "response", "ok": True, "xml": [CIB]}))
        await writer.drain()
        writer.close()

    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        server = loop.run_until_complete(asyncio.start_unix_server(answer, path=str(sock)))
        ready.set()
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(5)
    try:
        code, out, err = _run("b", "--dir", str(tmp_path), "--node", "n1")
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
    assert code == 0, err
    assert asked[0]["op"] == "cib" and asked[0]["request"] == {"op": "query"}
    assert "b (primitive)" in out and "  on n1: 0  <- placed here" in out
