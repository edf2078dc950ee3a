"""Batches from worker processes through shared memory.

A worker copies each array of its batch into a new POSIX shared-memory segment and sends back only
``(name, shape, dtype)``; the main process maps the segment, removes its name at once (the memory
lives until the last mapping goes) and wraps the mapping as the array, without copying. Pickling
the arrays instead would copy every byte through a pipe twice.
"""

from __future__ import annotations

import mmap
import os
from multiprocessing import resource_tracker, shared_memory
from typing import Any, NamedTuple

import numpy as np

from ...ndarray import NDArray

__all__ = ["to_shared", "from_shared"]


class _Shared(NamedTuple):
    name: str
    shape: tuple
    dtype: str


def _export(x: np.ndarray) -> _Shared:
    shm = shared_memory.SharedMemory(create=True, size=max(x.nbytes, 1))
    np.ndarray(x.shape, x.dtype, buffer=shm.buf)[...] = x
    # NOTE: the main process unlinks the segment; the resource tracker would otherwise unlink it
    # again (and warn about a leak) when this worker exits.
    resource_tracker.unregister(shm._name, "shared_memory")
    shm.close()
    return _Shared(shm.name, x.shape, x.dtype.str)


def to_shared(batch: Any) -> Any:
    """``batch`` (arrays, NDArrays, nested lists/tuples) with every array moved to shared
    memory; other values are kept.
    """
    if isinstance(batch, NDArray):
        batch = batch._data
    if isinstance(batch, np.ndarray):
        return _export(np.ascontiguousarray(batch))
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_shared(b) for b in batch)
    return batch


def _attach(ref: _Shared, cls: type) -> NDArray:
    from _posixshmem import shm_open, shm_unlink  # CPython's POSIX module under SharedMemory

    name = "/" + ref.name.lstrip("/")
    fd = shm_open(name, os.O_RDWR, mode=0o600)
    try:
        size = os.fstat(fd).st_size
        mapping = mmap.mmap(fd, size)
    finally:
        os.close(fd)
    shm_unlink(name)
    dtype = np.dtype(ref.dtype)
    count = int(np.prod(ref.shape, dtype=np.int64))
    # The array holds the mapping; it is unmapped when the array is freed.
    return cls._wrap(np.frombuffer(mapping, dtype, count).reshape(ref.shape))


def from_shared(batch: Any, cls: type = NDArray) -> Any:
    """The batch sent by :func:`to_shared`, arrays as ``cls`` (NDArray or ``np.ndarray``) over
    the shared memory."""
    if isinstance(batch, _Shared):
        return _attach(batch, cls)
    if isinstance(batch, (list, tuple)):
        return type(batch)(from_shared(b, cls) for b in batch)
    return batch
