"""ctypes declarations of what hapy uses from Corosync 3's client libraries.

The libraries are loaded by soname (``libcpg.so.4``, ``libquorum.so.5``,
``libvotequorum.so.8``, ``libcmap.so.4``): no headers and no compiler are
needed.  Every function returns a ``cs_error_t`` where ``CS_OK`` is 1.

Callback objects (``CFUNCTYPE`` instances) must stay referenced for as long as
the library may call them, or dispatch jumps into freed memory; and an
exception raised inside a callback is printed and swallowed by ctypes, so the
wrappers catch everything in their callbacks and forward it.
"""

from __future__ import annotations

import ctypes
import functools
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_int,
    c_size_t,
    c_uint,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import Any

from hapy.reports import HapyError, report

# ------------------------------------------------------------------ errors

CS_OK = 1
CS_ERR_LIBRARY = 2
CS_ERR_TIMEOUT = 5
CS_ERR_TRY_AGAIN = 6
CS_ERR_INVALID_PARAM = 7
CS_ERR_BAD_HANDLE = 9
CS_ERR_ACCESS = 11
CS_ERR_NOT_EXIST = 12
CS_ERR_EXIST = 14
CS_ERR_NO_SECTIONS = 27
CS_ERR_SECURITY = 100

_ERROR_NAMES = {
    1: "CS_OK", 2: "CS_ERR_LIBRARY", 3: "CS_ERR_VERSION", 4: "CS_ERR_INIT",
    5: "CS_ERR_TIMEOUT", 6: "CS_ERR_TRY_AGAIN", 7: "CS_ERR_INVALID_PARAM",
    8: "CS_ERR_NO_MEMORY", 9: "CS_ERR_BAD_HANDLE", 10: "CS_ERR_BUSY", 11: "CS_ERR_ACCESS",
    12: "CS_ERR_NOT_EXIST", 13: "CS_ERR_NAME_TOO_LONG", 14: "CS_ERR_EXIST",
    15: "CS_ERR_NO_SPACE", 16: "CS_ERR_INTERRUPT", 17: "CS_ERR_NAME_NOT_FOUND",
    18: "CS_ERR_NO_RESOURCES", 19: "CS_ERR_NOT_SUPPORTED", 20: "CS_ERR_BAD_OPERATION",
    21: "CS_ERR_FAILED_OPERATION", 22: "CS_ERR_MESSAGE_ERROR", 23: "CS_ERR_QUEUE_FULL",
    24: "CS_ERR_QUEUE_NOT_AVAILABLE", 25: "CS_ERR_BAD_FLAGS", 26: "CS_ERR_TOO_BIG",
    27: "CS_ERR_NO_SECTIONS", 28: "CS_ERR_CONTEXT_NOT_FOUND", 30: "CS_ERR_TOO_MANY_GROUPS",
    100: "CS_ERR_SECURITY",
}


def error_name(code: int) -> str:
    return _ERROR_NAMES.get(code, f"cs_error {code}")


class CsError(Exception):
    """A Corosync library call that did not return CS_OK."""

    def __init__(self, call: str, code: int) -> None:
        super().__init__(f"{call} failed: {error_name(code)}")
        self.call = call
        self.code = code


def check(call: str, code: int) -> None:
    if code != CS_OK:
        raise CsError(call, code)


CS_DISPATCH_ONE = 1
CS_DISPATCH_ALL = 2
CS_DISPATCH_ONE_NONBLOCKING = 4

CS_TRACK_CURRENT = 0x01
CS_TRACK_CHANGES = 0x02

# ------------------------------------------------------------------ cpg

CPG_MODEL_V1 = 1
CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF = 0x01
CPG_TYPE_AGREED = 2
CPG_MAX_NAME_LENGTH = 128
CPG_MEMBERS_MAX = 128

CPG_REASON_JOIN = 1
CPG_REASON_LEAVE = 2
CPG_REASON_NODEDOWN = 3
CPG_REASON_NODEUP = 4
CPG_REASON_PROCDOWN = 5


class CpgName(Structure):
    _fields_ = [("length", c_uint32), ("value", c_char * CPG_MAX_NAME_LENGTH)]


class CpgAddress(Structure):
    _fields_ = [("nodeid", c_uint32), ("pid", c_uint32), ("reason", c_uint32)]


class CpgRingId(Structure):
    _fields_ = [("nodeid", c_uint32), ("seq", c_uint64)]


class IoVec(Structure):
    _fields_ = [("iov_base", c_void_p), ("iov_len", c_size_t)]


CpgDeliverFn = CFUNCTYPE(None, c_uint64, POINTER(CpgName), c_uint32, c_uint32, c_void_p,
                         c_size_t)
CpgConfchgFn = CFUNCTYPE(None, c_uint64, POINTER(CpgName), POINTER(CpgAddress), c_size_t,
                         POINTER(CpgAddress), c_size_t, POINTER(CpgAddress), c_size_t)
CpgTotemConfchgFn = CFUNCTYPE(None, c_uint64, CpgRingId, c_uint32, POINTER(c_uint32))


class CpgModelV1Data(Structure):
    _fields_ = [("model", c_int), ("cpg_deliver_fn", CpgDeliverFn),
                ("cpg_confchg_fn", CpgConfchgFn), ("cpg_totem_confchg_fn", CpgTotemConfchgFn),
                ("flags", c_uint)]


def cpg_name(name: str) -> CpgName:
    raw = name.encode()
    if not raw or len(raw) > CPG_MAX_NAME_LENGTH:
        raise ValueError(f"CPG group name must be 1-{CPG_MAX_NAME_LENGTH} bytes: {name!r}")
    return CpgName(len(raw), raw)


