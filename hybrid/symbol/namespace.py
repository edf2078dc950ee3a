"""Fills the ``sym`` namespace from the op registry, as ``hybrid.ndarray.namespace`` fills ``nd``.

The scalar-aware helpers (``sym.add``, ``sym.maximum``...) and the fluent method list are the
``nd`` namespace's own tables, so both front ends expose the same names.
"""

from __future__ import annotations

from typing import Any

from ..ndarray.namespace import _EXTRA_BINARY, _HELPERS, FLUENT, _fluent, _helper
from ..ndarray.ndarray import _BINARY
from ..ops.registry import REGISTRY, build_function
from .symbol import Symbol, symbol_invoke


def _call(op: Any, inputs: list, attrs: dict, out: Any, name: Any) -> Symbol:
    if out is not None:
        raise TypeError(f"sym.{op.name}: out= is not supported on symbols")
    return symbol_invoke(op, inputs, attrs, name)


def populate(namespace: dict, public: list[str]) -> None:
    """Add a function for every op name and alias, the scalar helpers and fluent methods."""
    built: dict[int, Any] = {}
    for key, op in REGISTRY.items():
        fn = built.get(id(op))
        if fn is None:
            fn = built[id(op)] = build_function(op, _call)
        namespace[key] = fn
        if not key.startswith("_"):
            public.append(key)
    by_method = {m: ops for m, *ops in _BINARY}
    for public_name, method in _HELPERS.items():
        ops = _EXTRA_BINARY[public_name] if method is None else tuple(by_method[method])
        namespace[public_name] = _helper(public_name, ops)
        public.append(public_name)
    for name in FLUENT:
        if name in namespace and name != "reshape":
            setattr(Symbol, name, _fluent(namespace[name]))
