"""cibadmin's operations on a CIB tree: query, create, modify, replace, delete.

Every change works on a copy and returns it: the caller swaps it in only once
it is accepted (validated, ordered, persisted), so a failed change leaves the
CIB as it was.  The version is advanced as Pacemaker does (see
:mod:`hapy.cib.versions`).

Objects are matched as cibadmin matches them: by element name and ``id``
(an XML object without an id matches by element name alone).  A *scope* is a
section name (``resources``, ``constraints``, ``status``...) as given to
``cibadmin -o``; an *xpath* selects elements directly.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from enum import Enum
from types import MappingProxyType

from lxml import etree

from hapy.cib.versions import bump, set_version, version_of
from hapy.cib.xmlio import Element, parse_xml_text
from hapy.records import record
from hapy.reports import HapyError, Report, Severity

#: cibadmin's section names and where they live under <cib>
SECTIONS: dict[str, tuple[str, ...]] = {
    "cib": (),
    "configuration": ("configuration",),
    "status": ("status",),
    "crm_config": ("configuration", "crm_config"),
    "nodes": ("configuration", "nodes"),
    "resources": ("configuration", "resources"),
    "constraints": ("configuration", "constraints"),
    "rsc_defaults": ("configuration", "rsc_defaults"),
    "op_defaults": ("configuration", "op_defaults"),
    "acls": ("configuration", "acls"),
    "fencing-topology": ("configuration", "fencing-topology"),
    "tags": ("configuration", "tags"),
    "alerts": ("configuration", "alerts"),
}

# where an object goes when create is given no scope, by element name
_DEFAULT_SCOPE = {
    "primitive": "resources", "group": "resources", "clone": "resources",
    "master": "resources", "bundle": "resources", "template": "resources",
    "rsc_location": "constraints", "rsc_colocation": "constraints",
    "rsc_order": "constraints", "rsc_ticket": "constraints",
    "node": "nodes", "cluster_property_set": "crm_config", "node_state": "status",
    "tag": "tags", "alert": "alerts", "fencing-level": "fencing-topology",
}


class CibOp(Enum):
    QUERY = "query"
    CREATE = "create"
    MODIFY = "modify"
    REPLACE = "replace"
    DELETE = "delete"


@record
class CibRequest:
    """One cibadmin operation.  ``xml`` is the object (``-X``); ``scope`` the
    section (``-o``); ``xpath`` selects instead of the object's name and id."""

    op: CibOp
    xml: str | None = None
    scope: str | None = None
    xpath: str | None = None
    allow_create: bool = False
    delete_all: bool = False

    def changes(self) -> bool:
        return self.op is not CibOp.QUERY


@record
class ChangeOutcome:
    """The CIB after a change (a new tree), and what the change touched."""

    root: Element
    changed: bool
    configuration_changed: bool


def _error(code: str, message: str, hint: str = "", **context: str) -> HapyError:
    return HapyError([Report(code, message, Severity.ERROR, MappingProxyType(context), hint)])


def section(root: Element, scope: str, *, create: bool = False) -> Element | None:
    """The element of section ``scope`` (made when missing and ``create``)."""
    if scope not in SECTIONS:
        raise _error("CIB_OP_BAD_SCOPE", f"unknown section '{scope}'",
                     hint="use one of: " + ", ".join(sorted(SECTIONS)), scope=scope)
    elem = root
    for name in SECTIONS[scope]:
        child = elem.find(name)
        if child is None:
            if not create:
                return None
            child = etree.SubElement(elem, name)
        elem = child
    return elem


def _xpath(root: Element, expression: str) -> list[Element]:
    try:
        found = root.xpath(expression)
    except etree.XPathError as exc:
        raise _error("CIB_OP_BAD_XPATH", f"invalid XPath expression: {exc}",
                     hint="check the expression's syntax", xpath=expression) from None
    if not isinstance(found, list):
        raise _error("CIB_OP_BAD_XPATH", "the XPath expression does not select elements",
                     xpath=expression)
    return [e for e in found if isinstance(e, etree._Element)]


def _matches(candidate: Element, obj: Element) -> bool:
    if candidate.tag != obj.tag:
        return False
    ident = obj.get("id")
    return ident is None or candidate.get("id") == ident


def _find(scope_elem: Element, obj: Element) -> Iterator[Element]:
    """Elements under (or equal to) ``scope_elem`` that match ``obj``."""
    if _matches(scope_elem, obj):
        yield scope_elem
        return
    for elem in scope_elem.iter(str(obj.tag)):
        if elem is not scope_elem and _matches(elem, obj):
            yield elem


def _in_configuration(elem: Element) -> bool:
    return any(a.tag == "configuration" for a in elem.iterancestors()) or \
        elem.tag == "configuration"


def _object(request: CibRequest) -> Element:
    if not request.xml:
        raise _error("CIB_OP_NO_OBJECT", f"{request.op.value} needs an XML object",
                     hint="give the object with -X/--xml-text")
    return parse_xml_text(request.xml, "<request>")


def query(root: Element, request: CibRequest) -> list[Element]:
    """The elements a query selects (copies); raises CIB_OP_NOT_FOUND for none."""
    if request.xpath:
        found = _xpath(root, request.xpath)
    else:
        elem = section(root, request.scope or "cib")
        found = [elem] if elem is not None else []
    if not found:
        raise _error("CIB_OP_NOT_FOUND", "no such object in the CIB",
                     scope=request.scope or "", xpath=request.xpath or "")
    return [copy.deepcopy(e) for e in found]


