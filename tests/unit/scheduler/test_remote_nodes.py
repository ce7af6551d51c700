"""Remote nodes (ocf:pacemaker:remote connections) and guest nodes (remote-node
containers): node creation, online state, routing, fencing."""

from __future__ import annotations

from scheduler_cib import cib_text, dummy, input_keys, run, synapse

from hapy.scheduler.summary import transition_summary

_STONITH = '<nvpair id="se" name="stonith-enabled" value="true"/>'


def _remote(rid: str, ops: str = "") -> str:
    return (f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="remote">'
            f'<operations>{ops}</operations></primitive>')


def _device(rid: str) -> str:
    return f'<primitive id="{rid}" class="stonith" type="fence_dummy"/>'


def _op(rid: str, op: str, rc: int = 0, call: int = 1, interval: int = 0,
        status: int = 0) -> str:
    key = f"{rid}_{op}_{interval}"
    return (f'<lrm_rsc_op id="{key}" operation_key="{key}" operation="{op}" call-id="{call}"'
            f' rc-code="{rc}" op-status="{status}" interval="{interval}"'
            f' transition-key="1:1:0:x" op-digest="x"/>')


def _lrm(rid: str, ops: str, agent: str = 'class="ocf" provider="pacemaker" type="Dummy"') -> str:
    return f'<lrm_resource id="{rid}" {agent}>{ops}</lrm_resource>'


_REMOTE_AGENT = 'class="ocf" provider="pacemaker" type="remote"'


def _member(node: str, lrm: str = "") -> str:
    return (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online"'
            f' join="member" expected="member"><lrm id="{node}"><lrm_resources>{lrm}'
            f'</lrm_resources></lrm></node_state>')


def _remote_state(node: str, lrm: str = "") -> str:
    return (f'<node_state id="{node}" uname="{node}" remote_node="true"><lrm id="{node}">'
            f'<lrm_resources>{lrm}</lrm_resources></lrm></node_state>')


def _with_stonith(text: str) -> str:
    return text.replace('<nvpair id="o1" name="stonith-enabled" value="false"/>', _STONITH)


def test_connection_makes_a_remote_node_that_starts_before_its_resources() -> None:
    rscs = _remote("rem") + dummy("r")
    loc = '<rsc_location id="l" rsc="r" node="rem" score="100"/>'
    transition = run(cib_text(rscs, constraints=loc))
    ws = transition.working_set
    node = ws.node("rem")
    assert node is not None and node.kind == "remote"
    graph = transition.graph
    start = synapse(graph, "r_start_0", "rem")
    assert start.action.router_node == ws.resources_by_id["rem"].assigned_node.uname
    assert any(k.startswith("rem_start_0@") for k in input_keys(graph, start))


def test_connections_and_devices_never_run_on_remote_nodes() -> None:
    text = _with_stonith(cib_text(_remote("rem") + _device("dev")))
    ws = run(text).working_set
    for rid in ("rem", "dev"):
        assert ws.resources_by_id[rid].allowed["rem"] < 0
    # nor are they probed there
    assert all(a.node is None or a.node.uname != "rem" for a in ws.actions
               if a.rsc is not None and a.rsc.id in ("rem", "dev"))


def test_remote_node_is_online_while_its_connection_runs() -> None:
    status = (_member("n1", _lrm("rem", _op("rem", "start"), _REMOTE_AGENT))
              + _member("n2") + _remote_state("rem", _lrm("r", _op("r", "start"))))
    ws = run(cib_text(_remote("rem") + dummy("r"), status=status)).working_set
    node = ws.node("rem")
    assert node is not None and node.online
    assert [n.uname for n in ws.resources_by_id["r"].running_on] == ["rem"]


def test_lost_connection_fences_the_remote_node() -> None:
    failed = _op("rem", "start") + _op("rem", "monitor", rc=1, call=2, interval=60000,
                                       status=4)
    status = (_member("n1", _lrm("rem", failed, _REMOTE_AGENT)) + _member("n2")
              + _remote_state("rem"))
    text = _with_stonith(cib_text(
        _remote("rem", '<op id="m" name="monitor" interval="60s"/>') + _device("dev"),
        status=status))
    transition = run(text)
    lines = transition_summary(transition.working_set)
    assert "  * Fence (reboot) rem 'remote connection is unrecoverable'" in lines


def test_leftover_remote_node_entry_is_offline_and_clean() -> None:
    text = cib_text(dummy("r")).replace(
        '<node id="n2" uname="n2"/>',
        '<node id="n2" uname="n2"/><node id="old" uname="old" type="remote"/>')
    ws = run(_with_stonith(text)).working_set
    node = ws.node("old")
    assert node is not None and not node.online and not node.unclean


