"""Checking a CIB: XML safety, structure, references and values."""

from __future__ import annotations

from hapy.cib import model as m
from hapy.cib.parse import load_cib_file
from hapy.reports import HapyError, Report, ReportList


def _resource_ids(resources: tuple[m.ResourceConfig, ...]) -> set[str]:
    ids: set[str] = set()
    for rsc in resources:
        ids.add(rsc.id)
        if isinstance(rsc, m.GroupConfig):
            ids.update(c.id for c in rsc.children)
        elif isinstance(rsc, m.CloneConfig):
            ids.update(_resource_ids((rsc.child,)))
        elif isinstance(rsc, m.BundleConfig) and rsc.child is not None:
            ids.add(rsc.child.id)
    return ids


def _named_resources(cons: m.Constraint) -> list[str]:
    names: list[str | None] = []
    if isinstance(cons, m.LocationConstraint | m.TicketConstraint):
        names.append(cons.rsc)
    elif isinstance(cons, m.ColocationConstraint):
        names += [cons.rsc, cons.with_rsc]
    elif isinstance(cons, m.OrderConstraint):
        names += [cons.first, cons.then]
    for rset in cons.sets:
        names.extend(rset.resources)
    return [n for n in names if n is not None]


def check_references(cib: m.Cib, reports: ReportList) -> None:
    known = _resource_ids(cib.resources) | set(cib.tags)
    for cons in cib.constraints:
        for name in _named_resources(cons):
            if name not in known:
                reports.error(
                    "CIB_DANGLING_REFERENCE",
                    f"constraint {cons.id} refers to resource {name}, which does not exist",
                    hint="correct the resource name or remove the constraint",
                    element="constraint", id=cons.id,
                )


def verify_file(path: str) -> list[Report]:
    reports = ReportList()
    try:
        cib, _ = load_cib_file(path, reports)
    except HapyError as exc:
        return list(exc.reports)
    check_references(cib, reports)
    return list(reports)
