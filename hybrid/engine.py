"""MXNet's engine settings (``mx.engine``). hybrid runs every op at once on numpy, with no
asynchronous engine, so bulking ops changes nothing: ``bulk`` is a scope that only keeps the
number.
"""

from __future__ import annotations

from typing import Any

__all__ = ["set_bulk_size", "bulk"]

_bulk_size = 15  # MXNet's default (MXNET_EXEC_BULK_EXEC_MAX_NODE_TRAIN)


def set_bulk_size(size: int) -> int:
    """Set how many ops the engine may bundle; returns the previous value (no effect here)."""
    global _bulk_size
    prev, _bulk_size = _bulk_size, int(size)
    return prev


class _BulkScope:
    def __init__(self, size: int):
        self._size, self._old = size, None

    def __enter__(self) -> _BulkScope:
        self._old = set_bulk_size(self._size)
        return self

    def __exit__(self, *exc: Any) -> None:
        set_bulk_size(self._old)


def bulk(size: int) -> _BulkScope:
    """``with mx.engine.bulk(10): ...``: a scope for MXNet's op bundling; runs the block as is."""
    return _BulkScope(size)
