"""Where a node's cluster files are, and hapy.conf (this node's settings).

Every path is under a root, ``/`` unless ``HAPY_ROOT`` names another
directory (tests run many "machines" on one host; each sees its own files
there).  hapy.conf is an environment file (``KEY=VALUE`` lines, ``#``
comments): the systemd unit passes it to ``hapy daemon`` as its environment
(``EnvironmentFile=``), ``hapy cluster start`` does the same when it starts
the daemon itself, and the ``hapy`` commands read it to find the daemon's
state directory (its socket).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path

from hapy.records import record
from hapy.reports import HapyError, report

ROOT_ENV = "HAPY_ROOT"
DEFAULT_CPG_GROUP = "hapy"


@record
class NodePaths:
    """This node's cluster files, under ``root``."""

    root: Path = Path("/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NodePaths:
        chosen = (os.environ if environ is None else environ).get(ROOT_ENV) or "/"
        return cls(Path(chosen).resolve())

    def under(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")

    @property
    def is_default(self) -> bool:
        return self.root == Path("/")

    @property
    def corosync_conf(self) -> Path:
        return self.under("/etc/corosync/corosync.conf")

    @property
    def authkey(self) -> Path:
        return self.under("/etc/corosync/authkey")

    @property
    def hapy_conf(self) -> Path:
        return self.under("/etc/hapy/hapy.conf")

    @property
    def default_state_dir(self) -> Path:
        return self.under("/var/lib/hapy")

    @property
    def corosync_log(self) -> Path:
        return self.under("/var/log/corosync/corosync.log")

    @property
    def corosync_state_dir(self) -> Path:
        return self.under("/var/lib/corosync")


def parse_env_file(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines (values may be quoted as in a shell); comments and
    blank lines skipped, malformed lines too (as systemd does)."""
    settings: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip()
        if key.startswith("export "):
            key = key[len("export "):].strip()
        if not key.replace("_", "").isalnum():
            continue
        value = value.strip()
        try:
            words = shlex.split(value)
        except ValueError:
            words = [value]
        settings[key] = " ".join(words)
    return settings


def render_env_file(settings: Mapping[str, str], header: str) -> str:
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [f"{key}={shlex.quote(value)}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


@record
class NodeSettings:
    """What hapy.conf says (environment variables override it)."""

    state_dir: Path
    cpg_group: str
    log_level: str
    #: every KEY=VALUE of hapy.conf: the daemon's extra environment
    environment: tuple[tuple[str, str], ...] = ()


def load_settings(paths: NodePaths, environ: Mapping[str, str] | None = None) -> NodeSettings:
    """hapy.conf's settings (defaults when it is absent), overridden by the
    same variables in the environment."""
    env = os.environ if environ is None else environ
    try:
        file_settings = parse_env_file(paths.hapy_conf.read_text())
    except FileNotFoundError:
        file_settings = {}
    except OSError as exc:
        raise HapyError([report("HAPY_CONF_UNREADABLE", f"cannot read {paths.hapy_conf}: "
                                f"{exc.strerror}", file=str(paths.hapy_conf))]) from None

    def pick(key: str, default: str) -> str:
        return env.get(key) or file_settings.get(key) or default

    return NodeSettings(Path(pick("HAPY_STATE_DIR", str(paths.default_state_dir))),
                        pick("HAPY_CPG_GROUP", DEFAULT_CPG_GROUP),
                        pick("HAPY_LOG_LEVEL", "INFO"),
                        tuple(file_settings.items()))
