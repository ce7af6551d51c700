"""Small CIBs and helpers for ``hapy explain`` tests."""

from __future__ import annotations

from tests.unit.scheduler.scheduler_cib import NOW

from hapy.cib.parse import cib_from_tree
from hapy.cib.xmlio import parse_xml_text
from hapy.commands.explain import explain_cib
from hapy.explain.model import Contribution, Explanation, NodeScore, ResourceReport
from hapy.reports import ReportList
from hapy.scheduler.run import schedule


def explained(text: str, resource: str, node: str | None = None) -> Explanation:
    return explain_cib(cib_from_tree(parse_xml_text(text), ReportList()), NOW, resource, node)


def printed_scores(text: str) -> dict[tuple[str, str], str]:
    """The last allocation score ``-s`` prints per (resource, node), from a run
    without a ledger."""
    cib = cib_from_tree(parse_xml_text(text), ReportList())
    out: dict[tuple[str, str], str] = {}
    for line in schedule(cib, NOW).scores:
        if " allocation score on " in line:
            head, score = line.rsplit(": ", 1)
            name, node = head.split(": ", 1)[1].split(" allocation score on ")
            out[(name, node)] = score
    return out


def printed_promotions(text: str) -> dict[tuple[str, str], str]:
    cib = cib_from_tree(parse_xml_text(text), ReportList())
    out: dict[tuple[str, str], str] = {}
    for line in schedule(cib, NOW).scores:
        if " promotion score on " in line:
            head, score = line.rsplit(": ", 1)
            name, node = head.split(" promotion score on ")
            out[(name, node)] = score
    return out


def report_of(ex: Explanation, name: str) -> ResourceReport:
    def find(rsc: ResourceReport) -> ResourceReport | None:
        if rsc.name == name:
            return rsc
        for member in rsc.members:
            found = find(member)
            if found is not None:
                return found
        return None

    found = find(ex.resource)
    assert found is not None, name
    return found


def on(rsc: ResourceReport, node: str) -> NodeScore:
    return next(s for s in rsc.scores if s.node == node)


def by_source(items: tuple[Contribution, ...], source: str) -> Contribution:
    return next(c for c in items if c.source == source)


def effect(item: Contribution) -> int | None:
    """The points a contribution added (None: it set or cleared the score)."""
    if item.before is None or item.after is None:
        return None
    return item.after - item.before


def all_reports(rsc: ResourceReport) -> list[ResourceReport]:
    out = [rsc]
    for member in rsc.members:
        out.extend(all_reports(member))
    return out
