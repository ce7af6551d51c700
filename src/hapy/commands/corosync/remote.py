"""Running hapy on the other nodes: a remote shell, as pcs uses pcsd.

hapy has no daemon of its own for administration between machines: ``hapy
cluster setup``, ``start --all`` and ``stop --all`` run ``hapy`` on each
other node through a remote shell, by default ``ssh -o BatchMode=yes
root@ADDR`` (root's ssh key must be accepted there).  ``HAPY_REMOTE_SHELL``
replaces it: a command template where ``{name}`` and ``{addr}`` stand for the
node's name and first address; the command to run on the node is added as one
last argument, a shell command line (as ssh takes it).  ``HAPY_REMOTE_HAPY``
is how that command line starts hapy there (default ``hapy``).

Which node is this host is decided as corosync decides it: the node one of
whose addresses belongs to this host (an address a socket can bind to).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import socket
import subprocess
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from hapy.cluster.corosync_conf import ConfNode
from hapy.records import record
from hapy.reports import HapyError, Report, report

T = TypeVar("T")

SHELL_ENV = "HAPY_REMOTE_SHELL"
HAPY_ENV = "HAPY_REMOTE_HAPY"
DEFAULT_SHELL = "ssh -o BatchMode=yes -o ConnectTimeout=10 root@{addr}"
REMOTE_TIMEOUT = 300.0


def is_local_address(address: str) -> bool:
    """Whether ``address`` (an IP or a name) is one of this host's addresses."""
    try:
        infos = socket.getaddrinfo(address, None, type=socket.SOCK_DGRAM)
    except (OSError, UnicodeError):
        return False
    for family, kind, proto, _name, sockaddr in infos:
        with contextlib.suppress(OSError), socket.socket(family, kind, proto) as probe:
            probe.bind((sockaddr[0], 0, *sockaddr[2:]))
            return True
    return False


def local_node(nodes: Sequence[ConfNode]) -> ConfNode | None:
    """The node among ``nodes`` that is this host (by its addresses), if any."""
    for node in nodes:
        if any(is_local_address(addr) for addr in node.addrs):
            return node
    return None


@record
class RemoteShell:
    """How to run a command line on another node."""

    template: str = DEFAULT_SHELL
    hapy: str = "hapy"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RemoteShell:
        env = os.environ if environ is None else environ
        return cls(env.get(SHELL_ENV) or DEFAULT_SHELL, env.get(HAPY_ENV) or "hapy")

    def argv(self, node: ConfNode, command: str) -> list[str]:
        addr = node.addrs[0] if node.addrs else node.label
        try:
            words = [w.replace("{name}", node.label).replace("{addr}", addr)
                     for w in shlex.split(self.template)]
        except ValueError as exc:
            raise HapyError([report("REMOTE_SHELL_BAD", f"{SHELL_ENV} cannot be split into "
                                    f"words: {exc}", hint="e.g. 'ssh root@{addr}'")]) from None
        if not words:
            raise HapyError([report("REMOTE_SHELL_BAD", f"{SHELL_ENV} is empty")])
        return [*words, command]

    def hapy_command(self, words: Sequence[str]) -> str:
        return " ".join([self.hapy, *(shlex.quote(w) for w in words)])

    def run_hapy(self, node: ConfNode, words: Sequence[str], *, stdin: bytes = b"",
                 timeout: float = REMOTE_TIMEOUT) -> dict[str, object]:
        """Run ``hapy WORDS --json-result`` on ``node``; its JSON answer.

        Raises ``REMOTE_SHELL_FAILED`` when the node cannot be reached or
        answers something else (hapy missing there, ssh refused...), and the
        node's own reports (with the node named) when it refused."""
        argv = self.argv(node, self.hapy_command([*words, "--json-result"]))
        try:
            done = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout,
                                  check=False)
        except FileNotFoundError:
            raise _unreachable(node, argv, f"{argv[0]}: command not found") from None
        except subprocess.TimeoutExpired:
            raise _unreachable(node, argv, f"no answer within {timeout:.0f} s") from None
        try:
            answer = json.loads(done.stdout.decode(errors="replace").strip().splitlines()[-1])
            if not isinstance(answer, dict):
                raise ValueError("not an object")
        except (ValueError, IndexError):
            why = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise _unreachable(node, argv, f"exit status {done.returncode}"
                               + (f": {' / '.join(why)}" if why else "")) from None
        if not answer.get("ok"):
            items = answer.get("reports")
            raise HapyError(tagged(node.label, [
                Report.from_dict(item) for item in (items if isinstance(items, list) else [])
                if isinstance(item, dict)] or [report("REMOTE_COMMAND_FAILED", "refused")]))
        return answer


def tagged(node: str, reports: Sequence[Report]) -> list[Report]:
    """``reports`` with their message prefixed by the node they come from."""
    return [Report(r.code, f"{node}: {r.message}", r.severity, r.context, r.hint,
                   r.forceable) for r in reports]


def _unreachable(node: ConfNode, argv: Sequence[str], why: str) -> HapyError:
    return HapyError([report(
        "REMOTE_SHELL_FAILED", f"{node.label}: cannot run hapy there ({why})",
        hint=f"the command was: {shlex.join(argv)}; check that root's ssh key is accepted "
             f"on that node and hapy is installed there, or set {SHELL_ENV}",
        node=node.label)])


def on_each(items: Sequence[T], fn: Callable[[T], object]) -> list[HapyError]:
    """Run ``fn`` on every item at once (threads); the errors, in item order."""
    failures: list[HapyError] = []

    def one(item: T) -> HapyError | None:
        try:
            fn(item)
        except HapyError as exc:
            return exc
        return None

    if not items:
        return failures
    with ThreadPoolExecutor(max_workers=min(len(items), 16)) as pool:
        for outcome in pool.map(one, items):
            if outcome is not None:
                failures.append(outcome)
    return failures


def raise_all(failures: Sequence[HapyError]) -> None:
    if failures:
        raise HapyError([r for exc in failures for r in exc.reports])
