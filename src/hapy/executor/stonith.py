"""Operations on fence devices (resources of class ``stonith``), as
Pacemaker's executor runs them: nothing is started, the device is checked
and registered with the fencer.

* ``start``: the device's monitor must succeed (see
  :func:`hapy.fencer.monitoring.check_device`); then it is registered on
  this node;
* ``stop``: it is unregistered (always succeeds);
* ``monitor``: "not running" where it is not registered (a probe finds
  nothing), else the result of its check;
* ``meta-data``: the fence agent's.

Results are OCF codes like every other class's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Protocol

from hapy.executor.agents import OcfRc, OpStatus
from hapy.executor.process import ActionResult
from hapy.fencer.agent import AgentMetadata, read_metadata
from hapy.fencer.devices import FenceDevice
from hapy.fencer.monitoring import check_device


class DeviceRegistry(Protocol):
    """Where the executor registers the fence devices it started (the fencer)."""

    def register_device(self, device_id: str) -> None: ...

    def unregister_device(self, device_id: str) -> None: ...


class StonithActions:
    """The stonith class's operations for one node's executor."""

    def __init__(self, env: Callable[[], Mapping[str, str]],
                 registry: DeviceRegistry | None = None) -> None:
        self._env = env
        self.registry = registry
        self._started: set[str] = set()
        self._known_metadata: dict[str, AgentMetadata] = {}

    def started(self) -> list[str]:
        return sorted(self._started)

    async def run(self, rsc: str, agent: str, action: str, params: Mapping[str, str],
                  timeout_ms: int) -> ActionResult:
        if action == "stop":
            self._started.discard(rsc)
            if self.registry is not None:
                self.registry.unregister_device(rsc)
            return ActionResult(OcfRc.OK, OpStatus.DONE, 0)
        if action == "meta-data":
            return await self._metadata(agent)
        if action not in ("start", "monitor", "status"):
            return ActionResult(OcfRc.ERR_UNIMPLEMENTED, OpStatus.NOT_SUPPORTED, 0,
                                f"fence devices have no '{action}' action")
        if action != "start" and rsc not in self._started:
            return ActionResult(OcfRc.NOT_RUNNING, OpStatus.DONE, 0)
        device = FenceDevice.of(rsc, agent, params)
        result = await self._check(device, timeout_ms)
        if action == "start" and result.rc == OcfRc.OK:
            self._started.add(rsc)
            if self.registry is not None:
                self.registry.register_device(rsc)
        return result

    async def _check(self, device: FenceDevice, timeout_ms: int) -> ActionResult:
        began = time.monotonic()
        env = self._env()
        meta = await self._read_metadata(device.agent, env)
        result = await check_device(device, meta, env, timeout_ms)
        elapsed = int((time.monotonic() - began) * 1000)
        if result.ok:
            return ActionResult(OcfRc.OK, OpStatus.DONE, elapsed, stdout=result.output)
        if result.missing:
            return ActionResult(OcfRc.ERR_INSTALLED, OpStatus.NOT_INSTALLED, elapsed,
                                result.reason)
        if result.timed_out:
            return ActionResult(OcfRc.ERR_GENERIC, OpStatus.TIMEOUT, elapsed, result.reason)
        return ActionResult(OcfRc.ERR_GENERIC, OpStatus.DONE, elapsed, result.reason[:127])

    async def _read_metadata(self, agent: str, env: Mapping[str, str]) -> AgentMetadata:
        known = self._known_metadata.get(agent)
        if known is None:
            known = await read_metadata(agent, env)
            if known.known:
                self._known_metadata[agent] = known
        return known

    async def _metadata(self, agent: str) -> ActionResult:
        meta = await self._read_metadata(agent, self._env())
        if not meta.known:
            return ActionResult(OcfRc.ERR_INSTALLED, OpStatus.NOT_INSTALLED, 0,
                                f"no meta-data from fence agent {agent}")
        return ActionResult(OcfRc.OK, OpStatus.DONE, 0, stdout=meta.xml)
