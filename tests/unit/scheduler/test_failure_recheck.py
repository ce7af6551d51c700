"""A failure with a failure-timeout makes the graph ask to be re-planned when
it expires (recheck-by = last failure + timeout + 1 s, as Pacemaker writes)."""

from __future__ import annotations

from datetime import timedelta

from scheduler_cib import NOW, cib_text, dummy, run

LAST = int(NOW.timestamp()) - 10


def failed_cib(timeout: str) -> str:
    states = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member">{attrs}</node_state>'
        for n, attrs in (("n1", '<transient_attributes id="n1"><instance_attributes '
                          'id="status-n1"><nvpair id="f1" name="fail-count-r#start_0" '
                          f'value="1"/><nvpair id="f2" name="last-failure-r#start_0" '
                          f'value="{LAST}"/></instance_attributes></transient_attributes>'),
                         ("n2", "")))
    meta = ('<meta_attributes id="rm"><nvpair id="rm1" name="migration-threshold" value="1"/>'
            f'<nvpair id="rm2" name="failure-timeout" value="{timeout}"/></meta_attributes>')
    return cib_text(dummy("r", meta=meta), status=states, feature_set="3.16.1")


def test_an_unexpired_failure_sets_recheck_by() -> None:
    graph = run(failed_cib("60s")).graph
    assert dict(graph.attributes)["recheck-by"] == str(LAST + 60 + 1)


def test_an_expired_failure_does_not() -> None:
    graph = run(failed_cib("60s"), NOW + timedelta(seconds=60)).graph
    assert "recheck-by" not in dict(graph.attributes)


def test_no_failure_timeout_no_recheck() -> None:
    graph = run(failed_cib("0")).graph
    assert "recheck-by" not in dict(graph.attributes)
