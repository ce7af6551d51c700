"""Checking a CIB tree: structure and values (the parser's reports) and
references between objects.  ``hapy verify`` and the CIB manager both use it:
the manager refuses a change that brings in a problem the CIB did not have."""

from __future__ import annotations

from hapy.cib import model as m
from hapy.cib.parse import cib_from_tree
from hapy.cib.xmlio import Element
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
    """Report constraints that name resources (or tags) that do not exist."""
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


def problems(root: Element, source: str = "<input>") -> list[Report]:
    """Every problem found in the CIB tree ``root``."""
    reports = ReportList()
    try:
        cib = cib_from_tree(root, reports, source)
    except HapyError as exc:
        return list(exc.reports)
    check_references(cib, reports)
    return list(reports)


def new_errors(before: Element, after: Element) -> list[Report]:
    """The errors ``after`` has that ``before`` did not (a change's own errors)."""
    old = {r.render() for r in problems(before) if r.is_error()}
    return [r for r in problems(after) if r.is_error() and r.render() not in old]
