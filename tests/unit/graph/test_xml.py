"""The transition graph XML writer and reader, checked against Pacemaker's own output.

The reference texts are the regression suite's ``.exp`` files and, where the
real ``crm_simulate`` is installed, graphs it writes for the same inputs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from hapy.graph.model import ActionKind, GraphAction, Synapse, TransitionGraph
from hapy.graph.xml import graph_from_xml, graph_to_xml, regression_text
from hapy.records import replace
from hapy.reports import HapyError

CASES = Path(__file__).resolve().parents[3].parent / "shared" / "scheduler-cases"
if not CASES.is_dir():
    CASES = Path("/work/shared/scheduler-cases")
EXP = CASES / "exp"
XML = CASES / "xml"
CRM_SIMULATE = shutil.which("crm_simulate")

needs_exp = pytest.mark.skipif(not EXP.is_dir(), reason="scheduler cases not present")
needs_simulate = pytest.mark.skipif(
    CRM_SIMULATE is None or not XML.is_dir(), reason="crm_simulate or case inputs not present"
)


def _exp_files() -> list[Path]:
    return sorted(EXP.glob("*.exp")) if EXP.is_dir() else []


def _canonical(el: etree._Element) -> object:
    """Structure with attribute multisets; child order kept."""
    attrs = Counter(el.attrib.items())
    return (el.tag, frozenset(attrs.items()), [_canonical(c) for c in el if isinstance(c.tag, str)])


def _parse(text: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(text.encode(), parser)


def _space_normalised(exp_text: str) -> str:
    """The .exp text with the blanks left by the regression filter closed up."""
    text = re.sub(r'(["a-z])  +(?=[^\s"=]+=")', r"\1 ", exp_text)
    return text.replace(" />", "/>").replace('" >', '">')


@needs_exp
def test_every_exp_file_round_trips() -> None:
    files = _exp_files()
    assert len(files) > 500
    for path in files:
        text = path.read_text()
        graph = graph_from_xml(text)
        written = graph_to_xml(graph)
        assert _canonical(_parse(written)) == _canonical(_parse(text)), path.name
        assert written == _space_normalised(text), path.name
        # and reading what we wrote gives the same graph back
        assert graph_from_xml(written) == graph, path.name


@needs_exp
def test_exp_graph_contents() -> None:
    """Spot-check that parsing keeps what the files say."""
    text = (EXP / "1-a-then-bm-move-b.exp").read_text()
    graph = graph_from_xml(text)
    root = _parse(text)
    syn_els = root.findall("synapse")
    assert [s.id for s in graph.synapses] == [int(s.get("id")) for s in syn_els]
    for syn, el in zip(graph.synapses, syn_els, strict=True):
        act_el = el.find("action_set")[0]
        assert syn.action.kind.value == act_el.tag
        assert syn.action.operation_key == act_el.get("operation_key")
        assert syn.action.on_node == act_el.get("on_node")
        assert dict(syn.action.attributes) == dict(act_el.find("attributes").attrib)
        assert list(syn.inputs) == [int(t[0].get("id")) for t in el.iter("trigger")]


def _simulate_graph(tmp_path: Path, cib: Path) -> str:
    out = tmp_path / (cib.stem + ".graph")
    assert CRM_SIMULATE is not None
    subprocess.run(
        [CRM_SIMULATE, "-x", str(cib), "-S", "-G", str(out)],
        check=True, capture_output=True, timeout=120,
    )
    return out.read_text()


def _feature_cases() -> list[str]:
    """Cases whose graphs use each rarer feature of the format, plus a spread of others."""
    if not EXP.is_dir():
        return []
    wanted = ["router_node", "long-id", "<downed>", "priority=", "<param", "mode=",
              "shutdown-lock", "internal_operation_key", "recheck-by", "migration-limit",
              'batch-limit', "crm_event", "&quot;", "&amp;"]
    picked: list[str] = []
    files = _exp_files()
    for needle in wanted:
        for path in files:
            if needle in path.read_text() and path.stem not in picked:
                picked.append(path.stem)
                break
    picked += [p.stem for p in files[::40] if p.stem not in picked]
    picked += [p.stem for p in files if "<synapse" not in p.read_text()][:2]
    return picked


@needs_simulate
@needs_exp
@pytest.mark.parametrize("case", _feature_cases())
def test_byte_exact_against_crm_simulate(tmp_path: Path, case: str) -> None:
    rows = [line.split("\t") for line in (CASES / "cases.tsv").read_text().splitlines()]
    if any(row[0] == case and len(row) > 3 and row[3] for row in rows):
        pytest.skip("case needs extra crm_simulate arguments")
    real = _simulate_graph(tmp_path, XML / f"{case}.xml")
    graph = graph_from_xml(real)
    assert graph_to_xml(graph) == real
    assert regression_text(graph_to_xml(graph)) == (EXP / f"{case}.exp").read_text()


@needs_simulate
def test_escaping_and_params_like_crm_simulate(tmp_path: Path) -> None:
    """Odd parameter names and values: compare our writer with crm_simulate's."""
    values = {
        "zz": "a<b>c&d\"e'f\tg\nh\ri",
        "Bb": "1",
        "_x": "1",
        "a-b": "1",
        "9a": "1",
        "10": "3",
        "ü": "4",
    }
    cib = etree.parse(str(XML / "simple2.xml")).getroot()
    prim = cib.find(".//primitive[@id='rsc1']")
    assert prim is not None
    ia = etree.SubElement(prim, "instance_attributes", id="ia")
    for n, (name, value) in enumerate(values.items()):
        etree.SubElement(ia, "nvpair", id=f"nv{n}", name=name, value=value)
    path = tmp_path / "odd.xml"
    path.write_bytes(etree.tostring(cib))
    real = _simulate_graph(tmp_path, path)
    graph = graph_from_xml(real)
    # put the true values (with real tab/newline) back and write again
    synapses = []
    for syn in graph.synapses:
        attrs = dict(syn.action.attributes)
        for name, value in values.items():
            assert name in attrs
            attrs[name] = value
        synapses.append(replace(syn, action=replace(syn.action, attributes=attrs)))
    rebuilt = replace(graph, synapses=tuple(synapses))
    # names starting with a digit come out as <param> children, in the order
    # the attributes mapping holds them (here: the order crm_simulate used)
    written = graph_to_xml(rebuilt)
    assert written == real


