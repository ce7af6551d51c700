"""The fake executor's CIB edits, compared with crm_simulate -O on the example cases."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from hapy.graph.model import ActionKind, GraphAction, ResourceRef, Synapse, TransitionGraph
from hapy.graph.runner import GraphRunner, run_graph
from hapy.graph.xml import graph_from_xml
from hapy.simulate.fake_exec import FakeExecutor
from hapy.simulate.inject import op_digest

CASES = Path(__file__).resolve().parents[3].parent / "shared" / "scheduler-cases"
if not CASES.is_dir():
    CASES = Path("/work/shared/scheduler-cases")
CRM_SIMULATE = shutil.which("crm_simulate")
needs_cases = pytest.mark.skipif(not (CASES / "exp").is_dir(), reason="cases missing")
needs_simulate = pytest.mark.skipif(CRM_SIMULATE is None or not (CASES / "xml").is_dir(),
                                    reason="crm_simulate or cases missing")
NOW = 1_700_000_000
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def load(path: Path) -> etree._Element:
    return etree.parse(str(path), PARSER).getroot()


def _times_out(value: str, run_started: int) -> str:
    """Timestamps written by the run (ours: NOW, crm_simulate's: its clock) compare equal."""
    return re.sub(r"\b\d{10}\b",
                  lambda m: "NOW" if int(m.group(0)) in (NOW,) or int(m.group(0)) >= run_started
                  else m.group(0), value)


def differences(mine: etree._Element, real: etree._Element, run_started: int) -> list[str]:
    out: list[str] = []

    def walk(a: etree._Element, b: etree._Element, path: str) -> None:
        attrs_a = [(k, _times_out(v, run_started)) for k, v in a.attrib.items()]
        attrs_b = [(k, _times_out(v, run_started)) for k, v in b.attrib.items()]
        if attrs_a != attrs_b:
            out.append(f"{path}: {attrs_a} != {attrs_b}")
        kids_a = [c for c in a if isinstance(c.tag, str)]
        kids_b = [c for c in b if isinstance(c.tag, str)]
        ids_a = [(c.tag, c.get("id")) for c in kids_a]
        ids_b = [(c.tag, c.get("id")) for c in kids_b]
        if ids_a != ids_b:
            out.append(f"{path}: children {ids_a} != {ids_b}")
            return
        for x, y in zip(kids_a, kids_b, strict=True):
            walk(x, y, f"{path}/{x.tag}[{x.get('id')}]")

    status_a, status_b = mine.find("status"), real.find("status")
    assert status_a is not None and status_b is not None
    walk(status_a, status_b, "status")
    if mine.get("num_updates") != real.get("num_updates"):
        out.append(f"num_updates {mine.get('num_updates')} != {real.get('num_updates')}")
    return out


def _simulate(tmp_path: Path, case: str, *extra: str) -> tuple[str, etree._Element, int, str]:
    assert CRM_SIMULATE is not None
    graph, out = tmp_path / "g.xml", tmp_path / "o.xml"
    started = int(__import__("time").time()) - 1
    proc = subprocess.run([CRM_SIMULATE, "-x", str(CASES / "xml" / f"{case}.xml"), "-S",
                           "-G", str(graph), "-O", str(out), *extra],
                          capture_output=True, text=True, timeout=120, check=True)
    return graph.read_text(), load(out), started, proc.stdout


def _sample() -> list[str]:
    if not (CASES / "cases.tsv").is_file():
        return []
    rows = [line.split("\t") for line in (CASES / "cases.tsv").read_text().splitlines()[1:]]
    plain = [r[0] for r in rows if len(r) < 4 or not r[3]]
    wanted = ["1-a-then-bm-move-b", "a-demote-then-b-migrate", "594", "stonith-1",
              "unfence-definition", "guest-node-host-dies", "bundle-order-fencing",
              "on_fail_demote4", "load-stopped-loop", "params-6", "clone-order-16instances",
              "bug-5025-3", "shutdown-lock-expiration", "797", "reprobe-target_rc",
              "promoted-7"]
    return [*wanted, *(n for n in plain[::9] if n not in wanted and n != "inc6")]


@needs_simulate
@pytest.mark.parametrize("case", _sample())
def test_status_after_transition_matches_crm_simulate(tmp_path: Path, case: str) -> None:
    graph_text, real, started, _ = _simulate(tmp_path, case)
    cib = load(CASES / "xml" / f"{case}.xml")
    result = run_graph(GraphRunner(graph_from_xml(graph_text)), FakeExecutor(cib, now=NOW))
    assert result.ok
    assert differences(cib, real, started) == []


FAILURES = [
    ("simple2", "rsc1_monitor_0@node1=1"),
    ("anti-colocation-promoted", "state1_demote_0@sle12sp2-1=1"),
    ("a-demote-then-b-migrate", "rsc1:1_demote_0@node1=1"),
    ("594", "child_DoFencing:0_stop_0@hadev2=1"),
    ("order-serialize", "edge_migrate_from_0@xen-b=1"),
    ("1-a-then-bm-move-b", "B_monitor_60000@18node1=7"),
    ("simple2", "rsc1_start_0@node1=0"),
]


@needs_simulate
@pytest.mark.parametrize(("case", "spec"), FAILURES)
def test_injected_failures_match_crm_simulate(tmp_path: Path, case: str, spec: str) -> None:
    graph_text, real, started, stdout = _simulate(tmp_path, case, "-F", spec)
    cib = load(CASES / "xml" / f"{case}.xml")
    fake = FakeExecutor(cib, failures=[spec], now=NOW)
    result = run_graph(GraphRunner(graph_from_xml(graph_text)), fake)
    assert differences(cib, real, started) == []
    expected = [line.strip().removeprefix("* ") for line in stdout.splitlines()
                if "Pretending action" in line or "Injecting attribute" in line]
    assert [_times_out(m, started) for m in fake.messages] == \
        [_times_out(m, started) for m in expected]
    assert bool(result.failed) == bool(expected)


@needs_cases
def test_every_scheduled_operation_is_recorded() -> None:
    """Without crm_simulate: each executed operation leaves its history entry."""
    for name in ("1-a-then-bm-move-b", "a-demote-then-b-migrate", "bug-1572-2"):
        graph = graph_from_xml((CASES / "exp" / f"{name}.exp").read_text())
        cib = load(CASES / "xml" / f"{name}.xml")
        run_graph(GraphRunner(graph), FakeExecutor(cib, now=NOW))
        for action in graph.actions.values():
            if action.kind is not ActionKind.RSC_OP or action.resource is None:
                continue
            if action.operation in ("delete",):
                continue
            rsc = action.resource
            found = cib.xpath(
                "status/node_state[@uname=$n]/lrm/lrm_resources/lrm_resource"
                "[@id=$a or @id=$b]/lrm_rsc_op[@crm-debug-origin='crm_simulate']"
                "[@call-id and @last-rc-change=$t]",
                n=action.on_node, a=rsc.id, b=rsc.long_id or rsc.id, t=str(NOW))
            assert found, (name, action.describe())


def _action(action_id: int, op: str, interval: int = 0, **attrs: str) -> GraphAction:
    meta = {"CRM_meta_interval": str(interval), "CRM_meta_timeout": "20000", **attrs}
    return GraphAction(action_id, ActionKind.RSC_OP, op, f"r_{op}_{interval}", "n1", "u1",
                       resource=ResourceRef("r", "ocf", "Dummy", "pacemaker"), attributes=meta)


def test_history_ids_call_ids_and_probes() -> None:
    cib = etree.fromstring(
        '<cib num_updates="4"><configuration><nodes><node id="u1" uname="n1"/></nodes>'
        "</configuration><status/></cib>")
    graph = TransitionGraph((
        Synapse(0, _action(1, "monitor", CRM_meta_op_target_rc="7")),
        Synapse(1, _action(2, "start", fake="x"), (1,)),
        Synapse(2, _action(3, "monitor", 10000, fake="x"), (2,)),
    ))
    result = run_graph(GraphRunner(graph), FakeExecutor(cib, now=NOW))
    assert result.ok
    ops = cib.xpath("status/node_state[@id='u1'][@uname='n1']/lrm[@id='u1']/lrm_resources/"
                    "lrm_resource[@id='r'][@class='ocf'][@provider='pacemaker'][@type='Dummy']/"
                    "lrm_rsc_op")
    assert [(o.get("id"), o.get("operation"), o.get("call-id"), o.get("rc-code"))
            for o in ops] == [("r_last_0", "start", "2", "0"), ("r_monitor_10000", "monitor",
                                                                 "3", "0")]
    assert ops[0].get("transition-key") == "2:-1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    assert ops[0].get("op-digest") == op_digest({"fake": "x"})
    assert ops[1].get("op-digest") == op_digest({"fake": "x", "CRM_meta_timeout": "20000",
                                                 "CRM_meta_interval": "10000"})
    # one update for the new node_state, one per operation
    assert cib.get("num_updates") == "8"
