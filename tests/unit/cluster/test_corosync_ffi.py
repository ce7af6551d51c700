"""The Corosync backend's pure parts: struct layouts, envelopes, back-off, nodelist."""

from __future__ import annotations

import asyncio
import ctypes

import pytest

from hapy.cluster.backends.corosync import backoff, envelope, ffi
from hapy.cluster.backends.corosync.cmap import names_from_nodelist


def test_struct_layouts_match_the_c_headers() -> None:
    # sizes and offsets of corosync 3's structs on x86-64 (LP64)
    assert ctypes.sizeof(ffi.CpgName) == 4 + 128
    assert ctypes.sizeof(ffi.CpgAddress) == 12
    assert ctypes.sizeof(ffi.CpgRingId) == 16 and ffi.CpgRingId.seq.offset == 8
    assert ctypes.sizeof(ffi.IoVec) == 16
    assert ffi.CpgModelV1Data.cpg_deliver_fn.offset == 8
    assert ffi.CpgModelV1Data.flags.offset == 32
    assert ctypes.sizeof(ffi.CpgModelV1Data) == 40
    assert ffi.VotequorumInfo.flags.offset == 28
    assert ctypes.sizeof(ffi.VotequorumInfo) == 9 * 4 + 255 + 1  # padded to 4
    assert ctypes.sizeof(ffi.QuorumCallbacks) == 8


def test_cpg_name() -> None:
    name = ffi.cpg_name("hapy")
    assert name.length == 4 and name.value == b"hapy"
    with pytest.raises(ValueError):
        ffi.cpg_name("x" * 129)


def test_error_names() -> None:
    assert ffi.CS_OK == 1
    assert ffi.error_name(6) == "CS_ERR_TRY_AGAIN"
    assert "CS_ERR_LIBRARY" in str(ffi.CsError("cpg_join", 2))


def test_envelope_round_trip_and_garbage() -> None:
    data = envelope.wrap("cib", b"\x00payload")
    assert envelope.unwrap(data) == ("cib", b"\x00payload")
    assert envelope.unwrap(b"") is None
    assert envelope.unwrap(b"\x02\x03cib") is None  # unknown version
    assert envelope.unwrap(b"\x01\x09cib") is None  # truncated name
    with pytest.raises(ValueError):
        envelope.wrap("", b"")


def test_backoff_delays_double_up_to_a_ceiling_and_a_deadline() -> None:
    waits = list(backoff.delays(0.001, 0.004, 0.02))
    assert waits[:4] == [0.001, 0.002, 0.004, 0.004]
    assert sum(waits) == pytest.approx(0.02)


def test_retry_waits_while_corosync_says_try_again() -> None:
    codes = [ffi.CS_ERR_TRY_AGAIN, ffi.CS_ERR_TRY_AGAIN, ffi.CS_OK]
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    retries = asyncio.run(backoff.retry(lambda: codes.pop(0), sleep))
    assert retries == 2 and slept == [0.001, 0.002]


def test_retry_gives_up_on_other_errors_and_after_the_deadline() -> None:
    async def sleep(delay: float) -> None:
        return None

    with pytest.raises(ffi.CsError) as err:
        asyncio.run(backoff.retry(lambda: ffi.CS_ERR_LIBRARY, sleep))
    assert err.value.code == ffi.CS_ERR_LIBRARY
    with pytest.raises(ffi.CsError) as err:
        asyncio.run(backoff.retry(lambda: ffi.CS_ERR_TRY_AGAIN, sleep,
                                  waits=iter([0.001, 0.001])))
    assert err.value.code == ffi.CS_ERR_TRY_AGAIN


def test_names_from_the_nodelist() -> None:
    entries = {"0": {"nodeid": "1", "name": "alpha", "ring0_addr": "10.0.0.1"},
               "1": {"nodeid": "2", "ring0_addr": "10.0.0.2"},
               "2": {"name": "noid"}}
    assert names_from_nodelist(entries) == {1: "alpha", 2: "10.0.0.2"}


def test_a_missing_library_is_a_coded_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from hapy.reports import HapyError

    monkeypatch.setitem(ffi.SONAMES, "cpg", "libhapy-no-such-lib.so.0")
    ffi.load.cache_clear()
    try:
        with pytest.raises(HapyError) as err:
            ffi.load("cpg")
        assert err.value.reports[0].code == "COROSYNC_LIBRARY_MISSING"
    finally:
        ffi.load.cache_clear()
