"""crm_simulate's -u/-d/-f/-i injections, compared with its -O output."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from lxml import etree

from hapy.reports import HapyError
from hapy.simulate.inject import OpSpec, apply_injections, parse_op_key, parse_op_spec

CASES = Path(__file__).resolve().parents[3].parent / "shared" / "scheduler-cases"
if not CASES.is_dir():
    CASES = Path("/work/shared/scheduler-cases")
CRM_SIMULATE = shutil.which("crm_simulate")
needs_simulate = pytest.mark.skipif(CRM_SIMULATE is None or not (CASES / "xml").is_dir(),
                                    reason="crm_simulate or cases missing")
NOW = 1_700_000_000
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def _norm(value: str, started: int) -> str:
    return re.sub(r"\b\d{10}\b",
                  lambda m: "NOW" if int(m.group(0)) == NOW or int(m.group(0)) >= started
                  else m.group(0), value)


def _dump(el: etree._Element, started: int) -> list[str]:
    out = []
    for node in el.iter():
        if isinstance(node.tag, str):
            attrs = " ".join(f"{k}={_norm(v, started)}" for k, v in node.attrib.items())
            depth = len(list(node.iterancestors()))
            out.append(f"{depth} {node.tag} {attrs}")
    return out


def _variant(tmp_path: Path, case: str, drop_node_state: str | None) -> Path:
    cib = etree.parse(str(CASES / "xml" / f"{case}.xml"), PARSER).getroot()
    if drop_node_state:
        for state in cib.findall("status/node_state"):
            if state.get("uname") == drop_node_state:
                state.getparent().remove(state)
    path = tmp_path / "in.xml"
    path.write_bytes(etree.tostring(cib))
    return path


SCENARIOS = [
    ("simple2", None, ["-u", "node3"], {"node_up": ["node3"]}),
    ("simple2", None, ["-d", "node1", "-f", "node2"],
     {"node_down": ["node1"], "node_fail": ["node2"]}),
    ("simple2", "node2", ["-d", "node2"], {"node_down": ["node2"]}),
    ("simple2", "node2", ["-f", "node2", "-u", "node1"],
     {"node_fail": ["node2"], "node_up": ["node1"]}),
    ("simple2", None, ["-i", "rsc1_monitor_0@node1=0", "-i", "rsc1_start_0@node2=1"],
     {"op_inject": ["rsc1_monitor_0@node1=0", "rsc1_start_0@node2=1"]}),
    ("simple2", "node2", ["-i", "rsc1_monitor_0@node2=7", "-i", "rsc1_monitor_10000@node1=8"],
     {"op_inject": ["rsc1_monitor_0@node2=7", "rsc1_monitor_10000@node1=8"]}),
    ("594", None, ["-i", "child_DoFencing:0_stop_0@hadev2=1", "-i", "DcIPaddr_start_0@hadev1=0"],
     {"op_inject": ["child_DoFencing:0_stop_0@hadev2=1", "DcIPaddr_start_0@hadev1=0"]}),
    ("1-a-then-bm-move-b", None, ["-i", "B_stop_0@18node2=1", "-i", "A_stop_0@18node1=7",
                                  "-i", "A_monitor_10000@18node1=7", "-i", "B_start_0@18node3=8"],
     {"op_inject": ["B_stop_0@18node2=1", "A_stop_0@18node1=7",
                    "A_monitor_10000@18node1=7", "B_start_0@18node3=8"]}),
]


@needs_simulate
@pytest.mark.parametrize(("case", "drop", "args", "kwargs"), SCENARIOS)
def test_injections_match_crm_simulate(tmp_path: Path, case: str, drop: str | None,
                                       args: list[str], kwargs: dict[str, list[str]]) -> None:
    assert CRM_SIMULATE is not None
    source = _variant(tmp_path, case, drop)
    out = tmp_path / "out.xml"
    started = int(time.time()) - 1
    proc = subprocess.run([CRM_SIMULATE, "-x", str(source), *args, "-O", str(out)],
                          capture_output=True, text=True, timeout=120, check=True)
    real = etree.parse(str(out), PARSER).getroot()
    cib = etree.parse(str(source), PARSER).getroot()
    messages = apply_injections(cib, now=NOW, **kwargs)  # type: ignore[arg-type]
    real_status, our_status = real.find("status"), cib.find("status")
    assert real_status is not None and our_status is not None
    assert _dump(our_status, started) == _dump(real_status, started)
    assert cib.get("num_updates") == real.get("num_updates")
    block = proc.stdout.split("Performing Requested Modifications:\n", 1)[1].split("\n\n")[0]
    expected = [line.strip().removeprefix("* ") for line in block.splitlines()]
    assert [_norm(m, started) for m in messages] == [_norm(m, started) for m in expected]


def test_parse_op_spec() -> None:
    assert parse_op_spec("rsc1_monitor_10000@node1=7") == OpSpec("rsc1", "monitor", 10000,
                                                                   "node1", 7)
    assert parse_op_spec("my_rsc_migrate_to_0@n-1=1") == OpSpec("my_rsc", "migrate_to", 0,
                                                                  "n-1", 1)
    assert parse_op_spec("c:1_start_0@n=0").resource == "c:1"
    assert str(parse_op_spec("a_stop_0@n=1")) == "a_stop_0@n=1"
    assert parse_op_key("r_post_notify_start_0") == ("r", "post_notify_start", 0)


@pytest.mark.parametrize("spec", ["rsc1_monitor_0@node1", "rsc1monitor@node1=0",
                                  "rsc1_monitor_0@node1=x", "rsc1_monitor_abc@node1=0",
                                  "@node1=0", "rsc1_monitor_0=0"])
def test_bad_specs_are_reported(spec: str) -> None:
    with pytest.raises(HapyError) as info:
        parse_op_spec(spec)
    assert info.value.reports[0].code == "SIMULATE_BAD_OP_SPEC"


def _small_cib() -> etree._Element:
    return etree.fromstring(
        '<cib num_updates="0"><configuration><nodes><node id="1" uname="n1"/></nodes>'
        '<resources><primitive id="r" class="ocf" provider="pacemaker" type="Dummy"/>'
        "</resources></configuration><status/></cib>")


def test_unknown_nodes_and_resources_are_reported_before_any_change() -> None:
    cib = _small_cib()
    before = etree.tostring(cib)
    with pytest.raises(HapyError) as info:
        apply_injections(cib, node_down=["nX"], node_fail=["nY"],
                         op_inject=["ghost_start_0@n1=0", "r_start_0@nZ=0", "bad"])
    codes = sorted(r.code for r in info.value.reports)
    # every problem at once
    assert codes == ["SIMULATE_BAD_OP_SPEC", *["SIMULATE_UNKNOWN_NODE"] * 3,
                     "SIMULATE_UNKNOWN_RESOURCE"]
    assert etree.tostring(cib) == before
    # -u may name a node the configuration does not know
    apply_injections(cib, node_up=["new"], now=NOW)
    state = cib.find("status/node_state[@uname='new']")
    assert state is not None and state.get("id") == "new"
