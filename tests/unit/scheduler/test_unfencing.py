"""Unfencing: with a fencing device that provides unfencing, a node is let
back in ("on") before its probes and starts, and again when the device's
definition changes where it runs."""

from __future__ import annotations

from scheduler_cib import cib_text, run

from hapy.scheduler.graph import in_graph
from hapy.scheduler.summary import transition_summary

DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"
DEVICE = ('<primitive id="fence" class="stonith" type="fence_scsi">'
          '<meta_attributes id="fm"><nvpair id="fm1" name="provides" value="unfencing"/>'
          "</meta_attributes></primitive>")
DUMMY = '<primitive id="A" class="ocf" provider="pacemaker" type="Dummy"/>'
UNFENCED = ('<transient_attributes id="{0}"><instance_attributes id="{0}-t">'
            '<nvpair id="{0}-u" name="#node-unfenced" value="1"/>'
            "</instance_attributes></transient_attributes>")


def _op(rsc: str, task: str, rc: int, digest: str = DIGEST) -> str:
    exp = 7 if task == "monitor" else 0
    return (f'<lrm_rsc_op id="{rsc}_{task}_0" operation="{task}" interval="0" call-id="1" '
            f'rc-code="{rc}" op-status="0" op-digest="{digest}" '
            f'transition-key="1:1:{exp}:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"/>')


def _state(node: str, lrm: str, unfenced: bool) -> str:
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" '
            f'join="member" expected="member">{UNFENCED.format(node) if unfenced else ""}'
            f'<lrm id="{node}"><lrm_resources>{lrm}</lrm_resources></lrm></node_state>')


def _cib(n1_lrm: str, n2_lrm: str, *, n2_unfenced: bool) -> str:
    status = _state("n1", n1_lrm, True) + _state("n2", n2_lrm, n2_unfenced)
    text = cib_text(DEVICE + DUMMY, status=status,
                    constraints='<rsc_location id="l" rsc="A" node="n2" score="100"/>')
    return text.replace('name="stonith-enabled" value="false"',
                        'name="stonith-enabled" value="true"')


def _lrm(rsc: str, rclass: str, kind: str, ops: str) -> str:
    provider = ' provider="pacemaker"' if rclass == "ocf" else ""
    return f'<lrm_resource id="{rsc}" class="{rclass}"{provider} type="{kind}">{ops}</lrm_resource>'


FENCE_ON_N1 = _lrm("fence", "stonith", "fence_scsi", _op("fence", "start", 0))


def test_new_node_is_unfenced_before_its_probes_and_starts() -> None:
    result = run(_cib(FENCE_ON_N1 + _lrm("A", "ocf", "Dummy", _op("A", "monitor", 7)), "",
                      n2_unfenced=False))
    actions = {(a.key, a.node.uname if a.node else ""): a for a in result.actions}
    unfence = actions[("stonith-n2-on", "n2")]
    assert in_graph(unfence) and unfence.meta["stonith_action"] == "on"
    assert unfence.meta["digests_all"] == f"fence:fence_scsi:{DIGEST},"
    for key in ("fence_monitor_0", "A_monitor_0", "A_start_0"):
        assert unfence in [o.first for o in actions[(key, "n2")].inputs]
    assert "  * Fence (on) n2 'required by fence monitor'" in transition_summary(
        result.working_set)
    assert result.working_set.resources_by_id["A"].requires == "unfencing"


def test_unfenced_node_is_not_unfenced_again() -> None:
    result = run(_cib(FENCE_ON_N1, "", n2_unfenced=True))
    assert not [a for a in result.actions if a.key.startswith("stonith-")]


def _changed_device_cib() -> str:
    n2 = _lrm("A", "ocf", "Dummy", _op("A", "start", 0)) + _lrm(
        "fence", "stonith", "fence_scsi", _op("fence", "start", 0, digest="0" * 32))
    return _cib("", n2, n2_unfenced=True).replace(
        '<rsc_location id="l" rsc="A" node="n2" score="100"/>',
        '<rsc_location id="l" rsc="A" node="n2" score="100"/>'
        '<rsc_location id="l2" rsc="fence" node="n2" score="100"/>')


def test_changed_device_unfences_its_node_again_restarting_what_needs_it() -> None:
    summary = transition_summary(run(_changed_device_cib()).working_set)
    assert "  * Fence (on) n2 'Device parameters changed'" in summary
    assert any(line.split()[1:3] == ["Restart", "A"] and line.endswith("due to required stonith")
               for line in summary)
