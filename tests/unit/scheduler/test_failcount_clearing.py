"""Clearing failcounts: failures that expired (failure-timeout) or were
recorded against a definition that has changed since."""

from __future__ import annotations

from scheduler_cib import NOW, cib_text, dummy, run, synapse

from hapy.scheduler.digests import op_digest

_EMPTY = "f2317cad3d54cec5d7d7aa7d0bf35cf8"
_MONITOR_10S = "4811cef7f7f94e3a35a70be7916cb2fd"  # no parameters, default timeout
_LONG_AGO = int(NOW.timestamp()) - 1000


def _op(rid: str, op: str, *, rc: int = 0, status: int = 0, interval: int = 0,
        call: int = 1, digest: str = _EMPTY, failure: bool = False) -> str:
    key = f"{rid}_{op}_{interval}"
    ident = f"{rid}_last_failure_0" if failure else key
    return (f'<lrm_rsc_op id="{ident}" operation_key="{key}" operation="{op}"'
            f' call-id="{call}" rc-code="{rc}" op-status="{status}" interval="{interval}"'
            f' transition-key="1:1:0:x" transition-magic="0:{rc};1:1:0:x"'
            f' last-rc-change="{_LONG_AGO}" op-digest="{digest}"/>')


def _status(ops: str, failcount: str | None) -> str:
    attrs = "" if failcount is None else (
        '<transient_attributes id="n1"><instance_attributes id="n1-a">'
        f'<nvpair id="fc" name="fail-count-r" value="{failcount}"/>'
        f'<nvpair id="lf" name="last-failure-r" value="{_LONG_AGO}"/>'
        "</instance_attributes></transient_attributes>")
    lrm = (f'<lrm id="n1"><lrm_resources><lrm_resource id="r" class="ocf"'
           f' provider="pacemaker" type="Dummy">{ops}</lrm_resource></lrm_resources></lrm>')
    return (f'<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
            f' expected="member">{attrs}{lrm}</node_state>'
            '<node_state id="n2" uname="n2" in_ccm="true" crmd="online" join="member"'
            ' expected="member"/>')


_TIMEOUT = ('<meta_attributes id="r-m"><nvpair id="r-ft" name="failure-timeout"'
            ' value="60"/></meta_attributes>')
_PREFER_N1 = '<rsc_location id="l" rsc="r" node="n1" score="100"/>'


def _keys(text: str) -> set[str]:
    graph = run(text).graph
    return {f"{s.action.operation_key}@{s.action.on_node}" for s in graph.synapses}


def test_expired_failure_is_cleared() -> None:
    ops = _op("r", "start") + _op("r", "monitor", rc=1, interval=10000, call=2, failure=True)
    text = cib_text(dummy("r", meta=_TIMEOUT), status=_status(ops, "1"))
    assert "r_clear_failcount_0@n1" in _keys(text)


def test_failure_of_an_operation_with_on_fail_block_never_expires() -> None:
    block = '<op id="r-stop" name="stop" interval="0" on-fail="block"/>'
    ops = _op("r", "start") + _op("r", "stop", rc=1, call=2, failure=True)
    transition = run(cib_text(dummy("r", ops=block, meta=_TIMEOUT), status=_status(ops, "1")))
    keys = {s.action.operation_key for s in transition.graph.synapses}
    assert "r_clear_failcount_0" not in keys
    rsc = transition.working_set.resources_by_id["r"]
    assert rsc.failed and rsc.block


def test_expired_failed_monitor_is_started_again() -> None:
    ops = _op("r", "start") + _op("r", "monitor", rc=-2, status=2, interval=10000, call=2,
                                  digest=_MONITOR_10S)
    mon = '<op id="r-mon" name="monitor" interval="10s"/>'
    text = cib_text(dummy("r", ops=mon, meta=_TIMEOUT), status=_status(ops, None))
    assert "r_monitor_10000@n1" in _keys(text)


def test_failure_recorded_with_another_definition_is_cleared_and_forgotten() -> None:
    params = ('<instance_attributes id="r-i"><nvpair id="r-p" name="state" value="x"/>'
              "</instance_attributes>")
    failed = _op("r", "start", rc=1, failure=True)
    text = cib_text(dummy("r", params=params), constraints=_PREFER_N1,
                    status=_status(failed, "INFINITY"))
    transition = run(text)
    graph = transition.graph
    assert synapse(graph, "r_clear_failcount_0", "n1") is not None
    # the failcount no longer keeps it away
    assert synapse(graph, "r_start_0", "n1") is not None
    # the same failure with an unchanged definition stays
    same = cib_text(dummy("r"), constraints=_PREFER_N1, status=_status(failed, "INFINITY"))
    keys = _keys(same)
    assert "r_clear_failcount_0@n1" not in keys and "r_start_0@n2" in keys


def test_lost_connection_failure_is_cleared_once_its_reconnect_interval_passed() -> None:
    params = {"reconnect_interval": "60s"}
    conn = ('<primitive id="r" class="ocf" provider="pacemaker" type="remote">'
            '<instance_attributes id="r-i"><nvpair id="r-ri" name="reconnect_interval"'
            ' value="60s"/></instance_attributes><operations><op id="r-mon" name="monitor"'
            ' interval="20s" timeout="20s"/></operations></primitive>')
    ops = _op("r", "start", digest=op_digest(params)) + _op(
        "r", "monitor", rc=1, status=4, interval=20000, call=2,
        digest=op_digest(params, interval_ms=20000, timeout_ms=20000))
    status = _status(ops, "1").replace('type="Dummy"', 'type="remote"')
    assert "r_clear_failcount_0@n1" in _keys(cib_text(conn, status=status))
    recent = status.replace(f'value="{_LONG_AGO}"', f'value="{_LONG_AGO + 980}"')
    assert "r_clear_failcount_0@n1" not in _keys(cib_text(conn, status=recent))
