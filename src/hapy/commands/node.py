"""Node commands (pcs node): standby and maintenance, as permanent node
attributes in the ``<nodes>`` section."""

from __future__ import annotations

from hapy.cib import build
from hapy.cib.xmlio import parse_xml_text
from hapy.commands.env import ClusterEnv, cib_change, cib_query
from hapy.reports import HapyError, report


def _node(env: ClusterEnv, uname: str) -> tuple[str, str | None]:
    """The node's id, and the id of its own instance_attributes set if any."""
    found = cib_query(env, xpath=f"/cib/configuration/nodes/node"
                                 f"[@uname='{build.check_id(uname, 'node name')}']")
    if not found:
        raise HapyError([report("NODE_NOT_FOUND", f"node '{uname}' is not in the cluster",
                                hint="see 'hapy status' for the nodes", node=uname)])
    elem = parse_xml_text(found[0])
    attrs = elem.find("instance_attributes")
    return str(elem.get("id")), (attrs.get("id") if attrs is not None else None)


def set_node_attribute(env: ClusterEnv, uname: str, name: str, value: str) -> None:
    node_id, set_id = _node(env, uname)
    nvs = build.nvset(None, "instance_attributes", set_id or f"nodes-{node_id}", [(name, value)])
    cib_change(env, "modify", f'<node id="{node_id}" uname="{uname}">{build.to_text(nvs)}</node>',
               scope="nodes")


def all_nodes(env: ClusterEnv) -> list[str]:
    return [str(parse_xml_text(x).get("uname"))
            for x in cib_query(env, xpath="/cib/configuration/nodes/node")]


def standby(env: ClusterEnv, uname: str, on: bool) -> None:
    set_node_attribute(env, uname, "standby", "on" if on else "off")


def maintenance(env: ClusterEnv, uname: str, on: bool) -> None:
    set_node_attribute(env, uname, "maintenance", "on" if on else "off")
