"""``hapy explain``: a resource's scores on each node and what made them.

The CIB comes from a file (``-x``) or, without one, from the running
cluster (as ``hapy status`` reads it). The scheduler runs once with a score
ledger; the explanation is read from that run.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from hapy.cib import model as m
from hapy.commands.env import ENV_VAR, ClusterEnv
from hapy.explain.model import Explanation
from hapy.records import record
from hapy.reports import HapyError, report

_LISTED = 20  # names listed in an error's hint


@record
class ExplainRequest:
    resource: str
    xml_file: str | None = None
    node: str | None = None
    date: str | None = None
    cluster_dir: str | None = None


def load_file(path: str) -> tuple[m.Cib, datetime | None]:
    """The CIB in ``path``, and the time it was scheduled at, if it says."""
    from hapy.cib.parse import cib_from_tree
    from hapy.cib.xmlio import read_xml_file
    from hapy.reports import ReportList

    tree = read_xml_file(path)
    recorded = tree.get("execution-date")
    when = datetime.fromtimestamp(int(recorded), UTC) \
        if recorded is not None and recorded.isdigit() else None
    return cib_from_tree(tree, ReportList(), path), when


def _when(request: ExplainRequest, recorded: datetime | None) -> datetime:
    if request.date is not None:
        from hapy.cib.iso8601 import parse_date_option

        return parse_date_option(request.date, "EXPLAIN_BAD_DATE")
    return recorded or datetime.now(UTC)


def explain_request(request: ExplainRequest) -> Explanation:
    if request.xml_file is not None:
        cib, recorded = load_file(request.xml_file)
    else:
        if not (request.cluster_dir or os.environ.get(ENV_VAR)):
            raise HapyError([report(
                "EXPLAIN_NO_CIB", "no CIB to explain",
                hint=f"give -x FILE, or --dir DIR (or {ENV_VAR}) to read a running "
                "cluster's CIB")])
        from hapy.commands.status import live_cib

        cib, recorded = live_cib(ClusterEnv.from_option(request.cluster_dir)), None
    return explain_cib(cib, _when(request, recorded), request.resource, request.node)


def explain_cib(cib: m.Cib, now: datetime, resource: str,
                node: str | None = None) -> Explanation:
    """Schedule ``cib`` at ``now`` and explain ``resource``'s scores (on
    ``node`` only, if given)."""
    from hapy.explain.build import explain
    from hapy.scheduler.explain.ledger import ScoreLedger
    from hapy.scheduler.run import schedule

    ledger = ScoreLedger()
    transition = schedule(cib, now, ledger=ledger)
    ws = transition.working_set
    rsc = ws.resources_by_id.get(resource)
    if rsc is None:
        known = sorted({r.id for top in ws.resources for r in top.walk()})
        listed = ", ".join(known[:_LISTED]) + (", ..." if len(known) > _LISTED else "")
        raise HapyError([report(
            "EXPLAIN_UNKNOWN_RESOURCE", f"resource '{resource}' does not exist",
            hint=f"known resources: {listed or 'none'}", resource=resource)])
    if rsc.name != resource and rsc.clone_parent() is not None:
        # a cloned resource's own id: the whole clone
        rsc = rsc.clone_parent() or rsc
    chosen = None
    if node is not None:
        chosen = ws.node(node)
        if chosen is None:
            raise HapyError([report(
                "EXPLAIN_UNKNOWN_NODE", f"node '{node}' does not exist",
                hint=f"known nodes: {', '.join(n.uname for n in ws.nodes[:_LISTED]) or 'none'}"
                + (", ..." if len(ws.nodes) > _LISTED else ""),
                node=node)])
    return explain(transition, ledger, rsc, chosen)
