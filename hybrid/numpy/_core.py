"""Core ``mx.np`` math: elementwise functions, binary functions with MXNet's type promotion,
reductions with NumPy's 0-d results, and products (``dot``, ``matmul``).

Each function is a composition of registered ops run through ``_dispatch.call``; dtypes follow
MXNet 1.9.1 (see Note [MXNet NumPy type promotion] in ``_operators.py``).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as onp

from ..base import HybridError
from ._dispatch import asarray_like, call
from ._manip import broadcast_to, reshape
from ._operators import binary, cast, result_type

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "mod", "remainder", "power",
    "maximum", "minimum", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
    "negative", "abs", "absolute", "exp", "log", "sqrt", "square", "clip", "around", "round",
    "sum", "mean", "max", "min", "amax", "amin", "prod", "argmax", "argmin", "std", "var",
    "all", "any", "cumsum", "dot", "matmul",
]

_FLOAT32 = onp.dtype(onp.float32)
_INT64 = onp.dtype(onp.int64)
_BOOL = onp.dtype(onp.bool_)


def _binary(method: str, doc: str) -> Any:
    def fn(x1: Any, x2: Any, out: Any = None) -> Any:
        return _into(binary(x1, x2, method), out)

    fn.__doc__ = f"``{doc}`` elementwise with broadcasting; either side may be a scalar."
    return fn


def _into(res: Any, out: Any) -> Any:
    if out is None:
        return res
    out[...] = res
    return out


add = _binary("add", "x1 + x2")
subtract = _binary("sub", "x1 - x2")
multiply = _binary("mul", "x1 * x2")
divide = true_divide = _binary("truediv", "x1 / x2")
mod = remainder = _binary("mod", "x1 % x2")
power = _binary("pow", "x1 ** x2")
maximum = _binary("maximum", "max(x1, x2)")
minimum = _binary("minimum", "min(x1, x2)")
equal = _binary("eq", "x1 == x2")
not_equal = _binary("ne", "x1 != x2")
greater = _binary("gt", "x1 > x2")
greater_equal = _binary("ge", "x1 >= x2")
less = _binary("lt", "x1 < x2")
less_equal = _binary("le", "x1 <= x2")
for _name, _fn in list(globals().items()):
    if _name in __all__ and callable(_fn) and _fn.__name__ == "fn":
        _fn.__name__ = _fn.__qualname__ = _name


def _unary(op: str, name: str, doc: str) -> Any:
    def fn(x: Any, out: Any = None, **kwargs: Any) -> Any:
        return _into(call(op, x), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{doc}`` elementwise (the input's dtype, as MXNet's)."
    return fn


negative = _unary("negative", "negative", "-x")
abs = absolute = _unary("abs", "abs", "|x|")  # noqa: A001 - NumPy's name
exp = _unary("exp", "exp", "e ** x")
log = _unary("log", "log", "ln(x)")
sqrt = _unary("sqrt", "sqrt", "x ** 0.5")
square = _unary("square", "square", "x ** 2")


def clip(a: Any, a_min: Any, a_max: Any, out: Any = None) -> Any:
    """``a`` limited to ``[a_min, a_max]`` (either may be None, not both)."""
    if a_min is None and a_max is None:
        raise HybridError("np.clip: a_min and a_max cannot both be None")
    lo = -onp.inf if a_min is None else float(a_min)
    hi = onp.inf if a_max is None else float(a_max)
    return _into(call("clip", a, a_min=lo, a_max=hi), out)


def around(x: Any, decimals: int = 0, out: Any = None) -> Any:
    """Round half to even at ``decimals`` decimal places (NumPy's rule, as MXNet's np)."""
    return _into(call("_npi_around", x, decimals=int(decimals)), out)


round = around  # noqa: A001 - NumPy's name


# -- reductions --------------------------------------------------------------------------------
def _axis(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


def _dtype_of(a: Any) -> onp.dtype | None:
    """An array's dtype; None for a Symbol (its dtype is settled when the graph is built)."""
    data = getattr(a, "_data", None)
    return None if data is None else data.dtype


def sum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,  # noqa: A001
        keepdims: bool = False, initial: Any = None, where: Any = None) -> Any:
    """Sum over ``axis`` (all by default); bool sums are int64, other dtypes are kept."""
    _unsupported("sum", initial=initial, where=where)
    return _into(call("_np_sum", a, axis=_axis(axis), dtype=dtype, keepdims=keepdims), out)


def prod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
         keepdims: bool = False, initial: Any = None) -> Any:
    """Product over ``axis``; bool products are int64, other dtypes are kept."""
    _unsupported("prod", initial=initial)
    return _into(call("_np_prod", a, axis=_axis(axis), dtype=dtype, keepdims=keepdims), out)


def _unsupported(fn: str, **given: Any) -> None:
    """MXNet 1.9.1 takes these arguments and refuses any value but None."""
    for name, value in given.items():
        if value is not None:
            raise HybridError(f"np.{fn}: {name} is not supported yet (as in MXNet), got {value!r}")


def mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
         keepdims: bool = False) -> Any:
    """Mean over ``axis``; integer and bool inputs give float32 (MXNet's rule)."""
    return _into(call("_npi_mean", a, axis=_axis(axis), dtype=dtype, keepdims=keepdims), out)


