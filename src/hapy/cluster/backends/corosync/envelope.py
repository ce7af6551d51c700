"""hapy's groups multiplexed on one CPG group.

hapy runs one CPG group per cluster (default name ``hapy``) and tags each
message with the hapy group it belongs to, rather than one CPG group per hapy
group: with one CPG group there is one membership and one total order, so a
view change is ordered with the deliveries of every hapy group at once (as the
embedded backend orders them), which separate CPG groups would not guarantee.

An envelope is: one version byte (1), one byte giving the group name's length,
the group name in UTF-8, then the payload.
"""

from __future__ import annotations

VERSION = 1
MAX_GROUP = 255


def wrap(group: str, payload: bytes) -> bytes:
    name = group.encode()
    if not name or len(name) > MAX_GROUP:
        raise ValueError(f"group name must be 1-{MAX_GROUP} bytes: {group!r}")
    return bytes((VERSION, len(name))) + name + payload


def unwrap(data: bytes) -> tuple[str, bytes] | None:
    """(group, payload), or None for a message that is not a valid envelope."""
    if len(data) < 2 or data[0] != VERSION:
        return None
    end = 2 + data[1]
    if data[1] == 0 or len(data) < end:
        return None
    try:
        group = data[2:end].decode()
    except UnicodeDecodeError:
        return None
    return group, data[end:]
