"""How each resource standard is invoked: the command, its environment, and
how its exit code maps to an OCF result.

* ``ocf``: ``$OCF_ROOT/resource.d/PROVIDER/TYPE ACTION`` with the environment
  the OCF resource agent API defines: ``OCF_ROOT``, ``OCF_RA_VERSION_*``,
  ``OCF_RESOURCE_INSTANCE``/``_TYPE``/``_PROVIDER``, each instance attribute as
  ``OCF_RESKEY_name`` and each meta attribute (with the operation's own, such
  as the timeout and interval in milliseconds) as ``OCF_RESKEY_CRM_meta_name``
  (dashes become underscores).
* ``lsb``: ``/etc/init.d/TYPE start|stop|status``; the status exit codes of
  the LSB init script specification are mapped to OCF ones (3, "not running",
  becomes 7).
* ``nagios``: the plugin ``TYPE`` is run with each instance attribute as
  ``--name value``; it checks something rather than running it, so stop does
  nothing and a probe finds it running only where this node started it.
* ``systemd``: driven through systemd's D-Bus API (by ``systemctl``, which
  waits for the start or stop job to finish); where no systemd runs, the
  result is the one for an agent that is not installed.
* ``service``: an LSB script of that name if there is one, else systemd.
* ``stonith``: fence devices, checked and registered rather than run (see
  :mod:`hapy.executor.stonith`).

Every agent also gets per-node runtime directories (``HA_RSCTMP``,
``HA_VARRUN``, ``HA_VARLOCK``) so that several nodes on one host keep
separate state files, and, on an embedded cluster, ``HAPY_CLUSTER_DIR`` and
``HAPY_NODE``: fence_hapy finds what a node started by them when it cuts the
node's power.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import IntEnum
from pathlib import Path

from hapy.records import record


class OcfRc(IntEnum):
    """OCF exit codes (rc-code in the CIB)."""

    OK = 0
    ERR_GENERIC = 1
    ERR_ARGS = 2
    ERR_UNIMPLEMENTED = 3
    ERR_PERM = 4
    ERR_INSTALLED = 5
    ERR_CONFIGURED = 6
    NOT_RUNNING = 7
    RUNNING_PROMOTED = 8
    FAILED_PROMOTED = 9
    DEGRADED = 190
    DEGRADED_PROMOTED = 191


class OpStatus(IntEnum):
    """How an operation ended, apart from the agent's rc (op-status in the CIB)."""

    PENDING = -1
    DONE = 0
    CANCELLED = 1
    TIMEOUT = 2
    NOT_SUPPORTED = 3
    ERROR = 4
    ERROR_HARD = 5
    ERROR_FATAL = 6
    NOT_INSTALLED = 7


@record
class AgentSpec:
    """class:provider:type of a resource."""

    standard: str
    type: str
    provider: str | None = None

    def __str__(self) -> str:
        if self.provider:
            return f"{self.standard}:{self.provider}:{self.type}"
        return f"{self.standard}:{self.type}"


@record
class AgentPaths:
    """Where agents live, and this node's runtime directory for them."""

    runtime_dir: Path
    ocf_root: Path = Path("/usr/lib/ocf")
    lsb_dir: Path = Path("/etc/init.d")
    nagios_dir: Path = Path("/usr/lib/nagios/plugins")
    #: prepended to PATH (hapy's crm_attribute and friends for agents that call them)
    tools_dir: Path | None = None
    systemd_run_dir: Path = Path("/run/systemd/system")
    #: more environment for every agent (hapy's tools find their node with it)
    extra_env: tuple[tuple[str, str], ...] = ()
    #: the embedded cluster's directory, exported as HAPY_CLUSTER_DIR
    cluster_dir: Path | None = None

    def runtime_env(self) -> dict[str, str]:
        env = {
            "HA_RSCTMP": str(self.runtime_dir / "rsctmp"),
            "HA_VARRUN": str(self.runtime_dir / "run"),
            "HA_VARLOCK": str(self.runtime_dir / "lock"),
        }
        for path in env.values():
            Path(path).mkdir(parents=True, exist_ok=True)
        if self.tools_dir is not None:
            env["HA_SBIN_DIR"] = str(self.tools_dir)
        if self.cluster_dir is not None:
            env["HAPY_CLUSTER_DIR"] = str(self.cluster_dir)
        env.update(self.extra_env)
        return env


