"""Why the members of a group stop when the group cannot start: the first
member because of what holds the group back, the next ones because the
member before them cannot start."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, run

from hapy.scheduler.summary import transition_summary

_OP = ('<lrm_rsc_op id="{0}_last_0" operation="start" interval="0" call-id="1" rc-code="0" '
       'op-status="0" transition-key="1:1:0:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" '
       'transition-magic="0:0;1:1:0:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" '
       'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>')


def test_later_members_stop_because_the_one_before_cannot_start() -> None:
    lrm = "".join(f'<lrm_resource id="{r}" class="ocf" provider="pacemaker" type="Dummy">'
                  f"{_OP.format(r)}</lrm_resource>" for r in ("a", "b"))
    status = ('<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member" '
              f'expected="member"><lrm id="n1"><lrm_resources>{lrm}</lrm_resources></lrm>'
              '</node_state><node_state id="n2" uname="n2" in_ccm="true" crmd="online" '
              'join="member" expected="member"/>')
    # x can run nowhere, and the group g comes after it
    cons = ('<rsc_location id="lx1" rsc="x" node="n1" score="-INFINITY"/>'
            '<rsc_location id="lx2" rsc="x" node="n2" score="-INFINITY"/>'
            '<rsc_order id="o" first="x" then="g"/>')
    resources = dummy("x") + '<group id="g">' + dummy("a") + dummy("b") + "</group>"
    ws = run(cib_text(resources, constraints=cons, status=status)).working_set
    lines = [" ".join(line.split()) for line in transition_summary(ws)]
    assert lines == ["* Stop a ( n1 ) due to unrunnable x start",
                     "* Stop b ( n1 ) due to required a start"]
