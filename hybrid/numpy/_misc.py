"""The rest of ``mx.np``: window functions and ``logspace`` (creation on registered ops),
``genfromtxt``, function-applying helpers (``apply_along_axis``, ``apply_over_axes``,
``piecewise``), NumPy 1.x spellings MXNet 1.9.1 still has (``alltrue``, ``sometrue``,
``product``, ``round_``, ``msort``, ``in1d``), and the metadata functions (``ndim``, ``shape``,
``size``, ``result_type``, ``promote_types``, ``min_scalar_type``, memory overlap, print options),
which are plain values.
"""

from __future__ import annotations

from typing import Any

import numpy as onp

from ..base import HybridError
from . import _core, _fallback, _manip
from ._dispatch import asarray_like, call
from ._manip import broadcast_to as _broadcast_to

__all__ = [
    "blackman", "hamming", "hanning", "logspace", "genfromtxt", "apply_along_axis",
    "apply_over_axes", "piecewise", "diag_indices_from", "alltrue", "sometrue", "product",
    "round_", "msort", "in1d", "real", "ndim", "shape", "size", "result_type", "promote_types",
    "min_scalar_type", "may_share_memory", "shares_memory", "set_printoptions",
]


def _window(name: str, M: int, dtype: Any, ctx: Any, a: tuple) -> Any:  # noqa: N803
    """``sum_k a[k] cos(2 pi k n / (M - 1))`` with alternating signs, for ``n < M``."""
    M = int(M)  # noqa: N806
    if M < 1:
        return call("_zeros", shape=(0,), dtype=dtype, ctx=ctx)
    if M == 1:
        return call("_full", shape=(1,), value=1.0, dtype=dtype, ctx=ctx)
    n = call("_arange", start=0, stop=M, dtype="float64", ctx=ctx) * (2 * onp.pi / (M - 1))
    w = call("_full", shape=(M,), value=a[0], dtype="float64", ctx=ctx)
    for k, coeff in enumerate(a[1:], start=1):
        w = w + (-1) ** k * coeff * call("cos", n * k)
    return w.astype(dtype)


def blackman(M: int, dtype: Any = onp.float32, ctx: Any = None) -> Any:  # noqa: N803
    """The Blackman window of ``M`` points."""
    return _window("blackman", M, dtype, ctx, (0.42, 0.5, 0.08))


def hamming(M: int, dtype: Any = onp.float32, ctx: Any = None) -> Any:  # noqa: N803
    """The Hamming window of ``M`` points."""
    return _window("hamming", M, dtype, ctx, (0.54, 0.46))


def hanning(M: int, dtype: Any = onp.float32, ctx: Any = None) -> Any:  # noqa: N803
    """The Hann window of ``M`` points."""
    return _window("hanning", M, dtype, ctx, (0.5, 0.5))


def logspace(start: float, stop: float, num: int = 50, endpoint: bool = True,
             base: float = 10.0, dtype: Any = None, axis: int = 0, ctx: Any = None) -> Any:
    """``base ** linspace(start, stop, num)``."""
    if axis != 0:
        raise HybridError(f"np.logspace: only axis=0 is supported, got {axis}")
    exponents = call("_linspace", start=float(start), stop=float(stop), num=int(num),
                     endpoint=bool(endpoint), dtype="float64", ctx=ctx)
    y = call("_rpower_scalar", exponents, scalar=float(base))
    return y.astype(onp.float32 if dtype is None else dtype)


def genfromtxt(*args: Any, **kwargs: Any) -> Any:
    """An array from a text file, parsed by NumPy's ``genfromtxt`` (float32 unless ``dtype``)."""
    kwargs.setdefault("dtype", onp.float32)
    return asarray_like(onp.genfromtxt(*args, **kwargs))


def apply_along_axis(func1d: Any, axis: int, arr: Any, *args: Any, **kwargs: Any) -> Any:
    """``func1d`` applied to each 1-D slice along ``axis``; the results stacked in its place."""
    arr = asarray_like(arr)
    axis %= arr.ndim
    moved = _manip.moveaxis(arr, axis, -1)
    outer = moved.shape[:-1]
    rows = moved.reshape((-1, moved.shape[-1]))
    results = [asarray_like(func1d(rows[i], *args, **kwargs)) for i in range(rows.shape[0])]
    stacked = call("stack", *results, axis=0, num_args=len(results))
    out = stacked.reshape(outer + results[0].shape)
    if results[0].ndim == 0:
        return out
    return _manip.moveaxis(out, len(outer), axis) if results[0].ndim == 1 else out


def apply_over_axes(func: Any, a: Any, axes: Any) -> Any:
    """``func(a, axis)`` applied for each axis in turn, keeping the reduced axis."""
    a = asarray_like(a)
    for axis in (axes,) if isinstance(axes, (int, onp.integer)) else axes:
        res = asarray_like(func(a, axis))
        if res.ndim == a.ndim - 1:
            res = call("expand_dims", res, axis=axis % a.ndim)
        elif res.ndim != a.ndim:
            raise HybridError("np.apply_over_axes: func must keep or reduce one dimension")
        a = res
    return a


