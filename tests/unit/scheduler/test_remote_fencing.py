"""Fencing remote nodes: in which order, and what their clones are told."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, input_keys, run, synapse

_STONITH = '<nvpair id="se" name="stonith-enabled" value="true"/>'
_REMOTE = 'class="ocf" provider="pacemaker" type="remote"'
_DUMMY = 'class="ocf" provider="pacemaker" type="Dummy"'
_EMPTY = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _op(rid: str, op: str, rc: int = 0, call: int = 1, interval: int = 0,
        status: int = 0) -> str:
    key = f"{rid}_{op}_{interval}"
    return (f'<lrm_rsc_op id="{key}" operation_key="{key}" operation="{op}" call-id="{call}"'
            f' rc-code="{rc}" op-status="{status}" interval="{interval}"'
            f' transition-key="1:1:0:x" op-digest="{_EMPTY}"/>')


def _lrm(rid: str, ops: str, agent: str = _DUMMY) -> str:
    return f'<lrm_resource id="{rid}" {agent}>{ops}</lrm_resource>'


def _member(node: str, lrm: str = "") -> str:
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online"'
            f' join="member" expected="member"><lrm id="{node}"><lrm_resources>{lrm}'
            "</lrm_resources></lrm></node_state>")


def _remote_state(node: str, lrm: str = "") -> str:
    return (f'<node_state id="{node}" uname="{node}" remote_node="true"><lrm id="{node}">'
            f"<lrm_resources>{lrm}</lrm_resources></lrm></node_state>")


def _lost(rid: str) -> str:
    failed = _op(rid, "start") + _op(rid, "monitor", rc=1, call=2, interval=60000, status=4)
    return _lrm(rid, failed, _REMOTE)


def _cib(resources: str, status: str, remotes: tuple[str, ...] = ("ra", "rb")) -> str:
    conns = "".join(f'<primitive id="{r}" {_REMOTE}><operations><op id="{r}-m" name="monitor"'
                    ' interval="60s"/></operations></primitive>' for r in remotes)
    device = '<primitive id="dev" class="stonith" type="fence_dummy"/>'
    text = cib_text(conns + device + resources, status=status)
    return text.replace('<nvpair id="o1" name="stonith-enabled" value="false"/>', _STONITH)


def test_remote_nodes_are_fenced_in_the_order_of_the_status_section() -> None:
    status = (_member("n1", _lost("ra") + _lost("rb")) + _member("n2")
              + _remote_state("rb") + _remote_state("ra"))
    graph = run(_cib("", status)).graph
    assert "stonith-rb-reboot@rb" in input_keys(graph, synapse(graph, "stonith-ra-reboot"))


def test_instance_asking_for_notifications_is_told_only_of_fenced_stops() -> None:
    meta = ('<meta_attributes id="c-m"><nvpair id="c-n" name="notify" value="true"/>'
            "</meta_attributes>")
    clone = f'<clone id="c">{dummy("c1", meta=meta)}</clone>'
    status = (_member("n1", _lost("ra") + _lrm("c1", _op("c1", "start")))
              + _member("n2", _lrm("c1", _op("c1", "start")))
              + _remote_state("ra", _lrm("c1", _op("c1", "start"))))
    clone = clone.replace('<clone id="c">', '<clone id="c"><meta_attributes id="cm">'
                          '<nvpair id="cmx" name="clone-max" value="2"/></meta_attributes>')
    graph = run(_cib(clone, status, ("ra",))).graph
    keys = {s.action.operation_key for s in graph.synapses}
    assert "c_pre_notify_stop_0" not in keys  # the clone itself does not notify
    told = synapse(graph, "c1_post_notify_stop_0", "n1").action.attributes
    assert told["CRM_meta_notify_stop_uname"] == "ra"
    assert "CRM_meta_notify_active_uname" not in told
