"""Reading Corosync's configuration map (cmap): node names and ids."""

from __future__ import annotations

import ctypes
import re

from hapy.cluster.backends.corosync import ffi

_NODE_KEY = re.compile(r"^nodelist\.node\.(\d+)\.(nodeid|name|ring0_addr)$")


class CmapConnection:
    """A cmap connection (blocking calls: local IPC, answered at once)."""

    def __init__(self) -> None:
        self._lib = ffi.load("cmap")
        handle = ctypes.c_uint64()
        ffi.check("cmap_initialize", self._lib.cmap_initialize(ctypes.byref(handle)))
        self._handle: int | None = handle.value

    def _h(self) -> int:
        if self._handle is None:
            raise ffi.CsError("cmap (closed)", ffi.CS_ERR_BAD_HANDLE)
        return self._handle

    def get_string(self, key: str) -> str | None:
        out = ctypes.c_void_p()
        code = self._lib.cmap_get_string(self._h(), key.encode(), ctypes.byref(out))
        if code == ffi.CS_ERR_NOT_EXIST:
            return None
        ffi.check(f"cmap_get_string({key})", code)
        if not out.value:
            return None
        try:
            return ctypes.string_at(out.value).decode(errors="replace")
        finally:
            ffi.free(out.value)

    def get_uint32(self, key: str) -> int | None:
        out = ctypes.c_uint32()
        code = self._lib.cmap_get_uint32(self._h(), key.encode(), ctypes.byref(out))
        if code == ffi.CS_ERR_NOT_EXIST:
            return None
        ffi.check(f"cmap_get_uint32({key})", code)
        return out.value

    def keys(self, prefix: str) -> list[str]:
        it = ctypes.c_uint64()
        ffi.check("cmap_iter_init", self._lib.cmap_iter_init(
            self._h(), prefix.encode(), ctypes.byref(it)))
        names: list[str] = []
        buf = ctypes.create_string_buffer(ffi.CMAP_KEYNAME_MAXLEN + 1)
        try:
            while True:
                size, kind = ctypes.c_size_t(), ctypes.c_int()
                code = self._lib.cmap_iter_next(self._h(), it.value, buf, ctypes.byref(size),
                                                ctypes.byref(kind))
                if code == ffi.CS_ERR_NO_SECTIONS:
                    return names
                ffi.check("cmap_iter_next", code)
                names.append(buf.value.decode(errors="replace"))
        finally:
            self._lib.cmap_iter_finalize(self._h(), it.value)

    def node_names(self) -> dict[int, str]:
        """Node id -> name, from the nodelist (``name``, else ``ring0_addr``)."""
        entries: dict[str, dict[str, str]] = {}
        for key in self.keys("nodelist.node."):
            match = _NODE_KEY.match(key)
            if match is None:
                continue
            index, field = match.groups()
            value = (str(self.get_uint32(key)) if field == "nodeid"
                     else self.get_string(key))
            if value is not None:
                entries.setdefault(index, {})[field] = value
        return names_from_nodelist(entries)

    def local_nodeid(self) -> int | None:
        return self.get_uint32("runtime.votequorum.this_node_id")

    def close(self) -> None:
        if self._handle is not None:
            self._lib.cmap_finalize(self._handle)
            self._handle = None


def names_from_nodelist(entries: dict[str, dict[str, str]]) -> dict[int, str]:
    """Node id -> name from the nodelist's entries (index -> field -> value).

    A node's name is its ``name``, else its ``ring0_addr``.  Entries without a
    ``nodeid`` are skipped (Corosync 3 with knet requires one).
    """
    names: dict[int, str] = {}
    for index in sorted(entries, key=int):
        entry = entries[index]
        name = entry.get("name") or entry.get("ring0_addr")
        if name and "nodeid" in entry:
            names[int(entry["nodeid"])] = name
    return names
