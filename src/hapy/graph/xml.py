"""The ``<transition_graph>`` XML form, written byte for byte as Pacemaker does.

What Pacemaker 2.1.5 writes (learnt by running ``crm_simulate -G`` on the
regression inputs; the stored ``.exp`` files are that output with
``crm_feature_set="..."`` and ``batch-limit="..."`` cut out, see
:func:`regression_text`):

* two-space indentation, one element per line, ``<x/>`` for empty elements
  (no space before ``/>``), a final newline, no XML declaration;
* ``<transition_graph>`` attributes in the order the scheduler gave them
  (``cluster-delay stonith-timeout failed-stop-offset failed-start-offset
  batch-limit transition_id`` then ``recheck-by`` / ``migration-limit``);
* ``<synapse id [priority]>``; ``priority`` only when not zero;
* an action element (``rsc_op``, ``pseudo_event``, ``crm_event``) with
  ``[mode] id operation operation_key [internal_operation_key] [on_node
  on_node_uuid] [router_node] [shutdown-lock]``, then ``<primitive id
  [long-id] class [provider] type/>``, ``<attributes>`` (always present),
  then ``<downed>`` with one ``<node id/>`` per downed node;
* ``<attributes>`` lists its names sorted by byte value (``strcmp``), except
  names starting with a digit, which are not valid XML attribute names and
  become ``<param name value/>`` children, in the order given;
* ``<inputs/>`` or ``<inputs>`` with one ``<trigger>`` per input, holding a
  copy of the input action with only ``id operation operation_key
  [internal_operation_key] [on_node on_node_uuid] [router_node]``;
* attribute values escape ``& < > " '`` as entities, a newline as the two
  characters ``\\n``, a carriage return as ``\\r`` and a tab as four spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from lxml import etree

from hapy.graph.model import (
    ActionKind,
    DownedNode,
    GraphAction,
    ResourceRef,
    Synapse,
    TransitionGraph,
)
from hapy.records import replace
from hapy.reports import HapyError

__all__ = [
    "attribute_is_param",
    "escape_value",
    "graph_from_xml",
    "graph_to_xml",
    "regression_text",
]

_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&apos;",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "    ",
}
_ESCAPE_RE = re.compile("[&<>\"'\n\r\t]")


def escape_value(value: str) -> str:
    """Escape an attribute value the way Pacemaker's XML writer does."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], value)


def attribute_is_param(name: str) -> bool:
    """True when Pacemaker writes ``name`` as a ``<param>`` child, not an attribute."""
    return name[:1].isdigit()


def _attr_text(pairs: Iterable[tuple[str, str | None]]) -> str:
    return "".join(f' {k}="{escape_value(v)}"' for k, v in pairs if v is not None)


def _byte_key(name: str) -> bytes:
    return name.encode("utf-8", "surrogatepass")


def _action_tag(action: GraphAction) -> str:
    return action.kind.value


def _head_pairs(action: GraphAction, *, trigger: bool) -> list[tuple[str, str | None]]:
    pairs: list[tuple[str, str | None]] = []
    if not trigger:
        pairs.append(("mode", action.mode))
    pairs += [
        ("id", str(action.id)),
        ("operation", action.operation),
        ("operation_key", action.operation_key),
        ("internal_operation_key", action.internal_operation_key),
        ("on_node", action.on_node),
        ("on_node_uuid", action.on_node_uuid),
        ("router_node", action.router_node),
    ]
    if not trigger:
        pairs.append(("shutdown-lock", action.shutdown_lock))
    return pairs


def _write_attributes(out: list[str], attributes: Mapping[str, str], indent: str) -> None:
    plain = sorted((k for k in attributes if not attribute_is_param(k)), key=_byte_key)
    params = [k for k in attributes if attribute_is_param(k)]
    text = _attr_text((k, attributes[k]) for k in plain)
    if not params:
        out.append(f"{indent}<attributes{text}/>")
        return
    out.append(f"{indent}<attributes{text}>")
    for name in params:
        out.append(f'{indent}  <param name="{escape_value(name)}" '
                   f'value="{escape_value(attributes[name])}"/>')
    out.append(f"{indent}</attributes>")


