"""Automatic names (``mx.name``): ``<hint><n>`` with one counter per hint.

The current :class:`NameManager` names blocks created outside any ``name_scope()`` (``dense0_``)
and symbols created without a ``name``; ``with NameManager():`` starts fresh counters inside the
scope and ``with Prefix('p_'):`` also prepends ``p_``, as in MXNet 1.x.
"""

from __future__ import annotations

import threading

__all__ = ["NameManager", "Prefix"]


class NameManager:
    """Counters per hint; ``get(name, hint)`` returns ``name`` when given, else ``hint<n>``."""

    _local = threading.local()

    def __init__(self) -> None:
        self._counter: dict[str, int] = {}
        self._old: NameManager | None = None

    def get(self, name: str | None, hint: str) -> str:
        if name:
            return name
        count = self._counter.get(hint, 0)
        self._counter[hint] = count + 1
        return f"{hint}{count}"

    @classmethod
    def current(cls) -> NameManager:
        """The manager in use on this thread (a process default until a scope is entered)."""
        cur = getattr(NameManager._local, "value", None)
        if cur is None:
            cur = NameManager._local.value = NameManager()
        return cur

    def __enter__(self) -> NameManager:
        self._old = NameManager.current()
        NameManager._local.value = self
        return self

    def __exit__(self, *exc: object) -> None:
        NameManager._local.value = self._old


class Prefix(NameManager):
    """A :class:`NameManager` that prepends ``prefix`` to every name it makes or is given."""

    def __init__(self, prefix: str):
        super().__init__()
        self._prefix = prefix

    def get(self, name: str | None, hint: str) -> str:
        return self._prefix + super().get(name, hint)
