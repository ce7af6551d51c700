"""Reference views built from the real Pacemaker tools (a test aid).

:func:`view_from_pacemaker` runs Pacemaker's own ``crm_mon --output-as=xml``
on a CIB file and turns its answer (plus a few facts read from the CIB
itself, which crm_mon's XML does not carry: clone-max, the clone's candidate
nodes, target-roles of groups and clones, descriptions, masked probe failures,
pending operations)
into a :class:`~hapy.display.view.ClusterView`.

Scheduler authors can diff their own view of a CIB against this one::

    python -m hapy.display.reference CIB.xml          # print the rendered status
    python -m hapy.display.reference --repr CIB.xml   # dump the view objects

It needs ``crm_mon`` on PATH; nothing in hapy proper depends on it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pprint import pformat

from lxml import etree

from hapy.display.text import render_preamble, render_status
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
    ResourceView,
    Role,
)
from hapy.records import field, record, replace

_Element = etree._Element

_PENDING_ROLES = {
    "Starting": ("start", Role.STARTED),
    "Stopping": ("stop", Role.STARTED),
    "Migrating": ("migrate_to", Role.STARTED),
    "Promoting": ("promote", Role.UNPROMOTED),
    "Demoting": ("demote", Role.PROMOTED),
}


def _true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in {"true", "yes", "on", "1", "y"}


def _strip_instance(rsc_id: str) -> str:
    return re.sub(r":\d+$", "", rsc_id)


def crm_mon_xml(cib_path: str) -> bytes:
    """Raw ``crm_mon -1 --output-as=xml`` output for a CIB file."""
    env = dict(os.environ, CIB_file=cib_path)
    proc = subprocess.run(
        ["crm_mon", "-1", "--output-as=xml"], env=env, capture_output=True, check=False
    )
    return proc.stdout


@record(frozen=False)
class _CibFacts:
    """What the view needs from the CIB that crm_mon's XML does not say."""

    symmetric: bool = True
    config_nodes: set[str] = field(default_factory=set)  # <nodes> + configured remotes
    meta: dict[str, dict[str, str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    clone_child: dict[str, str] = field(default_factory=dict)
    clone_members: dict[str, set[str]] = field(default_factory=dict)
    clone_order: dict[str, int] = field(default_factory=dict)
    bundle_order: dict[str, int] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)  # rsc_defaults
    history: dict[str, set[str]] = field(default_factory=dict)  # lrm id -> nodes
    pending: dict[str, str] = field(default_factory=dict)  # rsc id -> node
    probe_failures: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def meta_of(self, rsc_id: str) -> dict[str, str]:
        return {**self.defaults, **self.meta.get(rsc_id, {})}


def _nvpairs(elem: _Element, tag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for sets in elem.findall(tag):
        for nv in sets.iter("nvpair"):
            name, value = nv.get("name"), nv.get("value")
            if name is not None and value is not None:
                out.setdefault(name, value)
    return out


def _read_cib(cib_path: str) -> _CibFacts:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.parse(cib_path, parser).getroot()
    facts = _CibFacts()
    for nv in root.iterfind("configuration/crm_config//nvpair"):
        if nv.get("name") == "symmetric-cluster":
            facts.symmetric = _true(nv.get("value"))
    for node in root.iterfind("configuration/nodes/node"):
        facts.config_nodes.add(node.get("uname") or node.get("id") or "")
    resources = root.find("configuration/resources")
    position = 0
    if resources is not None:
        for elem in resources.iter("primitive", "group", "clone", "master", "bundle"):
            rid = elem.get("id") or ""
            position += 1
            meta = _nvpairs(elem, "meta_attributes")
            for key, value in _nvpairs(elem, "instance_attributes").items():
                meta.setdefault(key, value)
            facts.meta[rid] = meta
            if elem.tag == "primitive":
                if elem.get("type") == "remote" and elem.get("provider") == "pacemaker":
                    facts.config_nodes.add(rid)
                if "remote-node" in meta:
                    facts.config_nodes.add(meta["remote-node"])
            desc = elem.get("description")
            if desc is not None:
                facts.descriptions[rid] = desc
            if elem.tag in ("clone", "master"):
                facts.clone_order[rid] = position
                child = next((c for c in elem if c.tag in ("primitive", "group")), None)
                if child is not None:
                    facts.clone_child[rid] = child.get("id") or ""
                    members = {child.get("id") or ""}
                    members.update(p.get("id") or "" for p in child.iter("primitive"))
                    facts.clone_members[rid] = members
            elif elem.tag == "bundle":
                facts.bundle_order[rid] = position
    defaults = root.find("configuration/rsc_defaults")
    if defaults is not None:
        facts.defaults = _nvpairs(defaults, "meta_attributes")
    for state in root.iterfind("status/node_state"):
        uname = state.get("uname") or state.get("id") or ""
        for lrm_rsc in state.iterfind("lrm/lrm_resources/lrm_resource"):
            lrm_id = lrm_rsc.get("id") or ""
            ops = lrm_rsc.findall("lrm_rsc_op")
            if ops:
                facts.history.setdefault(lrm_id, set()).add(uname)
            for op in ops:
                if op.get("op-status") == "-1":
                    facts.pending[_strip_instance(lrm_id)] = uname
                if op.get("operation") != "monitor" or op.get("interval") not in ("0", None):
                    continue
                rc_text = op.get("rc-code") or ""
                rc = int(rc_text) if rc_text.lstrip("-").isdigit() else -1
                status = op.get("op-status") or "0"
                if (rc in (2, 5) and status == "0") or status == "7":
                    failures = facts.probe_failures.setdefault(_strip_instance(lrm_id), [])
                    failures.append((uname, rc))
    return facts


@record(frozen=False)
class _Builder:
    facts: _CibFacts
    nodes: list[NodeView]
    bundle_nodes: dict[str, str]  # node name -> bundle id

    def primitive(self, elem: _Element) -> PrimitiveView:
        rid = elem.get("id") or ""
        agent = (elem.get("resource_agent") or "::").split(":")
        rclass = agent[0]
        provider: str | None = None
        if rclass == "ocf" and len(agent) >= 3:
            provider, kind = agent[1], ":".join(agent[2:])
        else:
            kind = ":".join(agent[1:])
        role_text = elem.get("role") or "Stopped"
        pending_task: str | None = None
        if role_text in _PENDING_ROLES:
            pending_task, role = _PENDING_ROLES[role_text]
        else:
            role = Role.parse(role_text)
        if elem.get("pending") == "Monitoring":
            pending_task = "monitor"
        base = _strip_instance(rid)
        pending_node = self.facts.pending.get(base) if pending_task is not None else None
        return PrimitiveView(
            id=rid,
            rclass=rclass,
            provider=provider,
            agent=kind,
            role=role,
            nodes=tuple(n.get("name") or "" for n in elem.iterfind("node")),
            failed=_true(elem.get("failed")),
            orphan=_true(elem.get("orphaned")),
            managed=_true(elem.get("managed")),
            blocked=_true(elem.get("blocked")),
            failure_ignored=_true(elem.get("failure_ignored")),
            target_role=elem.get("target_role"),
            pending_task=pending_task,
            pending_node=pending_node,
            locked_to=elem.get("locked_to"),
            probe_failures=tuple(self.facts.probe_failures.get(base, ())),
            description=self.facts.descriptions.get(base),
        )

    def group(self, elem: _Element, inherited_role: str | None = None) -> GroupView:
        gid = elem.get("id") or ""
        meta = self.facts.meta_of(_strip_instance(gid))
        return GroupView(
            id=gid,
            children=tuple(self.primitive(c) for c in elem.iterfind("resource")),
            managed=_true(elem.get("managed")),
            target_role=meta.get("target-role", inherited_role),
        )

    def _existing_nodes(self, clone_pos: int) -> tuple[int, list[str]]:
        """Nodes known when the clone was unpacked: (count, discoverable names)."""
        count = 0
        names = []
        for node in self.nodes:
            bundle = self.bundle_nodes.get(node.name)
            if bundle is None and node.name not in self.facts.config_nodes:
                continue  # known only from the status section
            if bundle is not None:
                if node.name not in self.facts.config_nodes:
                    continue  # only created when its bundle is unpacked
                if self.facts.bundle_order.get(bundle, 0) < clone_pos:
                    count += 1  # exists, but its bundle made it "never discover"
                    continue
            count += 1
            names.append(node.name)
        return count, names

    def clone(self, elem: _Element) -> CloneView:
        cid = elem.get("id") or ""
        meta = self.facts.meta_of(cid)
        target = meta.get("target-role")
        instances: list[PrimitiveView | GroupView] = []
        for child in elem:
            if child.tag == "resource":
                instances.append(self.primitive(child))
            elif child.tag == "group":
                instances.append(self.group(child, target))
        count, existing = self._existing_nodes(self.facts.clone_order.get(cid, 0))
        max_text = meta.get("clone-max")
        clone_max = int(max_text) if max_text and max_text.isdigit() else count
        if self.facts.symmetric:
            allowed = existing
        else:
            members = self.facts.clone_members.get(cid, set())
            known: set[str] = set()
            for lrm_id, where in self.facts.history.items():
                if _strip_instance(lrm_id) in members:
                    known |= where
            allowed = [n.name for n in self.nodes if n.name in known]
        child_id = self.facts.clone_child.get(cid, "")
        return CloneView(
            id=cid,
            child_id=child_id,
            instances=tuple(instances),
            unique=_true(elem.get("unique")),
            promotable=_true(elem.get("multi_state")),
            managed=_true(elem.get("managed")),
            target_role=target,
            clone_max=clone_max,
            allowed_nodes=tuple(allowed),
            probe_failures=tuple(self.facts.probe_failures.get(child_id, ())),
        )

    def bundle(self, elem: _Element) -> BundleView:
        bid = elem.get("id") or ""
        runtime = elem.get("type") or "docker"
        replicas = []
        for rep in elem.iterfind("replica"):
            index = int(rep.get("id") or "0")
            parts = {r.get("id") or "": self.primitive(r) for r in rep.iterfind("resource")}
            ip = next((p for k, p in parts.items() if k.startswith(f"{bid}-ip-")), None)
            container = parts.pop(f"{bid}-{runtime}-{index}", None)
            remote = parts.pop(f"{bid}-{index}", None)
            if ip is not None:
                parts.pop(ip.id)
            child = next(iter(parts.values()), None)
            if container is None:
                continue
            replicas.append(
                BundleReplicaView(
                    index=index,
                    container=container,
                    child=child,
                    ip=ip,
                    ip_address=ip.id[len(bid) + 4 :] if ip is not None else None,
                    remote=remote,
                )
            )
        return BundleView(
            id=bid,
            image=elem.get("image") or "",
            replicas=tuple(replicas),
            unique=_true(elem.get("unique")),
            managed=_true(elem.get("managed")),
        )

    def resources(self, parent: _Element) -> Iterator[ResourceView]:
        guests = {n.name for n in self.nodes if n.type is NodeType.GUEST}
        for elem in parent:
            if elem.tag == "resource":
                rsc = self.primitive(elem)
                if rsc.rclass == "ocf" and rsc.agent == "remote" and rsc.id in guests:
                    rsc = replace(rsc, internal=not rsc.orphan)
                yield rsc
            elif elem.tag == "group":
                yield self.group(elem)
            elif elem.tag == "clone":
                yield self.clone(elem)
            elif elem.tag == "bundle":
                yield self.bundle(elem)


def _node_view(elem: _Element) -> NodeView:
    kind = elem.get("type") or "member"
    if kind == "remote" and elem.get("id_as_resource"):
        node_type = NodeType.GUEST
    elif kind == "remote":
        node_type = NodeType.REMOTE
    else:
        node_type = NodeType.MEMBER
    health = {"red": Health.RED, "yellow": Health.YELLOW}.get(
        (elem.get("health") or "").lower(), Health.GREEN
    )
    return NodeView(
        name=elem.get("name") or "",
        id=elem.get("id") or "",
        type=node_type,
        online=_true(elem.get("online")),
        unclean=_true(elem.get("unclean")),
        pending=_true(elem.get("pending")),
        standby=_true(elem.get("standby")),
        standby_onfail=_true(elem.get("standby_onfail")),
        maintenance=_true(elem.get("maintenance")),
        shutdown=_true(elem.get("shutdown")),
        health=health,
    )


def view_from_crm_mon(mon_xml: bytes, cib_path: str) -> ClusterView:
    """Build a view from crm_mon's XML output for the CIB at ``cib_path``."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    mon = etree.fromstring(mon_xml, parser)
    facts = _read_cib(cib_path)
    nodes = [_node_view(n) for n in mon.iterfind("nodes/node")]
    bundle_nodes: dict[str, str] = {}
    for bundle in mon.iterfind("resources/bundle"):
        bid = bundle.get("id") or ""
        for rep in bundle.iterfind("replica"):
            bundle_nodes[f"{bid}-{rep.get('id')}"] = bid
    nodes = [replace(n, type=NodeType.GUEST) if n.name in bundle_nodes else n for n in nodes]
    builder = _Builder(facts, nodes, bundle_nodes)
    resources_elem = mon.find("resources")
    resources = tuple(builder.resources(resources_elem)) if resources_elem is not None else ()
    maintenance = False
    options = mon.find("summary/cluster_options")
    if options is not None:
        maintenance = _true(options.get("maintenance-mode"))
    return ClusterView(nodes=tuple(nodes), resources=resources, maintenance_mode=maintenance)


def view_from_pacemaker(cib_path: str) -> ClusterView:
    """Run ``crm_mon`` on a CIB file and build the reference view."""
    return view_from_crm_mon(crm_mon_xml(cib_path), cib_path)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    dump = "--repr" in args
    paths = [a for a in args if a != "--repr"]
    if len(paths) != 1:
        print("usage: python -m hapy.display.reference [--repr] CIB.xml", file=sys.stderr)
        return 2
    view = view_from_pacemaker(paths[0])
    if dump:
        print(pformat(view, width=100))
    else:
        print("\n".join([*render_preamble(view), "Current cluster status:", *render_status(view)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