@record
class Invocation:
    """A process to run for an action, and how to read its exit code."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    standard: str
    action: str
    #: a result known without running anything (e.g. agent not installed)
    fixed_rc: OcfRc | None = None
    fixed_status: OpStatus = OpStatus.DONE
    fixed_reason: str = ""
    #: written to the agent's standard input (fence agents read key=value lines)
    stdin: str | None = None


def meta_env_name(name: str) -> str:
    return "OCF_RESKEY_CRM_meta_" + name.replace("-", "_")


def _base_env(paths: AgentPaths) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        "LC_ALL": "C",
    }
    if paths.tools_dir is not None:
        env["PATH"] = f"{paths.tools_dir}:{env['PATH']}"
    env.update(paths.runtime_env())
    return env


def agent_environment(paths: AgentPaths) -> dict[str, str]:
    """The environment every agent of this node gets (fence agents too)."""
    return _base_env(paths)


def _not_installed(spec: AgentSpec, action: str, what: str) -> Invocation:
    return Invocation((), {}, spec.standard, action, fixed_rc=OcfRc.ERR_INSTALLED,
                      fixed_status=OpStatus.NOT_INSTALLED, fixed_reason=f"{what} not installed")


#: hapy's own OCF agents (provider "hapy"), shipped with the package
BUNDLED_OCF = Path(__file__).resolve().parent.parent / "agents" / "resource.d"
#: hapy's stand-ins for the Pacemaker tools agents call (crm_attribute)
BUNDLED_TOOLS = Path(__file__).resolve().parent.parent / "agents" / "tools"


def ocf_agent_path(provider: str, agent_type: str, paths: AgentPaths) -> Path:
    """Where an OCF agent is: hapy's own for provider ``hapy`` unless the system
    has one, else under OCF_ROOT."""
    system = paths.ocf_root / "resource.d" / provider / agent_type
    if provider == "hapy" and not system.exists():
        return BUNDLED_OCF / provider / agent_type
    return system


def ocf_invocation(spec: AgentSpec, action: str, instance: str, params: Mapping[str, str],
                   meta: Mapping[str, str], paths: AgentPaths) -> Invocation:
    provider = spec.provider or "heartbeat"
    agent = ocf_agent_path(provider, spec.type, paths)
    if not agent.is_file():
        return _not_installed(spec, action, f"agent {agent}")
    # a wheel may not keep the bundled agents' execute bit: run them with sh
    argv = (str(agent), action) if os.access(agent, os.X_OK) else ("/bin/sh", str(agent), action)
    env = _base_env(paths)
    env.update({
        "OCF_ROOT": str(paths.ocf_root),
        "OCF_RA_VERSION_MAJOR": "1",
        "OCF_RA_VERSION_MINOR": "1",
        "OCF_RESOURCE_INSTANCE": instance,
        "OCF_RESOURCE_TYPE": spec.type,
        "OCF_RESOURCE_PROVIDER": provider,
    })
    for name, value in params.items():
        env["OCF_RESKEY_" + name] = value
    for name, value in meta.items():
        env[meta_env_name(name)] = value
    return Invocation(argv, env, "ocf", action)


# LSB init script status codes -> OCF
_LSB_STATUS = {0: OcfRc.OK, 1: OcfRc.NOT_RUNNING, 2: OcfRc.NOT_RUNNING, 3: OcfRc.NOT_RUNNING}


def map_rc(standard: str, action: str, rc: int) -> OcfRc:
    """The OCF result for an agent's exit code."""
    if standard == "lsb" and action in ("monitor", "status"):
        return _LSB_STATUS.get(rc, OcfRc.ERR_GENERIC)
    if standard == "nagios":
        return OcfRc.OK if rc == 0 else OcfRc.ERR_GENERIC
    if standard == "stonith" and rc not in (0, 1, 2):
        # fence agents: 0 success (status: on), 2 status: off, anything else failed
        return OcfRc.ERR_GENERIC
    if standard == "systemd" and action in ("monitor", "status"):
        return OcfRc.OK if rc == 0 else OcfRc.NOT_RUNNING
    try:
        return OcfRc(rc)
    except ValueError:
        return OcfRc.ERR_GENERIC


