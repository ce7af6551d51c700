"""Bring any supported CIB to the form the rest of hapy reads.

Older documents (``pacemaker-1.x``/``2.x``) and convenience forms are
rewritten on a copy of the tree:

* ``<master>`` becomes ``<clone>`` with ``promotable=true``;
* roles ``Master``/``Slave`` become ``Promoted``/``Unpromoted``;
* ``id-ref`` references are replaced by copies of what they point at;
* resources built from a ``<template>`` get the template's agent, operations
  and attribute sets (their own come first and win);
* tags used in constraints are expanded to the resources they name.
"""

from __future__ import annotations

import copy

from lxml import etree

from hapy.cib.xmlio import Element
from hapy.reports import ReportList

_ROLE_NAMES = {"Master": "Promoted", "Slave": "Unpromoted"}
_ROLE_ATTRS = ("role", "rsc-role", "with-rsc-role", "first-role", "then-role")


def _rename_roles(root: Element) -> None:
    for elem in root.iter():
        if not isinstance(elem.tag, str):
            continue
        for attr in _ROLE_ATTRS:
            value = elem.get(attr)
            if value in _ROLE_NAMES:
                elem.set(attr, _ROLE_NAMES[value])
        if elem.tag == "nvpair" and elem.get("name") == "target-role":
            value = elem.get("value")
            if value in _ROLE_NAMES:
                elem.set("value", _ROLE_NAMES[value])


def _masters_to_clones(root: Element) -> None:
    for master in root.iter("master"):
        master.tag = "clone"
        meta = master.find("meta_attributes")
        if meta is None:
            meta = etree.Element("meta_attributes", id=f"{master.get('id')}-meta_attributes")
            master.insert(0, meta)
        if not any(nv.get("name") == "promotable" for nv in meta.iter("nvpair")):
            etree.SubElement(
                meta, "nvpair", id=f"{master.get('id')}-meta_attributes-promotable",
                name="promotable", value="true",
            )


def _index_ids(root: Element) -> dict[str, Element]:
    index: dict[str, Element] = {}
    for elem in root.iter():
        if isinstance(elem.tag, str):
            ident = elem.get("id")
            if ident is not None and ident not in index:
                index[ident] = elem
    return index


def _resolve_id_refs(root: Element, index: dict[str, Element], reports: ReportList) -> None:
    refs = [e for e in root.iter() if isinstance(e.tag, str) and e.get("id-ref") is not None]
    for elem in refs:
        if elem.tag in ("resource_ref", "obj_ref"):
            continue
        target_id = elem.get("id-ref", "")
        target = index.get(target_id)
        if target is None or target.tag != elem.tag:
            reports.error(
                "CIB_DANGLING_REFERENCE",
                f"<{elem.tag} id-ref=\"{target_id}\"> refers to no <{elem.tag}> of that id",
                hint="point id-ref at an existing element of the same kind or remove it",
                element=elem.tag,
                id=target_id,
            )
            parent = elem.getparent()
            if parent is not None:
                parent.remove(elem)
            continue
        replacement = copy.deepcopy(target)
        replacement.tail = elem.tail
        if elem.tag == "nvpair" and elem.get("name") is not None:
            # a named reference takes only the value: <nvpair id-ref="x" name="other"/>
            replacement.set("name", elem.get("name", ""))
        parent = elem.getparent()
        if parent is not None:
            parent.replace(elem, replacement)


def _expand_templates(root: Element, reports: ReportList) -> None:
    templates = {t.get("id"): t for t in root.iter("template")}
    if not templates:
        return
    for prim in root.iter("primitive"):
        tid = prim.get("template")
        if tid is None:
            continue
        tmpl = templates.get(tid)
        if tmpl is None:
            reports.error(
                "CIB_DANGLING_REFERENCE",
                f"primitive {prim.get('id')} uses template {tid}, which does not exist",
                hint="create the template or remove the template attribute",
                element="primitive",
                id=prim.get("id", ""),
            )
            continue
        for attr in ("class", "provider", "type"):
            if prim.get(attr) is None and tmpl.get(attr) is not None:
                prim.set(attr, tmpl.get(attr, ""))
        position = 0
        for child in tmpl:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "operations":
                own = prim.find("operations")
                if own is None:
                    prim.append(copy.deepcopy(child))
                else:
                    # an operation of the primitive replaces the template's
                    # operations of the same name and role, whatever the interval
                    names = {(o.get("name"), o.get("role")) for o in own}
                    for op in child:
                        if (op.get("name"), op.get("role")) not in names:
                            own.append(copy.deepcopy(op))
            else:
                # template attribute sets come before the primitive's own: of
                # sets with equal scores the later wins, so the primitive's
                # values win where both set a name
                prim.insert(position, copy.deepcopy(child))
                position += 1
    # Constraints that name a template apply to every primitive built from it.
    users: dict[str, list[str]] = {}
    for prim in root.iter("primitive"):
        tid = prim.get("template")
        if tid is not None:
            users.setdefault(tid, []).append(prim.get("id", ""))
    _expand_names(root, users)


