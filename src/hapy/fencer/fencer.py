"""The :class:`Fencer` of one node: fences targets with the devices the CIB
configures, keeps the fencing history and checks devices.

How a target is fenced:

* with a fencing topology for the target, its levels are tried in index
  order; a level succeeds when every one of its devices does (a level naming
  a device that does not exist, is disabled, is banned from this node or
  cannot fence the target is skipped);
* without one, every usable device that can fence the target is tried alone,
  highest ``priority`` first, until one succeeds.

A reboot is the agent's reboot, except on a level of several devices and on
a device whose meta-data has no reboot: then every device is turned off,
then on again (the fencing succeeded once all are off).  Before each off or
reboot the device's ``pcmk_delay_base``/``pcmk_delay_max`` delay is waited.
Each device action is retried (``pcmk_<action>_retries``, default 2) while its
timeout (``pcmk_<action>_timeout``, else the ``stonith-timeout`` option, else
60 s) has time left.  Two requests for the same target and action while one
runs share its result.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping

from hapy.cib.xmlio import Element
from hapy.fencer.agent import (
    AgentMetadata,
    AgentResult,
    agent_input,
    read_metadata,
    run_agent,
)
from hapy.fencer.config import FencingConfig, fencing_config
from hapy.fencer.devices import FenceDevice
from hapy.fencer.events import ACTIONS, DONE, FAILED, PENDING, FenceEvent, FenceHistory
from hapy.fencer.monitoring import check_device
from hapy.fencer.targeting import TargetChecker
from hapy.records import field, record
from hapy.reports import HapyError, report

log = logging.getLogger("hapy.fencer")

EventCallback = Callable[[FenceEvent], None]
Sleep = Callable[[float], Awaitable[None]]


@record(frozen=False)
class _Step:
    """A level of the plan: the devices to run together, or why it cannot run."""

    label: str
    devices: list[FenceDevice] = field(default_factory=list)
    problem: str = ""


class Fencer:
    """The fencer of node ``node``; ``cib`` returns the current CIB (whole
    document); ``env`` is the environment of the fence agents (default:
    this process's); ``rng`` gives the random part of delays (in [0, 1))."""

    def __init__(self, node: str, cib: Callable[[], Element], *,
                 env: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.time,
                 sleep: Sleep = asyncio.sleep,
                 rng: Callable[[], float] = random.random,
                 new_id: Callable[[], str] = lambda: str(uuid.uuid4())) -> None:
        import os

        self.node = node
        self._cib = cib
        self._env = dict(os.environ if env is None else env)
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._new_id = new_id
        self._history = FenceHistory()
        self._inflight: dict[tuple[str, str], asyncio.Future[FenceEvent]] = {}
        self._metadata: dict[str, AgentMetadata] = {}
        self._checker = TargetChecker(self._env, clock)
        self._registered: set[str] = set()

    # ------------------------------------------------------------ history

    def history(self) -> list[FenceEvent]:
        """Every event known here (run here or learned from peers), oldest first."""
        return self._history.events()

    def merge(self, event: FenceEvent) -> None:
        """An event learned from a peer (idempotent: by id, pending never
        replaces finished)."""
        self._history.record(event)

    # ------------------------------------------------------------ devices

    def register_device(self, device_id: str) -> None:
        """The executor started the device here (its monitor runs here)."""
        self._registered.add(device_id)

    def unregister_device(self, device_id: str) -> None:
        self._registered.discard(device_id)

    def registered_devices(self) -> list[str]:
        return sorted(self._registered)

    def config(self) -> FencingConfig:
        return fencing_config(self._cib(), self.node)

    async def metadata(self, agent: str) -> AgentMetadata:
        """The agent's meta-data (cached once read)."""
        known = self._metadata.get(agent)
        if known is None:
            known = await read_metadata(agent, self._env)
            if known.known:
                self._metadata[agent] = known
        return known

    async def check_device(self, device_id: str) -> bool:
        """Whether the device answers its monitor (see :mod:`.monitoring`);
        HapyError FENCE_UNKNOWN_DEVICE when the CIB has no such device."""
        device = self.config().device(device_id)
        if device is None:
            raise HapyError([report("FENCE_UNKNOWN_DEVICE",
                                    f"no fence device '{device_id}' in the CIB",
                                    hint="see 'hapy stonith config'", device=device_id)])
        result = await check_device(device, await self.metadata(device.agent), self._env)
        if not result.ok:
            log.warning("fence device %s failed its check: %s", device_id, result.reason)
        return result.ok

    # ------------------------------------------------------------ fencing

    async def fence(self, target: str, action: str = "reboot", *, origin: str,
                    client: str = "controller",
                    on_event: EventCallback | None = None) -> FenceEvent:
        """Fence ``target`` now; the event ends done or failed (never raises for
        a device's failure; HapyError FENCE_BAD_ACTION for an unknown action)."""
        if action not in ACTIONS:
            raise HapyError([report("FENCE_BAD_ACTION", f"'{action}' is not a fencing action",
                                    hint="use " + ", ".join(ACTIONS), action=action)])
        if not target:
            raise HapyError([report("FENCE_NO_TARGET", "no node to fence was given")])
        key = (target, action)
        running = self._inflight.get(key)
        if running is not None:
            return await self._join(running, on_event)
        event = FenceEvent(self._new_id(), target, action, origin, client, None, (), PENDING,
                           self._clock(), None)
        future: asyncio.Future[FenceEvent] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            self._history.record(event)
            _notify(on_event, event)
            final = await self._execute(event)
            self._history.record(final)
            future.set_result(final)
        except BaseException as exc:
            final = event.finish(FAILED, self._clock(), executioner=None, devices=(),
                                 exit_reason=f"fencing was interrupted: {exc!r}")
            self._history.record(final)
            future.set_result(final)
            raise
        finally:
            del self._inflight[key]
        _notify(on_event, final)
        return final

    async def _join(self, running: asyncio.Future[FenceEvent],
                    on_event: EventCallback | None) -> FenceEvent:
        pending = next((e for e in reversed(self._history.events()) if not e.finished), None)
        if pending is not None:
            _notify(on_event, pending)
        final = await asyncio.shield(running)
        _notify(on_event, final)
        return final

    async def _execute(self, event: FenceEvent) -> FenceEvent:
        tried: list[str] = []
        try:
            cfg = self.config()
        except Exception as exc:  # a CIB we cannot read is a failed fencing, not a crash
            log.exception("reading the fencing configuration")
            return event.finish(FAILED, self._clock(), executioner=None, devices=(),
                                exit_reason=f"cannot read the fencing configuration: {exc}")
        steps = await self._plan(cfg, event.target)
        problems = [s.problem for s in steps if s.problem]
        runnable = [s for s in steps if not s.problem]
        if not runnable:
            why = "; ".join(problems) or "no fence device is configured"
            return event.finish(FAILED, self._clock(), executioner=None, devices=(),
                                exit_reason=f"no fence device can fence {event.target} ({why})")
        for step in runnable:
            tried += [d.id for d in step.devices]
            ok, reason = await self._run_step(step, event.target, event.action, cfg)
            if ok:
                return event.finish(DONE, self._clock(), executioner=self.node,
                                    devices=tuple(tried), exit_reason=reason)
            problems.append(f"{step.label}: {reason}" if step.label else reason)
            log.warning("fencing %s failed: %s", event.target, problems[-1])
        return event.finish(FAILED, self._clock(), executioner=self.node, devices=tuple(tried),
                            exit_reason="; ".join(problems)[:1024])

    async def _plan(self, cfg: FencingConfig, target: str) -> list[_Step]:
        levels = cfg.levels_for(target)
        steps: list[_Step] = []
        if levels:
            for level in levels:
                step = _Step(f"level {level.index}")
                for ident in level.devices:
                    device = cfg.device(ident)
                    problem = await self._unusable(device, ident, target, cfg)
                    if problem:
                        step.problem = f"level {level.index}: {problem}"
                        break
                    assert device is not None
                    step.devices.append(device)
                steps.append(step)
            return steps
        for device in cfg.by_priority():
            problem = await self._unusable(device, device.id, target, cfg)
            steps.append(_Step("", [] if problem else [device], problem))
        return steps

    async def _unusable(self, device: FenceDevice | None, ident: str, target: str,
                        cfg: FencingConfig) -> str:
        """Why ``device`` cannot fence ``target`` from this node ("" when it can)."""
        if device is None:
            return f"there is no fence device {ident}"
        if device.disabled:
            return f"{ident} is disabled (target-role=Stopped)"
        if device.banned:
            return f"{ident} may not run on {self.node}"
        meta = await self.metadata(device.agent)
        capability = await self._checker.can_fence(device, target, meta,
                                                   cfg.stonith_timeout_ms)
        return capability.reason if not capability.able else ""

    async def _run_step(self, step: _Step, target: str, action: str,
                        cfg: FencingConfig) -> tuple[bool, str]:
        metas = {d.id: await self.metadata(d.agent) for d in step.devices}
        remap = action == "reboot" and (len(step.devices) > 1 or not metas[
            step.devices[0].id].supports(step.devices[0].action_name("reboot")))
        if not remap:
            for device in step.devices:
                result = await self._device_action(device, action, target, metas[device.id],
                                                   cfg, delay=action != "on")
                if not result.ok:
                    return False, result.reason
            return True, ""
        for device in step.devices:
            result = await self._device_action(device, "off", target, metas[device.id], cfg,
                                               delay=True)
            if not result.ok:
                return False, result.reason
        notes = []
        for device in step.devices:
            if metas[device.id].supports(device.action_name("on")):
                result = await self._device_action(device, "on", target, metas[device.id], cfg,
                                                   delay=False)
                if not result.ok:
                    notes.append(f"turning {target} on again failed: {result.reason}")
        return True, "; ".join(notes)

    async def _device_action(self, device: FenceDevice, action: str, target: str,
                             meta: AgentMetadata, cfg: FencingConfig, *,
                             delay: bool) -> AgentResult:
        if delay:
            wait_ms = device.delay_ms(target, self._rng())
            if wait_ms > 0:
                log.info("waiting %d ms before fencing %s with %s", wait_ms, target, device.id)
                await self._sleep(wait_ms / 1000)
        name = device.action_name(action)
        host_arg = device.host_argument(has_port=meta.has_parameter("port"),
                                        has_plug=meta.has_parameter("plug"))
        stdin = agent_input(name, device.agent_params, target=target, host_argument=host_arg,
                            port=device.port_for(target))
        timeout_ms = device.timeout_ms(action, cfg.stonith_timeout_ms)
        deadline = time.monotonic() + timeout_ms / 1000
        retries = device.retries(action)
        attempt = 0
        while True:
            left_ms = int((deadline - time.monotonic()) * 1000)
            result = await run_agent(device.agent, name, stdin, self._env, max(1, left_ms))
            log.info("%s %s of %s (attempt %d): %s", device.id, name, target, attempt + 1,
                     "ok" if result.ok else result.reason)
            if result.ok or result.timed_out or result.missing or attempt >= retries \
                    or time.monotonic() >= deadline:
                break
            attempt += 1
        if result.timed_out:
            return AgentResult(False, result.code, result.output, f"{device.id}: {device.agent} "
                               f"{name} timed out after {timeout_ms} ms", True)
        if not result.ok:
            return AgentResult(False, result.code, result.output,
                               f"{device.id}: {result.reason}", result.timed_out)
        return result


def _notify(callback: EventCallback | None, event: FenceEvent) -> None:
    if callback is None:
        return
    try:
        callback(event)
    except Exception:
        log.exception("fencing event callback")
