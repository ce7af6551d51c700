"""Running a fence agent the fence-agents way: the agent is found on PATH
(and in /usr/sbin, /sbin) by its name, gets ``key=value`` lines on stdin
(``action=``, the target as ``port=``/``plug=`` and ``nodename=``, then the
device's parameters) and exits 0 for success.  ``status`` exits 0 when the
port is on, 2 when it is off.  The timeout kills the agent's process group.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping

from lxml import etree

from hapy.executor.agents import Invocation, OcfRc, OpStatus
from hapy.executor.process import run_invocation
from hapy.records import record

#: where fence agents are installed besides PATH
AGENT_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")
#: hapy's own agents, run as modules when not on PATH
BUNDLED_AGENTS = {"fence_hapy": "hapy.fencer.fence_hapy",
                  "fence_hapy_netns": "hapy.testing.fence_netns"}
METADATA_TIMEOUT_MS = 30_000


@record
class AgentResult:
    """How one agent run ended."""

    ok: bool
    #: the agent's exit code (1 when it could not run or timed out)
    code: int
    output: str = ""
    reason: str = ""
    timed_out: bool = False
    #: the agent is not installed
    missing: bool = False


def find_agent(name: str, env: Mapping[str, str]) -> tuple[str, ...] | None:
    """The command running agent ``name``; None when it is not installed."""
    if not name or "/" in name or name.startswith("."):
        return None
    search = os.pathsep.join([env.get("PATH", os.defpath), *AGENT_DIRS])
    found = shutil.which(name, path=search)
    if found is not None:
        return (found,)
    module = BUNDLED_AGENTS.get(name)
    if module is not None:
        return (sys.executable, "-m", module)
    return None


def agent_input(action: str, params: Mapping[str, str], *, target: str | None = None,
                host_argument: str | None = "port", port: str | None = None) -> str:
    """The stdin of an agent run."""
    lines = [f"action={action}"]
    if target is not None:
        lines.append(f"nodename={target}")
        if host_argument is not None:
            lines.append(f"{host_argument}={port if port is not None else target}")
    fixed = {"action", "nodename", host_argument}
    for name, value in params.items():
        if name not in fixed:
            lines.append(f"{name}={value}".replace("\n", " "))
    return "\n".join(lines) + "\n"


def _failure_reason(agent: str, action: str, code: int, stderr: str, stdout: str) -> str:
    lines = [ln.strip() for ln in (stderr or stdout).splitlines() if ln.strip()]
    # fence-agents log "ERROR: Failed: ..." lines; prefer the last of those
    errors = [ln for ln in lines if "error" in ln.lower() or "fail" in ln.lower()]
    detail = (errors or lines or [""])[-1]
    text = f"{agent} {action} exited {code}"
    return f"{text}: {detail}"[:255] if detail else text


async def run_agent(agent: str, action: str, stdin: str, env: Mapping[str, str],
                    timeout_ms: int, *, ok_codes: tuple[int, ...] = (0,)) -> AgentResult:
    """Run ``agent`` (by name) for ``action``; never raises for its failures."""
    argv = find_agent(agent, env)
    if argv is None:
        return AgentResult(False, 1, reason=f"fence agent {agent} is not installed "
                           f"(not found on PATH nor in {', '.join(AGENT_DIRS)})", missing=True)
    inv = Invocation(argv, dict(env), "stonith", action, stdin=stdin)
    result = await run_invocation(inv, max(1, timeout_ms))
    if result.status is OpStatus.TIMEOUT:
        return AgentResult(False, 1, result.stdout,
                           f"{agent} {action} timed out after {timeout_ms} ms", True)
    if result.status is not OpStatus.DONE:
        return AgentResult(False, 1, result.stdout,
                           result.exit_reason or f"{agent} {action} could not run")
    code = int(result.rc) if result.rc in (OcfRc.OK, OcfRc.ERR_GENERIC, OcfRc.ERR_ARGS) else 1
    if code in ok_codes:
        return AgentResult(True, code, result.stdout)
    return AgentResult(False, code, result.stdout,
                       _failure_reason(agent, action, code, result.stderr, result.stdout))


@record
class AgentMetadata:
    """What an agent's meta-data says (everything assumed when it has none)."""

    known: bool
    parameters: frozenset[str] = frozenset()
    actions: frozenset[str] = frozenset()
    xml: str = ""
    shortdesc: str = ""

    def supports(self, action: str) -> bool:
        return not self.known or action in self.actions

    def has_parameter(self, name: str) -> bool:
        return name in self.parameters


UNKNOWN_METADATA = AgentMetadata(False)


def parse_metadata(text: str) -> AgentMetadata:
    """The fence-agents ``<resource-agent>`` XML; unknown when unreadable."""
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(text.strip().encode(), parser)
    except etree.XMLSyntaxError:
        return UNKNOWN_METADATA
    if root.tag != "resource-agent":
        return UNKNOWN_METADATA
    params = frozenset(str(p.get("name")) for p in root.iter("parameter") if p.get("name"))
    actions = frozenset(str(a.get("name")) for a in root.iter("action") if a.get("name"))
    return AgentMetadata(True, params, actions, text, str(root.get("shortdesc", "")))


async def read_metadata(agent: str, env: Mapping[str, str]) -> AgentMetadata:
    result = await run_agent(agent, "metadata", "action=metadata\n", env, METADATA_TIMEOUT_MS)
    if not result.ok or not result.output.strip():
        return UNKNOWN_METADATA
    return parse_metadata(result.output)
