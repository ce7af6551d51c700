"""A node's cluster files: checking them, and writing them all or none.

The three files (corosync.conf, corosync's authkey, hapy.conf) travel
together as a :class:`Bundle`.  :func:`install` writes each to a temporary
file beside its place, has corosync check the result (``corosync -t``, with
the new authkey), and only then renames them into place, corosync.conf last:
a failure at any step leaves the old files (or none) untouched.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

from hapy.cluster import corosync_conf
from hapy.cluster.corosync_conf import ConfNode, Section
from hapy.commands.corosync.paths import NodePaths
from hapy.commands.corosync.remote import local_node
from hapy.records import record
from hapy.reports import HapyError, Report, ReportList, Severity, report

#: pcs writes 256 random bytes; corosync (knet) takes 128 to 512
AUTHKEY_BYTES = 256
AUTHKEY_MIN = 128
AUTHKEY_MAX = 512
COROSYNC_CHECK_TIMEOUT = 30.0


@record
class Bundle:
    """What ``hapy cluster setup`` gives every node."""

    corosync_conf: str
    authkey: bytes
    hapy_conf: str

    def to_json(self) -> str:
        return json.dumps({"corosync_conf": self.corosync_conf,
                           "authkey": base64.b64encode(self.authkey).decode(),
                           "hapy_conf": self.hapy_conf})

    @classmethod
    def from_json(cls, text: str) -> Bundle:
        try:
            data = json.loads(text)
            return cls(str(data["corosync_conf"]), base64.b64decode(data["authkey"]),
                       str(data["hapy_conf"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise HapyError([report("CLUSTER_SETUP_BAD_BUNDLE", f"the configuration sent to "
                                    f"this node is not readable: {exc}")]) from None


def new_authkey() -> bytes:
    return os.urandom(AUTHKEY_BYTES)


def _failed(code: str, message: str, *, hint: str = "", forceable: bool = False,
            **context: str) -> Report:
    return Report(code, message, Severity.ERROR, MappingProxyType(context), hint, forceable)


def corosync_installed() -> bool:
    return shutil.which("corosync") is not None


def corosync_running() -> bool:
    """Whether a corosync answers on this node (its configuration map opens)."""
    try:
        from hapy.cluster.backends.corosync.cmap import CmapConnection
        from hapy.cluster.backends.corosync.ffi import CsError

        try:
            CmapConnection().close()
        except CsError:
            return False
        return True
    except HapyError:  # corosync's libraries are not installed
        return False


def check_authkey(path: Path) -> list[Report]:
    """What is wrong with corosync's authkey at ``path`` (missing, readable by
    others, of a size corosync refuses)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return [_failed("COROSYNC_AUTHKEY_MISSING", f"corosync's authkey {path} is missing "
                        "and corosync.conf turns crypto on", file=str(path),
                        hint="copy it from another node (the same key on every node), or "
                             "set the cluster up again (hapy cluster setup ... --overwrite)")]
    except OSError as exc:
        return [_failed("COROSYNC_AUTHKEY_UNREADABLE", f"{path}: {exc.strerror}",
                        file=str(path))]
    out = []
    if stat.S_IMODE(info.st_mode) & 0o077:
        out.append(_failed("COROSYNC_AUTHKEY_MODE", f"corosync's authkey {path} has mode "
                           f"{stat.S_IMODE(info.st_mode):04o}: others may read the "
                           "cluster's secret", file=str(path),
                           hint=f"chmod 0400 {path}"))
    if not AUTHKEY_MIN <= info.st_size <= AUTHKEY_MAX:
        out.append(_failed("COROSYNC_AUTHKEY_SIZE", f"corosync's authkey {path} has "
                           f"{info.st_size} bytes; corosync needs {AUTHKEY_MIN} to "
                           f"{AUTHKEY_MAX}", file=str(path),
                           hint="generate a new one (corosync-keygen) and copy it to every "
                                "node"))
    return out


def read_conf(path: Path) -> Section:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise HapyError([report("COROSYNC_NOT_CONFIGURED", f"{path} does not exist",
                                hint="set the cluster up: hapy cluster setup NAME NODE...",
                                file=str(path))]) from None
    except OSError as exc:
        raise HapyError([report("COROSYNC_CONF_UNREADABLE", f"{path}: {exc.strerror}",
                                file=str(path))]) from None
    return corosync_conf.parse(text, str(path))


def this_node(conf: Section, path: Path) -> ConfNode:
    """The nodelist's entry for this host (``COROSYNC_LOCAL_NODE_UNKNOWN`` if none)."""
    nodes = corosync_conf.nodelist(conf)
    if not nodes:
        raise HapyError([report("COROSYNC_CONF_INVALID", f"{path} has no nodelist",
                                file=str(path), hint="set the cluster up: hapy cluster setup")])
    found = local_node(nodes)
    if found is None:
        listed = ", ".join(f"{n.label} ({' '.join(n.addrs)})" for n in nodes)
        raise HapyError([report(
            "COROSYNC_LOCAL_NODE_UNKNOWN", f"this host is none of the nodes of {path}: "
            f"{listed}", file=str(path),
            hint="no address of the nodelist is on this host's interfaces: fix addr= (or "
                 "name resolution) and set the cluster up again")])
    return found


