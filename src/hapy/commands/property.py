"""Cluster properties (pcs property): the cib-bootstrap-options set."""

from __future__ import annotations

from hapy.cib import build
from hapy.cib.xmlio import parse_xml_text
from hapy.commands.env import ClusterEnv, cib_change, cib_query
from hapy.reports import HapyError, report

SET_ID = "cib-bootstrap-options"

#: the properties hapy knows; others are refused unless forced (as pcs does)
KNOWN = frozenset({
    "batch-limit", "cluster-delay", "cluster-infrastructure", "cluster-ipc-limit",
    "cluster-name", "cluster-recheck-interval", "concurrent-fencing", "dc-deadtime",
    "dc-version", "election-timeout", "enable-acl", "enable-startup-probes",
    "fence-reaction", "have-watchdog", "join-finalization-timeout",
    "join-integration-timeout", "load-threshold", "maintenance-mode", "migration-limit",
    "no-quorum-policy", "node-action-limit", "node-health-base", "node-health-green",
    "node-health-red", "node-health-strategy", "node-health-yellow", "placement-strategy",
    "pe-error-series-max", "pe-input-series-max", "pe-warn-series-max", "priority-fencing-delay",
    "remove-after-stop", "shutdown-escalation", "shutdown-lock", "shutdown-lock-limit",
    "start-failure-is-fatal", "startup-fencing", "stonith-action", "stonith-enabled",
    "stonith-max-attempts", "stonith-timeout", "stonith-watchdog-timeout", "stop-all-resources",
    "stop-orphan-actions", "stop-orphan-resources", "symmetric-cluster", "transition-delay",
})


def _check(name: str, force: bool) -> None:
    if name not in KNOWN and not force:
        raise HapyError([report("PROPERTY_UNKNOWN", f"unknown cluster property '{name}'",
                                hint="check the name, or use --force to set it anyway",
                                forceable=True, property=name)])


def set_properties(env: ClusterEnv, pairs: list[tuple[str, str]], *, force: bool = False) -> None:
    for name, _ in pairs:
        _check(name, force)
    current = {n: i for n, _, i in list_properties(env)}
    nvs = build.nvset(None, "cluster_property_set", SET_ID, [p for p in pairs if p[1] != ""])
    for pair in nvs:
        known = current.get(str(pair.get("name")))
        if known:
            pair.set("id", known)
    if len(nvs):
        cib_change(env, "modify", build.to_text(nvs), scope="crm_config", allow_create=True)
    for name, value in pairs:
        if value == "" and name in current:
            unset_property(env, name)


def unset_property(env: ClusterEnv, name: str) -> None:
    xpath = (f"/cib/configuration/crm_config/cluster_property_set[@id='{SET_ID}']"
             f"/nvpair[@name='{build.check_id(name, 'property name')}']")
    if not cib_query(env, xpath=xpath):
        raise HapyError([report("PROPERTY_NOT_SET", f"property '{name}' is not set",
                                property=name)])
    cib_change(env, "delete", xpath=xpath, delete_all=True)


def list_properties(env: ClusterEnv) -> list[tuple[str, str, str]]:
    """(name, value, nvpair id) of the cib-bootstrap-options set."""
    found = cib_query(env, xpath=f"/cib/configuration/crm_config/cluster_property_set"
                                 f"[@id='{SET_ID}']")
    if not found:
        return []
    elem = parse_xml_text(found[0])
    return [(str(p.get("name")), str(p.get("value", "")), str(p.get("id")))
            for p in elem.iter("nvpair")]