def test_guest_node_connection_follows_its_container() -> None:
    meta = ('<meta_attributes id="vm-m"><nvpair id="vm-rn" name="remote-node" value="guest1"/>'
            '</meta_attributes>')
    rscs = dummy("vm", meta=meta) + dummy("r")
    loc = '<rsc_location id="l" rsc="r" node="guest1" score="INFINITY"/>'
    transition = run(cib_text(rscs, constraints=loc))
    ws = transition.working_set
    conn = ws.resources_by_id["guest1"]
    assert conn.container is ws.resources_by_id["vm"]
    assert conn.assigned_node is ws.resources_by_id["vm"].assigned_node
    graph = transition.graph
    conn_start = synapse(graph, "guest1_start_0")
    assert any(k.startswith("vm_start_0@") for k in input_keys(graph, conn_start))
    assert conn_start.action.attributes["CRM_meta_container"] == "vm"
    r_start = synapse(graph, "r_start_0", "guest1")
    assert r_start.action.attributes["CRM_meta_physical_host"] == conn.assigned_node.uname


def test_exclusive_discovery_bans_every_other_node() -> None:
    loc = '<rsc_location id="l" rsc="r" node="n1" score="0" resource-discovery="exclusive"/>'
    ws = run(cib_text(dummy("r"), constraints=loc, nodes=("n1", "n2", "n3"))).working_set
    rsc = ws.resources_by_id["r"]
    assert rsc.allowed["n2"] < 0 and rsc.allowed["n3"] < 0
    assert rsc.assigned_node is not None and rsc.assigned_node.uname == "n1"


def test_connection_waits_out_its_reconnect_interval() -> None:
    failed = (_op("rem", "start") + _op("rem", "monitor", rc=1, call=2, interval=60000,
                                        status=4) + _op("rem", "stop", call=3))
    attrs = ('<transient_attributes id="n1"><instance_attributes id="n1-a">'
             '<nvpair id="lf" name="last-failure-rem#monitor_60000" value="1704067170"/>'
             '</instance_attributes></transient_attributes>')
    status = (_member("n1", _lrm("rem", failed, _REMOTE_AGENT)).replace(
        "</node_state>", attrs + "</node_state>") + _member("n2"))
    remote = ('<primitive id="rem" class="ocf" provider="pacemaker" type="remote">'
              '<instance_attributes id="rem-i"><nvpair id="ri" name="reconnect_interval"'
              ' value="60s"/></instance_attributes></primitive>')
    transition = run(cib_text(remote, status=status, feature_set="3.16.1"))  # NOW: 1704067200
    conn = transition.working_set.resources_by_id["rem"]
    assert conn.failed and conn.assigned_node is None
    assert ("recheck-by", "1704067231") in transition.graph.attributes


def test_clone_instance_on_a_lost_node_is_placed_last() -> None:
    clone = ('<clone id="c"><meta_attributes id="cm"><nvpair id="cm1" name="clone-max"'
             ' value="2"/></meta_attributes>' + dummy("d") + '</clone>')
    standby = ('<transient_attributes id="n3"><instance_attributes id="n3-a">'
               '<nvpair id="sb" name="standby" value="on"/></instance_attributes>'
               '</transient_attributes>')
    # the instance on n3 is found first, so it is the first instance
    status = (_member("n3", _lrm("d", _op("d", "start"))).replace(
        "</node_state>", standby + "</node_state>")
        + _member("n1", _lrm("d", _op("d", "start"))) + _member("n2"))
    ws = run(cib_text(clone, status=status, nodes=("n1", "n2", "n3"))).working_set
    placed = {inst.name: inst.assigned_node.uname for inst in ws.resources_by_id["c"].children
              if inst.assigned_node is not None}
    active_on_n1 = next(i.name for i in ws.resources_by_id["c"].children
                        if any(n.uname == "n1" for n in i.running_on))
    assert placed[active_on_n1] == "n1"
    assert sorted(placed.values()) == ["n1", "n2"]


def test_removed_resource_history_is_deleted_after_its_stop() -> None:
    status = _member("n1", _lrm("gone", _op("gone", "start"))) + _member("n2", _lrm(
        "gone", _op("gone", "monitor", rc=7)))
    graph = run(cib_text(dummy("r"), status=status)).graph
    for node in ("n1", "n2"):
        delete = synapse(graph, "gone_delete_0", node)
        assert "gone_stop_0@n1" in input_keys(graph, delete)


def test_container_answers_for_its_guest_connection_failures() -> None:
    meta = ('<meta_attributes id="vm-m"><nvpair id="vm-rn" name="remote-node" value="g1"/>'
            '<nvpair id="vm-mt" name="migration-threshold" value="1"/></meta_attributes>')
    attrs = ('<transient_attributes id="n1"><instance_attributes id="n1-a">'
             '<nvpair id="fc" name="fail-count-g1#start_0" value="INFINITY"/>'
             '</instance_attributes></transient_attributes>')
    status = _member("n1").replace("</node_state>", attrs + "</node_state>") + _member("n2")
    ws = run(cib_text(dummy("vm", meta=meta), status=status,
                      feature_set="3.16.1")).working_set
    assert ws.resources_by_id["vm"].allowed["n1"] < 0
    assert ws.resources_by_id["vm"].assigned_node is ws.node("n2")


