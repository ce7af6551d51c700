"""The scores a bundle shows and the placement rules behind them: what
``crm_simulate -s`` prints for a bundle, each time something asks for it."""

from __future__ import annotations

from collections import Counter

from scheduler_cib import NOW, cib_text

from hapy.cib.parse import cib_from_tree
from hapy.cib.xmlio import parse_xml_text
from hapy.reports import ReportList
from hapy.scheduler.run import Transition, schedule
from hapy.scheduler.unpack.bundles import replica_parts
from hapy.scheduler.unpack.resources import clone_max


def _bundle(ident: str, replicas: int = 2, child: bool = True) -> str:
    prim = (f'<primitive id="{ident}-app" class="ocf" provider="pacemaker" type="Dummy"/>'
            if child else "")
    return (f'<bundle id="{ident}"><docker image="img" replicas="{replicas}"/>'
            f'<network control-port="3121"/>{prim}</bundle>')


def _dummy(ident: str) -> str:
    return f'<primitive id="{ident}" class="ocf" provider="pacemaker" type="Dummy"/>'


def _run(resources: str, constraints: str = "") -> Transition:
    reports = ReportList()
    cib = cib_from_tree(parse_xml_text(cib_text(resources, constraints=constraints)), reports)
    return schedule(cib, NOW, with_scores=True)


def _lines(transition: Transition, prefix: str) -> list[str]:
    return [line for line in transition.scores if line.startswith(prefix)]


def test_a_bundle_shows_its_replicas_clone_and_instances() -> None:
    scores = Counter(_lines(_run(_bundle("B")), "pcmk__bundle_allocate: "))
    shown = {line.split(": ", 1)[1] for line in scores}
    assert "B allocation score on n1: 0" in shown
    assert "B-docker-0 allocation score on n2: 0" in shown
    assert "B-0 allocation score on n1: 0" in shown
    # the bundled clone knows the guest nodes, banned until its instances
    # are placed; an instance starts at 500 on its own guest node only
    assert "B-clone allocation score on B-1: -INFINITY" in shown
    assert "B-clone allocation score on n1: 0" in shown
    assert "B-app:0 allocation score on B-0: 500" in shown
    assert not any(line.startswith("B-app:0 allocation score on n") for line in shown)
    assert not any(line.startswith("B-app:1 allocation score on B-0") for line in shown)


def test_connection_prefers_its_container_and_instance_its_guest() -> None:
    transition = _run(_bundle("B", replicas=1))
    assigned = _lines(transition, "pcmk__primitive_assign: ")
    container = replica_parts(transition.working_set.resources_by_id["B"])[0]["container"]
    host = container.assigned_node
    assert host is not None
    assert f"pcmk__primitive_assign: B-0 allocation score on {host.uname}: 10000" in assigned
    assert "pcmk__primitive_assign: B-app:0 allocation score on B-0: INFINITY" in assigned
    assert "pcmk__clone_allocate: B-clone allocation score on B-0: 0" in transition.scores
    assert f"pcmk__clone_allocate: B-clone allocation score on {host.uname}: -INFINITY" \
        in transition.scores


def test_every_request_for_a_bundle_shows_it_again() -> None:
    # two resources colocated with the bundle ask for it, as does the
    # assignment itself
    transition = _run(_bundle("B", replicas=1, child=False) + _dummy("P") + _dummy("Q"),
                      '<rsc_colocation id="c1" rsc="P" with-rsc="B" score="INFINITY"/>'
                      '<rsc_colocation id="c2" rsc="Q" with-rsc="B" score="INFINITY"/>')
    counts = Counter(_lines(transition, "pcmk__bundle_allocate: B allocation score on n1"))
    assert sum(counts.values()) == 3


def test_other_resources_know_no_guest_node_of_a_bundle() -> None:
    transition = _run(_bundle("B", replicas=1) + _dummy("P"),
                      '<rsc_location id="l" rsc="P" node="n1" score="10"'
                      ' resource-discovery="exclusive"/>')
    assert not any(" B-0:" in line for line in _lines(transition, "pcmk__primitive_assign: P "))


def test_bundle_locations_and_colocations_go_to_its_containers() -> None:
    transition = _run(_bundle("B", replicas=2, child=False) + _dummy("P"),
                      '<rsc_colocation id="c1" rsc="B" with-rsc="P" score="INFINITY"/>'
                      '<rsc_location id="l1" rsc="P" node="n2" score="50"/>'
                      '<rsc_location id="l2" rsc="B" node="n1" score="-INFINITY"/>')
    shown = set(_lines(transition, "pcmk__bundle_allocate: "))
    # the bundle keeps its own scores; its containers take its location
    assert "pcmk__bundle_allocate: B allocation score on n2: 0" in shown
    assert "pcmk__bundle_allocate: B-docker-1 allocation score on n1: -INFINITY" in shown
    assigned = _lines(transition, "pcmk__primitive_assign: B-docker-")
    assert "pcmk__primitive_assign: B-docker-0 allocation score on n2: 0" in assigned
    # the second container finds n2 full
    assert "pcmk__primitive_assign: B-docker-1 allocation score on n2: -INFINITY" in assigned


def test_a_bundle_with_a_bundle_pairs_each_container_with_a_replica() -> None:
    transition = _run(_bundle("A", replicas=2, child=False) + _bundle("C", replicas=1,
                                                                      child=False),
                      '<rsc_colocation id="c1" rsc="C" with-rsc="A" score="INFINITY"/>')
    ws = transition.working_set
    hosts = {p["container"].assigned_node.uname for p in replica_parts(ws.resources_by_id["A"])
             if p["container"].assigned_node is not None}
    assert hosts == {"n1", "n2"}
    container = replica_parts(ws.resources_by_id["C"])[0]["container"]
    assert container.assigned_node is not None
    other = ({"n1", "n2"} - {container.assigned_node.uname}).pop()
    assert f"pcmk__primitive_assign: C-docker-0 allocation score on {other}: -INFINITY" \
        in transition.scores


def test_clone_max_counts_guest_nodes_of_earlier_bundles_only() -> None:
    clone = ('<clone id="cl"><primitive id="d" class="ocf" provider="pacemaker"'
             ' type="Dummy"/></clone>')
    ws = _run(_bundle("early", replicas=1) + clone + _bundle("late", replicas=2)).working_set
    assert clone_max(ws, ws.resources_by_id["cl"]) == 3  # n1, n2 and early-0


def test_guest_nodes_are_fenced_in_name_order() -> None:
    from hapy.cib.node_names import node_name_key

    names = ["redis-bundle-10", "galera-bundle-0", "redis-bundle-2", "lxc2"]
    assert sorted(names, key=node_name_key) == [
        "galera-bundle-0", "lxc2", "redis-bundle-2", "redis-bundle-10"]


def test_a_container_weighs_what_its_address_wants() -> None:
    rscs = ('<bundle id="B"><docker image="img" replicas="1"/>'
            '<network ip-range-start="10.0.0.1" control-port="3121"/></bundle>')
    transition = _run(rscs, '<rsc_location id="l" rsc="B" node="n2" score="50"/>')
    assert "pcmk__bundle_allocate: B-docker-0 allocation score on n2: 50" in transition.scores
    # the address (with the bundle's location too) counts fully
    assert "pcmk__primitive_assign: B-docker-0 allocation score on n2: 100" in transition.scores
    assert "pcmk__primitive_assign: B-ip-10.0.0.1 allocation score on n1: -INFINITY" \
        in transition.scores
