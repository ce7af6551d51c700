"""fence_hapy: a fence agent for the nodes of a hapy embedded cluster.

It speaks the fence-agents protocol: options as ``key=value`` lines on stdin
(when run without arguments, as the fencer runs it) or on the command line
(``-o/--action``, ``-n/--plug``, ``--cluster-dir``).  Actions:

* ``off``: cut the node's power (see :mod:`hapy.fencer.embedded_power`);
* ``on``: start the node's daemon again;
* ``reboot``: off, then on;
* ``status``: exit 0 (on) when the node's daemon runs, 2 (off) when not;
* ``list``: the cluster's nodes; ``monitor``: the cluster directory is usable;
* ``metadata``: the agent's description; ``validate-all``: check the options.

The cluster is ``cluster_dir``, else ``$HAPY_CLUSTER_DIR``, else the cluster
of the node whose daemon runs this agent (``$HAPY_NODE_SOCKET``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from hapy.fencer.embedded_power import (
    PowerError,
    cluster_nodes,
    is_on,
    node_of,
    power_off,
    power_on,
)

ACTIONS = ("on", "off", "reboot", "status", "list", "monitor", "metadata", "validate-all")
EXIT_OK, EXIT_FAILED, EXIT_OFF = 0, 1, 2

def agent_metadata(name: str, shortdesc: str, longdesc: str, directory: tuple[str, str, str]
                   ) -> str:
    """The meta-data of one of hapy's power agents; ``directory`` is the
    parameter naming its cluster: (name, command-line option, description)."""
    dir_name, dir_option, dir_desc = directory
    node_param = """\t<parameter name="{0}" unique="0" required="0"{1}>
\t\t<getopt mixed="{2}" />
\t\t<content type="string"  />
\t\t<shortdesc lang="en">{3}</shortdesc>
\t</parameter>
"""
    target = "The node to act on (a node name of the cluster)"
    return f"""<?xml version="1.0" ?>
<resource-agent name="{name}" shortdesc="{shortdesc}">
<longdesc>{longdesc}</longdesc>
<vendor-url>https://github.com/hapy</vendor-url>
<parameters>
\t<parameter name="action" unique="0" required="1">
\t\t<getopt mixed="-o, --action=[action]" />
\t\t<content type="string" default="reboot"  />
\t\t<shortdesc lang="en">Fencing action</shortdesc>
\t</parameter>
""" + node_param.format("plug", ' obsoletes="port"', "-n, --plug=[node]", target) \
        + node_param.format("port", ' deprecated="1"', "-n, --plug=[node]", target) \
        + node_param.format("nodename", "", "--nodename=[node]",
                            "The node to act on, when no plug is given") \
        + node_param.format(dir_name, "", f"{dir_option}=[directory]", dir_desc) \
        + """</parameters>