def check_node_files(paths: NodePaths) -> tuple[Section, ConfNode]:
    """corosync.conf readable and naming this host, and the authkey usable when
    crypto is on; all problems at once."""
    conf = read_conf(paths.corosync_conf)
    problems: list[Report] = []
    node: ConfNode | None = None
    try:
        node = this_node(conf, paths.corosync_conf)
    except HapyError as exc:
        problems.extend(exc.reports)
    if corosync_conf.crypto_enabled(conf):
        problems.extend(check_authkey(Path(corosync_conf.keyfile(conf, str(paths.authkey)))))
    if problems or node is None:
        raise HapyError(problems)
    return conf, node


_STAMP = re.compile(r"^\w{3} +\d+ [\d:]+ +\w+ +\[\w+ *\] *")


def corosync_check(conf: Section, authkey: Path | None) -> list[Report]:
    """What ``corosync -t`` finds wrong with ``conf`` on this host (read with
    ``authkey`` when given, and without writing its log file)."""
    corosync = shutil.which("corosync")
    if corosync is None:
        return []
    variant = corosync_conf.parse(corosync_conf.render(conf))
    if authkey is not None:
        variant.ensure("totem").set("keyfile", str(authkey))
    logging = variant.ensure("logging")
    logging.set("to_logfile", "no")
    logging.remove("logfile")
    system = variant.section("system")
    state_dir = system.get("state_dir") if system else None
    if system is not None and state_dir and not Path(state_dir).is_dir():
        system.remove("state_dir")  # made when the files are written
    logging.set("to_syslog", "no")
    logging.set("to_stderr", "yes")
    with tempfile.NamedTemporaryFile("w", prefix="hapy-corosync-", suffix=".conf") as tmp:
        tmp.write(corosync_conf.render(variant))
        tmp.flush()
        try:
            done = subprocess.run([corosync, "-t", "-c", tmp.name], capture_output=True,
                                  timeout=COROSYNC_CHECK_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            return [_failed("COROSYNC_CONF_CHECK_FAILED", "corosync -t did not answer within "
                            f"{COROSYNC_CHECK_TIMEOUT:.0f} s")]
    if done.returncode == 0:
        return []
    lines = []
    for raw in (done.stderr + done.stdout).decode(errors="replace").splitlines():
        line = _STAMP.sub("", raw.strip()).replace(tmp.name, "corosync.conf")
        if line and "exiting with status" not in line:
            lines.append(line)
    return [_failed("COROSYNC_CONF_INVALID", "corosync refuses the configuration: "
                    + ("; ".join(lines) or f"corosync -t exit status {done.returncode}"),
                    hint="see corosync.conf(5)")]


def check_install(bundle: Bundle, paths: NodePaths, *, overwrite: bool,
                  force: bool) -> ReportList:
    """Whether this node can take ``bundle``: nothing there already (or
    ``overwrite``), corosync installed and stopped, this host in the nodelist,
    and corosync content with the configuration."""
    out = ReportList(force=force)
    if not overwrite:
        for path in (paths.corosync_conf, paths.authkey, paths.hapy_conf):
            if path.exists():
                out.add(_failed("CLUSTER_SETUP_CONFIG_EXISTS", f"{path} exists: this node "
                                "may be in a cluster already", file=str(path),
                                hint="--overwrite replaces the configuration"))
    if not corosync_installed():
        out.add(_failed("COROSYNC_NOT_INSTALLED", "corosync is not installed on this node",
                        forceable=True, hint="apt-get install corosync"))
    elif corosync_running():
        out.add(_failed("COROSYNC_RUNNING", "corosync runs on this node: stop the cluster "
                        "before setting it up again", forceable=True,
                        hint="hapy cluster stop"))
    try:
        conf = corosync_conf.parse(bundle.corosync_conf)
        this_node(conf, paths.corosync_conf)
    except HapyError as exc:
        out.extend(exc.reports)
        return out
    if not AUTHKEY_MIN <= len(bundle.authkey) <= AUTHKEY_MAX:
        out.add(_failed("COROSYNC_AUTHKEY_SIZE", f"the authkey has {len(bundle.authkey)} "
                        f"bytes; corosync needs {AUTHKEY_MIN} to {AUTHKEY_MAX}"))
    if not out.has_errors():
        with _temporary_key(bundle.authkey) as key:
            out.extend(corosync_check(conf, key))
    return out


@contextlib.contextmanager
def _temporary_key(data: bytes) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(prefix="hapy-authkey-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(name, 0o400)
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _staged(path: Path, data: bytes, mode: int) -> Path:
    """``data`` written (and synced) to a temporary file beside ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.hapy-new")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(tmp, mode)
    return tmp


def write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = _staged(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def install(bundle: Bundle, paths: NodePaths, *, overwrite: bool,
            force: bool) -> list[Report]:
    """Write ``bundle`` on this node, all files or none; the warnings."""
    checked = check_install(bundle, paths, overwrite=overwrite, force=force)
    checked.raise_on_errors()
    staged: list[tuple[Path, Path]] = []
    try:
        try:
            for path, data, mode in ((paths.authkey, bundle.authkey, 0o400),
                                     (paths.hapy_conf, bundle.hapy_conf.encode(), 0o644),
                                     (paths.corosync_conf, bundle.corosync_conf.encode(),
                                      0o644)):
                staged.append((_staged(path, data, mode), path))
            for directory in (paths.corosync_log.parent, paths.corosync_state_dir):
                directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HapyError([report("CLUSTER_SETUP_WRITE_FAILED", f"cannot write "
                                    f"{exc.filename}: {exc.strerror}", hint="run as root")
                             ]) from None
        for tmp, path in staged:  # corosync.conf last: it says the node is configured
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    return [r for r in checked if r.severity is Severity.WARNING]
