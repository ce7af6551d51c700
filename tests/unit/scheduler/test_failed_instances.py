"""Clone instances that failed: a failed demote's policy, failures of
globally unique instances, and the turn a failed instance takes; what the
instance promoted now weighs when it is placed."""

from __future__ import annotations

from pathlib import Path

from tests.unit.scheduler.placement_cib import location, nvpair, primitive, run, scores
from tests.unit.scheduler.scheduler_cib import NOW, cib_text

from hapy.cib.parse import cib_from_tree
from hapy.cib.xmlio import parse_xml_text
from hapy.reports import ReportList
from hapy.scheduler.run import schedule

_PROMOTED_MONITOR = ('<operations><op id="P-mon" name="monitor" interval="10s" '
                     'role="Promoted" on-fail="stop"/></operations>')


def _clone(meta: str = "", extra: str = "") -> str:
    return (f'<clone id="C"><meta_attributes id="C-m">{nvpair("C", "promotable", "true")}'
            f"{meta}</meta_attributes>" + primitive("P", extra=extra) + "</clone>")


def test_failed_demote_takes_the_promoted_monitor_on_fail(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", _clone(extra=_PROMOTED_MONITOR),
                 active={"n1": [("P", "fail_demote")]})
    # on-fail=stop: an anonymous clone's instance stays stopped everywhere
    assert scores(result, "C", "pcmk__clone_allocate") == {"n1": "-INFINITY",
                                                           "n2": "-INFINITY"}


def test_failed_demote_without_a_policy_is_recovered(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2", _clone(), active={"n1": [("P", "fail_demote")]})
    assert scores(result, "C", "pcmk__clone_allocate") == {"n1": "0", "n2": "0"}


def test_unique_instance_failures_ban_only_that_instance() -> None:
    fails = '<nvpair id="f-{n}" name="fail-count-P:0" value="1"/>'
    status = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><transient_attributes id="{n}-t"><instance_attributes '
        f'id="{n}-a">{fails.format(n=n)}</instance_attributes></transient_attributes>'
        '</node_state>' for n in ("n1", "n2"))
    defaults = ('<rsc_defaults><meta_attributes id="rd">'
                '<nvpair id="rd1" name="migration-threshold" value="1"/>'
                '</meta_attributes></rsc_defaults>')
    unique = _clone(nvpair("C", "globally-unique", "true"))
    text = cib_text(unique, status=status, op_defaults=defaults)
    result = schedule(cib_from_tree(parse_xml_text(text), ReportList()), NOW)
    assert "pcmk__clone_allocate: C allocation score on n1: 0" in result.scores
    assert "pcmk__clone_allocate: P:0 allocation score on n1: -INFINITY" in result.scores
    assert "pcmk__clone_allocate: P:1 allocation score on n1: 0" in result.scores


def test_failed_active_instance_is_placed_after_the_healthy_ones(tmp_path: Path) -> None:
    result = run(tmp_path, "n1 n2 n3", _clone(),
                 active={"n1": [("P", "fail_demote")], "n2": [("P", "run")]})
    first = next(line for line in result.scores
                 if line.startswith("pcmk__primitive_assign: P:"))
    assert first.split()[1] == "P:1"  # the instance on n2


def test_promoted_instance_weighs_a_colocation_keeping_the_promoted_role_away(
    tmp_path: Path,
) -> None:
    coloc = '<rsc_colocation id="c1" rsc="C" rsc-role="Promoted" with-rsc="A" score="-50"/>'
    result = run(tmp_path, "n1 n2 n3", primitive("A") + _clone(), coloc + location("A", "n1", "10"),
                 active={"n1": [("P", "promoted")], "n2": [("P", "run")]})
    # P:0, promoted on n1 where A goes, weighs it; the clone's scores do not
    assert scores(result, "P:0")["n1"] == "-49"
    assert scores(result, "C", "pcmk__clone_allocate")["n1"] == "0"
