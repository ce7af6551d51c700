"""Which nodes a device can fence, per its ``pcmk_host_check``:

* ``static-list``: the nodes of ``pcmk_host_list`` and ``pcmk_host_map``;
* ``dynamic-list``: the ports the agent's ``list`` action prints (the first
  comma-separated field of each line), compared with the target's port
  (its ``pcmk_host_map`` entry, else its name); a list is reused for
  :data:`LIST_CACHE_SECONDS`;
* ``status``: the agent's ``status`` of the target's port answers on (0)
  or off (2);
* ``none``: every node.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hapy.fencer.agent import AgentMetadata, agent_input, run_agent
from hapy.fencer.devices import FenceDevice
from hapy.records import record

LIST_CACHE_SECONDS = 60.0


def parse_list_output(text: str) -> frozenset[str]:
    """The ports of a ``list`` action's output (``port[,alias]`` lines)."""
    ports = set()
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        port, _, alias = line.partition(",")
        ports.add(port.strip())
        if alias.strip():
            ports.add(alias.strip())
    ports.discard("")
    return frozenset(ports)


@record
class Capability:
    """Whether a device can fence a target, and why not."""

    able: bool
    reason: str = ""


class TargetChecker:
    """Answers "can this device fence that node?", caching dynamic lists."""

    def __init__(self, env: Mapping[str, str], clock: Callable[[], float]) -> None:
        self._env = env
        self._clock = clock
        self._lists: dict[tuple[str, tuple[tuple[str, str], ...]],
                          tuple[float, frozenset[str]]] = {}

    def forget(self) -> None:
        self._lists.clear()

    async def can_fence(self, device: FenceDevice, target: str, meta: AgentMetadata,
                        cluster_timeout_ms: int) -> Capability:
        check = device.host_check(supports_list=meta.supports("list"),
                                  supports_status=meta.supports("status"))
        if check == "none":
            return Capability(True)
        if check == "static-list":
            if target in device.host_list or target in device.host_map:
                return Capability(True)
            return Capability(False, f"{device.id}: {target} is not in its pcmk_host_list "
                              "or pcmk_host_map")
        port = device.port_for(target)
        if check == "dynamic-list":
            ports = await self._list(device, cluster_timeout_ms)
            if ports is None:
                return Capability(False, f"{device.id}: its list action failed")
            if port in ports or target in ports:
                return Capability(True)
            return Capability(False, f"{device.id}: {target} is not among the ports its list "
                              "action prints")
        host_arg = device.host_argument(has_port=meta.has_parameter("port"),
                                        has_plug=meta.has_parameter("plug"))
        action = device.action_name("status")
        result = await run_agent(
            device.agent, action, agent_input(action, device.agent_params, target=target,
                                              host_argument=host_arg, port=port),
            self._env, device.timeout_ms("status", cluster_timeout_ms), ok_codes=(0, 2))
        if result.ok:
            return Capability(True)
        return Capability(False, f"{device.id}: status of {target}: {result.reason}")

    async def _list(self, device: FenceDevice, cluster_timeout_ms: int) -> frozenset[str] | None:
        key = (device.id, tuple(sorted(device.attributes.items())))
        cached = self._lists.get(key)
        now = self._clock()
        if cached is not None and now - cached[0] < LIST_CACHE_SECONDS:
            return cached[1]
        action = device.action_name("list")
        result = await run_agent(device.agent, action,
                                 agent_input(action, device.agent_params), self._env,
                                 device.timeout_ms("list", cluster_timeout_ms))
        if not result.ok:
            return None
        ports = parse_list_output(result.output)
        self._lists[key] = (now, ports)
        return ports
