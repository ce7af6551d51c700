"""``hapy stonith ...``: pcs stonith's grammar (fence devices, fencing
levels, fencing a node, the fencing history)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from hapy.cli.cluster import add_dir_option


def _leaf(sub: Any, name: str, helptext: str, func: Any, **defaults: Any) -> Any:
    p = sub.add_parser(name, help=helptext)
    add_dir_option(p)
    p.set_defaults(func=func, **defaults)
    return p


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "stonith", help="fence devices and fencing (pcs stonith)",
        description="Configure fence devices and fencing levels, fence a node, show the "
        "fencing history, as pcs stonith does.")
    _outer_dir(p)
    p.set_defaults(func=run_status)
    ssub = p.add_subparsers(dest="stonith_command", metavar="COMMAND")

    _leaf(ssub, "status", "show the fence devices and where they run", run_status)
    config = _leaf(ssub, "config", "show the fence devices' configuration and the levels",
                   run_config)
    config.add_argument("ids", nargs="*", metavar="DEVICE")
    config.add_argument("--output-format", choices=["text", "json"], default="text")

    create = _leaf(ssub, "create", "create a fence device", run_create)
    create.add_argument("name")
    create.add_argument("agent", help="the fence agent, e.g. fence_hapy or fence_dummy")
    create.add_argument("words", nargs="*",
                        help="name=value ... [op ACTION name=value ...] [meta name=value ...]")
    create.add_argument("--disabled", action="store_true", help="create it stopped")
    create.add_argument("--force", action="store_true",
                        help="allow an agent or parameters this node does not know")

    delete = _leaf(ssub, "delete", "delete fence devices (and them from the levels)",
                   run_delete)
    delete.add_argument("names", nargs="+", metavar="DEVICE")
    for name, helptext in (("enable", "allow fence devices to run"),
                           ("disable", "stop fence devices and keep them stopped")):
        leaf = _leaf(ssub, name, helptext, run_enable, enable=name == "enable")
        leaf.add_argument("names", nargs="+", metavar="DEVICE")
    update = _leaf(ssub, "update", "change a fence device's parameters (and meta after "
                   "'meta')", run_update)
    update.add_argument("name")
    update.add_argument("words", nargs="+")

    agents = _leaf(ssub, "list", "list the fence agents installed", run_list)
    agents.add_argument("filter", nargs="?", help="only agents whose name contains this")
    agents.add_argument("--nodesc", action="store_true", help="names only")

    describe = ssub.add_parser("describe", help="show a fence agent's options")
    describe.add_argument("agent")
    describe.set_defaults(func=run_describe)

    level = ssub.add_parser("level", help="fencing levels (the fencing topology)")
    _outer_dir(level)
    level.set_defaults(func=run_level_config)
    lsub = level.add_subparsers(dest="level_command", metavar="COMMAND")
    _leaf(lsub, "config", "show the fencing levels", run_level_config)
    ladd = _leaf(lsub, "add", "LEVEL TARGET DEVICE[,DEVICE]...: add a level (TARGET is a "
                 "node, regexp%PATTERN or attrib%NAME=VALUE)", run_level_add)
    ladd.add_argument("level")
    ladd.add_argument("target")
    ladd.add_argument("devices", nargs="+", metavar="DEVICE")
    ladd.add_argument("--force", action="store_true",
                      help="allow unknown devices and nodes")
    lremove = _leaf(lsub, "remove", "LEVEL [TARGET] [DEVICE[,DEVICE]...]: remove a level",
                    run_level_remove)
    lremove.add_argument("level")
    lremove.add_argument("target", nargs="?")
    lremove.add_argument("devices", nargs="*", metavar="DEVICE")
    lclear = _leaf(lsub, "clear", "remove every level (of TARGET)", run_level_clear)
    lclear.add_argument("target", nargs="?")

    fence = _leaf(ssub, "fence", "fence a node now (reboot, or --off)", run_fence)
    fence.add_argument("node")
    fence.add_argument("--off", action="store_true", help="power it off and leave it off")
    fence.add_argument("--socket", help="a node daemon's socket (instead of --dir)")

    hist = _leaf(ssub, "history", "show the fencing history ([show] [NODE])", run_history)
    hist.add_argument("words", nargs="*", metavar="NODE")
    hist.add_argument("--output-as", choices=["text", "xml", "json"], default="text")
    hist.add_argument("--socket", help="a node daemon's socket (instead of --dir)")


def _outer_dir(p: argparse.ArgumentParser) -> None:
    # a sub-command's own --dir default would overwrite the value given before it
    p.add_argument("--dir", dest="outer_dir", metavar="DIR",
                   help="the embedded cluster's directory (default: $HAPY_CLUSTER_DIR)")


def _env(args: argparse.Namespace) -> Any:
    from hapy.commands.env import connect

    return connect(getattr(args, "dir", None) or getattr(args, "outer_dir", None))


def _daemon(args: argparse.Namespace) -> Any:
    from hapy.commands.env import SocketEnv

    if getattr(args, "socket", None):
        return SocketEnv(args.socket)
    return _env(args)


# ------------------------------------------------------------------ devices


def run_status(args: argparse.Namespace) -> int:
    from hapy.commands import stonith
    from hapy.commands.status import resource_locations

    env = _env(args)
    devices = stonith.devices(env)
    if not devices:
        print("NO stonith devices configured")
        return 0
    where = resource_locations(env)
    for dev in devices:
        nodes = where.get(dev.id, [])
        state = f"Started {' '.join(nodes)}" if nodes else \
            "Stopped (disabled)" if dev.disabled else "Stopped"
        print(f"  * {dev.id}\t(stonith:{dev.agent}):\t {state}")
    return 0


def render_config(devices: Sequence[Any], levels: Sequence[Any]) -> list[str]:
    """pcs stonith config's text."""
    lines: list[str] = []
    for dev in devices:
        lines.append(f"Resource: {dev.id} (class=stonith type={dev.agent})")
        if dev.params:
            lines.append(f"  Attributes: {dev.params_id}")
            lines += [f"    {k}={v}" for k, v in dev.params]
        if dev.meta:
            lines.append(f"  Meta Attributes: {dev.meta_id}")
            lines += [f"    {k}={v}" for k, v in dev.meta]
        if dev.ops:
            lines.append("  Operations:")
            for action, ident, attrs in dev.ops:
                lines.append(f"    {action}: {ident}")
                lines += [f"      {k}={v}" for k, v in attrs]
    if levels:
        lines.append("Fencing Levels:")
        target = None
        for lv in levels:
            if lv.target != target:
                target = lv.target
                lines.append(f"  Target: {target}")
            lines.append(f"    Level {lv.index} - {','.join(lv.devices)}")
    return lines


