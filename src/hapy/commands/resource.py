"""Resource commands (pcs resource ...): each validates, then makes one CIB
change through a node daemon; the cluster refuses changes that would make
the configuration invalid, and then nothing changed."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from pathlib import Path

from hapy.cib import build
from hapy.cib.xmlio import parse_xml_text
from hapy.commands.env import ClusterEnv, cib_change, cib_query
from hapy.records import record
from hapy.reports import HapyError, report

Pairs = Sequence[tuple[str, str]]
OCF_ROOT = Path("/usr/lib/ocf")


@record
class AgentName:
    standard: str
    provider: str | None
    type: str

    def __str__(self) -> str:
        return ":".join(p for p in (self.standard, self.provider, self.type) if p)


def parse_agent(text: str, ocf_root: Path = OCF_ROOT) -> AgentName:
    """``standard:provider:type``, ``standard:type`` or a bare ``type`` (looked up
    among the installed OCF providers, heartbeat first, as pcs does)."""
    parts = text.split(":")
    if len(parts) == 3 and all(parts):
        return AgentName(parts[0], parts[1], parts[2])
    if len(parts) == 2 and all(parts):
        if parts[0] == "ocf":
            raise HapyError([report("RESOURCE_BAD_AGENT", f"'{text}' lacks the OCF provider",
                                    hint="write ocf:PROVIDER:TYPE, e.g. ocf:heartbeat:Dummy")])
        return AgentName(parts[0], None, parts[1])
    if len(parts) == 1 and parts[0]:
        from hapy.executor.agents import BUNDLED_OCF

        providers = sorted([*(ocf_root / "resource.d").glob(f"*/{parts[0]}"),
                            *BUNDLED_OCF.glob(f"*/{parts[0]}")],
                           key=lambda p: (p.parent.name != "heartbeat", p.parent.name))
        if providers:
            return AgentName("ocf", providers[0].parent.name, parts[0])
    raise HapyError([report("RESOURCE_BAD_AGENT", f"unable to find agent '{text}'",
                            hint="give it as standard:provider:type, e.g. ocf:heartbeat:Dummy")])


def _metadata_actions(agent: AgentName) -> dict[str, dict[str, str]]:
    """The agent's advertised actions (name -> timeout/interval...), from its meta-data."""
    import tempfile

    from hapy.executor.agents import AgentPaths, AgentSpec, invocation
    from hapy.executor.process import run_invocation

    with tempfile.TemporaryDirectory() as runtime:
        inv = invocation(AgentSpec(agent.standard, agent.type, agent.provider), "meta-data",
                         "meta-data", {}, {}, AgentPaths(Path(runtime)))
        result = asyncio.run(run_invocation(inv, 30000))
    if result.rc != 0 or not result.stdout.strip():
        return {}
    try:
        root = parse_xml_text(result.stdout, f"{agent} meta-data")
    except HapyError:
        return {}
    actions: dict[str, dict[str, str]] = {}
    for action in root.iter("action"):
        name = action.get("name")
        if name and name not in actions:
            actions[name] = {str(k): str(v) for k, v in action.attrib.items() if k != "name"}
    return actions


def default_ops(agent: AgentName) -> list[tuple[str, Pairs]]:
    """Operations pcs adds when none are given: a monitor (interval from the
    meta-data, else 60s) and start/stop with the agent's advised timeouts."""
    actions = _metadata_actions(agent) if agent.standard == "ocf" else {}
    monitor = actions.get("monitor", {})
    ops: list[tuple[str, Pairs]] = [("monitor", [
        ("interval", monitor.get("interval", "60s")),
        ("timeout", monitor.get("timeout", "20s"))])]
    for name in ("start", "stop"):
        timeout = actions.get(name, {}).get("timeout")
        if timeout:
            ops.append((name, [("interval", "0s"), ("timeout", timeout)]))
    return ops


def _resource_xml(env: ClusterEnv, rsc: str) -> str | None:
    found = cib_query(env, xpath=f"/cib/configuration/resources//*[@id='{_safe(rsc)}']")
    return found[0] if found else None


def _safe(ident: str) -> str:
    return build.check_id(ident, "resource id")


def _require(env: ClusterEnv, rsc: str) -> str:
    xml = _resource_xml(env, rsc)
    if xml is None:
        raise HapyError([report("RESOURCE_NOT_FOUND", f"resource '{rsc}' does not exist",
                                hint="see 'hapy status' for the resources", resource=rsc)])
    return xml


