"""``hapy cluster setup``: a new cluster's files, on every node.

1. The words are checked (:mod:`.build`); nothing is written when any is wrong.
2. corosync.conf, a new authkey and hapy.conf are made once (a :class:`Bundle`).
3. Every node is asked whether it can take them (``hapy cluster
   receive-config --check`` through the remote shell; this host directly):
   no configuration there already unless ``--overwrite``, corosync installed
   and stopped, the node finds itself in the nodelist, ``corosync -t`` content.
   If any node refuses, nothing is written anywhere.
4. Each node writes them, all three or none (:func:`.files.install`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hapy.cluster import corosync_conf
from hapy.cluster.corosync_conf import ConfNode
from hapy.commands.corosync import build, files
from hapy.commands.corosync.grammar import SetupSpec
from hapy.commands.corosync.paths import NodePaths, render_env_file
from hapy.commands.corosync.remote import RemoteShell, local_node, on_each, raise_all
from hapy.records import record
from hapy.reports import HapyError, Report, report

HAPY_CONF_HEADER = """\
hapy: this cluster node's settings, written by 'hapy cluster setup'.
An environment file (KEY=VALUE): hapy.service reads it (EnvironmentFile=),
'hapy cluster start' passes it to the daemon it starts, and the hapy
commands find the daemon's state directory (its socket) here.
Any HAPY_* variable the daemon knows may be set here (HAPY_OCF_ROOT...)."""


@record
class SetupResult:
    cluster: str
    #: the nodes whose files were written, in nodelist order
    written: tuple[str, ...]
    #: this host's node, when it is one of the cluster's
    local: str | None
    warnings: tuple[Report, ...] = ()
    #: --corosync_conf: the one file written
    conf_path: Path | None = None


def hapy_conf_text(paths: NodePaths) -> str:
    return render_env_file({"HAPY_STATE_DIR": str(paths.default_state_dir),
                            "HAPY_LOG_LEVEL": "INFO"}, HAPY_CONF_HEADER)


def make_bundle(spec: SetupSpec, paths: NodePaths, *, force: bool = False,
                resolve: build.Resolver = build.resolvable) -> tuple[files.Bundle, list[Report]]:
    """The files for ``spec`` and the warnings (raises on any error)."""
    checked = build.validate(spec, force=force, resolve=resolve)
    checked.raise_on_errors()
    text = corosync_conf.render(build.build_conf(spec, paths))
    return (files.Bundle(text, files.new_authkey(), hapy_conf_text(paths)),
            [r for r in checked if not r.is_error()])


def write_conf_only(spec: SetupSpec, paths: NodePaths, target: Path, *, overwrite: bool,
                    force: bool) -> SetupResult:
    """pcs's ``--corosync_conf PATH``: corosync.conf to ``target`` only."""
    bundle, warnings = make_bundle(spec, paths, force=force)
    if target.exists() and not overwrite:
        raise HapyError([report("CLUSTER_SETUP_CONFIG_EXISTS", f"{target} exists",
                                hint="--overwrite replaces it", file=str(target))])
    try:
        files.write_atomically(target, bundle.corosync_conf.encode())
    except OSError as exc:
        raise HapyError([report("CLUSTER_SETUP_WRITE_FAILED", f"cannot write {target}: "
                                f"{exc.strerror}", file=str(target))]) from None
    return SetupResult(spec.cluster_name, (), None, tuple(warnings), target)


def _flags(overwrite: bool, force: bool) -> list[str]:
    return [*(["--overwrite"] if overwrite else []), *(["--force"] if force else [])]


