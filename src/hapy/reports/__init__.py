"""Coded, structured reports: hapy's one way of telling a user what is wrong.

Every problem is a :class:`Report` with a stable ``code`` (tests assert codes,
never wording), a severity, a human message and context naming the offending
element.  Code that finds problems collects all of them in a
:class:`ReportList` and raises one :class:`HapyError` carrying them, so a user
sees every mistake at once rather than the first.
"""

from hapy.reports.report import HapyError, Report, ReportList, Severity, report

__all__ = ["HapyError", "Report", "ReportList", "Severity", "report"]
