"""Under a utilization placement strategy a migrate_to waits for the
``load_stopped`` of its target; when two migrations swap nodes these
orderings would close a loop, and the second one looked at is left out."""

from __future__ import annotations

from scheduler_cib import cib_text, run, synapse

_OP = ('<lrm_rsc_op id="{0}_last_0" operation="start" interval="0" call-id="1" rc-code="0" '
       'op-status="0" transition-key="1:1:0:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" '
       'transition-magic="0:0;1:1:0:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" '
       'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>')


def _vm(name: str) -> str:
    return (f'<primitive id="{name}" class="ocf" provider="pacemaker" type="Dummy">'
            f'<meta_attributes id="{name}-m"><nvpair id="{name}-am" name="allow-migrate" '
            f'value="true"/></meta_attributes><utilization id="{name}-u">'
            f'<nvpair id="{name}-cpu" name="cpu" value="1"/></utilization></primitive>')


def _swap_cib() -> str:
    status = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><lrm id="{n}"><lrm_resources><lrm_resource id="{v}" class="ocf" '
        f'provider="pacemaker" type="Dummy">{_OP.format(v)}</lrm_resource></lrm_resources>'
        "</lrm></node_state>" for n, v in (("n1", "vm1"), ("n2", "vm2")))
    cons = ('<rsc_location id="l1" rsc="vm1" node="n2" score="100"/>'
            '<rsc_location id="l2" rsc="vm2" node="n1" score="100"/>')
    text = cib_text(_vm("vm1") + _vm("vm2"), constraints=cons, status=status,
                    options='<nvpair id="ps" name="placement-strategy" value="utilization"/>')
    for n in ("n1", "n2"):
        text = text.replace(f'<node id="{n}" uname="{n}"/>',
                            f'<node id="{n}" uname="{n}"><utilization id="{n}-u">'
                            f'<nvpair id="{n}-cpu" name="cpu" value="2"/></utilization></node>')
    return text


def test_swapping_migrations_keep_one_load_ordering() -> None:
    graph = run(_swap_cib()).graph
    keys = {s.action.id: s.action.operation_key for s in graph.synapses}
    # vm2 (which wants n1, the first node, more) is assigned first: its
    # migrate_to keeps waiting for n1's load_stopped; vm1's would close a loop
    vm2 = synapse(graph, "vm2_migrate_to_0")
    vm1 = synapse(graph, "vm1_migrate_to_0")
    assert "load_stopped_n1" in {keys[i] for i in vm2.inputs}
    assert not any(keys[i].startswith("load_stopped") for i in vm1.inputs)
