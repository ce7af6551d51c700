"""fence_hapy_netns: the fence agent of a namespace cluster (tests' machines).

The same protocol and actions as ``fence_hapy`` (:mod:`hapy.fencer.fence_hapy`),
for the machines of a :class:`hapy.testing.netns_cluster.NetnsCluster`: off
kills everything running in the node's network namespace, on boots the
machine again (corosync, then its hapy daemon).  The cluster is the
``machines_dir`` parameter, else ``$HAPY_NETNS_CLUSTER``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from hapy.fencer.embedded_power import PowerError
from hapy.fencer.fence_hapy import ACTIONS, EXIT_OK, fail, read_stdin_options, switch_action

METADATA = """<?xml version="1.0" ?>
<resource-agent name="fence_hapy_netns" shortdesc="Fence agent for the namespace machines \
of a hapy test cluster">
<longdesc>fence_hapy_netns powers off and on the machines of a hapy test cluster on Corosync, \
each machine being a network namespace running corosync and hapy: off kills every process in \
the namespace at once, on boots it again.</longdesc>
<vendor-url>https://github.com/hapy</vendor-url>
<parameters>
\t<parameter name="action" unique="0" required="1">
\t\t<getopt mixed="-o, --action=[action]" />
\t\t<content type="string" default="reboot"  />
\t\t<shortdesc lang="en">Fencing action</shortdesc>
\t</parameter>
\t<parameter name="plug" unique="0" required="0" obsoletes="port">
\t\t<getopt mixed="-n, --plug=[node]" />
\t\t<content type="string"  />
\t\t<shortdesc lang="en">The node to act on</shortdesc>
\t</parameter>
\t<parameter name="port" unique="0" required="0" deprecated="1">
\t\t<getopt mixed="-n, --plug=[node]" />
\t\t<content type="string"  />
\t\t<shortdesc lang="en">The node to act on</shortdesc>
\t</parameter>
\t<parameter name="nodename" unique="0" required="0">
\t\t<getopt mixed="--nodename=[node]" />
\t\t<content type="string"  />
\t\t<shortdesc lang="en">The node to act on, when no plug is given</shortdesc>
\t</parameter>
\t<parameter name="machines_dir" unique="0" required="0">
\t\t<getopt mixed="--machines-dir=[directory]" />
\t\t<content type="string"  />
\t\t<shortdesc lang="en">The namespace cluster's directory (default: $HAPY_NETNS_CLUSTER)\
</shortdesc>
\t</parameter>
</parameters>
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

_KNOWN = ("action", "port", "plug", "nodename", "machines_dir")
_ALIASES = {"option": "action", "machines-dir": "machines_dir"}


def parse_command_line(argv: Sequence[str]) -> dict[str, str]:
    parser = argparse.ArgumentParser(prog="fence_hapy_netns",
                                     description="fence agent for hapy namespace clusters")
    parser.add_argument("-o", "--action", default="reboot", help="fencing action")
    parser.add_argument("-n", "--plug", "--port", dest="plug", help="the node to act on")
    parser.add_argument("--nodename", help="the node to act on, when no plug is given")
    parser.add_argument("--machines-dir", dest="machines_dir",
                        help="the cluster's directory (default: $HAPY_NETNS_CLUSTER)")
    args = parser.parse_args(argv)
    return {k: v for k, v in vars(args).items() if v is not None}


def run(options: dict[str, str]) -> int:
    action = options.get("action", "reboot")
    if action == "metadata":
        sys.stdout.write(METADATA)
        return EXIT_OK
    if action not in ACTIONS:
        return fail(f"Unrecognised action '{action}'")
    root = options.get("machines_dir") or os.environ.get("HAPY_NETNS_CLUSTER")
    if not root:
        return fail("no cluster directory: set the machines_dir parameter or "
                     "HAPY_NETNS_CLUSTER")
    from hapy.testing.netns_cluster import NetnsCluster

    try:
        switch = NetnsCluster(Path(root))
    except PowerError as exc:
        return fail(str(exc))
    return switch_action(switch, action, options)


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    options = (parse_command_line(args) if args
               else read_stdin_options(sys.stdin.read(), _KNOWN, _ALIASES))
    return run(options)


if __name__ == "__main__":
    raise SystemExit(main())
