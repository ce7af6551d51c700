"""Fault injection in an embedded cluster (``hapy cluster kill|pause|resume|
partition|heal``), for tests and demonstrations.

Each fault goes through the cluster's membership service, which knows every
node's daemon process and decides who hears whom.
"""

from __future__ import annotations

from collections.abc import Sequence

from hapy.cluster.embedded.control import ClusterControl
from hapy.cluster.embedded.paths import ClusterPaths, load_config
from hapy.commands.env import ClusterEnv
from hapy.reports import HapyError, report


def _declared(env: ClusterEnv) -> tuple[str, ...]:
    try:
        return load_config(ClusterPaths(env.root)).nodes
    except ValueError as exc:
        raise HapyError([report("CLUSTER_CONFIG_INVALID", str(exc))]) from None


def _check_nodes(env: ClusterEnv, nodes: Sequence[str]) -> None:
    declared = _declared(env)
    unknown = [n for n in nodes if n not in declared]
    if unknown:
        raise HapyError([report("CLUSTER_UNKNOWN_NODE",
                                f"no node {', '.join(unknown)} in this cluster",
                                hint=f"its nodes are {' '.join(declared) or '(none)'}",
                                directory=str(env.root))])


def kill_node(env: ClusterEnv, node: str) -> int:
    """A power cut, as fence_hapy's ``off`` does it: the node's daemon and
    everything it started are killed at once (no goodbye), its runtime files
    are gone; the number of processes killed."""
    from hapy.fencer.embedded_power import PowerError, node_of, power_off

    _check_nodes(env, [node])
    try:
        return power_off(node_of(env.root, node))
    except PowerError as exc:
        raise HapyError([report("CLUSTER_KILL_FAILED", str(exc), node=node)]) from None


def pause_node(env: ClusterEnv, node: str) -> None:
    """SIGSTOP the node's daemon: the others expel it after the token timeout."""
    _check_nodes(env, [node])
    ClusterControl(env.root).pause(node)


def resume_node(env: ClusterEnv, node: str) -> None:
    _check_nodes(env, [node])
    ClusterControl(env.root).resume(node)


def parse_sides(sides: Sequence[str]) -> list[list[str]]:
    """``["node1,node2", "node3"]`` -> ``[["node1", "node2"], ["node3"]]``."""
    groups = [[n.strip() for n in side.split(",") if n.strip()] for side in sides]
    if len(groups) < 2 or any(not g for g in groups):
        raise HapyError([report("CLUSTER_BAD_PARTITION",
                                "a partition needs at least two non-empty sides",
                                hint="e.g. hapy cluster partition node1,node2 node3")])
    seen: set[str] = set()
    for group in groups:
        twice = seen.intersection(group)
        if twice:
            raise HapyError([report("CLUSTER_BAD_PARTITION",
                                    f"node {sorted(twice)[0]} is on two sides",
                                    hint="list each node on one side only")])
        seen.update(group)
    return groups


def partition(env: ClusterEnv, sides: Sequence[str]) -> list[list[str]]:
    """Split the nodes into sides that no longer hear each other (nodes not
    listed form one more side)."""
    groups = parse_sides(sides)
    _check_nodes(env, [n for g in groups for n in g])
    ClusterControl(env.root).partition(groups)
    return groups


def heal(env: ClusterEnv) -> None:
    _declared(env)
    ClusterControl(env.root).heal()
