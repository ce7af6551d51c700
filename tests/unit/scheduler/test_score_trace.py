"""The score trace (``hapy simulate -s``) covers every variant: primitives,
groups, clones, the members of cloned groups and promotion scores."""

from __future__ import annotations

from tests.unit.scheduler.scheduler_cib import NOW, cib_text, dummy

from hapy.cib.parse import cib_from_tree
from hapy.cib.xmlio import parse_xml_text
from hapy.reports import ReportList
from hapy.scheduler.run import schedule


def _lines(text: str) -> list[str]:
    return list(schedule(cib_from_tree(parse_xml_text(text), ReportList()), NOW).scores)


def test_cloned_group_members_have_clone_lines() -> None:
    lines = _lines(cib_text(f'<clone id="cl"><group id="g">{dummy("a")}{dummy("b")}</group>'
                            '</clone>'))
    for name in ("cl", "g:0", "g:1", "a:0", "a:1", "b:0", "b:1"):
        assert f"pcmk__clone_allocate: {name} allocation score on n1: 0" in lines
    assert "pcmk__group_assign: b:1 allocation score on n2: 0" in lines
    assert any(line.startswith("pcmk__primitive_assign: b:1 allocation score on") for line in lines)


def test_promotable_clone_has_promotion_lines() -> None:
    lines = _lines(cib_text(
        '<clone id="ms"><meta_attributes id="m"><nvpair id="m1" name="promotable" value="true"/>'
        '</meta_attributes><primitive id="st" class="ocf" provider="pacemaker" type="Stateful"/>'
        '</clone>'))
    assert sum(" promotion score on " in line for line in lines) == 2
    assert "pcmk__clone_allocate: st:0 allocation score on n1: 0" in lines
