"""Bundles: the implicit resources of each replica, their placement and the
bundle's display."""

from __future__ import annotations

from scheduler_cib import cib_text, input_keys, run, synapse

from hapy.display.text import render_status
from hapy.scheduler.summary import transition_summary
from hapy.scheduler.unpack.bundles import replica_parts
from hapy.scheduler.view import cluster_view

_BUNDLE = """<bundle id="web">
  <docker image="img:1" replicas="2"/>
  <network ip-range-start="10.0.0.5" host-netmask="24" control-port="3333">
    <port-mapping id="web-port" port="80"/>
  </network>
  <storage>
    <storage-mapping id="web-logs" source-dir="/dev/log" target-dir="/dev/log" options="rw"/>
  </storage>
  <primitive id="httpd" class="ocf" provider="heartbeat" type="apache"/>
</bundle>"""


def test_bundle_expands_into_replicas_with_guest_nodes() -> None:
    ws = run(cib_text(_BUNDLE)).working_set
    bundle = ws.resources_by_id["web"]
    parts = replica_parts(bundle)
    assert [p["container"].id for p in parts] == ["web-docker-0", "web-docker-1"]
    assert [p["ip"].id for p in parts] == ["web-ip-10.0.0.5", "web-ip-10.0.0.6"]
    assert [p["remote"].id for p in parts] == ["web-0", "web-1"]
    assert [p["child"].name for p in parts] == ["httpd:0", "httpd:1"]
    node = ws.node("web-1")
    assert node is not None and node.kind == "guest" and node.bundle_id == "web"
    container = parts[1]["container"]
    assert container.params["run_opts"].startswith(" --restart=no -h web-1 -e PCMK_stderr=1")
    assert "-p 10.0.0.6:80:80 -p 10.0.0.6:3333:3333" in container.params["run_opts"]
    assert parts[1]["remote"].params == {"addr": "10.0.0.6", "port": "3333"}


def test_replicas_spread_and_each_instance_runs_in_its_own_guest() -> None:
    transition = run(cib_text(_BUNDLE))
    ws = transition.working_set
    parts = replica_parts(ws.resources_by_id["web"])
    hosts = [p["container"].assigned_node for p in parts]
    assert {h.uname for h in hosts if h is not None} == {"n1", "n2"}
    for index, p in enumerate(parts):
        assert p["ip"].assigned_node is hosts[index]
        assert p["remote"].assigned_node is hosts[index]
        child = p["child"].assigned_node
        assert child is not None and child.uname == f"web-{index}"
    # the instance starts after its container and its guest's connection
    start = synapse(transition.graph, "httpd:0_start_0", "web-0")
    assert start.action.router_node == hosts[0].uname
    lines = transition_summary(ws)
    assert lines[0].split()[2] == "web-ip-10.0.0.5"
    assert lines[1].split()[2] == "web-docker-0"


def test_bundle_is_displayed_like_crm_mon() -> None:
    ws = run(cib_text(_BUNDLE)).working_set
    text = "\n".join(render_status(cluster_view(ws)))
    assert "Container bundle set: web [img:1]:" in text
    assert "web-0 (10.0.0.5)\t(ocf:heartbeat:apache):\t Stopped" in text


def test_colocation_with_a_bundle_follows_its_containers() -> None:
    rscs = _BUNDLE.replace('replicas="2"', 'replicas="1"') + (
        '<primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"/>')
    cons = ('<rsc_colocation id="c" rsc="vip" with-rsc="web" score="INFINITY"/>'
            '<rsc_location id="l" rsc="web" node="n2" score="100"/>')
    ws = run(cib_text(rscs, constraints=cons)).working_set
    vip = ws.resources_by_id["vip"].assigned_node
    assert vip is not None and vip.uname == "n2"


def test_nothing_promoted_blocks_what_waits_for_the_promotion() -> None:
    rscs = ('<clone id="pc"><meta_attributes id="pcm">'
            '<nvpair id="pcm1" name="promotable" value="true"/></meta_attributes>'
            '<primitive id="s" class="ocf" provider="pacemaker" type="Stateful"/></clone>'
            '<primitive id="x" class="ocf" provider="pacemaker" type="Dummy"/>')
    cons = '<rsc_order id="o" first="pc" first-action="promote" then="x" then-action="start"/>'
    lines = transition_summary(run(cib_text(rscs, constraints=cons)).working_set)
    assert any("x" in line and "due to unrunnable pc promoted (blocked)" in line
               for line in lines)


def test_promoted_location_on_a_bundle_promotes_its_instance() -> None:
    rscs = _BUNDLE.replace('replicas="2"', 'replicas="2" promoted-max="1"').replace(
        'type="apache"', 'type="Stateful"')
    cons = '<rsc_location id="p" rsc="web" role="Promoted" node="web-1" score="100"/>'
    ws = run(cib_text(rscs, constraints=cons)).working_set
    parts = replica_parts(ws.resources_by_id["web"])
    assert ws.resources_by_id["web-master"].promotable
    assert parts[1]["child"].next_role.text == "Promoted"
    assert parts[0]["child"].next_role.text == "Unpromoted"


def test_container_attribute_target_host_reads_the_hosts_attributes() -> None:
    from hapy.scheduler.unpack.bundles import attribute_node

    rscs = _BUNDLE.replace(
        "<primitive id=\"httpd\"",
        '<meta_attributes id="bm"><nvpair id="bm1" name="container-attribute-target"'
        ' value="host"/></meta_attributes><primitive id="httpd"')
    ws = run(cib_text(rscs)).working_set
    parts = replica_parts(ws.resources_by_id["web"])
    child, guest = parts[0]["child"], ws.node("web-0")
    assert guest is not None
    assert attribute_node(child, guest) is parts[0]["container"].assigned_node


def test_connections_are_probed_after_their_container_starts() -> None:
    transition = run(cib_text(_BUNDLE))
    graph = transition.graph
    probe = synapse(graph, "web-0_monitor_0", "n2")
    keys = {k.split("@")[0] for k in input_keys(graph, probe)}
    assert "web-docker-0_start_0" in keys
    # nothing but the replica's own instance is probed on a bundle's guest node
    ws = transition.working_set
    assert not any(a.probe and a.node is not None and a.node.bundle_id is not None
                   for a in ws.actions)
