"""Fencing commands (pcs stonith ...): fence devices (primitives of class
``stonith``), fencing levels (the CIB's ``fencing-topology``), and, through
the local node daemon, fencing a node and reading the fencing history.

Configuration changes go through the CIB like ``hapy resource``'s; ``fence``
and ``history`` ask the daemon (requests ``fence`` {target, action} and
``fence_history`` {target?}).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from hapy.cib import build
from hapy.cib.iso8601 import parse_msec
from hapy.cib.xmlio import Element, parse_xml_text
from hapy.commands import resource
from hapy.commands.env import ClusterEnv, DaemonClient, cib_change, cib_query
from hapy.fencer.devices import HOST_CHECKS, is_fencer_param
from hapy.fencer.events import FenceEvent
from hapy.fencer.hostlists import parse_delay_base, parse_host_map
from hapy.records import record
from hapy.reports import HapyError, ReportList, report

Pairs = Sequence[tuple[str, str]]
#: fencing level indexes the CIB schema allows
MAX_LEVEL = 9
_XPATH_DEVICE = "/cib/configuration/resources//primitive[@id='{}']"
_TOPOLOGY = "/cib/configuration/fencing-topology"


# ------------------------------------------------------------------ devices


@record
class StonithDevice:
    """A fence device as ``stonith config`` shows it."""

    id: str
    agent: str
    params: tuple[tuple[str, str], ...]
    meta: tuple[tuple[str, str], ...]
    #: (action, op id, attributes other than id and name)
    ops: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]
    params_id: str = ""
    meta_id: str = ""

    @property
    def disabled(self) -> bool:
        return dict(self.meta).get("target-role", "").lower() == "stopped"


def _pairs(elem: Element | None) -> tuple[tuple[str, str], ...]:
    if elem is None:
        return ()
    return tuple((str(p.get("name")), str(p.get("value", ""))) for p in elem.iter("nvpair")
                 if p.get("name") is not None)


def _device_of(prim: Element) -> StonithDevice:
    params = prim.find("instance_attributes")
    meta = prim.find("meta_attributes")
    ops = tuple(
        (str(op.get("name", "")), str(op.get("id", "")),
         tuple((str(k), str(v)) for k, v in op.attrib.items() if k not in ("id", "name")))
        for op in prim.iterfind("operations/op"))
    return StonithDevice(str(prim.get("id")), str(prim.get("type")), _pairs(params),
                         _pairs(meta), ops, "" if params is None else str(params.get("id")),
                         "" if meta is None else str(meta.get("id")))


def devices(env: ClusterEnv) -> list[StonithDevice]:
    """The fence devices, in document order."""
    found = cib_query(env, scope="resources")
    if not found:
        return []
    root = parse_xml_text(found[0])
    return [_device_of(p) for p in root.iter("primitive") if p.get("class") == "stonith"]


def device_ids(env: ClusterEnv) -> list[str]:
    return [d.id for d in devices(env)]


def _agent_name(agent: str) -> str:
    name = agent[len("stonith:"):] if agent.startswith("stonith:") else agent
    if not name or ":" in name or "/" in name:
        raise HapyError([report("STONITH_BAD_AGENT", f"'{agent}' is not a fence agent name",
                                hint="give the agent's name, e.g. fence_hapy or fence_dummy",
                                agent=agent)])
    return name


def validate_params(params: Pairs, reports: ReportList,
                    known: frozenset[str] | None = None) -> None:
    """Check the fencer's own parameters, and the agent's against its
    meta-data (``known``, when there is one)."""
    for name, value in params:
        if name == "pcmk_host_check" and value not in HOST_CHECKS:
            reports.error("STONITH_BAD_OPTION", f"pcmk_host_check '{value}' is not one of "
                          + ", ".join(HOST_CHECKS), hint="fix pcmk_host_check", option=name)
        elif name == "pcmk_host_map":
            try:
                parse_host_map(value)
            except ValueError as exc:
                reports.error("STONITH_BAD_OPTION", f"pcmk_host_map: {exc}",
                              hint="write it as node1:port1;node2:port2", option=name)
        elif name == "pcmk_delay_base":
            try:
                parse_delay_base(value, "")
            except ValueError as exc:
                reports.error("STONITH_BAD_OPTION", f"pcmk_delay_base: {exc}",
                              hint="give a duration (5s) or node:duration pairs", option=name)
        elif name == "pcmk_delay_max" or (name.startswith("pcmk_")
                                          and name.endswith("_timeout")):
            try:
                parse_msec(value)
            except ValueError as exc:
                reports.error("STONITH_BAD_OPTION", f"{name}: {exc}",
                              hint="give a duration such as 30s or 2min", option=name)
        elif name.startswith("pcmk_") and name.endswith("_retries") and not value.isdigit():
            reports.error("STONITH_BAD_OPTION", f"{name} '{value}' is not a whole number",
                          hint=f"give {name} a number of retries", option=name)
        elif known is not None and not is_fencer_param(name) and name not in known:
            reports.add(report(
                "STONITH_UNKNOWN_OPTION", f"the agent has no parameter '{name}'",
                hint="see the agent's meta-data (its parameters); --force sets it anyway",
                forceable=True, option=name))


def _agent_metadata(name: str) -> Any:
    from hapy.fencer.agent import read_metadata

    return asyncio.run(read_metadata(name, os.environ))


def create(env: ClusterEnv, name: str, agent: str, *, params: Pairs = (),
           ops: Sequence[tuple[str, Pairs]] = (), meta: Pairs = (), disabled: bool = False,
           force: bool = False) -> None:
    """``pcs stonith create``: a primitive of class stonith."""
    from hapy.fencer.agent import find_agent

    build.check_id(name, "fence device id")
    agent_name = _agent_name(agent)
    reports = ReportList(force=force)
    known: frozenset[str] | None = None
    if find_agent(agent_name, os.environ) is None:
        reports.add(report("STONITH_AGENT_NOT_FOUND", f"fence agent '{agent_name}' is not "
                           "installed on this node",
                           hint="install it (fence-agents has most) or use --force",
                           forceable=True, agent=agent_name))
    else:
        metadata = _agent_metadata(agent_name)
        if metadata.known:
            known = metadata.parameters
    validate_params(params, reports, known)
    reports.raise_on_errors()
    resource.create(env, name, f"stonith:{agent_name}", params=params, ops=ops, meta=meta,
                    disabled=disabled)


def require_device(env: ClusterEnv, name: str) -> Element:
    found = cib_query(env, xpath=_XPATH_DEVICE.format(build.check_id(name, "fence device id")))
    if not found:
        raise HapyError([report("STONITH_UNKNOWN_DEVICE", f"fence device '{name}' does not "
                                "exist", hint="see 'hapy stonith config'", device=name)])
    prim = parse_xml_text(found[0])
    if prim.get("class") != "stonith":
        raise HapyError([report("STONITH_NOT_A_DEVICE", f"'{name}' is a resource, not a fence "
                                "device", hint="use 'hapy resource delete'", device=name)])
    return prim


def delete(env: ClusterEnv, name: str) -> None:
    """Remove a fence device, its constraints, and it from the fencing levels
    (a level left without devices goes)."""
    require_device(env, name)
    for lv in levels(env):
        if name not in lv.devices:
            continue
        rest = [d for d in lv.devices if d != name]
        xpath = f"{_TOPOLOGY}/fencing-level[@id='{lv.id}']"
        if rest:
            cib_change(env, "modify", f'<fencing-level id="{lv.id}" devices="{",".join(rest)}"/>',
                       scope="fencing-topology")
        else:
            cib_change(env, "delete", xpath=xpath)
    resource.delete(env, name)


# ------------------------------------------------------------------ levels


@record
class Level:
    """A fencing level; ``target`` in pcs's notation (``node``,
    ``regexp%PATTERN``, ``attrib%NAME=VALUE``)."""

    id: str
    index: int
    target: str
    devices: tuple[str, ...]


def _target_text(elem: Element) -> str:
    if elem.get("target") is not None:
        return str(elem.get("target"))
    if elem.get("target-pattern") is not None:
        return f"regexp%{elem.get('target-pattern')}"
    return f"attrib%{elem.get('target-attribute')}={elem.get('target-value')}"


def levels(env: ClusterEnv) -> list[Level]:
    """The fencing levels, by target then index."""
    found = cib_query(env, scope="fencing-topology")
    if not found:
        return []
    out = []
    for elem in parse_xml_text(found[0]).iter("fencing-level"):
        try:
            index = int(elem.get("index", "0"))
        except ValueError:
            index = 0
        out.append(Level(str(elem.get("id")), index, _target_text(elem),
                         tuple(d for d in elem.get("devices", "").split(",") if d)))
    return sorted(out, key=lambda lv: (lv.target, lv.index))


def known_nodes(env: ClusterEnv) -> list[str]:
    """Node names the cluster knows (configuration, status, embedded nodes)."""
    names: list[str] = []
    for xpath in ("/cib/configuration/nodes/node", "/cib/status/node_state"):
        for xml in cib_query(env, xpath=xpath):
            uname = parse_xml_text(xml).get("uname")
            if uname:
                names.append(uname)
    node_names = getattr(env, "node_names", None)
    if callable(node_names):
        names += list(node_names())
    return list(dict.fromkeys(names))


def _target_attributes(target: str, reports: ReportList) -> dict[str, str]:
    if target.startswith("regexp%"):
        pattern = target[len("regexp%"):]
        import re

        try:
            re.compile(pattern)
        except re.error as exc:
            reports.error("STONITH_BAD_TARGET", f"'{pattern}' is not a valid pattern: {exc}",
                          hint="fix the regular expression", target=target)
        return {"target-pattern": pattern}
    if target.startswith("attrib%"):
        name, sep, value = target[len("attrib%"):].partition("=")
        if not sep or not name:
            reports.error("STONITH_BAD_TARGET", f"'{target}' is not attrib%NAME=VALUE",
                          hint="e.g. attrib%rack=1", target=target)
        return {"target-attribute": name, "target-value": value}
    if not target or "%" in target:
        reports.error("STONITH_BAD_TARGET", f"'{target}' is not a node name, "
                      "regexp%PATTERN or attrib%NAME=VALUE", target=target)
    return {"target": target}


def parse_level(text: str, reports: ReportList) -> int:
    try:
        index = int(text)
    except ValueError:
        index = 0
    if not 1 <= index <= MAX_LEVEL:
        reports.error("STONITH_BAD_LEVEL", f"'{text}' is not a fencing level",
                      hint=f"give a level from 1 to {MAX_LEVEL}", level=text)
    return index


def split_devices(words: Sequence[str]) -> list[str]:
    return [d for word in words for d in word.split(",") if d]


def level_add(env: ClusterEnv, level: str, target: str, device_words: Sequence[str], *,
              force: bool = False) -> Level:
    """``pcs stonith level add LEVEL TARGET DEVICE[,DEVICE]...``."""
    reports = ReportList(force=force)
    index = parse_level(level, reports)
    attrs = _target_attributes(target, reports)
    names = split_devices(device_words)
    if not names:
        reports.error("STONITH_NO_DEVICES", "a fencing level needs at least one device",
                      hint="name the devices, e.g. 'level add 1 node1 fence1,fence2'")
    existing = set(device_ids(env))
    for name in names:
        if name not in existing:
            reports.add(report("STONITH_UNKNOWN_DEVICE", f"fence device '{name}' does not "
                               "exist", hint="create it first ('hapy stonith create'), or "
                               "--force", forceable=True, device=name))
    if "target" in attrs and attrs["target"] not in known_nodes(env):
        reports.add(report("STONITH_UNKNOWN_NODE", f"node '{target}' is not in the cluster",
                           hint="check the name, or --force", forceable=True, node=target))
    current = levels(env)
    if any(lv.index == index and lv.target == target for lv in current):
        reports.error("STONITH_LEVEL_EXISTS", f"{target} already has a level {index}",
                      hint="remove it first ('hapy stonith level remove') or choose another",
                      level=str(index), target=target)
    reports.raise_on_errors()
    ids = {lv.id for lv in current}
    base = build.sanitize_id(f"fl-{target.replace('%', '-').replace('=', '-')}-{index}")
    ident, n = base, 1
    while ident in ids:
        n += 1
        ident = f"{base}-{n}"
    attrs.update({"id": ident, "index": str(index), "devices": ",".join(names)})
    from lxml import etree

    elem = etree.Element("fencing-level", {k: attrs[k] for k in (
        "id", *[a for a in ("target", "target-pattern", "target-attribute", "target-value")
                if a in attrs], "index", "devices")})
    cib_change(env, "create", build.to_text(elem), scope="fencing-topology")
    return Level(ident, index, target, tuple(names))


def level_remove(env: ClusterEnv, level: str, target: str | None = None,
                 device_words: Sequence[str] = ()) -> list[str]:
    """Remove level LEVEL (of TARGET, with exactly DEVICES when given);
    the ids removed."""
    reports = ReportList()
    index = parse_level(level, reports)
    reports.raise_on_errors()
    names = tuple(split_devices(device_words))
    chosen = [lv for lv in levels(env) if lv.index == index
              and (target is None or lv.target == target)
              and (not names or lv.devices == names)]
    if not chosen:
        what = f"level {index}" + (f" of {target}" if target else "") + \
            (f" with devices {','.join(names)}" if names else "")
        raise HapyError([report("STONITH_LEVEL_NOT_FOUND", f"there is no fencing {what}",
                                hint="see 'hapy stonith level'", level=str(index))])
    for lv in chosen:
        cib_change(env, "delete", xpath=f"{_TOPOLOGY}/fencing-level[@id='{lv.id}']")
    return [lv.id for lv in chosen]


def level_clear(env: ClusterEnv, target: str | None = None) -> int:
    """Remove every level (of ``target`` when given); how many went."""
    chosen = [lv for lv in levels(env) if target is None or lv.target == target]
    for lv in chosen:
        cib_change(env, "delete", xpath=f"{_TOPOLOGY}/fencing-level[@id='{lv.id}']")
    return len(chosen)


# ------------------------------------------------------------------ fencing


def fence(env: DaemonClient, node: str, *, off: bool = False) -> FenceEvent:
    """Fence ``node`` now (reboot, or off) through the local daemon; the
    finished event, or STONITH_FENCE_FAILED."""
    if not node or node.startswith("-"):
        raise HapyError([report("STONITH_UNKNOWN_NODE", f"'{node}' is not a node name",
                                node=node)])
    if isinstance(env, ClusterEnv):
        nodes = known_nodes(env)
        if nodes and node not in nodes:
            raise HapyError([report("STONITH_UNKNOWN_NODE", f"node '{node}' is not in the "
                                    "cluster", hint="its nodes are " + " ".join(nodes),
                                    node=node)])
    answer = env.request({"op": "fence", "target": node, "action": "off" if off else "reboot"})
    event = _event(answer.get("event"))
    if event.state != "done":
        raise HapyError([report("STONITH_FENCE_FAILED", f"fencing {node} failed: "
                                f"{event.exit_reason or event.state}",
                                hint="see 'hapy stonith history' and the fence devices' "
                                "configuration", node=node)])
    return event


def history(env: DaemonClient, node: str | None = None) -> list[FenceEvent]:
    """The fencing history the daemon knows (of ``node`` when given)."""
    frame: dict[str, Any] = {"op": "fence_history"}
    if node:
        frame["target"] = node
    answer = env.request(frame)
    events = answer.get("events")
    if not isinstance(events, list):
        raise HapyError([report("STONITH_BAD_ANSWER", "the daemon's answer has no events")])
    found = [_event(e) for e in events]
    return [e for e in found if node is None or e.target == node]


def _event(data: object) -> FenceEvent:
    if not isinstance(data, dict):
        raise HapyError([report("STONITH_BAD_ANSWER", "the daemon's answer has no event")])
    try:
        return FenceEvent.from_json(data)
    except ValueError as exc:
        raise HapyError([report("STONITH_BAD_ANSWER", f"the daemon answered {exc}")]) from None


def installed_agents(name_filter: str | None = None, *,
                     describe: bool = True) -> list[tuple[str, str]]:
    """The fence agents on PATH and in the system directories (and
    fence_hapy), with their short descriptions when ``describe``."""
    from hapy.fencer.agent import AGENT_DIRS, BUNDLED_AGENTS, read_metadata

    names = set(BUNDLED_AGENTS)
    for directory in [*os.environ.get("PATH", "").split(os.pathsep), *AGENT_DIRS]:
        try:
            entries = os.listdir(directory or ".")
        except OSError:
            continue
        names.update(e for e in entries if e.startswith("fence_")
                     and os.access(os.path.join(directory, e), os.X_OK))
    chosen = sorted(n for n in names if not name_filter or name_filter.lower() in n.lower())
    if not describe:
        return [(n, "") for n in chosen]

    async def descriptions() -> list[str]:
        limit = asyncio.Semaphore(8)

        async def one(name: str) -> str:
            async with limit:
                return (await read_metadata(name, os.environ)).shortdesc

        return list(await asyncio.gather(*(one(n) for n in chosen)))

    return list(zip(chosen, asyncio.run(descriptions()), strict=True))


def describe_agent(agent: str) -> list[str]:
    """pcs stonith describe: the agent's description and options, and the
    fencer's own ``pcmk_*`` ones."""
    from hapy.fencer.agent import find_agent

    name = _agent_name(agent)
    if find_agent(name, os.environ) is None:
        raise HapyError([report("STONITH_AGENT_NOT_FOUND", f"fence agent '{name}' is not "
                                "installed on this node", hint="see 'hapy stonith list'",
                                agent=name)])
    metadata = _agent_metadata(name)
    if not metadata.known:
        raise HapyError([report("STONITH_NO_METADATA", f"fence agent '{name}' gives no "
                                "usable meta-data", hint="check that it is a fence agent",
                                agent=name)])
    root = parse_xml_text(metadata.xml, name)
    lines = [f"{name} - {metadata.shortdesc}" if metadata.shortdesc else name, ""]
    longdesc = (root.findtext("longdesc") or "").strip()
    if longdesc:
        lines += [longdesc, ""]
    lines.append("Stonith options:")
    for param in root.iter("parameter"):
        pname = str(param.get("name", ""))
        if pname == "action" or param.get("deprecated") == "1":
            continue
        desc = (param.findtext("shortdesc") or "").strip()
        required = " (required)" if param.get("required") == "1" else ""
        lines.append(f"  {pname}: {desc}{required}")
    lines += ["", "Fencer options (not passed to the agent): pcmk_host_list, pcmk_host_map, "
              "pcmk_host_check, pcmk_host_argument, pcmk_delay_base, pcmk_delay_max, "
              "pcmk_<action>_action, pcmk_<action>_timeout, pcmk_<action>_retries"]
    return lines