# --------------------------------------------------------------- quorum

QUORUM_FREE = 0
QUORUM_SET = 1

QuorumNotifyFn = CFUNCTYPE(None, c_uint64, c_uint32, c_uint64, c_uint32, POINTER(c_uint32))


class QuorumCallbacks(Structure):
    _fields_ = [("quorum_notify_fn", QuorumNotifyFn)]


# ----------------------------------------------------------- votequorum

VOTEQUORUM_INFO_TWONODE = 1
VOTEQUORUM_INFO_QUORATE = 2
VOTEQUORUM_INFO_WAIT_FOR_ALL = 4
VOTEQUORUM_QDEVICE_MAX_NAME_LEN = 255


class VotequorumInfo(Structure):
    _fields_ = [("node_id", c_uint), ("node_state", c_uint), ("node_votes", c_uint),
                ("node_expected_votes", c_uint), ("highest_expected", c_uint),
                ("total_votes", c_uint), ("quorum", c_uint), ("flags", c_uint),
                ("qdevice_votes", c_uint),
                ("qdevice_name", c_char * VOTEQUORUM_QDEVICE_MAX_NAME_LEN)]


class VotequorumCallbacks(Structure):
    # hapy tracks quorum through libquorum; votequorum is only queried
    _fields_ = [("quorum_notify_fn", c_void_p), ("expectedvotes_notify_fn", c_void_p),
                ("nodelist_notify_fn", c_void_p)]


# ----------------------------------------------------------------- cmap

CMAP_KEYNAME_MAXLEN = 255


# ------------------------------------------------------------ libraries

SONAMES = {
    "cpg": "libcpg.so.4",
    "quorum": "libquorum.so.5",
    "votequorum": "libvotequorum.so.8",
    "cmap": "libcmap.so.4",
}

_u64p = POINTER(c_uint64)

# name -> (restype, argtypes); every function returns cs_error_t (an int)
_SIGNATURES: dict[str, dict[str, list[object]]] = {
    "cpg": {
        "cpg_model_initialize": [_u64p, c_int, c_void_p, c_void_p],
        "cpg_finalize": [c_uint64],
        "cpg_fd_get": [c_uint64, POINTER(c_int)],
        "cpg_dispatch": [c_uint64, c_int],
        "cpg_join": [c_uint64, POINTER(CpgName)],
        "cpg_leave": [c_uint64, POINTER(CpgName)],
        "cpg_mcast_joined": [c_uint64, c_int, POINTER(IoVec), c_uint],
        "cpg_local_get": [c_uint64, POINTER(c_uint)],
        "cpg_membership_get": [c_uint64, POINTER(CpgName), POINTER(CpgAddress), POINTER(c_int)],
        "cpg_max_atomic_msgsize_get": [c_uint64, POINTER(c_uint32)],
    },
    "quorum": {
        "quorum_initialize": [_u64p, POINTER(QuorumCallbacks), POINTER(c_uint32)],
        "quorum_finalize": [c_uint64],
        "quorum_fd_get": [c_uint64, POINTER(c_int)],
        "quorum_dispatch": [c_uint64, c_int],
        "quorum_getquorate": [c_uint64, POINTER(c_int)],
        "quorum_trackstart": [c_uint64, c_uint],
        "quorum_trackstop": [c_uint64],
    },
    "votequorum": {
        "votequorum_initialize": [_u64p, POINTER(VotequorumCallbacks)],
        "votequorum_finalize": [c_uint64],
        "votequorum_getinfo": [c_uint64, c_uint, POINTER(VotequorumInfo)],
    },
    "cmap": {
        "cmap_initialize": [_u64p],
        "cmap_finalize": [c_uint64],
        "cmap_get_string": [c_uint64, c_char_p, POINTER(c_void_p)],
        "cmap_get_uint32": [c_uint64, c_char_p, POINTER(c_uint32)],
        "cmap_iter_init": [c_uint64, c_char_p, _u64p],
        "cmap_iter_next": [c_uint64, c_uint64, c_char_p, POINTER(c_size_t), POINTER(c_int)],
        "cmap_iter_finalize": [c_uint64, c_uint64],
    },
}


def library_missing(which: str, why: str) -> HapyError:
    return HapyError([report(
        "COROSYNC_LIBRARY_MISSING", f"cannot load Corosync's {SONAMES[which]}: {why}",
        hint="install corosync's client libraries (Debian: apt-get install corosync "
             "libcpg4 libquorum5 libvotequorum8 libcmap4)", library=SONAMES[which])])


@functools.cache
def load(which: str) -> ctypes.CDLL:
    """The library ``which`` (cpg, quorum, votequorum, cmap) with its functions typed.

    Raises :class:`HapyError` ``COROSYNC_LIBRARY_MISSING`` when it is absent.
    """
    try:
        lib = ctypes.CDLL(SONAMES[which], use_errno=True)
    except OSError as exc:
        raise library_missing(which, str(exc)) from None
    for name, argtypes in _SIGNATURES[which].items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise library_missing(which, f"it has no {name}") from None
        fn.restype = c_int
        fn.argtypes = argtypes
    return lib


@functools.cache
def _libc_free() -> Any:
    free = ctypes.CDLL(None).free
    free.argtypes = [c_void_p]
    free.restype = None
    return free


def free(pointer: int | None) -> None:
    """Release memory a library allocated for the caller (cmap_get_string's)."""
    _libc_free()(pointer)