def run_config(args: argparse.Namespace) -> int:
    from hapy.commands import stonith
    from hapy.reports import HapyError, report

    env = _env(args)
    devices = stonith.devices(env)
    if args.ids:
        missing = [i for i in args.ids if i not in {d.id for d in devices}]
        if missing:
            raise HapyError([report("STONITH_UNKNOWN_DEVICE", f"fence device '{m}' does not "
                                    "exist", hint="see 'hapy stonith config'", device=m)
                             for m in missing])
        devices = [d for d in devices if d.id in args.ids]
    levels = stonith.levels(env) if not args.ids else []
    if args.output_format == "json":
        print(json.dumps({
            "devices": [{"id": d.id, "agent": d.agent, "params": dict(d.params),
                         "meta": dict(d.meta),
                         "operations": [{"name": a, "id": i, **dict(o)} for a, i, o in d.ops]}
                        for d in devices],
            "levels": [{"id": lv.id, "level": lv.index, "target": lv.target,
                        "devices": list(lv.devices)} for lv in levels]}, indent=2))
        return 0
    if not devices and not levels:
        print("NO stonith devices configured")
        return 0
    for line in render_config(devices, levels):
        print(line)
    return 0


def run_create(args: argparse.Namespace) -> int:
    from hapy.cli.resource import parse_create_words
    from hapy.commands import stonith
    from hapy.reports import HapyError, report

    spec = parse_create_words(args.words)
    if spec.cloned:
        raise HapyError([report("STONITH_CLONE", "fence devices cannot be cloned",
                                hint="leave out 'clone'/'promotable'")])
    stonith.create(_env(args), args.name, args.agent, params=spec.params, ops=spec.ops,
                   meta=spec.meta, disabled=args.disabled, force=args.force)
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from hapy.commands import stonith

    env = _env(args)
    for name in args.names:
        stonith.delete(env, name)
        print(f"Deleting Resource - {name}")
    return 0