def _expand_names(root: Element, groups: dict[str, list[str]]) -> None:
    """Replace references to a tag/template in constraints by its members."""
    constraints = root.find("configuration/constraints")
    if constraints is None or not groups:
        return
    for ref in list(constraints.iter("resource_ref")):
        members = groups.get(ref.get("id", ""))
        if members is None:
            continue
        parent = ref.getparent()
        assert parent is not None
        pos = parent.index(ref)
        parent.remove(ref)
        for offset, member in enumerate(members):
            parent.insert(pos + offset, etree.Element("resource_ref", id=member))
    for cons in list(constraints):
        if not isinstance(cons.tag, str):
            continue
        attrs = [a for a in ("rsc", "with-rsc", "first", "then") if cons.get(a) in groups]
        if not attrs:
            continue
        # A constraint naming a tag becomes a set constraint over its members.
        if cons.tag == "rsc_location" and attrs == ["rsc"]:
            members = groups[cons.get("rsc", "")]
            del cons.attrib["rsc"]
            rset = etree.Element("resource_set", id=f"{cons.get('id')}-0")
            if cons.get("role") is not None:
                rset.set("role", cons.get("role", ""))
            for m in members:
                etree.SubElement(rset, "resource_ref", id=m)
            cons.insert(0, rset)
        elif cons.tag == "rsc_ticket" and attrs == ["rsc"]:
            members = groups[cons.get("rsc", "")]
            del cons.attrib["rsc"]
            rset = etree.Element("resource_set", id=f"{cons.get('id')}-0")
            if cons.get("rsc-role") is not None:
                rset.set("role", cons.get("rsc-role", ""))
                del cons.attrib["rsc-role"]
            for m in members:
                etree.SubElement(rset, "resource_ref", id=m)
            cons.insert(0, rset)
        elif cons.tag in ("rsc_colocation", "rsc_order"):
            # colocation sets: earlier sets depend on later ones (rsc, then with-rsc)
            first_attr, then_attr = (
                ("rsc", "with-rsc") if cons.tag == "rsc_colocation" else ("first", "then")
            )
            role_attrs = (
                ("rsc-role", "with-rsc-role") if cons.tag == "rsc_colocation"
                else ("first-action", "then-action")
            )
            for idx, attr in enumerate((first_attr, then_attr)):
                name = cons.get(attr, "")
                rset = etree.Element(
                    "resource_set", id=f"{cons.get('id')}-{idx}", sequential="false"
                )
                role_value = cons.get(role_attrs[idx])
                if role_value is not None:
                    rset.set("role" if cons.tag == "rsc_colocation" else "action", role_value)
                    del cons.attrib[role_attrs[idx]]
                for m in groups.get(name, [name]):
                    etree.SubElement(rset, "resource_ref", id=m)
                del cons.attrib[attr]
                cons.append(rset)


def _expand_tags(root: Element) -> None:
    tags = root.find("configuration/tags")
    if tags is None:
        return
    groups = {
        tag.get("id", ""): [ref.get("id", "") for ref in tag.iter("obj_ref")]
        for tag in tags.iter("tag")
    }
    _expand_names(root, groups)


_ROLE_TESTS = " or ".join(
    f"@{attr}='{old}'" for attr in _ROLE_ATTRS for old in _ROLE_NAMES
)
# one pass over the tree, in libxml2: is there anything upgrade() would change?
_NEEDS_UPGRADE = etree.XPath(
    "descendant-or-self::*[self::master or self::template"
    " or (@id-ref and not(self::resource_ref or self::obj_ref))"
    f" or {_ROLE_TESTS}"
    " or (self::nvpair and @name='target-role' and ("
    + " or ".join(f"@value='{old}'" for old in _ROLE_NAMES) + "))][1]"
    " | self::configuration/tags/tag[1]"
)


def needs_upgrade(root: Element) -> bool:
    """Whether :func:`upgrade` would rewrite anything in ``root``. The status
    section is not looked at: what the upgrade rewrites (roles' old names,
    id-refs, masters, templates, tags) has no place there, and on a big
    cluster it holds nearly all of the document."""
    if root.tag == "status":
        return False
    if root.tag != "cib":
        return bool(_NEEDS_UPGRADE(root))
    if any(root.get(attr) in _ROLE_NAMES for attr in _ROLE_ATTRS):
        return True
    return any(
        isinstance(child.tag, str) and child.tag != "status" and bool(_NEEDS_UPGRADE(child))
        for child in root
    )


def upgrade(root: Element, reports: ReportList) -> Element:
    """Return ``root`` upgraded: an upgraded copy, or ``root`` itself when it is
    already in the current form (a big CIB is not copied for nothing); problems
    are added to ``reports``."""
    if not needs_upgrade(root):
        return root
    doc = copy.deepcopy(root)
    _masters_to_clones(doc)
    _rename_roles(doc)
    _resolve_id_refs(doc, _index_ids(doc), reports)
    _expand_templates(doc, reports)
    _expand_tags(doc)
    return doc
