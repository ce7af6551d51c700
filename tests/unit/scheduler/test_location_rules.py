"""Location rules that compare node attributes with the resource's own
parameters (value-source), and inverted resource patterns."""

from __future__ import annotations

from scheduler_cib import cib_text, run

NODES = ("n1", "n2", "n3")


def _with_node_attrs(text: str) -> str:
    for i, n in enumerate(NODES, start=1):
        text = text.replace(f'<node id="{n}" uname="{n}"/>',
                            f'<node id="{n}" uname="{n}"><instance_attributes id="{n}-a">'
                            f'<nvpair id="{n}-f" name="fake" value="{i}00"/>'
                            "</instance_attributes></node>")
    return text


def _rsc(rid: str, sets: str) -> str:
    return f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy">{sets}</primitive>'


def _placed(text: str) -> dict[str, str | None]:
    ws = run(_with_node_attrs(text)).working_set
    return {r.name: r.assigned_node.uname if r.assigned_node else None
            for r in ws.all_primitives()}


RULE = ('<rule id="{0}-r" score="INFINITY"><expression id="{0}-e" attribute="fake"'
        ' operation="eq" value="fake" value-source="param"/></rule>')


def test_rule_compares_with_the_parameter_as_it_is_on_each_node() -> None:
    sets = ('<instance_attributes id="p1" score="10"><nvpair id="p1f" name="fake"'
            ' value="100"/></instance_attributes>'
            '<instance_attributes id="p2" score="20"><rule id="p2r" score="INFINITY">'
            '<expression id="p2e" attribute="#uname" operation="eq" value="n3"/></rule>'
            '<nvpair id="p2f" name="fake" value="300"/></instance_attributes>')
    text = cib_text(_rsc("R", sets),
                    constraints=f'<rsc_location id="l" rsc="R">{RULE.format("l")}'
                                "</rsc_location>",
                    nodes=NODES)
    # n1 has fake=100 but there R's own fake is 100 only where no other set
    # applies; on n3 it is 300, equal to n3's: both match, n1 first by name
    assert _placed(text)["R"] in ("n1", "n3")
    text2 = text.replace('value="100"/></instance_attributes>',
                         'value="999"/></instance_attributes>')
    assert _placed(text2)["R"] == "n3"


def test_inverted_pattern_selects_the_resources_it_does_not_match() -> None:
    fake = ('<instance_attributes id="{0}-p"><nvpair id="{0}-pf" name="fake"'
            ' value="200"/></instance_attributes>')
    stopped = ('<meta_attributes id="m"><nvpair id="m1" name="target-role"'
               ' value="Stopped"/></meta_attributes>')
    text = cib_text(_rsc("rsc1", stopped) + _rsc("other", fake.format("other")),
                    constraints=f'<rsc_location id="l" rsc-pattern="!rsc">{RULE.format("l")}'
                                "</rsc_location>",
                    nodes=NODES)
    assert _placed(text)["other"] == "n2"


def test_listed_colocation_set_places_each_member_with_the_next() -> None:
    stopped = ('<meta_attributes id="m"><nvpair id="m1" name="target-role"'
               ' value="Stopped"/></meta_attributes>')
    rset = ('<rsc_colocation id="c" score="INFINITY"><resource_set id="s" ordering="{0}">'
            '<resource_ref id="a"/><resource_ref id="b"/><resource_ref id="c"/>'
            "</resource_set></rsc_colocation>")
    resources = _rsc("a", "") + _rsc("b", stopped) + _rsc("c", "")
    listed = _placed(cib_text(resources, constraints=rset.format("listed"), nodes=NODES))
    # a goes with b, b with c: b being stopped, a cannot run; c can
    assert listed["a"] is None and listed["c"] is not None
    natural = _placed(cib_text(resources, constraints=rset.format("group"), nodes=NODES))
    assert natural["a"] is not None and natural["c"] is None