def run_enable(args: argparse.Namespace) -> int:
    from hapy.commands import resource, stonith

    env = _env(args)
    for name in args.names:
        stonith.require_device(env, name)
        (resource.enable if args.enable else resource.disable)(env, name)
    return 0


def run_update(args: argparse.Namespace) -> int:
    from hapy.cli.resource import split_meta
    from hapy.commands import resource, stonith
    from hapy.reports import ReportList

    words, meta = split_meta(list(args.words))
    env = _env(args)
    stonith.require_device(env, args.name)
    if words:
        pairs = resource.parse_pairs(words)
        reports = ReportList()
        stonith.validate_params(pairs, reports)
        reports.raise_on_errors()
        resource.update_params(env, args.name, pairs)
    if meta:
        resource.update_meta(env, args.name, resource.parse_pairs(meta))
    return 0


def run_list(args: argparse.Namespace) -> int:
    from hapy.commands import stonith

    for name, desc in stonith.installed_agents(args.filter, describe=not args.nodesc):
        print(f"{name} - {desc}" if desc else name)
    return 0


def run_describe(args: argparse.Namespace) -> int:
    from hapy.commands import stonith

    for line in stonith.describe_agent(args.agent):
        print(line)
    return 0


# ------------------------------------------------------------------ levels


def run_level_config(args: argparse.Namespace) -> int:
    from hapy.commands import stonith

    levels = stonith.levels(_env(args))
    for line in render_config([], levels)[1:]:
        print(line[2:])
    return 0


def run_level_add(args: argparse.Namespace) -> int:
    from hapy.commands import stonith

    stonith.level_add(_env(args), args.level, args.target, args.devices, force=args.force)
    return 0


def run_level_remove(args: argparse.Namespace) -> int:
    from hapy.commands import stonith

    stonith.level_remove(_env(args), args.level, args.target, args.devices)
    return 0


def run_level_clear(args: argparse.Namespace) -> int:
    from hapy.commands import stonith

    stonith.level_clear(_env(args), args.target)
    return 0


# ------------------------------------------------------------------ fencing


def run_fence(args: argparse.Namespace) -> int:
    from hapy.commands import stonith

    stonith.fence(_daemon(args), args.node, off=args.off)
    print(f"Node: {args.node} fenced")
    return 0


def render_history(events: Sequence[Any], output_as: str, node: str | None = None) -> str:
    from hapy.display.xml import API_VERSION
    from hapy.fencer.render import event_text, event_xml, sort_events

    ordered = sort_events(events)
    if output_as == "json":
        return json.dumps({"events": [e.to_json() for e in ordered]}, indent=2) + "\n"
    if output_as == "xml":
        request = "hapy stonith history" + (f" {node}" if node else "") + " --output-as xml"
        lines = [f'<pacemaker-result api-version="{API_VERSION}" request="{request}">',
                 "  <fence_history>" if ordered else "  <fence_history/>"]
        if ordered:
            lines += [f"    {event_xml(e)}" for e in ordered] + ["  </fence_history>"]
        lines += ['  <status code="0" message="OK"/>', "</pacemaker-result>"]
        return "\n".join(lines) + "\n"
    return "".join(f"{event_text(e)}\n" for e in ordered)


def run_history(args: argparse.Namespace) -> int:
    from hapy.commands import stonith
    from hapy.reports import HapyError, report

    words = list(args.words)
    if words and words[0] == "show":
        words = words[1:]
    if len(words) > 1:
        raise HapyError([report("CLI_BAD_OPTION", "history takes at most one node",
                                hint="hapy stonith history [show] [NODE]")])
    node = words[0] if words else None
    events = stonith.history(_daemon(args), node)
    print(render_history(events, args.output_as, node), end="")
    return 0
