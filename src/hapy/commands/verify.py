"""Checking a CIB file: XML safety, structure, references and values."""

from __future__ import annotations

from hapy.cib.validate import problems
from hapy.cib.xmlio import read_xml_file
from hapy.reports import HapyError, Report


def verify_file(path: str) -> list[Report]:
    try:
        root = read_xml_file(path)
    except HapyError as exc:
        return list(exc.reports)
    return problems(root, path)
