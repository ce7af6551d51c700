"""Resources with the ``container`` meta-attribute run inside that container."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, run

from hapy.scheduler.summary import transition_summary


def _meta(container: str) -> str:
    return (f'<meta_attributes id="m-{container}">'
            f'<nvpair id="m-{container}-c" name="container" value="{container}"/>'
            '</meta_attributes>')


def _op(rid: str, op: str, rc: int = 0, call: int = 1, interval: int = 0) -> str:
    key = f"{rid}_{op}_{interval}"
    return (f'<lrm_rsc_op id="{key}" operation_key="{key}" operation="{op}" call-id="{call}"'
            f' rc-code="{rc}" op-status="0" interval="{interval}"'
            f' transition-key="1:1:0:x" op-digest="x"/>')


def _state(node: str, lrm: str = "") -> str:
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online"'
            f' join="member" expected="member"><lrm id="{node}"><lrm_resources>{lrm}'
            f'</lrm_resources></lrm></node_state>')


def _lrm(rid: str, ops: str) -> str:
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
            f'{ops}</lrm_resource>')


_RESOURCES = dummy("box") + dummy("inner", meta=_meta("box")) + dummy("other", meta=_meta("box"))


def test_filler_runs_where_its_container_runs_and_is_not_probed() -> None:
    status = _state("n1", _lrm("box", _op("box", "start"))) + _state("n2")
    ws = run(cib_text(_RESOURCES, status=status)).working_set
    inner = ws.resources_by_id["inner"]
    assert inner.container is ws.resources_by_id["box"]
    assert inner.assigned_node is not None and inner.assigned_node.uname == "n1"
    assert not any(a.probe for a in inner.actions)


def test_failed_filler_restarts_its_container_and_the_other_fillers() -> None:
    status = _state("n1", _lrm("box", _op("box", "start"))
                    + _lrm("inner", _op("inner", "start") + _op("inner", "monitor", rc=1,
                                                              call=2, interval=10000))
                    + _lrm("other", _op("other", "start"))) + _state("n2")
    lines = transition_summary(run(cib_text(_RESOURCES, status=status)).working_set)
    text = "\n".join(lines)
    assert "Restart    box" in text
    assert "Recover    inner" in text
    assert "Restart    other" in text