def _tiny_graph(inputs: tuple[int, ...] = ()) -> TransitionGraph:
    action = GraphAction(1, ActionKind.PSEUDO, "start", "r_start_0")
    return TransitionGraph((Synapse(0, action, inputs),), (("transition_id", "0"),))


def test_unknown_input_is_reported() -> None:
    with pytest.raises(HapyError) as info:
        graph_to_xml(_tiny_graph((7,)))
    assert info.value.reports[0].code == "GRAPH_UNKNOWN_INPUT"
    text = graph_to_xml(_tiny_graph()).replace("<inputs/>", "<inputs><trigger>"
                                               '<rsc_op id="9" operation="x" operation_key="y"/>'
                                               "</trigger></inputs>")
    with pytest.raises(HapyError) as info:
        graph_from_xml(text)
    assert info.value.reports[0].code == "GRAPH_UNKNOWN_INPUT"


@pytest.mark.parametrize(
    "text",
    [
        "<transition_graph",
        "<cib/>",
        '<transition_graph><synapse id="x"/></transition_graph>',
        '<transition_graph><synapse id="0"><action_set/></synapse></transition_graph>',
        '<transition_graph><synapse id="0"><action_set><bogus id="1"/></action_set>'
        "</synapse></transition_graph>",
    ],
)
def test_malformed_graphs_are_reported(text: str) -> None:
    with pytest.raises(HapyError) as info:
        graph_from_xml(text)
    assert info.value.reports[0].code == "GRAPH_XML_MALFORMED"


def test_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    text = (
        f'<!DOCTYPE transition_graph [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<transition_graph><synapse id="0"><action_set>'
        '<pseudo_event id="1" operation="a" operation_key="&x;"><attributes/></pseudo_event>'
        "</action_set><inputs/></synapse></transition_graph>"
    )
    try:
        graph = graph_from_xml(text)
    except HapyError:
        return
    assert "TOPSECRET" not in graph.synapses[0].action.operation_key
