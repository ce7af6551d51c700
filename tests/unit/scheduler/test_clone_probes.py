"""Which instance of an anonymous clone probes a node."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, run

_OK = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _lrm(rid: str, op: str, rc: int) -> str:
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
            f'<lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_{op}_0" operation="{op}"'
            f' call-id="1" rc-code="{rc}" op-status="0" interval="0"'
            f' transition-key="1:1:{rc}:x" transition-magic="0:{rc};1:1:{rc}:x"'
            f' op-digest="{_OK}"/></lrm_resource>')


def test_cloned_group_member_is_probed_by_the_instance_going_to_the_node() -> None:
    off = ('<meta_attributes id="b-m"><nvpair id="b-t" name="target-role" value="Stopped"/>'
           "</meta_attributes>")
    clone = f'<clone id="c"><group id="g">{dummy("a")}{dummy("b", meta=off)}</group></clone>'
    n1 = (_lrm("a", "start", 0) + _lrm("b", "monitor", 7))
    status = ('<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
              f' expected="member"><lrm id="n1"><lrm_resources>{n1}</lrm_resources></lrm>'
              '</node_state><node_state id="n2" uname="n2" in_ccm="true" crmd="online"'
              ' join="member" expected="member"/>')
    graph = run(cib_text(clone, status=status)).graph
    probes = {(s.action.attributes.get("CRM_meta_clone"), s.action.resource.id)
              for s in graph.synapses if s.action.on_node == "n2"
              and s.action.resource is not None
              and s.action.operation_key.endswith("_monitor_0")}
    # g:1 starts on n2: its members probe there, b (disabled) too
    assert probes == {("1", "a"), ("1", "b")}
