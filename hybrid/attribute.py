"""``AttrScope``: attributes attached to every symbol variable made inside a ``with`` block.

As in MXNet, ``with mx.AttrScope(ctx_group='dev1'): x = mx.sym.var('x')`` gives ``x`` the
attribute ``ctx_group='dev1'``; scopes nest and an attribute passed to ``var`` wins over the
scope's.
"""

from __future__ import annotations

import threading
from typing import Any

from .base import HybridError, classproperty

__all__ = ["AttrScope"]


class AttrScope:
    """Attributes for the symbols created inside the scope (values must be strings).

    Parameters
    ----------
    **kwargs : str
        The attributes to set.
    """

    _current = threading.local()

    def __init__(self, **kwargs: str):
        for key, value in kwargs.items():
            if not isinstance(value, str):
                raise HybridError(f"AttrScope: attribute {key} must be a string, got {value!r}")
        self._attr = dict(kwargs)
        self._old_scope: AttrScope | None = None

    def get(self, attr: dict | None) -> dict:
        """The scope's attributes updated with ``attr`` (the ones given at symbol creation)."""
        merged = dict(self._attr)
        merged.update(attr or {})
        return merged

    @classmethod
    def current_scope(cls) -> AttrScope:
        """The innermost active scope (an empty one outside any ``with``)."""
        scope = getattr(cls._current, "value", None)
        if scope is None:
            scope = cls._current.value = AttrScope()
        return scope

    current = classproperty(lambda cls: cls.current_scope())

    def __enter__(self) -> AttrScope:
        self._old_scope = AttrScope.current_scope()
        self._attr = self._old_scope.get(self._attr)
        AttrScope._current.value = self
        return self

    def __exit__(self, *exc: Any) -> None:
        AttrScope._current.value = self._old_scope
