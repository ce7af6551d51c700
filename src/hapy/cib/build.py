"""Building configuration objects as the admin commands create them, with ids
named the way pcs names them (``RSC-instance_attributes-NAME``,
``RSC-monitor-interval-10s``...), and editing a resources section locally
for changes that must land in one piece (moving resources into a group)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from lxml import etree

from hapy.cib.xmlio import Element, parse_xml_text
from hapy.reports import HapyError, report

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")

Pairs = Sequence[tuple[str, str]]


def check_id(ident: str, what: str = "id") -> str:
    """``ident`` if it is a valid XML id, else a coded error."""
    if not _ID.match(ident):
        raise HapyError([report(
            "CIB_BAD_ID", f"'{ident}' is not a valid {what}",
            hint="use a letter or '_' first, then letters, digits, '_', '.' or '-'",
            id=ident)])
    return ident


def sanitize_id(text: str) -> str:
    """A valid id made from arbitrary text (invalid characters become '-')."""
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "-", text)
    return cleaned if cleaned and _ID.match(cleaned) else f"_{cleaned}"


def to_text(elem: Element) -> str:
    return etree.tostring(elem, encoding="unicode")


def nvset(parent: Element | None, tag: str, set_id: str, pairs: Pairs) -> Element:
    """An ``instance_attributes``/``meta_attributes``/... set with its nvpairs."""
    elem = etree.Element(tag, id=set_id) if parent is None else \
        etree.SubElement(parent, tag, id=set_id)
    for name, value in pairs:
        etree.SubElement(elem, "nvpair", id=sanitize_id(f"{set_id}-{name}"), name=name,
                         value=value)
    return elem


def op_id(rsc: str, action: str, interval: str) -> str:
    return sanitize_id(f"{rsc}-{action}-interval-{interval}")


def primitive(rsc: str, standard: str, provider: str | None, agent_type: str, *,
              params: Pairs = (), meta: Pairs = (),
              ops: Iterable[tuple[str, Pairs]] = ()) -> Element:
    """A ``<primitive>`` with its instance/meta attributes and operations.

    Each op is (action, attributes); ``interval`` defaults to 0s."""
    prim = etree.Element("primitive", id=check_id(rsc, "resource id"))
    prim.set("class", standard)
    if provider:
        prim.set("provider", provider)
    prim.set("type", agent_type)
    if params:
        nvset(prim, "instance_attributes", f"{rsc}-instance_attributes", params)
    if meta:
        nvset(prim, "meta_attributes", f"{rsc}-meta_attributes", meta)
    ops = list(ops)
    if ops:
        operations = etree.SubElement(prim, "operations")
        used: set[str] = set()
        for action, attrs in ops:
            values = dict(attrs)
            interval = values.pop("interval", "0s")
            ident = op_id(rsc, action, interval)
            while ident in used:
                ident += "-1"
            used.add(ident)
            op = etree.SubElement(operations, "op", id=ident, name=action, interval=interval)
            for name, value in values.items():
                op.set(name, value)
    return prim


def clone_of(child: Element, clone_id: str, *, promotable: bool, meta: Pairs = ()) -> Element:
    clone = etree.Element("clone", id=check_id(clone_id, "clone id"))
    clone.append(child)
    pairs = list(meta)
    if promotable:
        pairs.insert(0, ("promotable", "true"))
    if pairs:
        nvset(clone, "meta_attributes", f"{clone_id}-meta_attributes", pairs)
    return clone


def group_of(group_id: str, children: Iterable[Element]) -> Element:
    group = etree.Element("group", id=check_id(group_id, "group id"))
    for child in children:
        group.append(child)
    return group


def move_into_group(resources_xml: str, group_id: str, members: Sequence[str]) -> str:
    """The resources section with ``members`` (top-level primitives, or members
    of other groups) moved, in order, to the end of group ``group_id``
    (created where the first member was when it does not exist)."""
    section = parse_xml_text(resources_xml, "<resources>")
    check_id(group_id, "group id")
    group = next((g for g in section.iter("group") if g.get("id") == group_id), None)
    for name in members:
        prim = next((p for p in section.iter("primitive") if p.get("id") == name), None)
        if prim is None:
            raise HapyError([report("RESOURCE_NOT_FOUND", f"resource '{name}' does not exist",
                                    resource=name)])
        parent = prim.getparent()
        assert parent is not None
        if parent.tag not in ("resources", "group"):
            raise HapyError([report(
                "RESOURCE_CANNOT_GROUP", f"'{name}' is inside a {parent.tag}: only primitives "
                "at the top level or in a group can be grouped", resource=name)])
        if group is None:
            group = etree.Element("group", id=group_id)
            parent.replace(prim, group)
        else:
            parent.remove(prim)
        group.append(prim)
        if parent.tag == "group" and parent.find("primitive") is None and parent is not group:
            grandparent = parent.getparent()
            if grandparent is not None:
                grandparent.remove(parent)
    return to_text(section)