def piecewise(x: Any, condlist: Any, funclist: Any, *args: Any, **kw: Any) -> Any:
    """``funclist[i]`` (a function or a value) where ``condlist[i]``; a last extra function is
    the otherwise case. Composed with ``where``, so gradients flow."""
    x = asarray_like(x)
    if not isinstance(condlist, (list, tuple)):
        condlist = [condlist]
    conds = [asarray_like(c).astype(bool) for c in condlist]
    if len(funclist) == len(conds) + 1:
        anything = conds[0] if len(conds) == 1 else _core.any(
            call("stack", *conds, axis=0, num_args=len(conds)), axis=0)
        conds.append(call("logical_not", anything))
    if len(funclist) != len(conds):
        raise HybridError(f"np.piecewise: {len(funclist)} functions for {len(conds)} "
                          "conditions")
    y = call("zeros_like", x)
    for cond, f in zip(conds, funclist):
        value = f(x, *args, **kw) if callable(f) else f
        value = _broadcast_to(asarray_like(value, dtype=x.dtype), x.shape)
        y = call("where", cond.astype(x.dtype), value, y)
    return y


def diag_indices_from(arr: Any) -> tuple:
    """The indices of the main diagonal of a square array: one int64 array per dimension."""
    arr = asarray_like(arr)
    if arr.ndim < 2 or len(set(arr.shape)) != 1:
        raise HybridError(f"np.diag_indices_from: needs a square array, got shape {arr.shape}")
    idx = call("_arange", start=0, stop=arr.shape[0], dtype="int64")
    return (idx,) * arr.ndim


def alltrue(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    """``all``, NumPy 1.x's older name."""
    return _core.all(a, axis=axis, out=out, keepdims=keepdims)


def sometrue(a: Any, axis: Any = None, keepdims: bool = False, out: Any = None) -> Any:
    """``any``, NumPy 1.x's older name."""
    return _core.any(a, axis=axis, out=out, keepdims=keepdims)


def product(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
            keepdims: bool = False) -> Any:
    """``prod``, NumPy 1.x's older name."""
    return _core.prod(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims)


def round_(x: Any, decimals: int = 0, out: Any = None, **kwargs: Any) -> Any:
    """``around``, NumPy 1.x's older name."""
    return _core.around(x, decimals=decimals, out=out)


def msort(a: Any) -> Any:
    """``a`` sorted along its first axis."""
    return _manip.sort(a, axis=0)


def in1d(ar1: Any, ar2: Any, assume_unique: bool = False, invert: bool = False) -> Any:
    """For each element of the flattened ``ar1``, whether it is in ``ar2`` (no gradient)."""
    flat = asarray_like(ar1).reshape((-1,))
    return _fallback.isin(flat, ar2, assume_unique=assume_unique, invert=invert)


def real(val: Any) -> Any:
    """The real part: a copy of a real array."""
    return call("_copy", asarray_like(val))


def _dtype_of(x: Any) -> Any:
    if isinstance(x, (type, str, onp.dtype)) or not hasattr(x, "dtype"):
        return x
    return onp.dtype(x.dtype)


def ndim(a: Any) -> int:
    """The number of dimensions."""
    return asarray_like(a).ndim if not hasattr(a, "ndim") else a.ndim


def shape(a: Any) -> tuple:
    """The shape."""
    return asarray_like(a).shape if not hasattr(a, "shape") else a.shape


def size(a: Any, axis: Any = None) -> int:
    """The number of elements (along ``axis`` when given)."""
    s = shape(a)
    return int(onp.prod(s)) if axis is None else s[axis]


def result_type(*arrays_and_dtypes: Any) -> onp.dtype:
    """NumPy's result dtype of the given arrays and dtypes."""
    return onp.result_type(*(_dtype_of(x) for x in arrays_and_dtypes))


def promote_types(type1: Any, type2: Any) -> onp.dtype:
    """The smallest dtype both ``type1`` and ``type2`` safely cast to."""
    return onp.promote_types(type1, type2)


def min_scalar_type(a: Any) -> onp.dtype:
    """The smallest dtype that holds the scalar ``a``."""
    return onp.min_scalar_type(a)


def may_share_memory(a: Any, b: Any, max_work: Any = None) -> bool:
    """Whether the buffers of ``a`` and ``b`` may overlap."""
    return bool(onp.may_share_memory(a._data, b._data))


def shares_memory(a: Any, b: Any, max_work: Any = None) -> bool:
    """Whether the buffers of ``a`` and ``b`` overlap."""
    return bool(onp.shares_memory(a._data, b._data))


def set_printoptions(precision: Any = None, threshold: Any = None, **kwarg: Any) -> None:
    """Print options of arrays (``precision`` and ``threshold``, as MXNet supports)."""
    if kwarg:
        raise HybridError(f"np.set_printoptions: only precision and threshold are supported, "
                          f"got {', '.join(kwarg)}")
    onp.set_printoptions(precision=precision, threshold=threshold)