<actions>
\t<action name="on" automatic="0"/>
\t<action name="off" />
\t<action name="reboot" />
\t<action name="status" />
\t<action name="list" />
\t<action name="monitor" />
\t<action name="metadata" />
\t<action name="validate-all" />
</actions>
</resource-agent>
"""


METADATA = agent_metadata(
    "fence_hapy", "Fence agent for the nodes of a hapy embedded cluster",
    "fence_hapy powers a node of a hapy embedded cluster (several nodes on one host) off and "
    "on: off kills the node's daemon and every process it started, at once, as a power cut "
    "would, and clears the node's volatile runtime directories; on starts the node's daemon "
    "again.",
    ("cluster_dir", "--cluster-dir",
     "The embedded cluster's directory (default: $HAPY_CLUSTER_DIR)"))

#: option names fence-agents accept on stdin for the same thing
_ALIASES = {"option": "action", "cluster-dir": "cluster_dir"}
_KNOWN = ("action", "port", "plug", "nodename", "cluster_dir")


def read_stdin_options(text: str, known: Sequence[str] = _KNOWN,
                       aliases: dict[str, str] | None = None) -> dict[str, str]:
    """``key=value`` lines (blank lines and ``#`` comments skipped); unknown
    keys are warned about and ignored, as fence-agents do."""
    options: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = (_ALIASES if aliases is None else aliases).get(key.strip(), key.strip())
        if not sep:
            _warn(f"Parse error: Ignoring '{line}'")
        elif key not in known:
            _warn(f"Parse error: Ignoring unknown option '{line}'")
        else:
            options[key] = value.strip()
    return options


def parse_command_line(argv: Sequence[str], prog: str = "fence_hapy",
                       directory: tuple[str, str] = ("cluster_dir", "--cluster-dir"),
                       description: str = "fence agent for hapy embedded clusters",
                       dir_help: str = "the embedded cluster's directory (default: "
                       "$HAPY_CLUSTER_DIR)") -> dict[str, str]:
    """The fence-agents command line (``directory``: the cluster's parameter
    and its option)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("-o", "--action", default="reboot", help="fencing action")
    parser.add_argument("-n", "--plug", "--port", dest="plug", help="the node to act on")
    parser.add_argument("--nodename", help="the node to act on, when no plug is given")
    parser.add_argument(directory[1], dest=directory[0], help=dir_help)
    args = parser.parse_args(argv)
    return {k: v for k, v in vars(args).items() if v is not None}


def _warn(message: str) -> None:
    print(f"WARNING: {message}", file=sys.stderr)


def fail(message: str) -> int:
    print(f"ERROR: Failed: {message}", file=sys.stderr)
    return EXIT_FAILED


def cluster_dir(options: dict[str, str]) -> Path | None:
    given = options.get("cluster_dir") or os.environ.get("HAPY_CLUSTER_DIR")
    if given:
        return Path(given).resolve()
    socket = os.environ.get("HAPY_NODE_SOCKET")
    if socket:
        # the daemon running this agent keeps its socket in CLUSTER/nodes/NODE/
        candidate = Path(socket).resolve().parents[2]
        if (candidate / "cluster.json").exists():
            return candidate
    return None


class PowerSwitch(Protocol):
    """The machines an agent powers: what differs between hapy's agents."""

    def nodes(self) -> tuple[str, ...]:
        """Every node the switch powers; PowerError when it cannot tell."""

    def is_on(self, name: str) -> bool: ...

    def power_off(self, name: str) -> object: ...

    def power_on(self, name: str) -> None: ...


class EmbeddedSwitch:
    """The nodes of the embedded cluster at ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def nodes(self) -> tuple[str, ...]:
        return cluster_nodes(self.root)

    def is_on(self, name: str) -> bool:
        return is_on(node_of(self.root, name))

    def power_off(self, name: str) -> None:
        power_off(node_of(self.root, name))

    def power_on(self, name: str) -> None:
        power_on(node_of(self.root, name))


def serve(options: dict[str, str], metadata: str,
          switch_for: Callable[[dict[str, str]], PowerSwitch]) -> int:
    """Answer one agent run: ``metadata``, or the action with the switch
    ``switch_for(options)`` gives (it raises PowerError when it cannot)."""
    action = options.get("action", "reboot")
    if action == "metadata":
        sys.stdout.write(metadata)
        return EXIT_OK
    if action not in ACTIONS:
        return fail(f"Unrecognised action '{action}'")
    try:
        switch = switch_for(options)
    except PowerError as exc:
        return fail(str(exc))
    return switch_action(switch, action, options)


def _embedded_switch(options: dict[str, str]) -> EmbeddedSwitch:
    root = cluster_dir(options)
    if root is None:
        raise PowerError("no cluster directory: set the cluster_dir parameter or "
                         "HAPY_CLUSTER_DIR")
    return EmbeddedSwitch(root)


def run(options: dict[str, str]) -> int:
    return serve(options, METADATA, _embedded_switch)


def switch_action(switch: PowerSwitch, action: str, options: dict[str, str]) -> int:
    """Carry out a fencing ``action`` (not metadata) with ``switch``; the exit code."""
    try:
        if action in ("monitor", "validate-all", "list"):
            nodes = switch.nodes()
            if action == "list":
                for name in nodes:
                    print(f"{name},")
            return EXIT_OK
        target = options.get("plug") or options.get("port") or options.get("nodename")
        if not target:
            return fail("You have to enter plug number or machine identification")
        if target not in switch.nodes():
            raise PowerError(f"no node '{target}' behind this switch (its nodes: "
                             f"{', '.join(switch.nodes())})")
        if action == "status":
            on = switch.is_on(target)
            print(f"Status: {'ON' if on else 'OFF'}")
            return EXIT_OK if on else EXIT_OFF
        if action in ("off", "reboot"):
            switch.power_off(target)
        if action in ("on", "reboot"):
            switch.power_on(target)
    except PowerError as exc:
        return fail(str(exc))
    print({"off": "Success: Powered OFF", "on": "Success: Powered ON",
           "reboot": "Success: Rebooted"}[action])
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    options = parse_command_line(args) if args else read_stdin_options(sys.stdin.read())
    return run(options)


if __name__ == "__main__":
    raise SystemExit(main())
