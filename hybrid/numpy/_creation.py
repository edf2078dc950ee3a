"""``mx.np`` functions that make arrays: from data (``array``), filled (``zeros``, ``full``...) and
ranges (``arange``, ``linspace``, ``eye``). Filled arrays and ranges run the registry's creation
ops, so they trace inside a hybridized block; the default dtype is float32, as in MXNet.
"""

from __future__ import annotations

from typing import Any

import numpy as onp

from ..base import HybridError, default_dtype
from ..context import Context
from ._dispatch import asarray_like, call
from .ndarray import ndarray

__all__ = [
    "array", "asarray", "zeros", "ones", "full", "empty", "zeros_like", "ones_like", "full_like",
    "empty_like", "arange", "linspace", "eye", "identity",
]


def _shape(shape: Any) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, (int, onp.integer)) else tuple(shape)


def _dtype(dtype: Any) -> onp.dtype:
    return default_dtype if dtype is None else onp.dtype(dtype)


def _order(fn: str, order: str) -> None:
    if order != "C":
        raise HybridError(f"np.{fn}: only order='C' is supported, got {order!r}")


def array(object: Any, dtype: Any = None, ctx: Context | None = None) -> ndarray:  # noqa: A002
    """A new array copied from ``object``: numpy arrays and scalars keep their dtype, Python
    numbers and lists become float32 unless ``dtype`` says otherwise (MXNet's rule)."""
    if isinstance(object, ndarray):
        out = object.astype(object.dtype if dtype is None else dtype)
        return out if ctx is None else out.as_in_context(ctx)
    return asarray_like(onp.array(object) if isinstance(object, onp.ndarray) else object,
                        dtype, ctx)


def asarray(a: Any, dtype: Any = None, ctx: Context | None = None) -> ndarray:
    """``a`` as an array without a copy when it already is one of ``dtype``."""
    return asarray_like(a, dtype, ctx)


def _filled(op: str, shape: Any, dtype: Any, ctx: Any, **attrs: Any) -> ndarray:
    return call(op, shape=_shape(shape), dtype=_dtype(dtype), ctx=ctx, **attrs)


def zeros(shape: Any, dtype: Any = None, order: str = "C", ctx: Context | None = None) -> ndarray:
    _order("zeros", order)
    return _filled("_zeros", shape, dtype, ctx)


def ones(shape: Any, dtype: Any = None, order: str = "C", ctx: Context | None = None) -> ndarray:
    _order("ones", order)
    return _filled("_ones", shape, dtype, ctx)


def empty(shape: Any, dtype: Any = None, order: str = "C", ctx: Context | None = None) -> ndarray:
    """An array of ``shape`` (zero-filled: hybrid never hands out uninitialised memory)."""
    _order("empty", order)
    return _filled("_zeros", shape, dtype, ctx)


def full(shape: Any, fill_value: Any, dtype: Any = None, order: str = "C",
         ctx: Context | None = None, out: Any = None) -> ndarray:
    """An array of ``shape`` filled with ``fill_value`` (an array value is broadcast)."""
    _order("full", order)
    if isinstance(fill_value, ndarray):
        dtype = fill_value.dtype if dtype is None else dtype
        res = call("broadcast_to", fill_value.astype(dtype, copy=False), shape=_shape(shape))
    else:
        res = _filled("_full", shape, dtype, ctx, value=float(fill_value))
    return _into(res, out)


def _into(res: ndarray, out: Any) -> ndarray:
    if out is None:
        return res
    out[...] = res
    return out


def _like(op: str, a: Any, dtype: Any, **attrs: Any) -> ndarray:
    a = asarray_like(a)
    return call(op, shape=a.shape, dtype=a.dtype if dtype is None else onp.dtype(dtype),
                ctx=a.context, **attrs)


def zeros_like(a: Any, dtype: Any = None, order: str = "C", ctx: Any = None,
               out: Any = None) -> ndarray:
    _order("zeros_like", order)
    return _into(_like("_zeros", a, dtype), out)


def ones_like(a: Any, dtype: Any = None, order: str = "C", ctx: Any = None,
              out: Any = None) -> ndarray:
    _order("ones_like", order)
    return _into(_like("_ones", a, dtype), out)


def empty_like(prototype: Any, dtype: Any = None, order: str = "C", subok: bool = False,
               shape: Any = None) -> ndarray:
    _order("empty_like", order)
    return _like("_zeros", prototype, dtype)


def full_like(a: Any, fill_value: Any, dtype: Any = None, order: str = "C", ctx: Any = None,
              out: Any = None) -> ndarray:
    _order("full_like", order)
    return _into(_like("_full", a, dtype, value=float(fill_value)), out)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None,
           ctx: Context | None = None) -> ndarray:
    """Evenly spaced values in ``[start, stop)`` (float32 unless ``dtype`` says otherwise)."""
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise HybridError("np.arange: step must not be 0")
    return call("_arange", start=float(start), stop=float(stop), step=float(step),
                dtype=_dtype(dtype), ctx=ctx)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0, ctx: Context | None = None) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop`` (scalars; ``axis`` must be 0)."""
    if axis != 0:
        raise HybridError(f"np.linspace: only axis=0 is supported for scalar ends, got {axis}")
    if num < 0:
        raise HybridError(f"np.linspace: num must be non-negative, got {num}")
    res = call("_linspace", start=float(start), stop=float(stop), num=int(num),
               endpoint=bool(endpoint), dtype=_dtype(dtype), ctx=ctx)
    if not retstep:
        return res
    div = (num - 1) if endpoint else num
    return res, (float(stop) - float(start)) / div if div > 0 else float("nan")


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None,  # noqa: N803
        ctx: Context | None = None) -> ndarray:
    return call("_eye", N=int(N), M=0 if M is None else int(M), k=int(k), dtype=_dtype(dtype),
                ctx=ctx)


def identity(n: int, dtype: Any = None, ctx: Context | None = None) -> ndarray:
    return eye(n, dtype=dtype, ctx=ctx)