def apply_change(current: Element, request: CibRequest) -> ChangeOutcome:
    """Apply a create/modify/replace/delete to a copy of ``current``."""
    root = copy.deepcopy(current)
    if request.op is CibOp.CREATE:
        touched = _create(root, request)
    elif request.op is CibOp.MODIFY:
        touched = _modify(root, request)
    elif request.op is CibOp.REPLACE:
        replaced = _replace(root, current, request)
        if isinstance(replaced, ChangeOutcome):
            return replaced
        touched = replaced
    elif request.op is CibOp.DELETE:
        touched = _delete(root, request)
    else:
        raise _error("CIB_OP_NOT_A_CHANGE", f"{request.op.value} does not change the CIB")
    if not touched:
        return ChangeOutcome(root, False, False)
    configuration_changed = any(_in_configuration(e) or e is root for e in touched)
    bump(root, configuration_changed=configuration_changed)
    return ChangeOutcome(root, True, configuration_changed)


def _create(root: Element, request: CibRequest) -> list[Element]:
    obj = _object(request)
    scope = request.scope or _DEFAULT_SCOPE.get(str(obj.tag), "configuration")
    parent = section(root, scope, create=True)
    assert parent is not None
    ident = obj.get("id")
    if ident is not None:
        if scope == "status":
            clash = next((e for e in _find(parent, obj) if e is not parent), None)
        else:
            config = root.find("configuration")
            clash = None if config is None else next(
                (e for e in config.iter() if e.get("id") == ident), None)
        if clash is not None:
            raise _error("CIB_OP_EXISTS", f"an object with id '{ident}' already exists",
                         hint="choose another id, or use modify/replace", id=ident,
                         element=str(obj.tag))
    parent.append(obj)
    return [obj]


def _merge(target: Element, update: Element) -> None:
    for name, value in update.attrib.items():
        target.set(name, value)
    for child in update:
        if not isinstance(child.tag, str):
            continue
        existing = next((c for c in target if _matches(c, child)), None)
        if existing is None:
            target.append(copy.deepcopy(child))
        else:
            _merge(existing, child)


def _modify(root: Element, request: CibRequest) -> list[Element]:
    obj = _object(request)
    if request.xpath:
        targets = _xpath(root, request.xpath)
    else:
        scope_elem = section(root, request.scope or "cib", create=request.allow_create)
        targets = list(_find(scope_elem, obj)) if scope_elem is not None else []
        if not targets and request.allow_create and scope_elem is not None:
            scope_elem.append(obj)
            return [obj]
    if not targets:
        raise _error("CIB_OP_NOT_FOUND", f"no <{obj.tag}> with id '{obj.get('id', '')}' to modify",
                     hint="check the id, or create the object first",
                     element=str(obj.tag), id=obj.get("id", ""))
    for target in targets:
        _merge(target, obj)
    return targets


def _replace(root: Element, current: Element, request: CibRequest) -> ChangeOutcome | list[Element]:
    """Replace an object; a whole new <cib> is handled here and returned."""
    obj = _object(request)
    if obj.tag == "cib":
        if version_of(obj) < version_of(current):
            raise _error(
                "CIB_OP_OLDER", f"the new CIB (version {version_of(obj)}) is older than the "
                f"current one ({version_of(current)})",
                hint="start from the current CIB (query it first) and make your changes there")
        new_root = obj
        configuration_changed = _section_xml(new_root, "configuration") != \
            _section_xml(current, "configuration")
        if configuration_changed or version_of(new_root) == version_of(current):
            set_version(new_root, max(version_of(new_root), version_of(current)))
            bump(new_root, configuration_changed=configuration_changed)
        return ChangeOutcome(new_root, True, configuration_changed)
    if request.xpath:
        targets = _xpath(root, request.xpath)
    else:
        scope_elem = section(root, request.scope or "cib")
        targets = list(_find(scope_elem, obj)) if scope_elem is not None else []
    if not targets:
        raise _error("CIB_OP_NOT_FOUND", f"no <{obj.tag}> with id '{obj.get('id', '')}' to replace",
                     element=str(obj.tag), id=obj.get("id", ""))
    placed = []
    for target in targets:
        parent = target.getparent()
        if parent is None:
            raise _error("CIB_OP_NOT_FOUND", "cannot replace the document root this way")
        replacement = copy.deepcopy(obj)
        parent.replace(target, replacement)
        placed.append(replacement)
    return placed


def _section_xml(root: Element, name: str) -> bytes:
    elem = root.find(name)
    return b"" if elem is None else etree.tostring(elem)


def _delete(root: Element, request: CibRequest) -> list[Element]:
    if request.xpath:
        targets = _xpath(root, request.xpath)
        if not request.delete_all:
            targets = targets[:1]
        if not targets:
            raise _error("CIB_OP_NOT_FOUND", "no object matches the XPath expression",
                         xpath=request.xpath)
    else:
        obj = _object(request)
        scope_elem = section(root, request.scope or "cib")
        targets = list(_find(scope_elem, obj)) if scope_elem is not None else []
    parents = []
    for target in targets:
        parent = target.getparent()
        if parent is None:
            raise _error("CIB_OP_BAD_DELETE", "the whole CIB cannot be deleted")
        parent.remove(target)
        parents.append(parent)
    return parents


def cluster_property(root: Element, name: str) -> str | None:
    """A cluster property's value (the first set that has it), if set."""
    crm_config = root.find("configuration/crm_config")
    if crm_config is None:
        return None
    for pair in crm_config.iter("nvpair"):
        if pair.get("name") == name:
            return pair.get("value")
    return None