def create(env: ClusterEnv, rsc: str, agent_text: str, *, params: Pairs = (),
           ops: Sequence[tuple[str, Pairs]] = (), meta: Pairs = (),
           group: str | None = None, clone: str | None = None, promotable: bool = False,
           clone_meta: Pairs = (), disabled: bool = False,
           no_default_ops: bool = False) -> None:
    build.check_id(rsc, "resource id")
    if _resource_xml(env, rsc) is not None:
        raise HapyError([report("RESOURCE_EXISTS", f"resource '{rsc}' already exists",
                                hint="choose another id", resource=rsc)])
    agent = parse_agent(agent_text)
    all_ops = list(ops)
    if not no_default_ops:
        given = {name for name, _ in all_ops}
        all_ops += [op for op in default_ops(agent) if op[0] not in given]
    meta_pairs = list(meta)
    if disabled:
        meta_pairs.append(("target-role", "Stopped"))
    prim = build.primitive(rsc, agent.standard, agent.provider, agent.type, params=list(params),
                           meta=meta_pairs, ops=all_ops)
    if group is not None:
        build.check_id(group, "group id")
        existing = _resource_xml(env, group)
        if existing is not None and not existing.lstrip().startswith("<group"):
            raise HapyError([report("RESOURCE_NOT_A_GROUP", f"'{group}' is not a group",
                                    resource=group)])
        obj = build.group_of(group, [prim])
        cib_change(env, "modify" if existing else "create", build.to_text(obj),
                   scope="resources")
        return
    if clone is not None or promotable:
        clone_id = clone or f"{rsc}-clone"
        obj = build.clone_of(prim, clone_id, promotable=promotable, meta=list(clone_meta))
        cib_change(env, "create", build.to_text(obj), scope="resources")
        return
    cib_change(env, "create", build.to_text(prim), scope="resources")


def delete(env: ClusterEnv, rsc: str) -> None:
    """Remove a resource and the constraints that name it."""
    _require(env, rsc)
    ident = _safe(rsc)
    refs = (f"@rsc='{ident}' or @with-rsc='{ident}' or @first='{ident}' or "
            f"@then='{ident}'")
    if cib_query(env, xpath=f"/cib/configuration/constraints/*[{refs}]"):
        cib_change(env, "delete", xpath=f"/cib/configuration/constraints/*[{refs}]",
                   delete_all=True)
    if cib_query(env, xpath=f"/cib/configuration/constraints//resource_ref[@id='{ident}']"):
        cib_change(env, "delete",
                   xpath=f"/cib/configuration/constraints//resource_ref[@id='{ident}']",
                   delete_all=True)
    cib_change(env, "delete", xpath=f"/cib/configuration/resources//*[@id='{ident}']")


def _set_meta(env: ClusterEnv, rsc: str, name: str, value: str | None) -> None:
    xml = _require(env, rsc)
    elem = parse_xml_text(xml)
    own = elem.find("meta_attributes")
    set_id = own.get("id") if own is not None else f"{rsc}-meta_attributes"
    assert set_id is not None
    existing = None if own is None else next(
        (p for p in own.iter("nvpair") if p.get("name") == name), None)
    if value is None:
        if existing is not None:
            cib_change(env, "delete", xpath=f"/cib/configuration/resources//*[@id='{_safe(rsc)}']"
                       f"/meta_attributes/nvpair[@name='{name}']", delete_all=True)
        return
    pair_id = existing.get("id") if existing is not None else None
    pairs = build.nvset(None, "meta_attributes", set_id, [(name, value)])
    if pair_id:
        pairs[0].set("id", pair_id)
    obj = f'<{elem.tag} id="{_safe(rsc)}">{build.to_text(pairs)}</{elem.tag}>'
    cib_change(env, "modify", obj, scope="resources")


def enable(env: ClusterEnv, rsc: str) -> None:
    _set_meta(env, rsc, "target-role", None)


def disable(env: ClusterEnv, rsc: str) -> None:
    _set_meta(env, rsc, "target-role", "Stopped")


def update_meta(env: ClusterEnv, rsc: str, pairs: Pairs) -> None:
    for name, value in pairs:
        _set_meta(env, rsc, name, value or None)


def update_params(env: ClusterEnv, rsc: str, pairs: Pairs) -> None:
    xml = _require(env, rsc)
    elem = parse_xml_text(xml)
    if elem.tag != "primitive":
        raise HapyError([report("RESOURCE_NOT_A_PRIMITIVE",
                                f"'{rsc}' is a {elem.tag}: only primitives have parameters",
                                resource=rsc)])
    own = elem.find("instance_attributes")
    set_id = own.get("id") if own is not None else f"{rsc}-instance_attributes"
    assert set_id is not None
    ids = {p.get("name"): p.get("id") for p in own.iter("nvpair")} if own is not None else {}
    nvs = build.nvset(None, "instance_attributes", set_id, pairs)
    for pair in nvs:
        known = ids.get(pair.get("name"))
        if known:
            pair.set("id", known)
    cib_change(env, "modify", f'<primitive id="{_safe(rsc)}">{build.to_text(nvs)}</primitive>',
               scope="resources")


