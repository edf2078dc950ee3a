"""``sym.random``: MXNet's sampling functions over Symbols, the same functions as ``nd.random``
(built by :func:`hybrid.ndarray.random.functions`), plus the registered ``_random_*_like`` ops.
"""

from __future__ import annotations

from ..context import current_context
from ..ndarray.random import Frontend, functions
from . import namespace as _namespace
from .symbol import Symbol, symbol_invoke

__all__: list[str] = ["current_context"]


def _call(op, inputs: list, attrs: dict, out, name) -> Symbol:
    if out is not None:
        raise TypeError(f"sym.random: {op.name} does not take out= on symbols")
    return symbol_invoke(op, inputs, attrs, name)


_FUNCTIONS = functions(Frontend(Symbol, _call))
globals().update(_FUNCTIONS)
__all__ += list(_FUNCTIONS)

_namespace.populate_subspace(globals(), __all__, "random")
