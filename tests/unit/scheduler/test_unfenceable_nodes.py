"""Resources left on lost nodes that this partition cannot fence (no quorum,
no-quorum-policy=freeze): their stops are required but cannot run."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, run

_DUMMY = 'class="ocf" provider="pacemaker" type="Dummy"'
_STATEFUL = 'class="ocf" provider="pacemaker" type="Stateful"'


def _op(rid: str, op: str, rc: int = 0) -> str:
    return (f'<lrm_rsc_op id="{rid}_{op}_0" operation_key="{rid}_{op}_0" operation="{op}"'
            f' call-id="1" rc-code="{rc}" op-status="0" interval="0"'
            ' transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"'
            ' op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>')


def _lrm(rid: str, agent: str, op: str = "start", rc: int = 0) -> str:
    return f'<lrm_resource id="{rid}" {agent}>{_op(rid, op, rc)}</lrm_resource>'


def _state(node: str, lrm: str, *, lost: bool) -> str:
    up = ('in_ccm="false" crmd="offline" join="down" expected="member"' if lost
          else 'in_ccm="true" crmd="online" join="member" expected="member"')
    return (f'<node_state id="{node}" uname="{node}" {up}><lrm id="{node}"><lrm_resources>'
            f"{lrm}</lrm_resources></lrm></node_state>")


def _cib(resources: str, status: str) -> str:
    device = '<primitive id="dev" class="stonith" type="fence_dummy"/>'
    text = cib_text(device + resources, status=status, nodes=("n1", "n2", "n3"),
                    options='<nvpair id="nq" name="no-quorum-policy" value="freeze"/>')
    text = text.replace('name="stonith-enabled" value="false"',
                        'name="stonith-enabled" value="true"')
    return text.replace('have-quorum="1"', 'have-quorum="0"')


def test_group_on_a_lost_node_stops_in_the_graph_but_never_completes() -> None:
    group = f'<group id="g">{dummy("a")}</group>'
    status = (_state("n1", "", lost=True) + _state("n2", _lrm("a", _DUMMY), lost=True)
              + _state("n3", "", lost=False))
    keys = {s.action.operation_key for s in run(_cib(group, status)).graph.synapses}
    # (the member stays assigned there: the group stops and starts again)
    assert {"g_stop_0", "g_start_0"} <= keys
    assert "g_stopped_0" not in keys and "a_stop_0" not in keys


def test_promoted_instance_on_a_lost_node_is_not_demoted_but_its_stop_is_announced() -> None:
    meta = ('<meta_attributes id="c-m"><nvpair id="c-p" name="promotable" value="true"/>'
            '<nvpair id="c-n" name="notify" value="true"/></meta_attributes>')
    clone = (f'<clone id="c">{meta}<primitive id="p" {_STATEFUL}><operations>'
             '<op id="p-n" name="notify" interval="0"/></operations></primitive></clone>')
    status = (_state("n1", _lrm("p", _STATEFUL, "promote", 0), lost=True)
              + _state("n2", "", lost=True) + _state("n3", _lrm("p", _STATEFUL), lost=False))
    graph = run(_cib(clone, status)).graph
    keys = {s.action.operation_key for s in graph.synapses}
    assert not any("demote" in k for k in keys)
    notify = next(s for s in graph.synapses if s.action.operation_key == "p_pre_notify_stop_0")
    assert notify.action.attributes["CRM_meta_notify_stop_uname"].split() == ["n1"]
