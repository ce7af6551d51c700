"""The fencing configuration a CIB holds, as one node sees it: the fence
devices (primitives of class ``stonith``, wherever they are nested), whether
this node may use each (not disabled by ``target-role=Stopped``, not kept off
this node by a location constraint), the fencing topology and the
``stonith-timeout`` cluster option."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from hapy.cib import model as m
from hapy.cib.iso8601 import parse_msec
from hapy.cib.nvsets import NvSet, unpack_nvsets
from hapy.cib.parse import cib_from_tree
from hapy.cib.rules import RuleContext, evaluate_rule
from hapy.cib.scores import INFINITY, parse_score
from hapy.cib.xmlio import Element
from hapy.fencer.devices import DEFAULT_TIMEOUT_MS, FenceDevice
from hapy.records import field, record
from hapy.reports import ReportList

BOOTSTRAP_ID = "cib-bootstrap-options"


@record
class Level:
    """One fencing level of a target: every device must succeed."""

    id: str
    index: int
    devices: tuple[str, ...]


@record
class FencingConfig:
    devices: tuple[FenceDevice, ...] = ()
    levels: tuple[m.FencingLevel, ...] = ()
    stonith_timeout_ms: int = DEFAULT_TIMEOUT_MS
    #: configured attributes of each node (for levels by target-attribute)
    node_attributes: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: MappingProxyType({}))
    #: every node name the CIB knows (configuration and status)
    nodes: frozenset[str] = frozenset()

    def device(self, ident: str) -> FenceDevice | None:
        return next((d for d in self.devices if d.id == ident), None)

    def by_priority(self) -> list[FenceDevice]:
        """Devices, highest ``priority`` first (document order among equals)."""
        return sorted(self.devices, key=lambda d: -d.priority)

    def levels_for(self, target: str) -> list[Level]:
        """The topology levels of ``target``, by index: those naming it, else
        those whose pattern matches it, else those matching one of its node
        attributes; [] when it has none."""
        by_name = [lv for lv in self.levels if lv.target == target]
        if not by_name:
            by_name = [lv for lv in self.levels if lv.target_pattern is not None
                       and _search(lv.target_pattern, target)]
        if not by_name:
            attrs = self.node_attributes.get(target, {})
            by_name = [lv for lv in self.levels if lv.target_attribute is not None
                       and attrs.get(lv.target_attribute) == lv.target_value]
        return [Level(lv.id, lv.index, lv.devices)
                for lv in sorted(by_name, key=lambda lv: lv.index)]


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def _primitives(resources: tuple[m.ResourceConfig, ...]) -> Iterator[
        tuple[m.PrimitiveConfig, tuple[tuple[NvSet, ...], ...], tuple[str, ...]]]:
    """Each primitive with its ancestors' meta sets and ids (outermost first)."""
    for rsc in resources:
        if isinstance(rsc, m.PrimitiveConfig):
            yield rsc, (), ()
        elif isinstance(rsc, m.GroupConfig):
            for child in rsc.children:
                yield child, (rsc.meta_sets,), (rsc.id,)
        elif isinstance(rsc, m.CloneConfig):
            if isinstance(rsc.child, m.PrimitiveConfig):
                yield rsc.child, (rsc.meta_sets,), (rsc.id,)
            else:
                for child in rsc.child.children:
                    yield child, (rsc.meta_sets, rsc.child.meta_sets), (rsc.id, rsc.child.id)


def _banned(cib: m.Cib, ids: tuple[str, ...], ctx: RuleContext, symmetric: bool) -> bool:
    """Whether location constraints keep any of ``ids`` off the node of ``ctx``."""
    node = ctx.node_attrs.get("#uname")
    allowed = symmetric
    for con in cib.constraints:
        if not isinstance(con, m.LocationConstraint):
            continue
        names = {con.rsc} if con.rsc else {r for s in con.sets for r in s.resources}
        if not (names & set(ids) or (con.rsc_pattern and any(
                _search(con.rsc_pattern, i) for i in ids))):
            continue
        scores: list[int] = []
        if con.node is not None:
            if con.node == node:
                scores.append(parse_score(con.score or "0"))
        for rule in con.rules:
            if evaluate_rule(rule, ctx):
                scores.append(parse_score(rule.score or con.score or "0"))
        if any(s <= -INFINITY for s in scores):
            return True
        if any(s >= 0 for s in scores):
            allowed = True
    return not allowed


def fencing_config(root: Element, node: str) -> FencingConfig:
    """Read the fencing configuration of ``root`` (a whole CIB) for ``node``."""
    cib = cib_from_tree(root, ReportList(), "CIB")
    node_attrs = {n.uname: MappingProxyType(unpack_nvsets(
        n.attribute_sets, RuleContext({"#uname": n.uname}))) for n in cib.nodes}
    names = frozenset([*node_attrs, *(s.uname for s in cib.node_states if s.uname)])
    options = unpack_nvsets(cib.crm_config, RuleContext({}), first_id=BOOTSTRAP_ID)
    try:
        timeout = parse_msec(options.get("stonith-timeout", "60s")) or DEFAULT_TIMEOUT_MS
    except ValueError:
        timeout = DEFAULT_TIMEOUT_MS
    symmetric = options.get("symmetric-cluster", "true").lower() in ("true", "yes", "on", "1",
                                                                     "y")
    ctx = RuleContext({"#uname": node, "#kind": "cluster", **node_attrs.get(node, {})})
    devices = []
    for prim, parent_meta, parents in _primitives(cib.resources):
        if prim.rclass != "stonith":
            continue
        rctx = RuleContext(ctx.node_attrs, rsc_class=prim.rclass, rsc_type=prim.type)
        params = unpack_nvsets(prim.instance_sets, rctx)
        meta = unpack_nvsets(cib.rsc_defaults, rctx)
        for sets in (*parent_meta, prim.meta_sets):
            meta.update(unpack_nvsets(sets, rctx))
        priority = parse_score(meta.get("priority", "0"))
        disabled = meta.get("target-role", "Started").lower() == "stopped"
        banned = _banned(cib, (prim.id, *parents), ctx, symmetric)
        devices.append(FenceDevice.of(prim.id, prim.type, params, priority=priority,
                                      disabled=disabled, banned=banned))
    return FencingConfig(tuple(devices), cib.fencing_levels, timeout,
                         MappingProxyType(node_attrs), names)
