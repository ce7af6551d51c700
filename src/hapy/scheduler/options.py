"""Cluster options (``crm_config``) with Pacemaker 2.1.5's defaults."""

from __future__ import annotations

from collections.abc import Mapping

from hapy.cib.iso8601 import parse_interval_ms
from hapy.records import record

DEFAULTS: dict[str, str] = {
    "stonith-enabled": "true",
    "stonith-action": "reboot",
    "stonith-timeout": "60s",
    "symmetric-cluster": "true",
    "no-quorum-policy": "stop",
    "stop-orphan-resources": "true",
    "stop-orphan-actions": "true",
    "start-failure-is-fatal": "true",
    "maintenance-mode": "false",
    "stop-all-resources": "false",
    "placement-strategy": "default",
    "node-health-strategy": "none",
    "node-health-base": "0",
    "node-health-green": "0",
    "node-health-yellow": "0",
    "node-health-red": "-INFINITY",
    "cluster-delay": "60s",
    "batch-limit": "0",
    "migration-limit": "-1",
    "shutdown-lock": "false",
    "shutdown-lock-limit": "0",
    "concurrent-fencing": "false",
    "priority-fencing-delay": "0",
    "enable-startup-probes": "true",
    "startup-fencing": "true",
    "remove-after-stop": "false",
    "have-watchdog": "false",
    "stonith-watchdog-timeout": "0",
}

TRUE_WORDS = frozenset(("true", "yes", "y", "on", "1"))


def is_true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in TRUE_WORDS


@record
class ClusterOptions:
    values: Mapping[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, DEFAULTS.get(name, ""))

    def flag(self, name: str) -> bool:
        return is_true(self.get(name))

    def ms(self, name: str) -> int:
        try:
            return parse_interval_ms(self.get(name))
        except ValueError:
            return parse_interval_ms(DEFAULTS[name])

    @property
    def stonith_enabled(self) -> bool:
        return self.flag("stonith-enabled")

    @property
    def symmetric(self) -> bool:
        return self.flag("symmetric-cluster")

    @property
    def no_quorum_policy(self) -> str:
        return self.get("no-quorum-policy").lower()
