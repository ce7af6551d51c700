"""The Corosync cluster backend: hapy on Corosync 3's CPG, quorum and cmap.

* :mod:`.ffi` -- ctypes declarations of the client libraries (loaded by soname);
* :mod:`.cpg`, :mod:`.quorum`, :mod:`.cmap` -- thin wrappers driving them from asyncio;
* :mod:`.envelope` -- how hapy's named groups share one CPG group;
* :mod:`.views` -- CPG and quorum events turned into hapy's views (pure);
* :mod:`.backoff` -- retrying a send Corosync asks to try again;
* :mod:`.backend` -- :class:`CorosyncBackend`, the ClusterBackend.
"""