def test_migrating_container_waits_for_its_connection_probes() -> None:
    meta = ('<meta_attributes id="vm-m"><nvpair id="vm-rn" name="remote-node" value="g1"/>'
            '<nvpair id="vm-am" name="allow-migrate" value="true"/></meta_attributes>')
    digest = "f2317cad3d54cec5d7d7aa7d0bf35cf8"  # (of no parameters)
    vm_start = _op("vm", "start", 0, 2).replace('op-digest="x"', f'op-digest="{digest}"')
    vm_probe = _op("vm", "monitor", 7, 4).replace('op-digest="x"', f'op-digest="{digest}"')
    status = (_member("n1", _lrm("vm", vm_start) + _lrm("g1", _op("g1", "start", 0, 3),
                                                          _REMOTE_AGENT))
              + _member("n2", _lrm("vm", vm_probe)))
    ban = '<rsc_location id="l" rsc="vm" node="n1" score="-INFINITY"/>'
    graph = run(cib_text(dummy("vm", meta=meta), constraints=ban, status=status)).graph
    migrate_to = synapse(graph, "vm_migrate_to_0", "n1")
    assert "g1_monitor_0@n2" in input_keys(graph, migrate_to)


def _lost_host_with_guest(host: str) -> str:
    """A guest g1 whose container vm ran on ``host``, now lost; a resource r
    never seen on the guest is to start on n2."""
    meta = ('<meta_attributes id="vm-m"><nvpair id="vm-rn" name="remote-node" value="g1"/>'
            '</meta_attributes>')
    lost = (f'<node_state id="{host}" uname="{host}" in_ccm="false" crmd="offline"'
            f' join="member" expected="member"><lrm id="{host}"><lrm_resources>'
            + _lrm("vm", _op("vm", "start", 0, 2))
            + _lrm("g1", _op("g1", "start", 0, 3), _REMOTE_AGENT)
            + "</lrm_resources></lrm></node_state>")
    status = lost + _member("n2") + _remote_state("g1")
    text = _with_stonith(cib_text(dummy("vm", meta=meta) + dummy("r") + _device("dev"),
                                  status=status, nodes=(host, "n2")))
    return text.replace("<constraints></constraints>",
                 '<constraints><rsc_location id="l" rsc="r" node="n2" score="10"/>'
                 "</constraints>")


def test_guest_of_a_fenced_host_named_first_is_down_with_the_host() -> None:
    graph = run(_lost_host_with_guest("a1")).graph
    guest_fence = synapse(graph, "stonith-g1-reboot")
    assert input_keys(graph, guest_fence) == {"stonith-a1-reboot@a1"}


def test_guest_of_a_fenced_host_named_later_is_down_once_its_container_stops() -> None:
    graph = run(_lost_host_with_guest("z1")).graph
    guest_fence = synapse(graph, "stonith-g1-reboot")
    assert input_keys(graph, guest_fence) == {"vm_stop_0"}


def test_start_waits_for_the_container_of_a_guest_going_down_instead_of_a_probe() -> None:
    graph = run(_lost_host_with_guest("a1")).graph
    assert "vm_stop_0" in input_keys(graph, synapse(graph, "r_start_0", "n2"))
    assert not any(s.action.operation_key == "r_monitor_0" and s.action.on_node == "g1"
                   for s in graph.synapses)


def test_start_waits_for_a_guest_container_moving_without_migrating() -> None:
    meta = ('<meta_attributes id="vm-m"><nvpair id="vm-rn" name="remote-node" value="g1"/>'
            '</meta_attributes>')
    digest = "f2317cad3d54cec5d7d7aa7d0bf35cf8"  # (of no parameters)
    vm_start = _op("vm", "start", 0, 2).replace('op-digest="x"', f'op-digest="{digest}"')
    vm_probe = _op("vm", "monitor", 7, 4).replace('op-digest="x"', f'op-digest="{digest}"')
    r_probe = _op("r", "monitor", 7, 5).replace('op-digest="x"', f'op-digest="{digest}"')
    status = (_member("n1", _lrm("vm", vm_start) + _lrm("g1", _op("g1", "start", 0, 3),
                                                          _REMOTE_AGENT) + _lrm("r", r_probe))
              + _member("n2", _lrm("vm", vm_probe) + _lrm("r", r_probe))
              + _remote_state("g1"))
    cons = ('<rsc_location id="l" rsc="vm" node="n1" score="-INFINITY"/>'
            '<rsc_location id="l2" rsc="r" node="n1" score="10"/>')
    graph = run(cib_text(dummy("vm", meta=meta) + dummy("r"), constraints=cons,
                         status=status)).graph
    # r was never seen on the guest: it starts once the container has left
    assert "vm_stop_0@n1" in input_keys(graph, synapse(graph, "r_start_0", "n1"))
