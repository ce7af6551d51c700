"""``hapy resource ...``: pcs resource's grammar."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from hapy.cli.cluster import add_dir_option
from hapy.records import field, record
from hapy.reports import HapyError, report

_KEYWORDS = ("op", "meta", "clone", "promotable")


@record(frozen=False)
class CreateSpec:
    """The words after ``resource create ID AGENT``, sorted into their sections."""

    params: list[tuple[str, str]] = field(default_factory=list)
    ops: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    meta: list[tuple[str, str]] = field(default_factory=list)
    clone: str | None = None
    promotable: bool = False
    cloned: bool = False
    clone_meta: list[tuple[str, str]] = field(default_factory=list)


def parse_create_words(words: Sequence[str]) -> CreateSpec:
    """pcs's ``[params] [op ACTION [opts]]... [meta [opts]] [clone|promotable [ID] [opts]]``."""
    from hapy.commands.resource import parse_pairs

    spec = CreateSpec()
    section = "params"
    i = 0
    while i < len(words):
        word = words[i]
        if word in _KEYWORDS:
            section = word
            i += 1
            if word == "op":
                if i >= len(words) or "=" in words[i] or words[i] in _KEYWORDS:
                    raise HapyError([report("CLI_BAD_OPTION", "'op' must be followed by an "
                                            "operation name", hint="e.g. op monitor interval=10s")])
                spec.ops.append((words[i], []))
                i += 1
            elif word in ("clone", "promotable"):
                spec.cloned = True
                spec.promotable = word == "promotable"
                if i < len(words) and "=" not in words[i] and words[i] not in _KEYWORDS:
                    spec.clone = words[i]
                    i += 1
            continue
        pair = parse_pairs([word])[0]
        if section == "params":
            spec.params.append(pair)
        elif section == "op":
            spec.ops[-1][1].append(pair)
        elif section == "meta":
            spec.meta.append(pair)
        else:
            spec.clone_meta.append(pair)
        i += 1
    return spec


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "resource", help="manage resources (pcs resource)",
        description="Create, change and move resources, as pcs resource does.")
    rsub = p.add_subparsers(dest="resource_command", metavar="COMMAND", required=True)

    create = rsub.add_parser("create", help="create a resource")
    create.add_argument("rsc")
    create.add_argument("agent", help="standard:provider:type, e.g. ocf:heartbeat:Dummy")
    create.add_argument("words", nargs="*",
                        help="name=value ... [op ACTION name=value ...] [meta name=value ...] "
                        "[clone [ID] name=value ... | promotable [ID] name=value ...]")
    create.add_argument("--group", help="put the resource at the end of this group")
    create.add_argument("--disabled", action="store_true", help="create it stopped")
    create.add_argument("--no-default-ops", action="store_true",
                        help="do not add the agent's default operations")
    add_dir_option(create)
    create.set_defaults(func=run_create)

    for name, helptext in (("delete", "delete a resource and its constraints"),
                           ("enable", "allow a resource to run"),
                           ("disable", "stop a resource and keep it stopped"),
                           ("restart", "stop a resource, then start it again")):
        cmd = rsub.add_parser(name, help=helptext)
        cmd.add_argument("rsc", nargs="+" if name in ("enable", "disable") else None)
        add_dir_option(cmd)
        cmd.set_defaults(func=run_simple, action=name)

    update = rsub.add_parser("update", help="change parameters (and meta after 'meta')")
    update.add_argument("rsc")
    update.add_argument("words", nargs="+")
    add_dir_option(update)
    update.set_defaults(func=run_update)

    cleanup = rsub.add_parser("cleanup", help="forget failures so the cluster probes again")
    cleanup.add_argument("rsc", nargs="?")
    add_dir_option(cleanup)
    cleanup.set_defaults(func=run_cleanup)

    for name, helptext in (("move", "move a resource to a node (adds cli-prefer)"),
                           ("ban", "keep a resource off a node (adds cli-ban)")):
        cmd = rsub.add_parser(name, help=helptext)
        cmd.add_argument("rsc")
        cmd.add_argument("node")
        add_dir_option(cmd)
        cmd.set_defaults(func=run_place, action=name)

    clear = rsub.add_parser("clear", help="remove the constraints move and ban added")
    clear.add_argument("rsc")
    add_dir_option(clear)
    clear.set_defaults(func=run_clear)

    group = rsub.add_parser("group", help="resource groups")
    gsub = group.add_subparsers(dest="group_command", metavar="COMMAND", required=True)
    gadd = gsub.add_parser("add", help="put resources (in order) at the end of a group")
    gadd.add_argument("group")
    gadd.add_argument("members", nargs="+")
    add_dir_option(gadd)
    gadd.set_defaults(func=run_group_add)


def _env(args: argparse.Namespace) -> Any:
    from hapy.commands.env import connect

    return connect(args.dir)


def run_create(args: argparse.Namespace) -> int:
    from hapy.commands import resource

    spec = parse_create_words(args.words)
    resource.create(
        _env(args), args.rsc, args.agent, params=spec.params, ops=spec.ops, meta=spec.meta,
        group=args.group, clone=(spec.clone or f"{args.rsc}-clone") if spec.cloned else None,
        promotable=spec.promotable, clone_meta=spec.clone_meta, disabled=args.disabled,
        no_default_ops=args.no_default_ops)
    return 0


def run_simple(args: argparse.Namespace) -> int:
    from hapy.commands import resource

    env = _env(args)
    names = args.rsc if isinstance(args.rsc, list) else [args.rsc]
    for rsc in names:
        if args.action == "delete":
            resource.delete(env, rsc)
            print(f"Deleting Resource - {rsc}")
        elif args.action == "enable":
            resource.enable(env, rsc)
        elif args.action == "disable":
            resource.disable(env, rsc)
        else:
            resource.restart(env, rsc)
            print(f"{rsc} successfully restarted")
    return 0


def split_meta(words: list[str]) -> tuple[list[str], list[str]]:
    """``update``'s words: the parameters, and the meta attributes after 'meta'."""
    if "meta" not in words:
        return words, []
    at = words.index("meta")
    return words[:at], words[at + 1:]


def run_update(args: argparse.Namespace) -> int:
    from hapy.commands import resource

    words, meta = split_meta(list(args.words))
    env = _env(args)
    if words:
        resource.update_params(env, args.rsc, resource.parse_pairs(words))
    if meta:
        resource.update_meta(env, args.rsc, resource.parse_pairs(meta))
    return 0


def run_cleanup(args: argparse.Namespace) -> int:
    from hapy.commands import resource

    resource.cleanup(_env(args), args.rsc)
    print(f"Cleaned up {args.rsc or 'all resources'} on all nodes")
    return 0


def run_place(args: argparse.Namespace) -> int:
    from hapy.commands import resource

    env = _env(args)
    ident = resource.move(env, args.rsc, args.node) if args.action == "move" else \
        resource.ban(env, args.rsc, args.node)
    print(f"Location constraint {ident} created")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    from hapy.commands import resource

    count = resource.clear(_env(args), args.rsc)
    print(f"Removed {count} constraint{'s' if count != 1 else ''}")
    return 0


def run_group_add(args: argparse.Namespace) -> int:
    from hapy.commands import resource

    resource.group_add(_env(args), args.group, args.members)
    return 0