def lsb_invocation(spec: AgentSpec, action: str, paths: AgentPaths) -> Invocation:
    script = paths.lsb_dir / spec.type
    if not os.access(script, os.X_OK):
        return _not_installed(spec, action, f"init script {script}")
    verb = {"monitor": "status"}.get(action, action)
    if verb not in ("start", "stop", "status", "restart", "force-reload", "meta-data"):
        return Invocation((), {}, "lsb", action, fixed_rc=OcfRc.ERR_UNIMPLEMENTED,
                          fixed_status=OpStatus.NOT_SUPPORTED,
                          fixed_reason=f"LSB scripts have no '{action}' action")
    return Invocation((str(script), verb), _base_env(paths), "lsb", action)


def nagios_invocation(spec: AgentSpec, action: str, params: Mapping[str, str],
                      paths: AgentPaths) -> Invocation:
    plugin = paths.nagios_dir / spec.type
    if not os.access(plugin, os.X_OK):
        return _not_installed(spec, action, f"plugin {plugin}")
    if action == "stop":
        return Invocation((), {}, "nagios", action, fixed_rc=OcfRc.OK)
    argv = [str(plugin)]
    for name, value in params.items():
        argv += [f"--{name}", value]
    return Invocation(tuple(argv), _base_env(paths), "nagios", action)


def systemd_running(paths: AgentPaths) -> bool:
    return paths.systemd_run_dir.is_dir()


def invocation(spec: AgentSpec, action: str, instance: str, params: Mapping[str, str],
               meta: Mapping[str, str], paths: AgentPaths) -> Invocation:
    """How to run ``action`` of a resource of ``spec``."""
    standard = spec.standard
    if standard == "service":
        standard = "lsb" if os.access(paths.lsb_dir / spec.type, os.X_OK) else "systemd"
    if standard == "ocf":
        return ocf_invocation(spec, action, instance, params, meta, paths)
    if standard == "lsb":
        return lsb_invocation(spec, action, paths)
    if standard == "nagios":
        return nagios_invocation(spec, action, params, paths)
    if standard == "systemd":
        if not systemd_running(paths):
            return _not_installed(spec, action, "systemd (not running on this host), so unit "
                                  f"{spec.type}")
        verb = {"monitor": "is-active", "status": "is-active"}.get(action, action)
        if verb not in ("start", "stop", "is-active"):
            return Invocation((), {}, "systemd", action, fixed_rc=OcfRc.ERR_UNIMPLEMENTED,
                              fixed_status=OpStatus.NOT_SUPPORTED,
                              fixed_reason=f"systemd units have no '{action}' action")
        # systemctl speaks systemd's D-Bus API and waits for the job to finish
        return Invocation(("systemctl", verb, _unit_name(spec.type)), _base_env(paths),
                          "systemd", action)
    return Invocation((), {}, standard, action, fixed_rc=OcfRc.ERR_CONFIGURED,
                      fixed_status=OpStatus.ERROR_FATAL,
                      fixed_reason=f"unknown resource class '{spec.standard}'")


def _unit_name(name: str) -> str:
    return name if "." in name else f"{name}.service"
