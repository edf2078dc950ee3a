"""The KVStore interface the Trainer uses, with MXNet 1.9's ``init``/``push``/``pull``/``pushpull``/
``broadcast`` semantics on NDArrays and lists of NDArrays.

Note [KVStore semantics]
------------------------
A store maps keys (int or str) to values. A call takes one key with one value (an NDArray, or a list
of NDArrays: one per device, summed first), or a list of keys with a list of such values. On top of
that, every worker of a distributed store takes part:

- ``init(key, value)`` stores a copy of rank 0's value on every worker; a key is initialised once.
- ``push(key, value)`` replaces the stored value with the sum of ``value`` over devices and workers.
- ``pull(key, out)`` copies the stored value into every array of ``out``.
- ``pushpull(key, value, out=None)`` sums ``value`` over devices and workers and writes the sum into
  ``out`` (or back into ``value``); when ``key`` was initialised, the stored value becomes the sum.
- ``broadcast(key, value, out)`` copies rank 0's ``value`` into ``out`` on every worker. Like
  Horovod's store (and unlike MXNet's local store, where it also initialises ``key``), it leaves
  the stored values alone: the Trainer broadcasts every parameter at its first step, and keeping
  copies of them (updated by each ``pushpull``) would cost memory and a copy per step for nothing.

Updates never run on the store (``set_optimizer`` raises): after ``pushpull`` every worker holds
the same summed gradients and applies the same update, which keeps the parameters equal.
Subclasses supply the two collectives, ``_allreduce`` and ``_broadcast``, which act in place on a
list of numpy arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base import HybridError
from ..ndarray.ndarray import NDArray
from .custom import KVStoreBase

__all__ = ["KVStore"]


def _as_list(value: Any) -> list[NDArray]:
    """One key's value as a non-empty list of NDArrays (one per device)."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if not values or not all(isinstance(v, NDArray) for v in values):
        raise HybridError(
            f"KVStore: a value must be an NDArray or a list of NDArrays, got {value!r}"
        )
    return values


def _pairs(key: Any, value: Any, what: str) -> list[tuple[Any, list[NDArray]]]:
    """``(key, [NDArray, ...])`` for one key or a list of keys, with MXNet's value conventions."""
    if not isinstance(key, (list, tuple)):
        return [(key, _as_list(value))]
    if not isinstance(value, (list, tuple)) or len(value) != len(key):
        raise HybridError(
            f"KVStore.{what}: {len(key)} keys need a list of {len(key)} values, got {value!r}"
        )
    return [(k, _as_list(v)) for k, v in zip(key, value)]


def _merge(values: list[NDArray]) -> np.ndarray:
    """A new buffer holding the sum of one key's per-device values."""
    merged = values[0]._data.copy()
    for v in values[1:]:
        merged += v._data
    return merged


class KVStore(KVStoreBase):
    """Base class of hybrid's key-value stores; see Note [KVStore semantics].

    Create one with :func:`hybrid.kvstore.create`.
    """

    def __init__(self, name: str):
        self._type = name
        self._store: dict[Any, np.ndarray] = {}

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(type={self._type!r}, rank={self.rank}, "
            f"num_workers={self.num_workers})"
        )

    # -- what subclasses provide
    # ------------------------------------------------------------------------------------------
    @property
    def type(self) -> str:
        """The name the store was created with, e.g. ``'local'`` or ``'dist_sync'``."""
        return self._type

    @property
    def rank(self) -> int:
        """This worker's index in ``[0, num_workers)``."""
        return 0

    @property
    def num_workers(self) -> int:
        """The number of workers taking part."""
        return 1

    def barrier(self) -> None:
        """Return once every worker has called ``barrier``."""

    def _allreduce(self, arrays: list[np.ndarray]) -> None:
        """Sum each array over the workers, in place."""

    def _broadcast(self, arrays: list[np.ndarray]) -> None:
        """Overwrite each array with rank 0's, in place."""

    # -- the MXNet API
    # ------------------------------------------------------------------------------------------
    def init(self, key: Any, value: Any) -> None:
        """Store a copy of rank 0's ``value`` under ``key`` (or each key of a list)."""
        pairs = _pairs(key, value, "init")
        for k, _ in pairs:
            if k in self._store:
                raise HybridError(f"KVStore.init: duplicate init of key {k!r}")
        bufs = [values[0]._data.copy() for _, values in pairs]
        self._broadcast(bufs)
        self._store.update((k, buf) for (k, _), buf in zip(pairs, bufs))

    def push(self, key: Any, value: Any, priority: int = 0) -> None:
        """Replace the stored value of ``key`` with ``value`` summed over devices and workers."""
        pairs = _pairs(key, value, "push")
        for k, _ in pairs:
            self._stored(k, "push")
        merged = [_merge(values) for _, values in pairs]
        self._allreduce(merged)
        for (k, _), buf in zip(pairs, merged):
            self._store[k] = buf

    def pull(
        self, key: Any, out: Any = None, priority: int = 0, ignore_sparse: bool = True
    ) -> None:
        """Copy the stored value of ``key`` into each array of ``out``."""
        for k, outs in _pairs(key, out, "pull"):
            stored = self._stored(k, "pull")
            for o in outs:
                o._data[...] = stored

    def pushpull(self, key: Any, value: Any, out: Any = None, priority: int = 0) -> None:
        """Sum ``value`` over devices and workers into ``out`` (default: back into ``value``).

        A list of keys is reduced together: a distributed store packs the arrays into a few flat
        buffers and makes one collective call per buffer.
        """
        pairs = _pairs(key, value, "pushpull")
        targets = [v for _, v in pairs] if out is None else [o for _, o in _pairs(key, out, "pull")]
        # Without out, one device's value is reduced in its own buffer (the result goes there
        # anyway), saving a copy per key per step.
        in_place = out is None
        merged = [
            values[0]._data if in_place and len(values) == 1 else _merge(values)
            for _, values in pairs
        ]
        self._allreduce(merged)
        for (k, _), buf, outs in zip(pairs, merged, targets):
            for o in outs:
                if o._data is not buf:
                    o._data[...] = buf
            if k in self._store:
                self._store[k][...] = buf

    def broadcast(self, key: Any, value: Any, out: Any, priority: int = 0) -> None:
        """Copy rank 0's ``value`` into ``out`` on every worker (the store is left alone)."""
        pairs = _pairs(key, value, "broadcast")
        targets = [o for _, o in _pairs(key, out, "broadcast")]
        bufs = [values[0]._data.copy() for _, values in pairs]
        self._broadcast(bufs)
        for buf, outs in zip(bufs, targets):
            for o in outs:
                o._data[...] = buf

    def is_capable(self, capability: str) -> bool:
        """Whether the store can do ``capability``; hybrid's stores never run an optimizer."""
        return False

    def set_optimizer(self, optimizer: Any) -> None:
        raise HybridError(
            f"KVStore {self._type!r}: updates do not run on the store; every worker applies the "
            "optimizer itself after pushpull (use gluon.Trainer with update_on_kvstore=False)"
        )

    def set_gradient_compression(self, compression_params: dict) -> None:
        raise HybridError(
            f"KVStore {self._type!r}: gradient compression is not supported, got "
            f"{compression_params!r}"
        )

    def _stored(self, key: Any, what: str) -> np.ndarray:
        if key not in self._store:
            raise HybridError(f"KVStore.{what}: key {key!r} has not been initialized (call init)")
        return self._store[key]
