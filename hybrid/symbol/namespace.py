"""Fills the ``sym`` namespace from the op registry, as ``hybrid.ndarray.namespace`` fills ``nd``.

The scalar-aware helpers (``sym.add``, ``sym.maximum``...) and the fluent method list are the
``nd`` namespace's own tables, so both front ends expose the same names.
"""

from __future__ import annotations

from typing import Any

from ..ndarray import namespace as _nd_namespace
from .symbol import Symbol, symbol_invoke


def _call(op: Any, inputs: list, attrs: dict, out: Any, name: Any) -> Symbol:
    if out is not None:
        raise TypeError(f"sym.{op.name}: out= is not supported on symbols")
    return symbol_invoke(op, inputs, attrs, name, own_variables=True)


def populate(namespace: dict, public: list[str]) -> None:
    """Add a function for every op name and alias, the scalar helpers and fluent methods."""
    _nd_namespace.populate(namespace, public, _call, Symbol)


def populate_subspace(namespace: dict, public: list[str], sub: str) -> None:
    """Add the symbol functions MXNet files under submodule ``sub`` (``contrib``, ...)."""
    _nd_namespace.populate_subspace(namespace, public, sub, _call)
