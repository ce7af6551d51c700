"""CIB upgrade on load: id-ref resolution."""

from __future__ import annotations

from lxml import etree

from hapy.cib.upgrade import upgrade
from hapy.reports import ReportList


def test_named_nvpair_reference_takes_only_the_value() -> None:
    root = etree.fromstring(
        """<cib><configuration><resources>
        <primitive id="a"><instance_attributes id="a-ia">
          <nvpair id="a-fake" name="fake" value="v"/></instance_attributes></primitive>
        <primitive id="b"><instance_attributes id="b-ia">
          <nvpair id-ref="a-fake"/><nvpair id-ref="a-fake" name="other"/>
        </instance_attributes></primitive>
        </resources></configuration></cib>"""
    )
    doc = upgrade(root, ReportList())
    pairs = [(p.get("name"), p.get("value")) for p in doc.iterfind(".//*[@id='b-ia']/nvpair")]
    assert pairs == [("fake", "v"), ("other", "v")]
