"""The CIB store: atomic saves, digests, backups, recovery and refusal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hapy.cib.versions import version_of
from hapy.cib.xmlio import Element, parse_xml_text
from hapy.cibd.store import CibStore
from hapy.reports import HapyError


def cib(epoch: int) -> Element:
    return parse_xml_text(f'<cib admin_epoch="0" epoch="{epoch}" num_updates="0">'
                          '<configuration><resources/></configuration><status/></cib>')


def test_an_empty_store_has_no_cib(tmp_path: Path) -> None:
    assert CibStore(tmp_path / "none").load() is None


def test_save_then_load_round_trips_and_keeps_backups(tmp_path: Path) -> None:
    store = CibStore(tmp_path, keep=3)
    for epoch in range(1, 7):
        store.save(cib(epoch))
    loaded = store.load()
    assert loaded is not None and version_of(loaded).epoch == 6
    backups = sorted(p.name for p in tmp_path.glob("cib-*.raw"))
    assert backups == ["cib-3.raw", "cib-4.raw", "cib-5.raw"]
    # a backup holds the CIB as it was before that save
    old = CibStore(tmp_path).directory / "cib-5.raw"
    assert b'epoch="5"' in old.read_bytes()
    # a new store object continues the numbering
    CibStore(tmp_path, keep=3).save(cib(7))
    assert (tmp_path / "cib-6.raw").exists()


def test_a_damaged_cib_is_refused_and_the_good_backup_named(tmp_path: Path) -> None:
    store = CibStore(tmp_path)
    store.save(cib(1))
    store.save(cib(2))
    data = store.cib.read_bytes().replace(b'epoch="2"', b'epoch="9"')
    store.cib.write_bytes(data)
    with pytest.raises(HapyError) as exc:
        store.load()
    rep = exc.value.reports[0]
    assert rep.code == "CIB_STORE_CORRUPT"
    assert "cib-1.raw" in rep.hint


def test_a_missing_digest_is_refused(tmp_path: Path) -> None:
    store = CibStore(tmp_path)
    store.save(cib(1))
    store.sig.unlink()
    with pytest.raises(HapyError) as exc:
        store.load()
    assert exc.value.reports[0].code == "CIB_STORE_CORRUPT"


def test_a_save_cut_between_its_renames_is_completed_on_load(tmp_path: Path) -> None:
    store = CibStore(tmp_path)
    store.save(cib(1))
    # what a crash after the digest's rename and before the CIB's leaves
    newer = CibStore(tmp_path / "scratch")
    newer.save(cib(2))
    (tmp_path / "cib.xml.tmp").write_bytes(newer.cib.read_bytes())
    store.sig.write_bytes(newer.sig.read_bytes())
    loaded = store.load()
    assert loaded is not None and version_of(loaded).epoch == 2
    assert not (tmp_path / "cib.xml.tmp").exists()


WRITER = """
import sys
from hapy.cib.xmlio import parse_xml_text
from hapy.cibd.store import CibStore
store = CibStore(sys.argv[1], keep=2)
pad = "<nvpair id='p{0}' name='n{0}' value='" + "x" * 2000 + "'/>"
for epoch in range(1, 100000):
    body = "".join(pad.format(i) for i in range(epoch % 50))
    store.save(parse_xml_text(
        f'<cib admin_epoch="0" epoch="{epoch}" num_updates="0"><configuration>'
        f'<crm_config><cluster_property_set id="c">{body}</cluster_property_set></crm_config>'
        '</configuration><status/></cib>'))
    print(epoch, flush=True)
"""


@pytest.mark.parametrize("delay", [0.15, 0.3, 0.45, 0.6, 0.75])
def test_kill_9_during_saves_loses_no_acknowledged_change(tmp_path: Path, delay: float) -> None:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)],
                            stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    assert proc.stdout is not None
    acked = 0
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline or acked < 3:
        line = proc.stdout.readline()
        if not line:
            break
        acked = int(line)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # saves acknowledged after our last read are in the pipe still
    for line in proc.stdout.read().split():
        acked = int(line)
    loaded = CibStore(tmp_path, keep=2).load()
    assert loaded is not None
    # the last acknowledged save, or the one in flight when it was killed
    assert version_of(loaded).epoch in (acked, acked + 1)
