"""Status display: hand-built views against crm_simulate 2.1.5 output.

Expected lines are copied from the "Current cluster status" / "Revised
Cluster Status" blocks of /work/shared/scheduler-cases/summary/<case>.summary
(the case is named in each test), or, where marked, from crm_simulate -S run
on a small hand-made CIB.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from hapy.display.text import (
    compare_node_names,
    ocf_exit_reason,
    render_preamble,
    render_status,
    resource_counts,
    sort_node_names,
)
from hapy.display.view import (
    BundleReplicaView,
    BundleView,
    CloneView,
    ClusterView,
    GroupView,
    Health,
    NodeType,
    NodeView,
    PrimitiveView,
    Role,
)

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def prim(rid: str, agent: str = "ocf:pacemaker:Dummy", *nodes: str, **kw: Any) -> PrimitiveView:
    """Primitive; ``agent`` as class:provider:type; nodes imply role Started."""
    parts = agent.split(":")
    if parts[0] == "ocf":
        rclass, provider, kind = parts[0], parts[1], ":".join(parts[2:])
    else:
        rclass, provider, kind = parts[0], None, ":".join(parts[1:])
    kw.setdefault("role", Role.STARTED if nodes else Role.STOPPED)
    return PrimitiveView(
        id=rid, rclass=rclass, provider=provider, agent=kind, nodes=tuple(nodes), **kw
    )


def online(*names: str, **kw: Any) -> tuple[NodeView, ...]:
    return tuple(NodeView(name=n, **kw) for n in names)


def offline(*names: str, **kw: Any) -> tuple[NodeView, ...]:
    return tuple(NodeView(name=n, online=False, **kw) for n in names)


def resource_lines(view: ClusterView) -> list[str]:
    """The rendered block from its "Full List of Resources" line on."""
    lines = render_status(view)
    return lines[lines.index("  * Full List of Resources:") :]


def block(text: str) -> list[str]:
    """Expected lines from a triple-quoted string indented by 8 spaces."""
    lines = text.split("\n")[1:-1]  # drop the opening and closing lines
    return [line[8:] for line in lines]


# ---------------------------------------------------------------------------
# node names
# ---------------------------------------------------------------------------


def test_node_name_order_is_numeric_and_case_insensitive() -> None:
    # multiple-monitor-one-failed: "Online: [ dhcp69 dhcp180 ]"
    assert sort_node_names(["dhcp180", "dhcp69"]) == ["dhcp69", "dhcp180"]
    # crm_simulate on a hand-made CIB with these node names
    names = ["n10", "n9", "N2", "n007", "n7", "a-1", "a1", "a_1", "b", "n07x", "n7x"]
    assert sort_node_names(names) == [
        "a-1", "a1", "a_1", "b", "N2", "n7", "n7x", "n07x", "n007", "n9", "n10",
    ]  # fmt: skip
    assert compare_node_names("A1", "a1") == 0
    assert compare_node_names("node2", "node10") == -1
    assert compare_node_names("node", "node1") == -1


def test_ocf_exit_reason() -> None:
    assert ocf_exit_reason(5) == "not installed"
    assert ocf_exit_reason(2) == "invalid parameter"
    assert ocf_exit_reason(4242) == "unknown"


# ---------------------------------------------------------------------------
# nodes
# ---------------------------------------------------------------------------


def test_node_states_listed_individually_then_grouped() -> None:
    # crm_simulate -S on a hand-made CIB (attributes standby/maintenance/#health)
    view = ClusterView(
        nodes=(
            NodeView(name="n1", shutdown=True),
            NodeView(name="n2", standby=True),
            NodeView(name="n3", maintenance=True),
            NodeView(name="n4", online=False, standby=True),
            NodeView(name="n5", online=False, maintenance=True),
            NodeView(name="n6", online=False, unclean=True),
            NodeView(name="n7", standby=True, health=Health.RED),
            NodeView(name="n8", health=Health.YELLOW),
            NodeView(name="n9", online=False, health=Health.RED),
            NodeView(name="m1", standby_onfail=True),
            NodeView(name="m2", standby=True),
            NodeView(name="m3", pending=True, online=False),
            NodeView(name="m4", unclean=True),
            NodeView(name="x1", online=False),
            NodeView(name="r1", type=NodeType.REMOTE),
            NodeView(name="r2", type=NodeType.REMOTE, online=False),
            NodeView(name="r3", type=NodeType.REMOTE, standby=True),
            NodeView(name="g1", type=NodeType.GUEST),
            NodeView(name="g2", type=NodeType.GUEST, online=False),
            NodeView(name="g3", type=NodeType.GUEST, maintenance=True),
        ),
        resources=(prim("r", "ocf:pacemaker:Dummy", "m2"),),
    )
    assert render_status(view)[:17] == block(
        """
          * Node List:
            * GuestNode g3: maintenance
            * Node m1: standby (on-fail)
            * Node m2: standby (with active resources)
            * Node m3: pending
            * Node m4: UNCLEAN (online)
            * Node n2: standby
            * Node n3: maintenance
            * Node n4: OFFLINE (standby)
            * Node n5: OFFLINE (maintenance)
            * Node n6: UNCLEAN (offline)
            * Node n7: standby (health is RED)
            * Node n8: online (health is YELLOW)
            * Node n9: OFFLINE (health is RED)
            * RemoteNode r3: standby
            * Online: [ n1 ]
            * OFFLINE: [ x1 ]
        """
    )
    assert render_status(view)[17:21] == [
        "    * RemoteOnline: [ r1 ]",
        "    * RemoteOFFLINE: [ r2 ]",
        "    * GuestOnline: [ g1 ]",
        "",
    ]


def test_systemhealthm3() -> None:
    view = ClusterView(
        nodes=(
            NodeView(name="hs21c", health=Health.RED),
            NodeView(name="hs21d", online=False, unclean=True),
        ),
        resources=(
            prim("stonith-1", "stonith:dummy"),
            prim("apache_1", "ocf:heartbeat:apache"),
            prim("nfs_1", "ocf:heartbeat:Filesystem"),
        ),
    )
    assert render_status(view) == block(
        """
          * Node List:
            * Node hs21c: online (health is RED)
            * Node hs21d: UNCLEAN (offline)

          * Full List of Resources:
            * stonith-1\t(stonith:dummy):\t Stopped
            * apache_1\t(ocf:heartbeat:apache):\t Stopped
            * nfs_1\t(ocf:heartbeat:Filesystem):\t Stopped
        """
    )


def test_no_nodes_and_no_resources() -> None:
    # crm_simulate -S on hand-made CIBs without nodes / without resources
    assert render_status(ClusterView(resources=(prim("r"),))) == [
        "  * Full List of Resources:",
        "    * r\t(ocf:pacemaker:Dummy):\t Stopped",
    ]
    assert render_status(ClusterView(nodes=online("n1"))) == [
        "  * Node List:",
        "    * Online: [ n1 ]",
        "",
        "  * Full List of Resources:",
        "    * No resources",
    ]


def test_indent_prefixes_non_blank_lines() -> None:
    lines = render_status(ClusterView(nodes=online("n1")), indent=">")
    assert lines[0] == ">  * Node List:" and lines[2] == ""


# ---------------------------------------------------------------------------
# primitives
# ---------------------------------------------------------------------------


def test_797_unique_clone_multi_active_and_pending_monitor() -> None:
    ip = "ocf:heartbeat:IPaddr"
    view = ClusterView(
        nodes=(
            *online("c001n01", "c001n02", "c001n03"),
            NodeView(name="c001n08", online=False, unclean=True),
        ),
        resources=(
            prim("DcIPaddr", ip, "c001n03"),
            prim("rsc_c001n08", ip, "c001n02"),
            prim("rsc_c001n02", ip, "c001n02"),
            prim("rsc_c001n03", ip, "c001n03"),
            prim("rsc_c001n01", ip, "c001n01"),
            CloneView(
                id="DoFencing",
                child_id="child_DoFencing",
                unique=True,
                clone_max=4,
                allowed_nodes=("c001n01", "c001n02", "c001n03", "c001n08"),
                instances=(
                    prim("child_DoFencing:0", "stonith:ssh", "c001n01", "c001n03",
                         pending_task="monitor"),
                    prim("child_DoFencing:1", "stonith:ssh", "c001n02"),
                    prim("child_DoFencing:2", "stonith:ssh", "c001n03"),
                    prim("child_DoFencing:3", "stonith:ssh"),
                ),
            ),
        ),
    )  # fmt: skip
    assert render_status(view) == block(
        """
          * Node List:
            * Node c001n08: UNCLEAN (offline)
            * Online: [ c001n01 c001n02 c001n03 ]

          * Full List of Resources:
            * DcIPaddr\t(ocf:heartbeat:IPaddr):\t Started c001n03
            * rsc_c001n08\t(ocf:heartbeat:IPaddr):\t Started c001n02
            * rsc_c001n02\t(ocf:heartbeat:IPaddr):\t Started c001n02
            * rsc_c001n03\t(ocf:heartbeat:IPaddr):\t Started c001n03
            * rsc_c001n01\t(ocf:heartbeat:IPaddr):\t Started c001n01
            * Clone Set: DoFencing [child_DoFencing] (unique):
              * child_DoFencing:0\t(stonith:ssh):\t Started (Monitoring) [ c001n01 c001n03 ]
              * child_DoFencing:1\t(stonith:ssh):\t Started c001n02
              * child_DoFencing:2\t(stonith:ssh):\t Started c001n03
              * child_DoFencing:3\t(stonith:ssh):\t Stopped
        """
    )


def test_735_pending_start_shows_pending_node() -> None:
    ip = "ocf:heartbeat:IPaddr"
    view = ClusterView(
        nodes=(*online("hadev2", "hadev3"), *offline("hadev1")),
        resources=(
            prim("DcIPaddr", ip, "hadev2"),
            prim("rsc_hadev1", ip, pending_task="start", pending_node="hadev2"),
            prim("rsc_hadev2", ip, "hadev2"),
            prim("rsc_hadev3", ip, pending_task="start", pending_node="hadev2"),
            CloneView(
                id="DoFencing",
                child_id="child_DoFencing",
                unique=True,
                clone_max=3,
                instances=(
                    prim("child_DoFencing:0", "stonith:ssh", pending_task="start",
                         pending_node="hadev2"),
                    prim("child_DoFencing:1", "stonith:ssh"),
                    prim("child_DoFencing:2", "stonith:ssh"),
                ),
            ),
        ),
    )  # fmt: skip
    assert resource_lines(view) == block(
        """
          * Full List of Resources:
            * DcIPaddr\t(ocf:heartbeat:IPaddr):\t Started hadev2
            * rsc_hadev1\t(ocf:heartbeat:IPaddr):\t Starting hadev2
            * rsc_hadev2\t(ocf:heartbeat:IPaddr):\t Started hadev2
            * rsc_hadev3\t(ocf:heartbeat:IPaddr):\t Starting hadev2
            * Clone Set: DoFencing [child_DoFencing] (unique):
              * child_DoFencing:0\t(stonith:ssh):\t Starting hadev2
              * child_DoFencing:1\t(stonith:ssh):\t Stopped
              * child_DoFencing:2\t(stonith:ssh):\t Stopped
        """
    )
    assert render_status(view)[:4] == [
        "  * Node List:",
        "    * Online: [ hadev2 hadev3 ]",
        "    * OFFLINE: [ hadev1 ]",
        "",
    ]


def test_shutdown_lock() -> None:
    view = ClusterView(
        nodes=(*online("node1", "node3", "node4", "node5"), *offline("node2")),
        resources=(
            prim("Fencing", "stonith:fence_xvm", "node1"),
            prim("rsc1", "ocf:pacemaker:Dummy", "node1"),
            prim("rsc2", "ocf:pacemaker:Dummy", locked_to="node2"),
        ),
    )
    assert render_status(view)[-3:] == [
        "    * Fencing\t(stonith:fence_xvm):\t Started node1",
        "    * rsc1\t(ocf:pacemaker:Dummy):\t Started node1",
        "    * rsc2\t(ocf:pacemaker:Dummy):\t Stopped node2 (LOCKED)",
    ]


def test_remote_orphaned2_multi_active_orphans_keep_discovery_order() -> None:
    mrg = ("mrg-03", "mrg-02", "mrg-04")
    view = ClusterView(
        nodes=(
            *online("host-026", "host-027", "host-028"),
            *offline(*mrg, type=NodeType.REMOTE, unclean=True),
        ),
        resources=(
            prim("neutron-openvswitch-agent-compute", "ocf:heartbeat:Dummy", *mrg, orphan=True),
            prim("libvirtd-compute", "systemd:libvirtd", *mrg, orphan=True),
            prim("gone", "systemd:gone", orphan=True),  # inactive orphan: hidden
            prim("nova-compute", "systemd:openstack-nova-compute", *mrg, orphan=True),
        ),
    )
    assert render_status(view) == block(
        """
          * Node List:
            * RemoteNode mrg-02: UNCLEAN (offline)
            * RemoteNode mrg-03: UNCLEAN (offline)
            * RemoteNode mrg-04: UNCLEAN (offline)
            * Online: [ host-026 host-027 host-028 ]

          * Full List of Resources:
            * neutron-openvswitch-agent-compute\t(ocf:heartbeat:Dummy):\t ORPHANED Started [ mrg-03 mrg-02 mrg-04 ]
            * libvirtd-compute\t(systemd:libvirtd):\t ORPHANED Started [ mrg-03 mrg-02 mrg-04 ]
            * nova-compute\t(systemd:openstack-nova-compute):\t ORPHANED Started [ mrg-03 mrg-02 mrg-04 ]
        """  # noqa: E501
    )


def test_multi_active_shows_description_and_flags_before_node_list() -> None:
    # crm_simulate -S on a hand-made CIB (description="my desc", active on 2 nodes)
    view = ClusterView(
        nodes=online("n1", "n2"),
        resources=(
            prim("r_multi", "ocf:pacemaker:Dummy", "n1", "n2", description="my desc"),
            prim("r_multi2", "ocf:pacemaker:Dummy", "n1", "n2", description="d2", managed=False),
            prim("r_desc", "ocf:pacemaker:Dummy", "n1", description="single desc"),
            prim("r_ign", "ocf:pacemaker:Dummy", "n1", failure_ignored=True),
            prim("r_blk", "ocf:pacemaker:Dummy", "n1", failed=True, blocked=True, managed=False),
        ),
    )
    assert resource_lines(view)[1:] == [
        "    * r_multi\t(ocf:pacemaker:Dummy):\t Started my desc [ n1 n2 ]",
        "    * r_multi2\t(ocf:pacemaker:Dummy):\t Started (unmanaged) d2 [ n1 n2 ]",
        "    * r_desc\t(ocf:pacemaker:Dummy):\t Started n1",
        "    * r_ign\t(ocf:pacemaker:Dummy):\t Started n1 (failure ignored)",
        "    * r_blk\t(ocf:pacemaker:Dummy):\t FAILED n1 (blocked)",
    ]


def test_failed_probe_primitive_and_pending_states() -> None:
    view = ClusterView(
        nodes=online("cluster01", "cluster02"),
        resources=(
            # failed-probe-primitive
            prim("dummy-1", probe_failures=(("cluster01", 5), ("cluster02", 5))),
            prim("dummy-3", "ocf:pacemaker:Dummy", "cluster01", failed=True),
            # bug-5069-op-disabled / pending states (726, params-3, migrate cases)
            prim("A", "ocf:pacemaker:Dummy", "cluster01", pending_task="migrate_to"),
            prim("B", "ocf:pacemaker:Dummy", "cluster02", pending_task="probe"),
            prim("C", "ocf:pacemaker:Dummy", "cluster02", target_role="stopped"),
        ),
    )
    assert resource_lines(view)[1:] == [
        "    * dummy-1\t(ocf:pacemaker:Dummy):\t Stopped (not installed) ",
        "    * dummy-3\t(ocf:pacemaker:Dummy):\t FAILED cluster01",
        "    * A\t(ocf:pacemaker:Dummy):\t Migrating cluster01",
        "    * B\t(ocf:pacemaker:Dummy):\t Started cluster02",
        "    * C\t(ocf:pacemaker:Dummy):\t Started cluster02 (disabled)",
    ]


# ---------------------------------------------------------------------------
# groups
# ---------------------------------------------------------------------------


def test_rsc_maintenance_group_flags() -> None:
    off = {"target_role": "Stopped", "managed": False}
    view = ClusterView(
        nodes=online("node1", "node2"),
        resources=(
            GroupView(
                id="group1",
                managed=False,
                target_role="Stopped",
                children=(prim("rsc1", "ocf:pacemaker:Dummy", "node1", **off),
                          prim("rsc2", "ocf:pacemaker:Dummy", "node1", **off)),
            ),
            GroupView(
                id="group2",
                children=(prim("rsc3", "ocf:pacemaker:Dummy", "node2"),
                          prim("rsc4", "ocf:pacemaker:Dummy", "node2")),
            ),
        ),
    )  # fmt: skip
    assert resource_lines(view) == block(
        """
          * Full List of Resources:
            * Resource Group: group1 (unmanaged, disabled):
              * rsc1\t(ocf:pacemaker:Dummy):\t Started node1 (disabled, unmanaged)
              * rsc2\t(ocf:pacemaker:Dummy):\t Started node1 (disabled, unmanaged)
            * Resource Group: group2:
              * rsc3\t(ocf:pacemaker:Dummy):\t Started node2
              * rsc4\t(ocf:pacemaker:Dummy):\t Started node2
        """
    )


def test_bug_5028_detach_preamble_and_blocked_group() -> None:
    view = ClusterView(
        nodes=online("bl460g6a", "bl460g6b"),
        maintenance_mode=True,
        resources=(
            GroupView(
                id="dummy-g",
                managed=False,
                children=(
                    prim("dummy01", "ocf:heartbeat:Dummy", "bl460g6a", managed=False),
                    prim("dummy02", "ocf:heartbeat:Dummy-stop-NG", "bl460g6a",
                         managed=False, failed=True, blocked=True),
                ),
            ),
        ),
    )  # fmt: skip
    assert render_preamble(view) == [
        "",
        "              *** Resource management is DISABLED ***",
        "  The cluster will not attempt to start, stop or recover services",
        "",
        "0 of 2 resource instances DISABLED and 1 BLOCKED from further action due to failure",
        "",
    ]
    assert resource_lines(view) == block(
        """
          * Full List of Resources:
            * Resource Group: dummy-g (unmanaged):
              * dummy01\t(ocf:heartbeat:Dummy):\t Started bl460g6a (unmanaged)
              * dummy02\t(ocf:heartbeat:Dummy-stop-NG):\t FAILED bl460g6a (blocked)
        """
    )


def test_one_or_more_1_counts_line() -> None:
    view = ClusterView(
        nodes=(*online("fc16-builder"), *offline("fc16-builder2")),
        resources=(prim("A", target_role="Stopped"), prim("B"), prim("C"), prim("D")),
    )
    assert render_preamble(view) == [
        "1 of 4 resource instances DISABLED and 0 BLOCKED from further action due to failure",
        "",
    ]
    assert render_status(view)[5] == "    * A\t(ocf:pacemaker:Dummy):\t Stopped (disabled)"
    assert render_preamble(ClusterView(resources=(prim("B"),))) == []
    # probe-pending-node: maintenance-mode without disabled/blocked resources
    assert render_preamble(ClusterView(maintenance_mode=True))[1:] == [
        "              *** Resource management is DISABLED ***",
        "  The cluster will not attempt to start, stop or recover services",
        "",
    ]


# ---------------------------------------------------------------------------
# clones
# ---------------------------------------------------------------------------


def _anon(
    rid: str, n: int, *running: str, agent: str = "ocf:pacemaker:Dummy"
) -> tuple[PrimitiveView, ...]:
    """``n`` anonymous instances, the first ones running on ``running``."""
    out = [prim(rid, agent, node) for node in running]
    out += [prim(rid, agent) for _ in range(n - len(running))]
    return tuple(out)


def test_failed_probe_clone_stopped_lists_by_status() -> None:
    nodes = ("cluster01", "cluster02")
    ping = "ocf:pacemaker:ping"

    def clone(name: str, insts: tuple[PrimitiveView, ...], fails: Any) -> CloneView:
        return CloneView(
            id=f"{name}-clone",
            child_id=name,
            instances=insts,
            clone_max=2,
            allowed_nodes=nodes,
            probe_failures=fails,
        )

    view = ClusterView(
        nodes=online(*nodes),
        resources=(
            prim("Fencing", "stonith:fence_xvm", "cluster01"),
            clone("ping-1", _anon("ping-1", 2, agent=ping), (("cluster01", 5), ("cluster02", 5))),
            clone("ping-2", _anon("ping-2", 2, agent=ping), (("cluster01", 5),)),
            clone(
                "ping-3",
                (prim("ping-3", ping, "cluster01", failed=True), prim("ping-3", ping)),
                (("cluster02", 5),),
            ),
        ),
    )
    assert resource_lines(view) == block(
        """
          * Full List of Resources:
            * Fencing\t(stonith:fence_xvm):\t Started cluster01
            * Clone Set: ping-1-clone [ping-1]:
              * Stopped (not installed): [ cluster01 cluster02 ]
            * Clone Set: ping-2-clone [ping-2]:
              * Stopped: [ cluster02 ]
              * Stopped (not installed): [ cluster01 ]
            * Clone Set: ping-3-clone [ping-3]:
              * ping-3\t(ocf:pacemaker:ping):\t FAILED cluster01
              * Stopped (not installed): [ cluster02 ]
        """
    )


def test_bug_cl_5247_inactive_instance_on_offline_guest_hides_node_from_stopped() -> None:
    vd, ipmi = "ocf:heartbeat:VirtualDomain", "stonith:external/ipmi"
    view = ClusterView(
        nodes=(
            *online("bl460g8n3", "bl460g8n4"),
            NodeView(name="pgsr01", type=NodeType.GUEST, container_host="bl460g8n3"),
            NodeView(name="pgsr02", type=NodeType.GUEST, online=False),
        ),
        resources=(
            prim("prmDB1", vd, "bl460g8n3"),
            prim("prmDB2", vd, "bl460g8n4", failed=True),
            GroupView("grpStonith1", (prim("prmStonith1-2", ipmi, "bl460g8n4"),)),
            GroupView("grpStonith2", (prim("prmStonith2-2", ipmi, "bl460g8n3"),)),
            GroupView(
                "master-group",
                (
                    prim("vip-master", "ocf:heartbeat:Dummy", "pgsr02", failed=True),
                    prim("vip-rep", "ocf:heartbeat:Dummy", "pgsr02", failed=True),
                ),
            ),
            CloneView(
                id="msPostgresql",
                child_id="pgsql",
                promotable=True,
                clone_max=2,
                # location bans on bl460g8n3/4 are not applied to this list
                allowed_nodes=("bl460g8n3", "bl460g8n4", "pgsr01", "pgsr02"),
                instances=(
                    # promoted on pgsr02, which went offline: not active, not shown,
                    # but pgsr02 stays out of the Stopped list
                    prim("pgsql", "ocf:heartbeat:Stateful", "pgsr02", role=Role.PROMOTED,
                         failed=True),
                    prim("pgsql", "ocf:heartbeat:Stateful", "pgsr01", role=Role.PROMOTED),
                ),
            ),
            # implicit guest connections: counted, never displayed
            prim("pgsr01", "ocf:pacemaker:remote", "bl460g8n3", internal=True),
            prim("pgsr02", "ocf:pacemaker:remote", "bl460g8n4", internal=True, failed=True),
        ),
    )  # fmt: skip
    assert render_status(view) == block(
        """
          * Node List:
            * Online: [ bl460g8n3 bl460g8n4 ]
            * GuestOnline: [ pgsr01 ]

          * Full List of Resources:
            * prmDB1\t(ocf:heartbeat:VirtualDomain):\t Started bl460g8n3
            * prmDB2\t(ocf:heartbeat:VirtualDomain):\t FAILED bl460g8n4
            * Resource Group: grpStonith1:
              * prmStonith1-2\t(stonith:external/ipmi):\t Started bl460g8n4
            * Resource Group: grpStonith2:
              * prmStonith2-2\t(stonith:external/ipmi):\t Started bl460g8n3
            * Resource Group: master-group:
              * vip-master\t(ocf:heartbeat:Dummy):\t FAILED pgsr02
              * vip-rep\t(ocf:heartbeat:Dummy):\t FAILED pgsr02
            * Clone Set: msPostgresql [pgsql] (promotable):
              * Promoted: [ pgsr01 ]
              * Stopped: [ bl460g8n3 bl460g8n4 ]
        """
    )
    assert resource_counts(view) == (10, 0, 0)  # crm_mon: resources_configured 10


def test_stop_failure_no_quorum_unmanaged_instance_on_offline_node() -> None:
    nodes = ("pcmk-1", "pcmk-2", "pcmk-3", "pcmk-4")
    clvm = "lsb:clvmd"
    view = ClusterView(
        nodes=(
            *online("pcmk-1"),
            NodeView(name="pcmk-2", unclean=True, shutdown=True),
            NodeView(name="pcmk-3", online=False, unclean=True, shutdown=True),
            NodeView(name="pcmk-4", online=False, unclean=True),
        ),
        resources=(
            CloneView("dlm-clone", "dlm", _anon("dlm", 4, agent="systemd:dlm"), clone_max=4,
                      allowed_nodes=nodes),
            CloneView(
                "clvm-clone",
                "clvm",
                (
                    prim("clvm", clvm, "pcmk-2", failed=True),
                    prim("clvm", clvm, "pcmk-3", failed=True, blocked=True, managed=False),
                    prim("clvm", clvm),
                    prim("clvm", clvm),
                ),
                clone_max=4,
                allowed_nodes=nodes,
            ),
            prim("ClusterIP", "ocf:heartbeat:IPaddr2"),
            prim("Fencing", "stonith:fence_xvm"),
        ),
    )  # fmt: skip
    assert render_status(view) == block(
        """
          * Node List:
            * Node pcmk-2: UNCLEAN (online)
            * Node pcmk-3: UNCLEAN (offline)
            * Node pcmk-4: UNCLEAN (offline)
            * Online: [ pcmk-1 ]

          * Full List of Resources:
            * Clone Set: dlm-clone [dlm]:
              * Stopped: [ pcmk-1 pcmk-2 pcmk-3 pcmk-4 ]
            * Clone Set: clvm-clone [clvm]:
              * clvm\t(lsb:clvmd):\t FAILED pcmk-2
              * clvm\t(lsb:clvmd):\t FAILED pcmk-3 (UNCLEAN, blocked)
              * Stopped: [ pcmk-1 pcmk-3 pcmk-4 ]
            * ClusterIP\t(ocf:heartbeat:IPaddr2):\t Stopped
            * Fencing\t(stonith:fence_xvm):\t Stopped
        """
    )


def test_stop_failure_no_fencing_clone_active_only_unmanaged_offline_is_hidden() -> None:
    nodes = ("pcmk-1", "pcmk-2", "pcmk-3", "pcmk-4")
    clvm = "lsb:clvmd"
    view = ClusterView(
        nodes=(*online("pcmk-1", "pcmk-2"), *offline("pcmk-3", "pcmk-4", unclean=True)),
        resources=(
            CloneView("dlm-clone", "dlm", _anon("dlm", 4, agent="systemd:dlm"), clone_max=4,
                      allowed_nodes=nodes),
            CloneView(
                "clvm-clone",
                "clvm",
                (
                    prim("clvm", clvm, "pcmk-3", failed=True, blocked=True, managed=False),
                    *(prim("clvm", clvm) for _ in range(3)),
                ),
                clone_max=4,
                allowed_nodes=nodes,
            ),
            prim("ClusterIP", "ocf:heartbeat:IPaddr2"),
        ),
    )  # fmt: skip
    assert render_preamble(view) == [
        "0 of 9 resource instances DISABLED and 1 BLOCKED from further action due to failure",
        "",
    ]
    assert resource_lines(view) == block(
        """
          * Full List of Resources:
            * Clone Set: dlm-clone [dlm]:
              * Stopped: [ pcmk-1 pcmk-2 pcmk-3 pcmk-4 ]
            * ClusterIP\t(ocf:heartbeat:IPaddr2):\t Stopped
        """
    )


def test_unmanaged_promoted_offline_nodes_stay_in_stopped_list() -> None:
    nodes = ("pcmk-1", "pcmk-2", "pcmk-3", "pcmk-4")
    fence = "stonith:fence_xvm"
    view = ClusterView(
        nodes=(*online("pcmk-1", "pcmk-2"), *offline("pcmk-3", "pcmk-4")),
        resources=(
            CloneView(
                "Fencing",
                "FencingChild",
                tuple(prim("FencingChild", fence, n, managed=False)
                      for n in ("pcmk-3", "pcmk-4", "pcmk-2", "pcmk-1")),
                managed=False,
                clone_max=4,
                allowed_nodes=nodes,
            ),
        ),
    )  # fmt: skip
    assert resource_lines(view) == block(
        """
          * Full List of Resources:
            * Clone Set: Fencing [FencingChild] (unmanaged):
              * FencingChild\t(stonith:fence_xvm):\t Started pcmk-3 (unmanaged)
              * FencingChild\t(stonith:fence_xvm):\t Started pcmk-4 (unmanaged)
              * FencingChild\t(stonith:fence_xvm):\t Started pcmk-2 (unmanaged)
              * FencingChild\t(stonith:fence_xvm):\t Started pcmk-1 (unmanaged)
              * Stopped: [ pcmk-3 pcmk-4 ]
        """
    )


def test_clone_anon_dup_cloned_group_orphan_instance() -> None:
    fs, apache = "ocf:heartbeat:Filesystem", "ocf:heartbeat:apache"

    def inst(n: int, node: str) -> GroupView:
        members = (prim("fs_www", fs, node), prim("apache2", apache, node))
        return GroupView(f"group_webservice:{n}", members)

    orphan = GroupView(
        "group_webservice:2",
        (prim("fs_www", fs, orphan=True), prim("apache2", apache, "wc02", orphan=True)),
    )
    view = ClusterView(
        nodes=online("wc01", "wc02", "wc03"),
        resources=(
            prim("stonith-1", "stonith:dummy"),
            CloneView(
                "clone_webservice",
                "group_webservice",
                (inst(0, "wc01"), inst(1, "wc02"), orphan),
                target_role="Started",
                clone_max=2,  # 2 instances active: no Stopped list
                allowed_nodes=("wc01", "wc02", "wc03"),
            ),
        ),
    )
    assert resource_lines(view) == block(
        """
          * Full List of Resources:
            * stonith-1\t(stonith:dummy):\t Stopped
            * Clone Set: clone_webservice [group_webservice]:
              * Resource Group: group_webservice:2:
                * fs_www\t(ocf:heartbeat:Filesystem):\t ORPHANED Stopped
                * apache2\t(ocf:heartbeat:apache):\t ORPHANED Started wc02
              * Started: [ wc01 wc02 ]
        """
    )
    # the stopped orphan member is not an instance
    assert resource_counts(view) == (6, 0, 0)  # crm_mon: resources_configured 6


def test_clone_max_zero_revised_header_only_and_orphans() -> None:
    nodes = ("c001n11", "c001n12")
    controld = "ocf:pacemaker:controld"
    current = CloneView(
        "dlm-clone",
        "dlm",
        (
            prim("dlm", controld, "c001n12", orphan=True),
            prim("dlm", controld, "c001n11", orphan=True),
        ),
        clone_max=0,
        allowed_nodes=nodes,
    )
    view = ClusterView(
        nodes=online(*nodes),
        resources=(
            prim("fencing", "stonith:external/ssh", "c001n11"),
            current,
            CloneView("o2cb-clone", "o2cb", _anon("o2cb", 2), clone_max=2, allowed_nodes=nodes),
            CloneView("clone-drbd0", "drbd0", _anon("drbd0", 2, *nodes), clone_max=2,
                      allowed_nodes=nodes),
        ),
    )  # fmt: skip
    assert resource_lines(view) == block(
        """
          * Full List of Resources:
            * fencing\t(stonith:external/ssh):\t Started c001n11
            * Clone Set: dlm-clone [dlm]:
              * dlm\t(ocf:pacemaker:controld):\t ORPHANED Started c001n12
              * dlm\t(ocf:pacemaker:controld):\t ORPHANED Started c001n11
            * Clone Set: o2cb-clone [o2cb]:
              * Stopped: [ c001n11 c001n12 ]
            * Clone Set: clone-drbd0 [drbd0]:
              * Started: [ c001n11 c001n12 ]
        """
    )
    revised = ClusterView(
        nodes=online(*nodes),
        resources=(CloneView("dlm-clone", "dlm", clone_max=0, allowed_nodes=nodes),),
    )
    assert resource_lines(revised) == [
        "  * Full List of Resources:",
        "    * Clone Set: dlm-clone [dlm]:",
    ]


def test_bug_lf_2171_disabled_clone_and_group() -> None:
    nodes = ("xenserver1", "xenserver2")
    dummy = "ocf:heartbeat:Dummy"
    view = ClusterView(
        nodes=online(*nodes),
        resources=(
            CloneView(
                "cl_res_Dummy1",
                "res_Dummy1",
                tuple(prim("res_Dummy1", dummy, n, target_role="Stopped") for n in nodes),
                target_role="Stopped",
                clone_max=2,
                allowed_nodes=nodes,
            ),
            # target-role=Stopped from rsc_defaults; the members override it
            GroupView(
                "gr_Dummy",
                (
                    prim("res_Dummy2", dummy, "xenserver1", target_role="Started"),
                    prim("res_Dummy3", dummy, "xenserver1", target_role="Started"),
                ),
                target_role="Stopped",
            ),
        ),
    )
    assert resource_lines(view) == block(
        """
          * Full List of Resources:
            * Clone Set: cl_res_Dummy1 [res_Dummy1] (disabled):
              * Started: [ xenserver1 xenserver2 ]
            * Resource Group: gr_Dummy (disabled):
              * res_Dummy2\t(ocf:heartbeat:Dummy):\t Started xenserver1
              * res_Dummy3\t(ocf:heartbeat:Dummy):\t Started xenserver1
        """
    )


def test_promotable_clone_target_role_unpromoted_and_disabled_stopped() -> None:
    # crm_simulate -S on a hand-made CIB
    nodes = ("n1", "n2", "n3")
    stateful = "ocf:pacemaker:Stateful"
    unpromoted = {"target_role": "Unpromoted"}
    view = ClusterView(
        nodes=online(*nodes),
        resources=(
            CloneView(
                "pc1",
                "p1r",
                (
                    prim("p1r", stateful, "n1", failed=True, **unpromoted),
                    prim("p1r", stateful, "n3", **unpromoted),
                    prim("p1r", stateful, **unpromoted),
                ),
                promotable=True,
                target_role="Unpromoted",
                clone_max=3,
                allowed_nodes=nodes,
            ),
            # target-role only on the cloned primitive: no "(disabled)" header
            CloneView(
                "cd",
                "cdr",
                tuple(prim("cdr", target_role="Stopped") for _ in nodes),
                clone_max=3,
                allowed_nodes=nodes,
            ),
            CloneView(
                "pg",
                "pgg",
                (
                    GroupView("pgg:0", (prim("pga", stateful, "n1", role=Role.PROMOTED),)),
                    GroupView("pgg:1", (prim("pga", stateful, "n2"),)),
                    GroupView("pgg:2", (prim("pga", stateful),)),
                ),
                promotable=True,
                clone_max=3,
                allowed_nodes=nodes,
            ),
        ),
    )
    assert resource_lines(view) == block(
        """
          * Full List of Resources:
            * Clone Set: pc1 [p1r] (promotable, disabled):
              * p1r\t(ocf:pacemaker:Stateful):\t FAILED n1 (target-role:Unpromoted)
              * Unpromoted (target-role): [ n3 ]
              * Stopped: [ n2 ]
            * Clone Set: cd [cdr]:
              * Stopped (disabled): [ n1 n2 n3 ]
            * Clone Set: pg [pgg] (promotable):
              * Promoted: [ n1 ]
              * Unpromoted: [ n2 ]
              * Stopped: [ n3 ]
        """
    )
    assert resource_counts(view) == (9, 6, 0)


def test_partially_active_cloned_group_is_listed_whole() -> None:
    # crm_simulate -S on a hand-made CIB (clone-max=3, g1b never started on n2)
    view = ClusterView(
        nodes=online("n1", "n2", "n3"),
        resources=(
            CloneView(
                "g1c",
                "g1",
                (
                    GroupView("g1:0", (prim("g1a", "ocf:pacemaker:Dummy", "n1"),
                                       prim("g1b", "ocf:pacemaker:Dummy", "n1"))),
                    GroupView("g1:1", (prim("g1a", "ocf:pacemaker:Dummy", "n2"), prim("g1b"))),
                    GroupView("g1:2", (prim("g1a"), prim("g1b"))),
                ),
                clone_max=3,
                allowed_nodes=("n1", "n2", "n3"),
            ),
        ),
    )  # fmt: skip
    assert resource_lines(view) == block(
        """
          * Full List of Resources:
            * Clone Set: g1c [g1]:
              * Resource Group: g1:1:
                * g1a\t(ocf:pacemaker:Dummy):\t Started n2
                * g1b\t(ocf:pacemaker:Dummy):\t Stopped
              * Started: [ n1 ]
              * Stopped: [ n3 ]
        """
    )


def test_anonymous_instance_pending_or_unclean_is_listed_alone() -> None:
    # crm_simulate -S on a hand-made CIB (record-pending start of an anonymous clone)
    view = ClusterView(
        nodes=(*online("n1", "n2"), NodeView(name="n3", online=False, unclean=True)),
        resources=(
            CloneView(
                "ac",
                "acr",
                (
                    prim("acr", "ocf:pacemaker:Dummy", "n1", pending_task="start"),
                    prim("acr", "ocf:pacemaker:Dummy", "n3"),
                    prim("acr"),
                ),
                clone_max=3,
                allowed_nodes=("n1", "n2", "n3"),
            ),
        ),
    )
    assert resource_lines(view) == block(
        """
          * Full List of Resources:
            * Clone Set: ac [acr]:
              * acr\t(ocf:pacemaker:Dummy):\t Starting n1
              * acr\t(ocf:pacemaker:Dummy):\t Started n3 (UNCLEAN)
              * Stopped: [ n2 ]
        """
    )


# ---------------------------------------------------------------------------
# bundles
# ---------------------------------------------------------------------------


def _replica(
    bundle: str,
    i: int,
    host: str | None,
    child: PrimitiveView | None,
    runtime: str = "docker",
    ip: str | None = None,
) -> BundleReplicaView:
    where = (host,) if host else ()
    return BundleReplicaView(
        index=i,
        container=prim(f"{bundle}-{runtime}-{i}", f"ocf:heartbeat:{runtime}", *where),
        child=child,
        ip=prim(f"{bundle}-ip-{ip}", "ocf:heartbeat:IPaddr2", *where) if ip else None,
        ip_address=ip,
        remote=prim(f"{bundle}-{i}", "ocf:pacemaker:remote", *where) if child else None,
    )  # fmt: skip


def test_bundle_order_fencing_bundles() -> None:
    galera = "ocf:heartbeat:galera"
    bundle_nodes = [f"{b}-bundle-{i}" for b in ("galera", "rabbitmq") for i in range(3)]
    view = ClusterView(
        nodes=(
            NodeView(name="controller-0", online=False, unclean=True),
            *online("controller-1", "controller-2"),
            *(NodeView(name=n, type=NodeType.GUEST, online=not n.endswith("-0"))
              for n in bundle_nodes),
        ),
        resources=(
            BundleView(
                "rabbitmq-bundle",
                "192.168.24.1:8787/rhosp12/openstack-rabbitmq-docker:pcmklatest",
                (
                    _replica("rabbitmq-bundle", 0, "controller-0",
                             prim("rabbitmq", "ocf:heartbeat:rabbitmq-cluster",
                                  "rabbitmq-bundle-0", failed=True)),
                    _replica("rabbitmq-bundle", 1, "controller-1",
                             prim("rabbitmq", "ocf:heartbeat:rabbitmq-cluster",
                                  "rabbitmq-bundle-1")),
                ),
            ),
            BundleView(
                "galera-bundle",
                "192.168.24.1:8787/rhosp12/openstack-mariadb-docker:pcmklatest",
                (
                    _replica("galera-bundle", 0, "controller-0",
                             prim("galera", galera, "galera-bundle-0", role=Role.PROMOTED,
                                  failed=True)),
                    _replica("galera-bundle", 1, None,
                             prim("galera", galera, role=Role.PROMOTED, failed=True)),
                    _replica("galera-bundle", 2, "controller-2",
                             prim("galera", galera, "galera-bundle-2", role=Role.UNPROMOTED)),
                ),
            ),
            BundleView(
                "haproxy-bundle",
                "192.168.24.1:8787/rhosp12/openstack-haproxy-docker:pcmklatest",
                (_replica("haproxy-bundle", 0, "controller-0", None),),
                managed=False,
            ),
        ),
    )  # fmt: skip
    assert render_status(view) == block(
        """
          * Node List:
            * Node controller-0: UNCLEAN (offline)
            * Online: [ controller-1 controller-2 ]
            * GuestOnline: [ galera-bundle-1 galera-bundle-2 rabbitmq-bundle-1 rabbitmq-bundle-2 ]

          * Full List of Resources:
            * Container bundle set: rabbitmq-bundle [192.168.24.1:8787/rhosp12/openstack-rabbitmq-docker:pcmklatest]:
              * rabbitmq-bundle-0\t(ocf:heartbeat:rabbitmq-cluster):\t FAILED controller-0 (UNCLEAN)
              * rabbitmq-bundle-1\t(ocf:heartbeat:rabbitmq-cluster):\t Started controller-1
            * Container bundle set: galera-bundle [192.168.24.1:8787/rhosp12/openstack-mariadb-docker:pcmklatest]:
              * galera-bundle-0\t(ocf:heartbeat:galera):\t FAILED Promoted controller-0 (UNCLEAN)
              * galera-bundle-1\t(ocf:heartbeat:galera):\t FAILED Promoted
              * galera-bundle-2\t(ocf:heartbeat:galera):\t Unpromoted controller-2
            * Container bundle: haproxy-bundle [192.168.24.1:8787/rhosp12/openstack-haproxy-docker:pcmklatest] (unmanaged):
              * haproxy-bundle-docker-0\t(ocf:heartbeat:docker):\t Started controller-0 (UNCLEAN)
        """  # noqa: E501
    )
    # 2 + 3 replicas x (container, remote, child) + 1 container
    assert resource_counts(view)[0] == 16


def test_utilization_complex_bundle_with_ips_and_stopped_list_with_bundle_nodes() -> None:
    nodes = tuple(f"rhel8-{i}" for i in range(1, 6))
    bnodes = ("httpd-bundle-0", "httpd-bundle-1", "httpd-bundle-2")
    apache = "ocf:heartbeat:apache"
    view = ClusterView(
        nodes=(
            *online(*nodes),
            NodeView(name="httpd-bundle-0", type=NodeType.GUEST),
            *(NodeView(name=n, type=NodeType.GUEST, online=False) for n in bnodes[1:]),
        ),
        resources=(
            BundleView(
                "httpd-bundle",
                "localhost/pcmktest:http",
                (
                    _replica("httpd-bundle", 0, "rhel8-2", prim("httpd", apache, "httpd-bundle-0"),
                             runtime="podman", ip="192.168.122.131"),
                    _replica("httpd-bundle", 1, None, prim("httpd", apache), runtime="podman",
                             ip="192.168.122.132"),
                    _replica("httpd-bundle", 2, None, prim("httpd", apache), runtime="podman",
                             ip="192.168.122.133"),
                ),
            ),
            # configured before the bundle, with the bundle nodes in <nodes>
            CloneView(
                "clone1-clone",
                "clone1",
                _anon("clone1", 8, *nodes),
                clone_max=8,
                allowed_nodes=nodes + bnodes,
            ),
        ),
    )  # fmt: skip
    assert render_status(view) == block(
        """
          * Node List:
            * Online: [ rhel8-1 rhel8-2 rhel8-3 rhel8-4 rhel8-5 ]
            * GuestOnline: [ httpd-bundle-0 ]

          * Full List of Resources:
            * Container bundle set: httpd-bundle [localhost/pcmktest:http]:
              * httpd-bundle-0 (192.168.122.131)\t(ocf:heartbeat:apache):\t Started rhel8-2
              * httpd-bundle-1 (192.168.122.132)\t(ocf:heartbeat:apache):\t Stopped
              * httpd-bundle-2 (192.168.122.133)\t(ocf:heartbeat:apache):\t Stopped
            * Clone Set: clone1-clone [clone1]:
              * Started: [ rhel8-1 rhel8-2 rhel8-3 rhel8-4 rhel8-5 ]
              * Stopped: [ httpd-bundle-0 httpd-bundle-1 httpd-bundle-2 ]
        """
    )


def test_whitebox_orphan_ms_orphan_promoted_on_several_guests() -> None:
    view = ClusterView(
        nodes=(
            *online("18node1", "18node2", "18node3"),
            *(NodeView(name=n, type=NodeType.GUEST) for n in ("lxc1", "lxc2")),
        ),
        resources=(
            prim("container2", "ocf:heartbeat:VirtualDomain", "18node1", orphan=True),
            prim("lxc1", "ocf:pacemaker:remote", "18node1", orphan=True),
            prim("lxc-ms", "ocf:pacemaker:Stateful", "lxc1", "lxc2", orphan=True,
                 role=Role.PROMOTED),
        ),
    )  # fmt: skip
    assert render_status(view)[1:3] == [
        "    * Online: [ 18node1 18node2 18node3 ]",
        "    * GuestOnline: [ lxc1 lxc2 ]",
    ]
    assert resource_lines(view)[1:] == [
        "    * container2\t(ocf:heartbeat:VirtualDomain):\t ORPHANED Started 18node1",
        "    * lxc1\t(ocf:pacemaker:remote):\t ORPHANED Started 18node1",
        "    * lxc-ms\t(ocf:pacemaker:Stateful):\t ORPHANED Promoted [ lxc1 lxc2 ]",
    ]


@pytest.mark.parametrize(
    ("role_text", "expected"),
    [("Slave", Role.UNPROMOTED), ("master", Role.PROMOTED), ("bogus", Role.UNKNOWN)],
)
def test_role_parse_accepts_legacy_names(role_text: str, expected: Role) -> None:
    assert Role.parse(role_text) is expected


# ---------------------------------------------------------------------------
# end to end against real Pacemaker (skipped where crm_mon is not installed)
# ---------------------------------------------------------------------------

CASES = Path("/work/shared/scheduler-cases")
SAMPLE = [
    "797",
    "bug-cl-5247",
    "bundle-order-fencing",
    "clone-anon-dup",
    "failed-probe-clone",
    "inc6",
    "remote-orphaned",
    "stop-failure-no-quorum",
    "unmanaged-promoted",
    "utilization-complex",
    "whitebox-orphan-ms",
    "bug-5028-detach",
]


def _expected_block(summary: str) -> tuple[list[str], list[str]]:
    lines = summary.split("\n")
    start = lines.index("Current cluster status:")
    preamble = [
        line
        for line in lines[:start]
        if not line.startswith(("Using the original", "Schema validation"))
    ]
    body: list[str] = []
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):
            break
        body.append(line)
    return preamble, body


def _squash(lines: list[str]) -> list[str]:
    out = [" ".join(line.split()) for line in lines]
    while out and not out[0]:
        out.pop(0)
    while out and not out[-1]:
        out.pop()
    return out


@pytest.mark.skipif(
    shutil.which("crm_mon") is None or not CASES.is_dir(),
    reason="needs Pacemaker's crm_mon and the scheduler cases",
)
@pytest.mark.parametrize("case", SAMPLE)
def test_reference_view_renders_like_crm_simulate(case: str) -> None:
    from hapy.display.reference import view_from_pacemaker

    view = view_from_pacemaker(str(CASES / "xml" / f"{case}.xml"))
    preamble, body = _expected_block((CASES / "summary" / f"{case}.summary").read_text())
    assert _squash(render_status(view)) == _squash(body)
    assert _squash(render_preamble(view)) == _squash(preamble)
