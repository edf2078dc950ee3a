"""Statistics and differences of ``mx.np``: ``average``, ``percentile``, ``quantile``, ``diff``,
``ediff1d``, ``nan_to_num``, ``histogram``, ``bincount``, ``unique``, ``nonzero``, ``polyval``.

``average``, ``percentile``/``quantile`` (sort, take, linear interpolation), ``diff``,
``nan_to_num`` and ``polyval`` are compositions that carry gradients; ``histogram`` is the
registered ``_histogram`` op; ``unique``, ``nonzero`` and ``bincount`` have value-dependent shapes
and run as host NumPy calls (``_np_fallback``), without gradient, as in MXNet.
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as onp

from ..base import HybridError
from . import _core
from ._dispatch import asarray_like, call
from ._manip import broadcast_to as _broadcast_to

__all__ = [
    "average", "percentile", "quantile", "diff", "ediff1d", "nan_to_num", "histogram",
    "bincount", "unique", "nonzero", "polyval",
]


def _into(y: Any, out: Any) -> Any:
    if out is None:
        return y
    out[...] = y
    return out


def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False,
            out: Any = None) -> Any:
    """The (weighted) mean along ``axis``; with ``returned`` also the sum of the weights."""
    a = asarray_like(a)
    if weights is None:
        avg = _core.mean(a, axis=axis)
        count = a.size if axis is None else int(onp.prod([a.shape[d] for d in
                                                           onp.atleast_1d(axis)]))
        total = call("ones_like", avg) * count
    else:
        w = asarray_like(weights, dtype=a.dtype)
        if w.shape != a.shape:
            if axis is None or w.ndim != 1 or w.shape[0] != a.shape[axis]:
                raise HybridError(f"np.average: weights of shape {w.shape} do not fit a of "
                                  f"shape {a.shape} along axis {axis}")
            w = w.reshape(tuple(-1 if d == axis % a.ndim else 1 for d in range(a.ndim)))
            w = _broadcast_to(w, a.shape)
        total = _core.sum(w, axis=axis)
        avg = _core.sum(a * w, axis=axis) / total
    avg = _into(avg, out)
    return (avg, total) if returned else avg


_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: Any = None,
             interpolation: str = "linear", keepdims: bool = False) -> Any:
    """The ``q``-th quantiles (``q`` in ``[0, 1]``, a number or an array) along ``axis``:
    shape ``q.shape`` followed by the reduced shape."""
    if interpolation not in _METHODS:
        raise HybridError(f"np.quantile: interpolation must be one of {_METHODS}, got "
                          f"{interpolation!r}")
    a = asarray_like(a)
    if onp.dtype(a.dtype).kind in "biu":  # MXNet computes integer quantiles in float32
        a = a.astype(onp.float32)
    qs = onp.asarray(q.tolist() if hasattr(q, "tolist") and not isinstance(q, onp.ndarray)
                     else q, dtype=onp.float64)
    if ((qs < 0) | (qs > 1)).any():
        raise HybridError("np.quantile: q must lie in [0, 1]")
    if axis is None:
        x, ax = a.reshape((-1,)), 0
    else:
        x, ax = a, axis % a.ndim
    n = x.shape[ax]
    s = call("sort", x, axis=ax)
    pos = qs.reshape(-1) * (n - 1)
    lo, hi = onp.floor(pos).astype(onp.int64), onp.ceil(pos).astype(onp.int64)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    elif interpolation == "nearest":
        lo = hi = onp.round(pos).astype(onp.int64)
    frac = (pos - lo) if interpolation == "linear" else onp.full(pos.shape, 0.5)
    lo_v = call("take", s, asarray_like(lo), axis=ax)
    hi_v = call("take", s, asarray_like(hi), axis=ax)
    fshape = tuple(-1 if d == ax else 1 for d in range(s.ndim))
    f = asarray_like(frac.astype(a.dtype)).reshape(fshape)
    y = lo_v if interpolation in ("lower", "higher") else lo_v + (hi_v - lo_v) * f
    # (..., len(q), ...) at axis ax -> q's dims first, as NumPy orders them.
    y = call("transpose", y, axes=(ax, *[d for d in range(y.ndim) if d != ax]))
    if keepdims:
        kept = tuple(1 if axis is None or d == ax else n_ for d, n_ in enumerate(a.shape))
        y = y.reshape((-1, *kept))
    y = y.reshape(qs.shape + y.shape[1:])
    return _into(y, out)


def percentile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: Any = None,
               interpolation: str = "linear", keepdims: bool = False) -> Any:
    """The ``q``-th percentiles (``q`` in ``[0, 100]``) along ``axis``."""
    qs = onp.asarray(q.tolist() if hasattr(q, "tolist") and not isinstance(q, onp.ndarray)
                     else q, dtype=onp.float64)
    return quantile(a, qs / 100, axis, out, overwrite_input, interpolation, keepdims)


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """The ``n``-th discrete difference along ``axis``."""
    a = asarray_like(a)
    if a.ndim == 0:
        raise HybridError("np.diff: needs at least one dimension")
    ax = axis % a.ndim
    pieces = [asarray_like(p, dtype=a.dtype) for p in (prepend, a, append) if p is not None]
    if len(pieces) > 1:
        shaped = []
        for p in pieces:
            if p.ndim == 0:
                shape = a.shape[:ax] + (1,) + a.shape[ax + 1:]
                p = _broadcast_to(p.reshape((1,) * a.ndim), shape)
            shaped.append(p)
        a = call("Concat", *shaped, dim=ax, num_args=len(shaped))
    lead = (slice(None),) * ax
    for _ in range(n):
        a = a[(*lead, slice(1, None))] - a[(*lead, slice(None, -1))]
    return a


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """Differences of consecutive elements of the flattened array, with optional ends."""
    flat = asarray_like(ary).reshape((-1,))
    parts = [asarray_like(p, dtype=flat.dtype).reshape((-1,)) for p in (to_begin,)
             if p is not None]
    parts.append(flat[1:] - flat[:-1])
    parts += [asarray_like(p, dtype=flat.dtype).reshape((-1,)) for p in (to_end,)
              if p is not None]
    return parts[0] if len(parts) == 1 else call("Concat", *parts, dim=0, num_args=len(parts))


def nan_to_num(x: Any, copy: bool = True, nan: float = 0.0, posinf: Any = None,
               neginf: Any = None, **kwargs: Any) -> Any:
    """``x`` with NaN replaced by ``nan`` and infinities by ``posinf``/``neginf`` (default: the
    dtype's largest and smallest finite values)."""
    x = asarray_like(x)
    if onp.dtype(x.dtype).kind not in "fc":
        return call("_copy", x) if copy else x
    info = onp.finfo(x.dtype)
    hi = info.max if posinf is None else posinf
    lo = info.min if neginf is None else neginf

    def fill(value):
        return call("_full", shape=x.shape, value=float(value), dtype=x.dtype)

    y = call("where", call("_npi_isnan", x), fill(nan), x)
    y = call("where", call("_npi_isposinf", x), fill(hi), y)
    y = call("where", call("_npi_isneginf", x), fill(lo), y)
    if not copy:
        x[...] = y
        return x
    return y


def histogram(a: Any, bins: Any = 10, range: Any = None, normed: Any = None,  # noqa: A002
              weights: Any = None, density: Any = None) -> tuple:
    """``(counts, bin_edges)``: ``bins`` equal bins over ``range`` (required with a bin count,
    as in MXNet), or the bins between the edges ``bins``."""
    if weights is not None or normed or density:
        raise HybridError("np.histogram: weights, normed and density are not supported "
                          "(as in MXNet 1.9.1)")
    a = asarray_like(a)
    if isinstance(bins, (int, onp.integer)):
        if range is None:
            raise HybridError("np.histogram: a bin count needs range= (automatic range is not "
                              "supported, as in MXNet 1.9.1)")
        return tuple(call("_histogram", a, bin_cnt=int(bins),
                          range=tuple(float(r) for r in range)))
    return tuple(call("_histogram", a, asarray_like(bins, dtype=a.dtype)))


def _host(func: str, num_out: int, inputs: list, kwargs: dict) -> Any:
    spec = (tuple(("a", i) for i in range(len(inputs))),
            tuple((k, ("v", v)) for k, v in kwargs.items()))
    return call("_np_fallback", *inputs, func=func, spec=spec, num_out=num_out)


def bincount(x: Any, weights: Any = None, minlength: int = 0) -> Any:
    """Counts of each non-negative integer in ``x`` (summed ``weights`` when given)."""
    x = asarray_like(x)
    inputs = [x] + ([asarray_like(weights)] if weights is not None else [])
    counts = _host("bincount", 1, inputs, {"minlength": int(minlength)})
    # MXNet counts in the input's integer dtype; weighted sums stay NumPy's float64.
    return counts.astype(x.dtype) if weights is None else counts


def unique(ar: Any, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: Any = None) -> Any:
    """The sorted unique elements (along ``axis``), with optional first indices, inverse and
    counts."""
    kwargs = {"return_index": bool(return_index), "return_inverse": bool(return_inverse),
              "return_counts": bool(return_counts), "axis": axis}
    num_out = 1 + sum((bool(return_index), bool(return_inverse), bool(return_counts)))
    res = _host("unique", num_out, [asarray_like(ar)], kwargs)
    return tuple(res) if num_out > 1 else res


def nonzero(a: Any) -> tuple:
    """The indices of the non-zero elements: one int64 array per dimension."""
    a = asarray_like(a)
    res = _host("nonzero", max(a.ndim, 1), [a], {})
    return tuple(res) if isinstance(res, (list, tuple)) else (res,)


def polyval(p: Any, x: Any) -> Any:
    """The polynomial with coefficients ``p`` (highest power first) at ``x``, by Horner's rule."""
    p = asarray_like(p)
    x = x if isinstance(x, Number) else asarray_like(x)
    if p.ndim != 1:
        raise HybridError(f"np.polyval: p must be 1-D, got shape {p.shape}")
    y = call("zeros_like", x) if not isinstance(x, Number) else p[0] * 0
    for i in range(p.shape[0]):
        y = y * x + p[i]
    return y
