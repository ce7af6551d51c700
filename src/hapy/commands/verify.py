"""Checking a CIB: XML safety, structure, references and values."""

from __future__ import annotations

from hapy.cib.parse import load_cib_file
from hapy.reports import HapyError, Report, ReportList


def verify_file(path: str) -> list[Report]:
    reports = ReportList()
    try:
        load_cib_file(path, reports)
    except HapyError as exc:
        return list(exc.reports)
    return list(reports)
