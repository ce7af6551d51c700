"""Build the typed :class:`~hapy.cib.model.Cib` from an (upgraded) XML tree.

Problems are collected as coded reports; an element that cannot be used is
left out and reported rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import cast

from hapy.cib import model as m
from hapy.cib.iso8601 import parse_interval_ms
from hapy.cib.nvsets import NvSet, parse_nvsets
from hapy.cib.rules import Rule, parse_rule
from hapy.cib.scores import parse_score
from hapy.cib.upgrade import upgrade
from hapy.cib.xmlio import Element, read_xml_file
from hapy.reports import HapyError, ReportList

_TRUE = ("true", "yes", "1", "on", "y")


def _attrs(elem: Element) -> dict[str, str]:
    return {str(k): str(v) for k, v in elem.attrib.items()}


def _children(elem: Element | None, tag: str | None = None) -> Iterator[Element]:
    if elem is None:
        return
    for child in elem:
        if isinstance(child.tag, str) and (tag is None or child.tag == tag):
            yield child


def _int(text: str | None, default: int) -> int:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        return default


class _Strings(dict[str, str]):
    """One copy of each string: a big status section repeats the same names and
    values (attribute names, ids, digests, versions) on every node."""

    def __missing__(self, text: str) -> str:
        self[text] = text
        return text


class _Parser:
    def __init__(self, root: Element, reports: ReportList, source: str) -> None:
        self.root = root
        self.reports = reports
        self.source = source
        self._string = _Strings().__getitem__

    def _shared_attrs(self, elem: Element) -> dict[str, str]:
        """``elem``'s attributes, each name and value shared with equal ones."""
        string = self._string
        names = cast("list[str]", elem.keys())
        values = cast("list[str]", elem.values())
        return dict(zip(map(string, names), map(string, values), strict=False))

    # -- helpers -----------------------------------------------------------
    def _id(self, elem: Element) -> str:
        ident = elem.get("id")
        if not ident:
            self.reports.error(
                "CIB_ID_MISSING",
                f"<{elem.tag}> has no id",
                hint="give the element a unique id attribute",
                element=str(elem.tag),
                file=self.source,
                line=str(elem.sourceline or "?"),
            )
            return ""
        return ident

    def _nvsets(self, elem: Element, tag: str) -> tuple[NvSet, ...]:
        return parse_nvsets(elem, tag, self.reports)

    def _interval(self, elem: Element, attr: str, default: str = "0") -> int:
        text = elem.get(attr, default)
        try:
            return parse_interval_ms(text)
        except ValueError:
            self.reports.error(
                "CIB_BAD_INTERVAL",
                f"<{elem.tag} id=\"{elem.get('id')}\"> has an invalid {attr} \"{text}\"",
                hint="use a number of seconds or a value with a unit such as 10s, 1min, PT1M",
                element=str(elem.tag),
                id=elem.get("id", ""),
            )
            return 0

    def _score_attr(self, elem: Element, attr: str) -> str | None:
        text = elem.get(attr)
        if text is None:
            return None
        try:
            parse_score(text, strict=True)
        except ValueError:
            self.reports.error(
                "CIB_BAD_SCORE",
                f"<{elem.tag} id=\"{elem.get('id')}\"> has an invalid {attr} \"{text}\"",
                hint="use an integer, INFINITY or -INFINITY",
                element=str(elem.tag),
                id=elem.get("id", ""),
            )
            return None
        return text

    # -- resources -----------------------------------------------------------
    def primitive(self, elem: Element) -> m.PrimitiveConfig:
        ident = self._id(elem)
        ops: list[m.OpConfig] = []
        for op in _children(elem.find("operations"), "op"):
            ops.append(
                m.OpConfig(
                    id=self._id(op),
                    name=op.get("name", ""),
                    interval_ms=self._interval(op, "interval"),
                    attrs=m.frozen_map(_attrs(op)),
                    meta_sets=self._nvsets(op, "meta_attributes"),
                    instance_sets=self._nvsets(op, "instance_attributes"),
                )
            )
        rclass = elem.get("class", "")
        rtype = elem.get("type", "")
        if not rclass or not rtype:
            self.reports.error(
                "CIB_RESOURCE_AGENT_MISSING",
                f"primitive {ident} does not say which agent runs it",
                hint="set class and type (and provider for ocf resources)",
                element="primitive",
                id=ident,
            )
        return m.PrimitiveConfig(
            id=ident,
            rclass=rclass,
            type=rtype,
            provider=elem.get("provider"),
            instance_sets=self._nvsets(elem, "instance_attributes"),
            meta_sets=self._nvsets(elem, "meta_attributes"),
            utilization_sets=self._nvsets(elem, "utilization"),
            ops=tuple(ops),
            description=elem.get("description"),
        )

    def group(self, elem: Element) -> m.GroupConfig:
        return m.GroupConfig(
            id=self._id(elem),
            children=tuple(self.primitive(p) for p in _children(elem, "primitive")),
            meta_sets=self._nvsets(elem, "meta_attributes"),
            instance_sets=self._nvsets(elem, "instance_attributes"),
            description=elem.get("description"),
        )

    def clone(self, elem: Element) -> m.CloneConfig | None:
        ident = self._id(elem)
        child: m.PrimitiveConfig | m.GroupConfig | None = None
        for sub in _children(elem):
            if sub.tag == "primitive":
                child = self.primitive(sub)
            elif sub.tag == "group":
                child = self.group(sub)
            else:
                continue
            break
        if child is None:
            self.reports.error(
                "CIB_CLONE_EMPTY",
                f"clone {ident} contains no primitive or group",
                hint="put the resource to clone inside the clone element",
                element="clone",
                id=ident,
            )
            return None
        return m.CloneConfig(
            id=ident,
            child=child,
            meta_sets=self._nvsets(elem, "meta_attributes"),
            instance_sets=self._nvsets(elem, "instance_attributes"),
            description=elem.get("description"),
        )

    def bundle(self, elem: Element) -> m.BundleConfig:
        ident = self._id(elem)
        kind, container = "docker", None
        for tag in ("docker", "podman", "rkt"):
            container = elem.find(tag)
            if container is not None:
                kind = tag
                break
        network = elem.find("network")
        storage = elem.find("storage")
        prim = elem.find("primitive")
        return m.BundleConfig(
            id=ident,
            container_kind=kind,
            container_attrs=m.frozen_map(_attrs(container) if container is not None else {}),
            network_attrs=m.frozen_map(_attrs(network) if network is not None else {}),
            port_mappings=tuple(
                m.frozen_map(_attrs(p)) for p in _children(network, "port-mapping")
            ),
            storage_mappings=tuple(
                m.frozen_map(_attrs(s)) for s in _children(storage, "storage-mapping")
            ),
            child=self.primitive(prim) if prim is not None else None,
            meta_sets=self._nvsets(elem, "meta_attributes"),
            description=elem.get("description"),
        )

    def resources(self) -> tuple[m.ResourceConfig, ...]:
        out: list[m.ResourceConfig] = []
        section = self.root.find("configuration/resources")
        for elem in _children(section):
            if elem.tag == "primitive":
                out.append(self.primitive(elem))
            elif elem.tag == "group":
                out.append(self.group(elem))
            elif elem.tag == "clone":
                clone = self.clone(elem)
                if clone is not None:
                    out.append(clone)
            elif elem.tag == "bundle":
                out.append(self.bundle(elem))
            elif elem.tag == "template":
                continue
            else:
                self.reports.error(
                    "CIB_UNKNOWN_ELEMENT",
                    f"<{elem.tag}> is not a resource kind",
                    hint="use primitive, group, clone, bundle or template",
                    element=str(elem.tag),
                    id=elem.get("id", ""),
                )
        return tuple(out)

    # -- constraints ---------------------------------------------------------
    def _sets(self, elem: Element) -> tuple[m.ResourceSet, ...]:
        sets = []
        for rset in _children(elem, "resource_set"):
            seq = rset.get("sequential")
            sets.append(
                m.ResourceSet(
                    id=self._id(rset),
                    resources=tuple(r.get("id", "") for r in _children(rset, "resource_ref")),
                    sequential=None if seq is None else seq.lower() in _TRUE,
                    require_all=rset.get("require-all", "true").lower() in _TRUE,
                    ordering=rset.get("ordering"),
                    action=rset.get("action"),
                    role=rset.get("role"),
                    score=self._score_attr(rset, "score"),
                    kind=rset.get("kind"),
                )
            )
        return tuple(sets)

    def constraints(self) -> tuple[m.Constraint, ...]:
        out: list[m.Constraint] = []
        section = self.root.find("configuration/constraints")
        for elem in _children(section):
            ident = self._id(elem)
            get = elem.get
            if elem.tag == "rsc_location":
                rules: list[Rule] = []
                for r in _children(elem, "rule"):
                    rule = parse_rule(r, self.reports, self.source)
                    if rule is not None:
                        rules.append(rule)
                out.append(
                    m.LocationConstraint(
                        id=ident, rsc=get("rsc"), rsc_pattern=get("rsc-pattern"),
                        sets=self._sets(elem), node=get("node"),
                        score=self._score_attr(elem, "score"), rules=tuple(rules),
                        role=get("role"), resource_discovery=get("resource-discovery"),
                    )
                )
            elif elem.tag == "rsc_colocation":
                out.append(
                    m.ColocationConstraint(
                        id=ident, rsc=get("rsc"), with_rsc=get("with-rsc"),
                        score=self._score_attr(elem, "score"), rsc_role=get("rsc-role"),
                        with_rsc_role=get("with-rsc-role"),
                        node_attribute=get("node-attribute"), influence=get("influence"),
                        sets=self._sets(elem), rsc_instance=get("rsc-instance"),
                        with_rsc_instance=get("with-rsc-instance"),
                    )
                )
            elif elem.tag == "rsc_order":
                out.append(
                    m.OrderConstraint(
                        id=ident, first=get("first"), then=get("then"),
                        first_action=get("first-action"), then_action=get("then-action"),
                        kind=get("kind"), score=self._score_attr(elem, "score"),
                        symmetrical=get("symmetrical"), require_all=get("require-all"),
                        sets=self._sets(elem), first_instance=get("first-instance"),
                        then_instance=get("then-instance"),
                    )
                )
            elif elem.tag == "rsc_ticket":
                out.append(
                    m.TicketConstraint(
                        id=ident, rsc=get("rsc"), rsc_role=get("rsc-role"),
                        ticket=get("ticket", ""), loss_policy=get("loss-policy"),
                        sets=self._sets(elem),
                    )
                )
            else:
                self.reports.error(
                    "CIB_UNKNOWN_ELEMENT",
                    f"<{elem.tag}> is not a constraint kind",
                    hint="use rsc_location, rsc_colocation, rsc_order or rsc_ticket",
                    element=str(elem.tag),
                    id=ident,
                )
        return tuple(out)

    # -- nodes, topology, tags ---------------------------------------------------
    def nodes(self) -> tuple[m.NodeConfig, ...]:
        out = []
        for node in _children(self.root.find("configuration/nodes"), "node"):
            ident = self._id(node)
            out.append(
                m.NodeConfig(
                    id=ident,
                    uname=node.get("uname") or ident,
                    type=node.get("type", "member"),
                    attribute_sets=self._nvsets(node, "instance_attributes"),
                    utilization_sets=self._nvsets(node, "utilization"),
                    score=node.get("score"),
                )
            )
        return tuple(out)

    def fencing_levels(self) -> tuple[m.FencingLevel, ...]:
        out = []
        topo = self.root.find("configuration/fencing-topology")
        for level in _children(topo, "fencing-level"):
            try:
                index = int(level.get("index", "0"))
            except ValueError:
                index = 0
            out.append(
                m.FencingLevel(
                    id=self._id(level), target=level.get("target"),
                    target_pattern=level.get("target-pattern"),
                    target_attribute=level.get("target-attribute"),
                    target_value=level.get("target-value"), index=index,
                    devices=tuple(d for d in level.get("devices", "").split(",") if d),
                )
            )
        return tuple(out)

    def tags(self) -> dict[str, tuple[str, ...]]:
        return {
            tag.get("id", ""): tuple(r.get("id", "") for r in _children(tag, "obj_ref"))
            for tag in _children(self.root.find("configuration/tags"), "tag")
        }

    # -- status -------------------------------------------------------------------
    def _lrm_op(self, op: Element) -> m.LrmOp:
        attrs = self._shared_attrs(op)
        get = attrs.get
        return m.LrmOp(
            id=get("id", ""),
            operation=get("operation", ""),
            call_id=_int(get("call-id"), -1),
            rc_code=_int(get("rc-code"), 0),
            op_status=_int(get("op-status"), 0),
            interval_ms=_int(get("interval"), 0),
            attrs=MappingProxyType(attrs),
        )

    def node_states(self) -> tuple[m.NodeState, ...]:
        out = []
        for state in _children(self.root.find("status"), "node_state"):
            lrm = state.find("lrm")
            lrm_resources = []
            for res in _children(lrm.find("lrm_resources") if lrm is not None else None,
                                 "lrm_resource"):
                attrs = self._shared_attrs(res)
                get = attrs.get
                lrm_resources.append(
                    m.LrmResource(
                        id=get("id", ""), rclass=get("class"), type=get("type"),
                        provider=get("provider"), container=get("container"),
                        ops=tuple(self._lrm_op(op) for op in _children(res, "lrm_rsc_op")),
                        shutdown_lock=get("shutdown-lock"),
                    )
                )
            transient = state.find("transient_attributes")
            out.append(
                m.NodeState(
                    id=state.get("id", ""),
                    uname=state.get("uname"),
                    attrs=m.frozen_map(_attrs(state)),
                    transient_attributes=(
                        self._nvsets(transient, "instance_attributes")
                        if transient is not None else ()
                    ),
                    lrm_resources=tuple(lrm_resources),
                    has_lrm=lrm is not None,
                )
            )
        return tuple(out)

    def tickets(self) -> tuple[m.TicketState, ...]:
        return tuple(
            m.TicketState(id=t.get("id", ""), attrs=m.frozen_map(_attrs(t)))
            for t in _children(self.root.find("status/tickets"), "ticket_state")
        )

    def cib(self) -> m.Cib:
        cfg = self.root.find("configuration")
        if self.root.tag != "cib" or cfg is None:
            self.reports.error(
                "CIB_NOT_A_CIB",
                f"the document's root is <{self.root.tag}>, not a <cib> with a <configuration>",
                hint="give a CIB such as `cibadmin --query` prints",
                file=self.source,
            )
            raise HapyError(self.reports)
        crm_config = cfg.find("crm_config")
        rsc_defaults = cfg.find("rsc_defaults")
        op_defaults = cfg.find("op_defaults")
        return m.Cib(
            attrs=m.frozen_map(_attrs(self.root)),
            crm_config=(
                self._nvsets(crm_config, "cluster_property_set") if crm_config is not None else ()
            ),
            rsc_defaults=(
                self._nvsets(rsc_defaults, "meta_attributes") if rsc_defaults is not None else ()
            ),
            op_defaults=(
                self._nvsets(op_defaults, "meta_attributes") if op_defaults is not None else ()
            ),
            nodes=self.nodes(),
            resources=self.resources(),
            constraints=self.constraints(),
            tags=self.tags(),
            fencing_levels=self.fencing_levels(),
            node_states=self.node_states(),
            tickets=self.tickets(),
            source=self.source,
        )


def cib_from_tree(root: Element, reports: ReportList, source: str = "<input>") -> m.Cib:
    """Upgrade and parse ``root``.  Errors are added to ``reports``; raises
    :class:`HapyError` only when the document is not a CIB at all."""
    doc = upgrade(root, reports)
    return _Parser(doc, reports, source).cib()


def load_cib_file(path: str, reports: ReportList | None = None) -> tuple[m.Cib, Element]:
    """Read, upgrade and parse a CIB file.  Returns the model and the upgraded
    XML tree (the simulator edits the tree's status section)."""
    reports = reports if reports is not None else ReportList()
    root = read_xml_file(path)
    doc = upgrade(root, reports)
    return _Parser(doc, reports, path).cib(), doc
