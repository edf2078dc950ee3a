"""The one helper every ``mx.np`` function runs ops through, and MXNet's rules for turning Python
and numpy values into ``np.ndarray``.

``call(op_name, *arrays, **attrs)`` runs a registered op by name through the registry's
``invoke``: eager on ``np.ndarray`` (taped under ``autograd.record()``), traced on Symbols. Results
are ``np.ndarray`` (see Note [Result array type] in ``hybrid/ops/registry.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as onp

from ..base import HybridError, default_dtype, numpy_array_expected
from ..context import Context
from ..ndarray.ndarray import NDArray, _placement
from ..ops.registry import get_op, invoke
from .ndarray import ndarray

__all__ = ["call", "asarray_like", "check_legacy"]


def call(op_name: str, *arrays: Any, **attrs: Any) -> Any:
    """Run the registered op ``op_name`` on ``arrays`` with raw ``attrs``; ``np.ndarray`` out
    (a tuple for several outputs), or Symbols while tracing. Python scalars, lists and numpy
    arrays among ``arrays`` become ``np.ndarray`` by :func:`asarray_like`.
    """
    op = get_op(op_name)
    inputs = [a if a.__class__ is ndarray else _as_input(op_name, a) for a in arrays]
    parsed = op.parse_attrs(attrs) if attrs or op.default_attrs is None else op.default_attrs
    res = invoke(op, inputs, parsed)
    if inputs:
        return res
    # An op without inputs (creation) gives the registry's default NDArray: re-label it.
    if type(res) is tuple or type(res) is list:
        return tuple(_relabel(r) for r in res)
    return _relabel(res)


def _relabel(x: Any) -> Any:
    if x.__class__ is NDArray:
        x.__class__ = ndarray
    return x


def _as_input(op_name: str, a: Any) -> Any:
    if isinstance(a, ndarray) or hasattr(a, "_is_symbol"):
        return a
    check_legacy(op_name, a)
    return asarray_like(a)


def check_legacy(where: str, a: Any) -> None:
    """Refuse a legacy ``nd.NDArray`` where an ``np.ndarray`` is expected (MXNet's rule)."""
    if isinstance(a, NDArray) and not isinstance(a, ndarray):
        raise numpy_array_expected(where)


def asarray_like(x: Any, dtype: Any = None, ctx: Context | None = None) -> Any:
    """``x`` as an ``np.ndarray`` with MXNet's dtype rules: ``np.ndarray`` and Symbols pass
    through (cast if ``dtype`` asks); numpy arrays and numpy scalars keep their dtype; Python
    scalars and (nested) lists default to float32.
    """
    if isinstance(x, ndarray):
        if dtype is not None and onp.dtype(dtype) != x._data.dtype:
            return x.astype(dtype)
        return x
    if hasattr(x, "_is_symbol"):
        return x
    check_legacy("np.array", x)
    if dtype is None:
        dtype = x.dtype if isinstance(x, (onp.ndarray, onp.generic)) else default_dtype
    try:
        data = onp.array(x, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise HybridError(f"np.array: cannot make an array from {type(x).__name__}: {e}") from None
    a = ndarray._wrap(data)
    a._ctx = _placement(ctx)
    return a
