"""Frames on hapy's unix sockets (the embedded cluster's and a node daemon's local one): a
4-byte length, then JSON; and who is at the other end of such a socket.

Binary payloads travel base64-encoded in the ``payload`` field.  A frame larger
than :data:`MAX_FRAME` is refused (the peer is cut off), so a broken or hostile
peer cannot make the service allocate without bound.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import struct
from typing import Any

MAX_FRAME = 64 * 1024 * 1024
_HEADER = struct.Struct(">I")

Frame = dict[str, Any]


class FrameError(Exception):
    """A malformed or oversized frame."""


def encode(frame: Frame) -> bytes:
    body = json.dumps(frame, separators=(",", ":")).encode()
    if len(body) > MAX_FRAME:
        raise FrameError(f"frame of {len(body)} bytes exceeds {MAX_FRAME}")
    return _HEADER.pack(len(body)) + body


async def read_frame(reader: asyncio.StreamReader) -> Frame | None:
    """The next frame, or None at a clean end of stream."""
    try:
        header = await reader.readexactly(_HEADER.size)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise FrameError("stream ended inside a frame header") from None
        return None
    (length,) = _HEADER.unpack(header)
    if length > MAX_FRAME:
        raise FrameError(f"frame of {length} bytes exceeds {MAX_FRAME}")
    try:
        body = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise FrameError("stream ended inside a frame") from None
    try:
        frame = json.loads(body)
    except ValueError as exc:
        raise FrameError(f"frame is not JSON: {exc}") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise FrameError("frame is not an object with a 'type'")
    return frame


def pack_payload(payload: bytes) -> str:
    return base64.b64encode(payload).decode("ascii")


def unpack_payload(text: object) -> bytes:
    if not isinstance(text, str):
        raise FrameError("payload is not a string")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise FrameError(f"payload is not base64: {exc}") from None


def peer_credentials(writer: asyncio.StreamWriter) -> tuple[int, int, int] | None:
    """(pid, uid, gid) of the process at the other end of a unix socket."""
    sock = writer.get_extra_info("socket")
    if sock is None or not hasattr(socket, "SO_PEERCRED"):
        return None
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return pid, uid, gid
