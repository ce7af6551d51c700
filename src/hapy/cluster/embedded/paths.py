"""Where an embedded cluster keeps its files, all under one directory."""

from __future__ import annotations

import json
from pathlib import Path

from hapy.records import record

DEFAULT_TOKEN_MS = 3000  # Corosync 3's default token timeout


@record
class ClusterPaths:
    """The files of the embedded cluster rooted at ``root``."""

    root: Path

    @property
    def socket(self) -> Path:
        return self.root / "membership.sock"

    @property
    def lock(self) -> Path:
        return self.root / "membership.lock"

    @property
    def pid_file(self) -> Path:
        return self.root / "membership.pid"

    @property
    def log(self) -> Path:
        return self.root / "membership.log"

    @property
    def config(self) -> Path:
        """``cluster.json``: the declared nodes, the token timeout and the quorum options."""
        return self.root / "cluster.json"

    @property
    def nodeids(self) -> Path:
        """``nodeids.json``: the node id given to each name, kept across restarts."""
        return self.root / "nodeids.json"


@record
class ClusterConfig:
    """What ``cluster.json`` declares (both fields optional in the file)."""

    nodes: tuple[str, ...] = ()
    token_ms: int = DEFAULT_TOKEN_MS
    #: votequorum's two_node (pcs sets it for a cluster of two nodes)
    two_node: bool = False
    #: votequorum's wait_for_all; None: its default (on with two_node)
    wait_for_all: bool | None = None


def load_config(paths: ClusterPaths) -> ClusterConfig:
    """The cluster's configuration; defaults when there is no ``cluster.json``."""
    try:
        data = json.loads(paths.config.read_text())
    except FileNotFoundError:
        return ClusterConfig()
    nodes = data.get("nodes", [])
    token = data.get("token_ms", DEFAULT_TOKEN_MS)
    if not isinstance(nodes, list) or not all(isinstance(n, str) for n in nodes):
        raise ValueError(f"{paths.config}: 'nodes' must be a list of node names")
    if not isinstance(token, int) or token <= 0:
        raise ValueError(f"{paths.config}: 'token_ms' must be a positive integer")
    two_node = data.get("two_node", False)
    wait_for_all = data.get("wait_for_all")
    if not isinstance(two_node, bool) or not isinstance(wait_for_all, bool | None):
        raise ValueError(f"{paths.config}: 'two_node' and 'wait_for_all' must be true or false")
    return ClusterConfig(tuple(nodes), token, two_node, wait_for_all)


def save_config(paths: ClusterPaths, config: ClusterConfig) -> None:
    paths.root.mkdir(parents=True, exist_ok=True)
    tmp = paths.config.with_suffix(".tmp")
    data: dict[str, object] = {"nodes": list(config.nodes), "token_ms": config.token_ms,
                               "two_node": config.two_node}
    if config.wait_for_all is not None:
        data["wait_for_all"] = config.wait_for_all
    tmp.write_text(json.dumps(data))
    tmp.replace(paths.config)
