"""Which fail-count attributes count: a CIB of feature set 3.0.13 or later
records failures per operation (``fail-count-RSC#TASK_INTERVAL``), an older
one (or one without a feature set) per resource (``fail-count-RSC``); only
the form of the CIB's feature set counts toward migration-threshold and
failure-timeout."""

from __future__ import annotations

import pytest
from scheduler_cib import cib_text, dummy, run

_RUNNING = ('<lrm id="n1"><lrm_resources><lrm_resource id="r" class="ocf" '
            'provider="pacemaker" type="Dummy"><lrm_rsc_op id="r_last_0" operation="start" '
            'interval="0" call-id="2" rc-code="0" op-status="0" '
            'transition-key="1:1:0:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" '
            'transition-magic="0:0;1:1:0:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" '
            'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource></lrm_resources></lrm>')


def _banned_from_n1(attrs: dict[str, str], feature_set: str) -> bool:
    nvpairs = "".join(f'<nvpair id="a{i}" name="{name}" value="{value}"/>'
                      for i, (name, value) in enumerate(attrs.items()))
    status = ('<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member" '
              'expected="member"><transient_attributes id="n1"><instance_attributes '
              f'id="n1-a">{nvpairs}</instance_attributes></transient_attributes>{_RUNNING}'
              '</node_state><node_state id="n2" uname="n2" in_ccm="true" crmd="online" '
              'join="member" expected="member"/>')
    meta = ('<meta_attributes id="r-m"><nvpair id="r-mt" name="migration-threshold" '
            'value="3"/><nvpair id="r-ft" name="failure-timeout" value="10s"/>'
            '</meta_attributes>')
    loc = '<rsc_location id="l" rsc="r" node="n1" score="100"/>'
    ws = run(cib_text(dummy("r", meta=meta), constraints=loc, status=status,
                      feature_set=feature_set)).working_set
    return ws.resources_by_id["r"].allowed["n1"] < 0


@pytest.mark.parametrize(("feature_set", "per_operation"), [
    ("", False), ("3.0.12", False), ("3.0.13", True), ("3.16.1", True)])
def test_only_the_failcounts_of_the_cibs_form_count(feature_set: str,
                                                    per_operation: bool) -> None:
    assert _banned_from_n1({"fail-count-r#monitor_10000": "3"}, feature_set) is per_operation
    assert _banned_from_n1({"fail-count-r": "3"}, feature_set) is not per_operation
    # the two forms never add up
    assert not _banned_from_n1({"fail-count-r": "1", "fail-count-r#monitor_10000": "2"},
                               feature_set)


@pytest.mark.parametrize("feature_set", ["", "3.16.1"])
def test_only_the_last_failure_of_the_cibs_form_expires_a_failure(feature_set: str) -> None:
    suffix = "#monitor_10000" if feature_set else ""
    other = "" if feature_set else "#monitor_10000"
    # an old failure in the CIB's form has expired (failure-timeout=10s)
    assert not _banned_from_n1({f"fail-count-r{suffix}": "3",
                                f"last-failure-r{suffix}": "1000"}, feature_set)
    # one in the other form is not looked at: the failure does not expire
    assert _banned_from_n1({f"fail-count-r{suffix}": "3",
                            f"last-failure-r{other}": "1000"}, feature_set)