def distribute(bundle: files.Bundle, nodes: Sequence[ConfNode], local: ConfNode | None,
               paths: NodePaths, remote: RemoteShell, *, overwrite: bool,
               force: bool) -> list[Report]:
    """Check every node, then write on every node; the warnings."""
    others = [n for n in nodes if n is not local]
    payload = bundle.to_json().encode()
    flags = _flags(overwrite, force)
    warnings: list[Report] = []

    def check_remote(node: ConfNode) -> None:
        remote.run_hapy(node, ["cluster", "receive-config", "--check", *flags], stdin=payload)

    failures = on_each(others, check_remote)
    if local is not None:
        local_check = files.check_install(bundle, paths, overwrite=overwrite, force=force)
        if local_check.has_errors():
            failures.insert(0, HapyError(local_check))
        warnings += [r for r in local_check if not r.is_error()]
    raise_all(failures)
    if local is not None:
        files.install(bundle, paths, overwrite=overwrite, force=force)

    def install_remote(node: ConfNode) -> None:
        remote.run_hapy(node, ["cluster", "receive-config", *flags], stdin=payload)

    raise_all(on_each(others, install_remote))
    return warnings


def setup(spec: SetupSpec, *, paths: NodePaths | None = None, remote: RemoteShell | None = None,
          overwrite: bool = False, force: bool = False, local_only: bool = False) -> SetupResult:
    """Set the cluster up on its nodes (``local_only``: on this host only)."""
    chosen = paths or NodePaths.from_env()
    bundle, warnings = make_bundle(spec, chosen, force=force)
    nodes = corosync_conf.nodelist(corosync_conf.parse(bundle.corosync_conf))
    local = local_node(nodes)
    if local_only:
        if local is None:
            raise HapyError([report(
                "CLUSTER_SETUP_NOT_A_NODE", "--local: this host is none of the nodes given",
                hint="run it on a node (one of whose addresses is on this host)")])
        nodes = [local]
    warnings += distribute(bundle, nodes, local, chosen, remote or RemoteShell.from_env(),
                           overwrite=overwrite, force=force)
    return SetupResult(spec.cluster_name, tuple(n.label for n in nodes),
                       local.label if local else None, tuple(warnings))


def receive(bundle_text: str, *, paths: NodePaths | None = None, overwrite: bool = False,
            force: bool = False, check_only: bool = False) -> list[Report]:
    """This node's side of setup: check, or write, the files sent; the warnings."""
    chosen = paths or NodePaths.from_env()
    bundle = files.Bundle.from_json(bundle_text)
    if check_only:
        checked = files.check_install(bundle, chosen, overwrite=overwrite, force=force)
        checked.raise_on_errors()
        return [r for r in checked if not r.is_error()]
    return files.install(bundle, chosen, overwrite=overwrite, force=force)


def local_bundle(paths: NodePaths) -> files.Bundle:
    """This node's three files, as setup sends them."""
    try:
        return files.Bundle(paths.corosync_conf.read_text(), paths.authkey.read_bytes(),
                            paths.hapy_conf.read_text())
    except FileNotFoundError as exc:
        raise HapyError([report("COROSYNC_NOT_CONFIGURED", f"{exc.filename} does not exist",
                                hint="set the cluster up first: hapy cluster setup",
                                file=str(exc.filename))]) from None
    except OSError as exc:
        raise HapyError([report("COROSYNC_CONF_UNREADABLE", f"{exc.filename}: "
                                f"{exc.strerror}", file=str(exc.filename))]) from None


def sync(*, paths: NodePaths | None = None,
         remote: RemoteShell | None = None) -> tuple[str, ...]:
    """pcs cluster sync: this node's corosync.conf, authkey and hapy.conf
    written on every other node of its nodelist (even where corosync runs:
    it reads them when it starts); the nodes written."""
    chosen = paths or NodePaths.from_env()
    bundle = local_bundle(chosen)
    nodes = corosync_conf.nodelist(corosync_conf.parse(bundle.corosync_conf,
                                                       str(chosen.corosync_conf)))
    local = local_node(nodes)
    others = [n for n in nodes if n is not local]
    shell = remote or RemoteShell.from_env()
    payload = bundle.to_json().encode()

    def push(node: ConfNode) -> None:
        shell.run_hapy(node, ["cluster", "receive-config", "--overwrite", "--force"],
                       stdin=payload)

    raise_all(on_each(others, push))
    return tuple(n.label for n in others)