def group_add(env: ClusterEnv, group: str, members: Sequence[str]) -> None:
    [section] = cib_query(env, scope="resources") or ["<resources/>"]
    cib_change(env, "replace", build.move_into_group(section, group, members), scope="resources")


def cleanup(env: ClusterEnv, rsc: str | None = None) -> int:
    """Forget a resource's (or every resource's) history and failures, so that
    the cluster probes it again; returns how many history records went."""
    if rsc is not None:
        _require(env, rsc)
        ident = _safe(rsc)
        history = f"/cib/status/node_state/lrm/lrm_resources/lrm_resource[@id='{ident}']"
        attrs = ("/cib/status/node_state/transient_attributes/instance_attributes/nvpair["
                 f"starts-with(@name, 'fail-count-{ident}#') or "
                 f"starts-with(@name, 'last-failure-{ident}#')]")
    else:
        history = "/cib/status/node_state/lrm/lrm_resources/lrm_resource"
        attrs = ("/cib/status/node_state/transient_attributes/instance_attributes/nvpair["
                 "starts-with(@name, 'fail-count-') or starts-with(@name, 'last-failure-')]")
    found = cib_query(env, xpath=history)
    if cib_query(env, xpath=attrs):
        cib_change(env, "delete", xpath=attrs, delete_all=True)
    if found:
        cib_change(env, "delete", xpath=history, delete_all=True)
    return len(found)


def _cli_location(env: ClusterEnv, rsc: str, node: str, ident: str, score: str) -> str:
    """The location constraint move/ban add (replacing one of the same id)."""
    _require(env, rsc)
    ident = build.sanitize_id(ident)
    cib_change(env, "modify", f'<rsc_location id="{ident}" rsc="{_safe(rsc)}" '
               f'node="{build.check_id(node, "node name")}" score="{score}"/>',
               scope="constraints", allow_create=True)
    return ident


def ban(env: ClusterEnv, rsc: str, node: str) -> str:
    return _cli_location(env, rsc, node, f"cli-ban-{rsc}-on-{node}", "-INFINITY")


def move(env: ClusterEnv, rsc: str, node: str) -> str:
    return _cli_location(env, rsc, node, f"cli-prefer-{rsc}", "INFINITY")


def clear(env: ClusterEnv, rsc: str) -> int:
    """Remove the constraints move and ban made for ``rsc``."""
    ident = _safe(rsc)
    xpath = (f"/cib/configuration/constraints/rsc_location[@rsc='{ident}' and "
             f"(starts-with(@id, 'cli-ban-{ident}-on-') or @id='cli-prefer-{ident}')]")
    found = cib_query(env, xpath=xpath)
    if found:
        cib_change(env, "delete", xpath=xpath, delete_all=True)
    return len(found)


def running_nodes(env: ClusterEnv, rsc: str) -> list[str]:
    """Nodes where the cluster (its scheduler's reading of the CIB) sees ``rsc``
    active; for a clone, its instances' nodes."""
    from hapy.commands.status import resource_locations

    return resource_locations(env).get(_safe(rsc), [])


def restart(env: ClusterEnv, rsc: str, timeout: float = 60.0) -> None:
    """Stop the resource, wait until it is stopped, then let it start again."""
    xml = parse_xml_text(_require(env, rsc))
    before = next((p.get("value") for m in xml.findall("meta_attributes")
                   for p in m.iter("nvpair") if p.get("name") == "target-role"), None)
    disable(env, rsc)
    deadline = time.monotonic() + timeout
    while running_nodes(env, rsc):
        if time.monotonic() > deadline:
            _set_meta(env, rsc, "target-role", before)
            raise HapyError([report("RESOURCE_RESTART_TIMEOUT",
                                    f"'{rsc}' did not stop within {timeout:.0f} s",
                                    resource=rsc)])
        time.sleep(0.2)
    _set_meta(env, rsc, "target-role", before)


_PAIR = re.compile(r"^([^=]+)=(.*)$")


def parse_pairs(words: Sequence[str]) -> Pairs:
    """``name=value`` words as pairs; anything else is a coded error."""
    pairs: list[tuple[str, str]] = []
    for word in words:
        match = _PAIR.match(word)
        if not match:
            raise HapyError([report("CLI_BAD_OPTION", f"'{word}' is not name=value",
                                    hint="write options as name=value")])
        pairs.append((match.group(1), match.group(2)))
    return pairs
