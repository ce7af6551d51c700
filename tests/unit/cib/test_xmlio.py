"""Hostile and malformed XML is refused with coded reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from hapy.cib import xmlio
from hapy.reports import HapyError


def _codes(exc: pytest.ExceptionInfo[HapyError]) -> list[str]:
    return [r.code for r in exc.value.reports]


def test_entities_are_refused() -> None:
    evil = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><cib>&a;</cib>'
    with pytest.raises(HapyError) as exc:
        xmlio.parse_xml_bytes(evil)
    assert _codes(exc) == ["CIB_XML_DTD_REFUSED"]


def test_external_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("top secret")
    evil = f'<!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]><cib>&s;</cib>'
    with pytest.raises(HapyError) as exc:
        xmlio.parse_xml_text(evil)
    assert "top secret" not in str(exc.value)


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(HapyError) as exc:
        xmlio.parse_xml_text("<cib>\n<configuration>\n</cib>", source="t.xml")
    report = exc.value.reports[0]
    assert report.code == "CIB_XML_MALFORMED"
    assert report.context["file"] == "t.xml"
    assert report.context["line"] == "3"


def test_oversized_document_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xmlio, "MAX_DOCUMENT_BYTES", 10)
    with pytest.raises(HapyError) as exc:
        xmlio.parse_xml_text("<cib><configuration/></cib>")
    assert _codes(exc) == ["CIB_XML_TOO_LARGE"]


def test_missing_file_is_a_report(tmp_path: Path) -> None:
    with pytest.raises(HapyError) as exc:
        xmlio.read_xml_file(str(tmp_path / "nope.xml"))
    assert _codes(exc) == ["CIB_FILE_UNREADABLE"]


def test_atomic_write_round_trips(tmp_path: Path) -> None:
    root = xmlio.parse_xml_text('<cib epoch="3"><configuration/></cib>')
    target = tmp_path / "cib.xml"
    xmlio.write_xml_file(root, str(target))
    assert xmlio.read_xml_file(str(target)).get("epoch") == "3"
    assert [p.name for p in tmp_path.iterdir()] == ["cib.xml"]