def max(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return _into(call("_np_max", a, axis=_axis(axis), keepdims=keepdims), out)


def min(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return _into(call("_np_min", a, axis=_axis(axis), keepdims=keepdims), out)


amax, amin = max, min


def argmax(a: Any, axis: Any = None, out: Any = None) -> Any:
    """Index of the largest element (of the flattened array when ``axis`` is None), int64."""
    return _into(call("_npi_argmax", a, axis=axis), out)


def argmin(a: Any, axis: Any = None, out: Any = None) -> Any:
    """Index of the smallest element (of the flattened array when ``axis`` is None), int64."""
    return _into(call("_npi_argmin", a, axis=axis), out)


def _variance(a: Any, axis: Any, ddof: int, keepdims: bool) -> Any:
    """``sum(|a - mean(a)|**2) / (n - ddof)`` in a's float dtype (float32 for integers)."""
    centred = binary(a, mean(a, axis, keepdims=True), "sub")
    axes = (axis,) if isinstance(axis, int) else axis
    n = a.size if axis is None else int(onp.prod([a.shape[ax] for ax in axes]))
    total = sum(binary(centred, centred, "mul"), axis, keepdims=keepdims)
    return binary(total, builtins.max(n - ddof, 0), "truediv")


def _result(y: Any, a: Any, dtype: Any) -> Any:
    """``y`` in ``dtype``, else in an integer ``a``'s dtype (MXNet truncates var/std of ints)."""
    if dtype is None and a.dtype.kind in "iu":
        dtype = a.dtype
    return y if dtype is None else cast(y, onp.dtype(dtype))


def var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
        keepdims: bool = False) -> Any:
    """Variance ``mean(|a - mean(a)|**2)`` with ``ddof`` delta degrees of freedom."""
    a = asarray_like(a)
    return _into(_result(_variance(a, axis, ddof, keepdims), a, dtype), out)


def std(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
        keepdims: bool = False) -> Any:
    """Standard deviation: ``sqrt(var(a))``."""
    a = asarray_like(a)
    return _into(_result(sqrt(_variance(a, axis, ddof, keepdims)), a, dtype), out)


def all(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Whether every element (along ``axis``) is non-zero, as a bool array."""
    return _into(call("_np_min", binary(a, 0, "ne"), axis=_axis(axis), keepdims=keepdims), out)


def any(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Whether some element (along ``axis``) is non-zero, as a bool array."""
    return _into(call("_np_max", binary(a, 0, "ne"), axis=_axis(axis), keepdims=keepdims), out)


def cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """Running sum along ``axis`` (of the flattened array when None); bool becomes int64."""
    a = asarray_like(a)
    if dtype is None and a.dtype == _BOOL:
        dtype = _INT64
    return _into(call("_np_cumsum", a, axis=axis, dtype=dtype), out)


# -- products ----------------------------------------------------------------------------------
def dot(a: Any, b: Any, out: Any = None) -> Any:
    """NumPy's ``dot``: a product for 0-d operands, else a sum over ``a``'s last axis and
    ``b``'s second-to-last (its only axis when 1-D)."""
    a, b = asarray_like(a), asarray_like(b)
    if a.ndim == 0 or b.ndim == 0:
        return _into(binary(a, b, "mul"), out)
    a, b = _promoted(a, b)
    if b.ndim > 2:  # legacy dot contracts b's first axis: bring the second-to-last there
        axes = (b.ndim - 2, *range(b.ndim - 2), b.ndim - 1)
        b = call("transpose", b, axes=axes)
    y = call("dot", a, b)
    if a.ndim == 1 and b.ndim == 1:  # legacy dot gives (1,) for the inner product
        y = call("_np_reshape", y, newshape=())
    return _into(y, out)


def _promoted(a: Any, b: Any) -> tuple:
    if a.dtype == b.dtype:
        return a, b
    dtype = result_type(onp.dtype(a.dtype), onp.dtype(b.dtype))
    return cast(a, dtype), cast(b, dtype)


def matmul(a: Any, b: Any, out: Any = None) -> Any:
    """NumPy's ``matmul``: matrix products over the last two axes, batch axes broadcast; a 1-D
    operand is a vector (its added axis removed from the result)."""
    a, b = asarray_like(a), asarray_like(b)
    if a.ndim == 0 or b.ndim == 0:
        raise HybridError("np.matmul: operands must not be 0-d (use multiply)")
    if a.ndim <= 2 and b.ndim <= 2:
        return _into(dot(a, b), out)
    a, b = _promoted(a, b)
    a2 = call("expand_dims", a, axis=0) if a.ndim == 1 else a
    b2 = call("expand_dims", b, axis=-1) if b.ndim == 1 else b
    batch = onp.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    a3 = reshape(broadcast_to(a2, batch + a2.shape[-2:]), (-1, *a2.shape[-2:]))
    b3 = reshape(broadcast_to(b2, batch + b2.shape[-2:]), (-1, *b2.shape[-2:]))
    y = call("batch_dot", a3, b3)
    shape = batch + ((a2.shape[-2],) if a.ndim > 1 else ()) + ((b2.shape[-1],) if b.ndim > 1
                                                                 else ())
    return _into(call("_np_reshape", y, newshape=shape), out)
