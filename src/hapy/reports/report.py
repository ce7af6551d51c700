"""The Report data object, the collector and the single error type."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType

from hapy.records import field, record


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"




@record
class Report:
    """One finding.

    ``code`` is an upper-case identifier such as ``CIB_XML_MALFORMED``;
    ``context`` names where the problem is (``file``, ``element``, ``id``,
    ``line``...) and ``hint`` says what to do about it.  ``forceable`` errors
    become warnings when the user passes ``--force``.
    """

    code: str
    message: str
    severity: Severity = Severity.ERROR
    context: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    hint: str = ""
    forceable: bool = False

    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def render(self) -> str:
        """One line in the style of Pacemaker's tools: ``error: ... (CODE)``."""
        where = ", ".join(f"{k} {v}" for k, v in self.context.items())
        text = f"{self.severity.value}: {self.message}"
        if where:
            text += f" [{where}]"
        if self.hint:
            text += f"; {self.hint}"
        return f"{text} ({self.code})"

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Report:
        """The inverse of :meth:`as_dict` (reports travel between processes)."""
        context = data.get("context")
        items = context.items() if isinstance(context, Mapping) else ()
        try:
            severity = Severity(str(data.get("severity", "error")))
        except ValueError:
            severity = Severity.ERROR
        return cls(str(data.get("code", "UNKNOWN")), str(data.get("message", "")), severity,
                   MappingProxyType({str(k): str(v) for k, v in items}),
                   str(data.get("hint", "")), bool(data.get("forceable", False)))

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "context": dict(self.context),
            "hint": self.hint,
            "forceable": self.forceable,
        }


def report(
    code: str,
    message: str,
    *,
    severity: Severity = Severity.ERROR,
    hint: str = "",
    forceable: bool = False,
    **context: str,
) -> Report:
    """Shorthand constructor: ``report("CIB_ID_MISSING", "...", element="primitive")``."""
    return Report(code, message, severity, MappingProxyType(dict(context)), hint, forceable)


class HapyError(Exception):
    """The one exception type that carries reports to the user interface."""

    def __init__(self, reports: Iterable[Report]) -> None:
        self.reports: tuple[Report, ...] = tuple(reports)
        super().__init__("; ".join(r.render() for r in self.reports))

    @classmethod
    def single(cls, code: str, message: str, *, hint: str = "", **context: str) -> HapyError:
        return cls([Report(code, message, Severity.ERROR, MappingProxyType(dict(context)), hint)])


class ReportList:
    """Collects reports; ``raise_on_errors`` raises them all at once."""

    def __init__(self, *, force: bool = False) -> None:
        self._items: list[Report] = []
        self.force = force

    def add(self, item: Report) -> None:
        if self.force and item.forceable and item.is_error():
            item = Report(item.code, item.message, Severity.WARNING, item.context, item.hint, True)
        self._items.append(item)

    def error(self, code: str, message: str, *, hint: str = "", **context: str) -> None:
        self.add(Report(code, message, Severity.ERROR, MappingProxyType(dict(context)), hint))

    def warning(self, code: str, message: str, *, hint: str = "", **context: str) -> None:
        self.add(Report(code, message, Severity.WARNING, MappingProxyType(dict(context)), hint))

    def extend(self, items: Iterable[Report]) -> None:
        for item in items:
            self.add(item)

    @property
    def errors(self) -> list[Report]:
        return [r for r in self._items if r.is_error()]

    @property
    def warnings(self) -> list[Report]:
        return [r for r in self._items if r.severity is Severity.WARNING]

    def has_errors(self) -> bool:
        return any(r.is_error() for r in self._items)

    def raise_on_errors(self) -> None:
        if self.has_errors():
            raise HapyError(self._items)

    def __iter__(self) -> Iterator[Report]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
