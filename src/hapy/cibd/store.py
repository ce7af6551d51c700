"""A node's CIB on disk: written atomically, with a digest and numbered backups.

Files in the store's directory:

* ``cib.xml``: the current CIB, and ``cib.xml.sig``: its SHA-256 digest;
* ``cib-N.raw`` / ``cib-N.raw.sig``: the CIB as it was before save number N
  (the newest ``keep`` of them are kept).

A save writes the new CIB and its digest to temporary files and fsyncs them,
links the current pair as the next backup, then renames the digest and the CIB
into place and fsyncs the directory.  Only then is the change acknowledged.
A crash at any instant leaves either the old pair or the new one: a crash
between the two renames leaves the new digest beside the old CIB while the
complete new CIB waits in ``cib.xml.tmp``, and :meth:`CibStore.load` finishes
that save.  Any other mismatch between ``cib.xml`` and its digest is damage
from outside, and loading refuses it with ``CIB_STORE_CORRUPT``, naming the
newest backup that is still good.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from pathlib import Path

from hapy.cib.xmlio import Element, parse_xml_bytes, serialize
from hapy.reports import HapyError, report

_BACKUP = re.compile(r"^cib-(\d+)\.raw$")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


class CibStore:
    """The CIB files of one node, under ``directory``."""

    def __init__(self, directory: str | Path, *, keep: int = 10) -> None:
        self.directory = Path(directory)
        self.keep = keep
        self.cib = self.directory / "cib.xml"
        self.sig = self.directory / "cib.xml.sig"
        self._tmp = self.directory / "cib.xml.tmp"
        self._sig_tmp = self.directory / "cib.xml.sig.tmp"
        self._next_backup: int | None = None

    # ----------------------------------------------------------------- load

    def _backups(self) -> list[int]:
        if not self.directory.is_dir():
            return []
        numbers = [int(m.group(1)) for p in self.directory.iterdir()
                   if (m := _BACKUP.match(p.name))]
        return sorted(numbers)

    def _good_backup(self) -> Path | None:
        for number in reversed(self._backups()):
            raw = self.directory / f"cib-{number}.raw"
            sig = self.directory / f"cib-{number}.raw.sig"
            with contextlib.suppress(OSError):
                if _digest(raw.read_bytes()) == sig.read_text().strip():
                    return raw
        return None

    def _corrupt(self, why: str) -> HapyError:
        good = self._good_backup()
        hint = (f"restore the newest good backup, {good}, to {self.cib} (and its .sig), "
                "or remove the file to take the CIB from the other nodes"
                if good else f"remove {self.cib} to take the CIB from the other nodes")
        return HapyError([report("CIB_STORE_CORRUPT", f"the stored CIB is damaged: {why}",
                                 hint=hint, file=str(self.cib))])

    def load(self) -> Element | None:
        """The stored CIB, or None when there is none yet."""
        try:
            data = self.cib.read_bytes()
        except FileNotFoundError:
            return None
        try:
            expected = self.sig.read_text().strip()
        except FileNotFoundError:
            raise self._corrupt(f"its digest file {self.sig} is missing") from None
        if _digest(data) != expected:
            # a save interrupted between its two renames: finish it
            with contextlib.suppress(FileNotFoundError):
                pending = self._tmp.read_bytes()
                if _digest(pending) == expected:
                    os.replace(self._tmp, self.cib)
                    self._sync_dir()
                    data = pending
        if _digest(data) != expected:
            raise self._corrupt("its content does not match its digest")
        try:
            return parse_xml_bytes(data, str(self.cib))
        except HapyError as exc:
            raise self._corrupt(exc.reports[0].message) from None

    # ----------------------------------------------------------------- save

    def _sync_dir(self) -> None:
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def save(self, root: Element) -> None:
        """Store ``root`` durably; when this returns, the change survives a crash."""
        self.directory.mkdir(parents=True, exist_ok=True)
        data = serialize(root)
        _write_synced(self._tmp, data)
        _write_synced(self._sig_tmp, _digest(data).encode() + b"\n")
        if self.cib.exists() and self.sig.exists():
            self._backup()
        os.replace(self._sig_tmp, self.sig)
        os.replace(self._tmp, self.cib)
        self._sync_dir()

    def _backup(self) -> None:
        if self._next_backup is None:
            self._next_backup = max(self._backups(), default=0) + 1
        number = self._next_backup
        self._next_backup += 1
        raw = self.directory / f"cib-{number}.raw"
        for src, dst in ((self.cib, raw), (self.sig, raw.with_name(raw.name + ".sig"))):
            with contextlib.suppress(FileNotFoundError):
                dst.unlink()
            os.link(src, dst)
        for old in self._backups()[:-self.keep] if self.keep > 0 else self._backups():
            for name in (f"cib-{old}.raw", f"cib-{old}.raw.sig"):
                with contextlib.suppress(FileNotFoundError):
                    (self.directory / name).unlink()
