"""Recurring monitors of a promotable instance's role."""

from __future__ import annotations

from scheduler_cib import cib_text, input_keys, run, synapse

_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def test_unpromoted_monitor_waits_for_the_demote_wherever_it_was_promoted() -> None:
    clone = ('<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-m1" name="promotable"'
             ' value="true"/><nvpair id="ms-m2" name="clone-max" value="1"/>'
             '</meta_attributes><primitive id="st" class="ocf" provider="pacemaker"'
             ' type="Stateful"><operations><op id="st-m" name="monitor" interval="11s"'
             ' role="Unpromoted"/></operations></primitive></clone>')
    promoted = ('<lrm_resource id="st:0" class="ocf" provider="pacemaker" type="Stateful">'
                '<lrm_rsc_op id="st_last_0" operation_key="st_promote_0" operation="promote"'
                ' call-id="2" rc-code="0" op-status="0" interval="0"'
                f' transition-key="1:1:0:x" op-digest="{_DIGEST}"/></lrm_resource>')
    status = (
        '<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
        f' expected="member"><lrm id="n1"><lrm_resources>{promoted}</lrm_resources></lrm>'
        '</node_state><node_state id="n2" uname="n2" in_ccm="true" crmd="online"'
        ' join="member" expected="member"/>')
    ban = '<rsc_location id="l" rsc="ms" node="n1" score="-INFINITY"/>'
    graph = run(cib_text(clone, constraints=ban, status=status)).graph
    monitor = synapse(graph, "st:0_monitor_11000", "n2")
    assert "st:0_demote_0@n1" in input_keys(graph, monitor)
