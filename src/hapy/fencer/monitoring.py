"""Checking that a fence device works, for the executor's monitors: the
agent's ``monitor`` action, else (fence-agents without one) ``list``, else
``status`` of a port it is configured for (on or off both mean the device
answered)."""

from __future__ import annotations

from collections.abc import Mapping

from hapy.fencer.agent import AgentMetadata, AgentResult, agent_input, run_agent
from hapy.fencer.devices import DEFAULT_TIMEOUT_MS, FenceDevice


async def check_device(device: FenceDevice, meta: AgentMetadata, env: Mapping[str, str],
                       timeout_ms: int | None = None) -> AgentResult:
    """Whether ``device`` answers; ``timeout_ms`` overrides its pcmk_monitor_timeout."""
    def limit(action: str) -> int:
        return timeout_ms if timeout_ms else device.timeout_ms(action, DEFAULT_TIMEOUT_MS)

    params = device.agent_params
    if meta.supports("monitor"):
        action = device.action_name("monitor")
        result = await run_agent(device.agent, action, agent_input(action, params), env,
                                 limit("monitor"))
    elif meta.supports("list"):
        action = device.action_name("list")
        result = await run_agent(device.agent, action, agent_input(action, params), env,
                                 limit("list"))
    elif meta.supports("status"):
        hosts = [*device.host_list, *device.host_map]
        if not hosts:
            return AgentResult(True, 0)  # nothing to ask about: assume it works
        action = device.action_name("status")
        host_arg = device.host_argument(has_port=meta.has_parameter("port"),
                                        has_plug=meta.has_parameter("plug"))
        result = await run_agent(
            device.agent, action, agent_input(action, params, target=hosts[0],
                                              host_argument=host_arg,
                                              port=device.port_for(hosts[0])),
            env, limit("status"), ok_codes=(0, 2))
    else:
        return AgentResult(True, 0)
    return result
