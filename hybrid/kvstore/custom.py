"""User-defined key-value stores (MXNet 1.9's ``mx.kv.KVStoreBase``): subclass, register with
``@KVStoreBase.register``, then ``mx.kv.create('<class name, lower case>')`` makes one.

``TestStore`` (registered as ``'teststore'``) is the one-process store MXNet ships for tests:
``pushpull`` sums the values, ``broadcast`` copies, and it cannot run an optimizer.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..base import _as_list

__all__ = ["KVStoreBase", "TestStore"]


class KVStoreBase:
    """The interface a store offers the Trainer; a subclass implements the methods it needs."""

    OPTIMIZER = "optimizer"
    kv_registry: dict[str, type] = {}

    def broadcast(self, key: Any, value: Any, out: Any, priority: int = 0) -> None:
        """Copy rank 0's ``value`` of ``key`` into ``out`` (an NDArray or a list)."""
        raise NotImplementedError()

    def pushpull(self, key: Any, value: Any, out: Any = None, priority: int = 0) -> None:
        """Sum ``value`` (a list: one NDArray per device) into ``out``, or back into ``value``."""
        raise NotImplementedError()

    def set_optimizer(self, optimizer: Any) -> None:
        raise NotImplementedError()

    @staticmethod
    def is_capable(capability: str) -> bool:
        """Whether the store supports ``capability`` (e.g. ``KVStoreBase.OPTIMIZER``)."""
        raise NotImplementedError()

    def save_optimizer_states(self, fname: str, dump_optimizer: bool = False) -> None:
        raise NotImplementedError()

    def load_optimizer_states(self, fname: str) -> None:
        raise NotImplementedError()

    @property
    def type(self) -> str:
        raise NotImplementedError()

    @property
    def rank(self) -> int:
        raise NotImplementedError()

    @property
    def num_workers(self) -> int:
        raise NotImplementedError()

    @staticmethod
    def register(klass: type) -> type:
        """Make ``klass`` creatable as ``kv.create(klass.__name__.lower())``; a later class of
        the same name replaces it, with a warning.
        """
        if not isinstance(klass, type):
            raise TypeError(f"KVStoreBase.register: expected a class, got {klass!r}")
        name = klass.__name__.lower()
        old = KVStoreBase.kv_registry.get(name)
        if old is not None:
            warnings.warn(
                f"kvstore {klass.__module__}.{klass.__name__} replaces the registered "
                f"{old.__module__}.{old.__name__}",
                stacklevel=2,
            )
        KVStoreBase.kv_registry[name] = klass
        return klass


@KVStoreBase.register
class TestStore(KVStoreBase):
    """A one-process store for tests: sums and copies, no optimizer."""

    __test__ = False  # not a pytest class

    def broadcast(self, key: Any, value: Any, out: Any, priority: int = 0) -> None:
        for target in _as_list(out):
            target[:] = value

    def pushpull(self, key: Any, value: Any, out: Any = None, priority: int = 0) -> None:
        values = _as_list(value)
        where = values[0].context
        total = values[0].as_in_context(where).copy()
        for v in values[1:]:
            total += v.as_in_context(where)
        for target in values if out is None else _as_list(out):
            target[:] = total

    @staticmethod
    def is_capable(capability: str) -> bool:
        if capability.lower() == KVStoreBase.OPTIMIZER:
            return False
        raise ValueError(f"TestStore: unknown capability {capability!r}")

    @property
    def type(self) -> str:
        return "teststore"

    @property
    def rank(self) -> int:
        return 0

    @property
    def num_workers(self) -> int:
        return 1
