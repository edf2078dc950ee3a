"""``AttrScope``: attributes given to every symbol variable made inside a ``with`` block.

As in MXNet 1.x, ``with mx.AttrScope(ctx_group='stage1', lr_mult='0.1'):`` tags the variables
created inside (``sym.var`` and the weights that ops make for themselves) with those string
attributes, nested scopes adding to the outer ones; an attribute given to ``var`` directly wins.
``Symbol.attr('ctx_group')`` reads them back, and ``mx.mod.Module`` applies ``lr_mult`` and
``wd_mult`` (also spelled ``__lr_mult__``/``__wd_mult__``) to the optimizer.
"""

from __future__ import annotations

import threading
from typing import Any

from .base import HybridError

__all__ = ["AttrScope", "current"]

_local = threading.local()


class AttrScope:
    """A scope of string attributes for new variables (``with AttrScope(**attrs):``)."""

    def __init__(self, **kwargs: str):
        for key, value in kwargs.items():
            if not isinstance(value, str):
                raise HybridError(
                    f"AttrScope: attribute {key}={value!r} is a {type(value).__name__}; "
                    "attributes need to be strings"
                )
        self._attr = dict(kwargs)
        self._old: AttrScope | None = None

    def get(self, attr: dict | None) -> dict:
        """The scope's attributes updated with ``attr`` (which wins)."""
        out = dict(self._attr)
        out.update(attr or {})
        return out

    def __enter__(self) -> AttrScope:
        self._old = current()
        self._attr = {**self._old._attr, **self._attr}
        _local.scope = self
        return self

    def __exit__(self, *exc: Any) -> None:
        _local.scope = self._old


def current() -> AttrScope:
    """The innermost active scope (an empty one outside any ``with``)."""
    scope = getattr(_local, "scope", None)
    if scope is None:
        scope = _local.scope = AttrScope()
    return scope
