"""A fence device: the agent to run, the parameters it gets, and the fencer's
own ``pcmk_*`` parameters with Pacemaker 2.1.5's defaults.

Parameters whose name starts with ``pcmk_`` (and the legacy ``provides`` and
``stonith-timeout``) are the fencer's: they are never passed to the agent.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from hapy.cib.iso8601 import parse_msec
from hapy.fencer.hostlists import parse_delay_base, parse_host_list, parse_host_map
from hapy.records import field, record

HOST_CHECKS = ("static-list", "dynamic-list", "status", "none")
#: a device action's timeout when neither pcmk_<action>_timeout nor the
#: stonith-timeout cluster option says otherwise
DEFAULT_TIMEOUT_MS = 60_000
DEFAULT_RETRIES = 2
_FENCER_PARAMS = frozenset(("provides", "stonith-timeout"))


def is_fencer_param(name: str) -> bool:
    """Whether ``name`` is for the fencer rather than the agent."""
    return name.startswith("pcmk_") or name in _FENCER_PARAMS


def _frozen(items: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(items))


@record
class FenceDevice:
    """A device as the fencer uses it (built from a ``stonith`` primitive)."""

    id: str
    agent: str
    #: every instance attribute, the fencer's included
    attributes: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    priority: int = 0
    #: target-role=Stopped: the device must not be used
    disabled: bool = False
    #: a location constraint keeps it off this node
    banned: bool = False

    @classmethod
    def of(cls, ident: str, agent: str, attributes: Mapping[str, str], *, priority: int = 0,
           disabled: bool = False, banned: bool = False) -> FenceDevice:
        return cls(ident, agent, _frozen(attributes), priority, disabled, banned)

    @property
    def usable(self) -> bool:
        return not self.disabled and not self.banned

    @property
    def agent_params(self) -> dict[str, str]:
        """What the agent gets (besides the action and the target)."""
        return {k: v for k, v in self.attributes.items() if not is_fencer_param(k)}

    def get(self, name: str) -> str | None:
        value = self.attributes.get(name)
        return value if value not in (None, "") else None

    def action_name(self, action: str) -> str:
        """The agent's action for ``action`` (``pcmk_reboot_action``...)."""
        return self.get(f"pcmk_{action}_action") or action

    def timeout_ms(self, action: str, cluster_default_ms: int = DEFAULT_TIMEOUT_MS) -> int:
        for name in (f"pcmk_{action}_timeout", "stonith-timeout"):
            text = self.get(name)
            if text is not None:
                try:
                    value = parse_msec(text)
                except ValueError:
                    continue
                if value > 0:
                    return value
        return cluster_default_ms

    def retries(self, action: str) -> int:
        text = self.get(f"pcmk_{action}_retries")
        try:
            return max(0, int(text)) if text is not None else DEFAULT_RETRIES
        except ValueError:
            return DEFAULT_RETRIES

    @property
    def host_list(self) -> tuple[str, ...]:
        return parse_host_list(self.get("pcmk_host_list"))

    @property
    def host_map(self) -> dict[str, str]:
        try:
            return parse_host_map(self.get("pcmk_host_map"))
        except ValueError:
            return {}

    def port_for(self, target: str) -> str:
        """The value identifying ``target`` to the agent (its pcmk_host_map
        entry, else its name)."""
        return self.host_map.get(target, target)

    def host_check(self, *, supports_list: bool, supports_status: bool) -> str:
        """``pcmk_host_check`` or its default: static-list when a host list or
        map is given, else dynamic-list when the agent can list, else status
        when it can tell a port's status, else none."""
        given = self.get("pcmk_host_check")
        if given in HOST_CHECKS:
            return given
        if self.get("pcmk_host_list") or self.get("pcmk_host_map"):
            return "static-list"
        if supports_list:
            return "dynamic-list"
        if supports_status:
            return "status"
        return "none"

    def host_argument(self, *, has_port: bool, has_plug: bool) -> str | None:
        """The agent parameter naming the target: ``pcmk_host_argument``, else
        ``port``, else ``plug`` when the agent has plug but not port; None for
        ``none``."""
        given = self.get("pcmk_host_argument")
        if given is not None:
            return None if given == "none" else given
        if has_plug and not has_port:
            return "plug"
        return "port"

    def delay_ms(self, target: str, random_fraction: float) -> int:
        """The delay before fencing ``target``: ``pcmk_delay_base`` plus a
        random part keeping the sum under ``pcmk_delay_max``."""
        try:
            base = parse_delay_base(self.get("pcmk_delay_base"), target)
        except ValueError:
            base = 0
        try:
            most = parse_msec(self.get("pcmk_delay_max") or "0")
        except ValueError:
            most = 0
        if most > base:
            return base + int(random_fraction * (most - base))
        return base