def _write_action(out: list[str], action: GraphAction, indent: str) -> None:
    tag = _action_tag(action)
    out.append(f"{indent}<{tag}{_attr_text(_head_pairs(action, trigger=False))}>")
    inner = indent + "  "
    rsc = action.resource
    if rsc is not None:
        long_id = rsc.long_id if rsc.long_id != rsc.id else None
        prim = _attr_text(
            [("id", rsc.id), ("long-id", long_id), ("class", rsc.rclass),
             ("provider", rsc.provider), ("type", rsc.type)]
        )
        out.append(f"{inner}<primitive{prim}/>")
    _write_attributes(out, action.attributes, inner)
    if action.downed:
        out.append(f"{inner}<downed>")
        for node in action.downed:
            out.append(f'{inner}  <node id="{escape_value(node.id)}"/>')
        out.append(f"{inner}</downed>")
    out.append(f"{indent}</{tag}>")


def graph_to_xml(graph: TransitionGraph) -> str:
    """Serialise ``graph`` exactly as Pacemaker's scheduler writes it.

    The synapse's ``priority`` attribute is ``synapse.priority``, or the
    action's ``priority`` when the synapse's is zero.  Raises ``HapyError``
    (``GRAPH_UNKNOWN_INPUT``) when a synapse waits for an action that no
    synapse holds, since its trigger could not be written.
    """
    actions = graph.actions
    head = f"<transition_graph{_attr_text(graph.attributes)}"
    if not graph.synapses:
        return head + "/>\n"
    out = [head + ">"]
    for syn in graph.synapses:
        priority = syn.priority or syn.action.priority
        prio = f' priority="{priority}"' if priority else ""
        out.append(f'  <synapse id="{syn.id}"{prio}>')
        out.append("    <action_set>")
        _write_action(out, syn.action, "      ")
        out.append("    </action_set>")
        if not syn.inputs:
            out.append("    <inputs/>")
        else:
            out.append("    <inputs>")
            for input_id in syn.inputs:
                src = actions.get(input_id)
                if src is None:
                    raise HapyError.single(
                        "GRAPH_UNKNOWN_INPUT",
                        f"synapse {syn.id} waits for action {input_id}, which is not in the graph",
                        synapse=str(syn.id), action=str(input_id),
                    )
                trig = _attr_text(_head_pairs(src, trigger=True))
                out.append("      <trigger>")
                out.append(f"        <{_action_tag(src)}{trig}/>")
                out.append("      </trigger>")
            out.append("    </inputs>")
        out.append("  </synapse>")
    out.append("</transition_graph>")
    return "\n".join(out) + "\n"


_FEATURE_SET_RE = re.compile(r'crm_feature_set="[^"]*"')
_BATCH_LIMIT_RE = re.compile(r'batch-limit="[^"]*"')


def regression_text(xml_text: str) -> str:
    """The form Pacemaker's regression suite stores graphs in (its ``.exp`` files).

    Every ``crm_feature_set="..."`` and the first ``batch-limit="..."`` are
    deleted, leaving the surrounding spaces as they were (hence the
    ``" />"`` and the double space seen in those files).
    """
    return _BATCH_LIMIT_RE.sub("", _FEATURE_SET_RE.sub("", xml_text), count=1)


# --------------------------------------------------------------------------- parsing

_KINDS = {kind.value: kind for kind in ActionKind}


def _bad(message: str, **context: str) -> HapyError:
    return HapyError.single("GRAPH_XML_MALFORMED", message, **context)


def _int(value: str | None, what: str) -> int:
    if value is None:
        raise _bad(f"{what} is missing")
    try:
        return int(value)
    except ValueError:
        raise _bad(f"{what} is not an integer: {value!r}") from None


def _elements(parent: etree._Element) -> list[etree._Element]:
    return [c for c in parent if isinstance(c.tag, str)]


