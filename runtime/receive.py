"""Reading ASGI request bodies, and waiting for an answer unless the client leaves.

Helpers of :mod:`hybrid.runtime.server` (see its Note [Request limits]).
"""
from __future__ import annotations

import asyncio
from typing import Any

from starlette.concurrency import run_in_threadpool

from . import protocol
from .errors import InvalidInputError, PayloadTooLargeError, RequestTimeoutError

__all__ = ["read_body", "unless_disconnected", "maybe_offload", "slow_client"]

# Bodies above this are parsed and encoded on a worker thread, so the event loop keeps serving.
OFFLOAD_BYTES = 1 << 20


async def read_body(receive: Any, content_length: str | bytes | None,
                     content_encoding: str | bytes | None, limit: int) -> bytes:
    """Read a whole request body from ASGI ``receive``, refusing more than ``limit`` bytes.

    With a Content-Length the body is read into one buffer of that size (no second copy).
    """
    declared = None
    if content_length is not None and content_length.isdigit():
        declared = int(content_length)
        if declared > limit:
            raise PayloadTooLargeError(f"request body of {declared} bytes exceeds the "
                                       f"limit of {limit} bytes")
    message = await receive()
    body = _body_part(message)
    if len(body) > limit:
        raise PayloadTooLargeError(f"request body exceeds the limit of {limit} bytes")
    if message.get("more_body", False):
        buffer = bytearray(declared) if declared is not None else bytearray()
        size, more = len(body), True
        buffer[:size] = body
        while more:
            message = await receive()
            chunk, more = _body_part(message), message.get("more_body", False)
            if size + len(chunk) > limit:
                raise PayloadTooLargeError(f"request body exceeds the limit of {limit} bytes")
            buffer[size:size + len(chunk)] = chunk
            size += len(chunk)
        del buffer[size:]
        body = buffer
    if isinstance(content_encoding, bytes):
        content_encoding = content_encoding.decode("latin-1")
    return protocol.decode_content(body, content_encoding, limit)


def _body_part(message: dict) -> bytes:
    if message["type"] == "http.disconnect":
        raise InvalidInputError("client disconnected before sending the whole body")
    return message.get("body", b"")


def slow_client(timeout: float) -> RequestTimeoutError:
    return RequestTimeoutError(f"the request body did not arrive within the server's request "
                               f"timeout of {timeout:g} s")


async def unless_disconnected(future: asyncio.Future, receive: Any) -> Any:
    """``await future``, or cancel it and return None when the client disconnects first.

    Once the body is read, the only message ``receive`` can still deliver is the disconnect.
    """
    watch = asyncio.ensure_future(receive())
    future.add_done_callback(lambda _: watch.cancel())
    watch.add_done_callback(lambda w: w.cancelled() or future.cancel())
    try:
        return await future
    except asyncio.CancelledError:
        if watch.done() and not watch.cancelled():
            return None
        raise


async def maybe_offload(size: int, fn: Any, *args: Any) -> Any:
    return await run_in_threadpool(fn, *args) if size > OFFLOAD_BYTES else fn(*args)