def _parse_action(el: etree._Element) -> GraphAction:
    kind = _KINDS.get(str(el.tag))
    if kind is None:
        raise _bad(f"unknown action element <{el.tag}>", element=str(el.tag))
    action_id = _int(el.get("id"), f"<{el.tag}> id")
    operation = el.get("operation")
    key = el.get("operation_key")
    if operation is None or key is None:
        raise _bad(f"action {action_id} lacks operation or operation_key", id=str(action_id))
    resource: ResourceRef | None = None
    attributes: dict[str, str] = {}
    params: dict[str, str] = {}
    downed: list[DownedNode] = []
    for child in _elements(el):
        if child.tag == "primitive":
            rid, rclass, rtype = child.get("id"), child.get("class"), child.get("type")
            if rid is None or rclass is None or rtype is None:
                raise _bad(f"action {action_id}: <primitive> lacks id, class or type",
                           id=str(action_id))
            resource = ResourceRef(rid, rclass, rtype, child.get("provider"), child.get("long-id"))
        elif child.tag == "attributes":
            attributes.update((str(k), str(v)) for k, v in child.attrib.items())
            for param in _elements(child):
                name, value = param.get("name"), param.get("value")
                if param.tag != "param" or name is None or value is None:
                    raise _bad(f"action {action_id}: unexpected <{param.tag}> in <attributes>",
                               id=str(action_id))
                params[name] = value
        elif child.tag == "downed":
            for node in _elements(child):
                node_id = node.get("id")
                if node.tag != "node" or node_id is None:
                    raise _bad(f"action {action_id}: unexpected <{node.tag}> in <downed>",
                               id=str(action_id))
                downed.append(DownedNode(node_id))
        else:
            raise _bad(f"action {action_id}: unexpected <{child.tag}>", id=str(action_id))
    attributes.update(params)
    return GraphAction(
        id=action_id,
        kind=kind,
        operation=operation,
        operation_key=key,
        on_node=el.get("on_node"),
        on_node_uuid=el.get("on_node_uuid"),
        router_node=el.get("router_node"),
        resource=resource,
        attributes=attributes,
        downed=tuple(downed),
        internal_operation_key=el.get("internal_operation_key"),
        mode=el.get("mode"),
        shutdown_lock=el.get("shutdown-lock"),
    )


def graph_from_xml(text: str | bytes) -> TransitionGraph:
    """Parse a ``<transition_graph>`` (safely: no entities, no network).

    Accepts both Pacemaker's own output and the regression ``.exp`` form.
    Raises ``HapyError`` with code ``GRAPH_XML_MALFORMED`` on bad input and
    ``GRAPH_UNKNOWN_INPUT`` when a trigger names an action no synapse holds.
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True
    )
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _bad(f"not well-formed XML: {exc}") from None
    if root.tag != "transition_graph":
        raise _bad(f"root element is <{root.tag}>, not <transition_graph>")
    synapses: list[Synapse] = []
    raw_inputs: list[tuple[int, list[int]]] = []
    seen: set[int] = set()
    for syn_el in _elements(root):
        if syn_el.tag != "synapse":
            raise _bad(f"unexpected <{syn_el.tag}> in <transition_graph>")
        syn_id = _int(syn_el.get("id"), "synapse id")
        priority = _int(syn_el.get("priority", "0"), f"synapse {syn_id} priority")
        action_sets = syn_el.findall("action_set")
        if len(action_sets) != 1 or len(_elements(action_sets[0])) != 1:
            raise _bad(f"synapse {syn_id} must hold exactly one action", synapse=str(syn_id))
        action = _parse_action(_elements(action_sets[0])[0])
        if action.id in seen:
            raise _bad(f"action {action.id} appears twice", id=str(action.id))
        seen.add(action.id)
        if priority:
            action = replace(action, priority=priority)
        inputs: list[int] = []
        for inputs_el in syn_el.findall("inputs"):
            for trig in _elements(inputs_el):
                for src in _elements(trig):
                    inputs.append(_int(src.get("id"), f"synapse {syn_id} trigger id"))
        raw_inputs.append((syn_id, inputs))
        synapses.append(Synapse(syn_id, action, tuple(inputs), priority))
    for syn_id, inputs in raw_inputs:
        for input_id in inputs:
            if input_id not in seen:
                raise HapyError.single(
                    "GRAPH_UNKNOWN_INPUT",
                    f"synapse {syn_id} waits for action {input_id}, which is not in the graph",
                    synapse=str(syn_id), action=str(input_id),
                )
    attrs = tuple((str(k), str(v)) for k, v in root.attrib.items())
    return TransitionGraph(tuple(synapses), attrs)
