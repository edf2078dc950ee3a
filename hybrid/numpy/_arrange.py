"""Rearranging functions of ``mx.np``: rolls and rotations, diagonals and triangles, padding,
grids (``meshgrid``, ``indices``, ``ix_``), ``broadcast_arrays``, ``take``, ``unravel_index``.

Compositions of registered ops (``reverse``, ``transpose``, ``diag``, ``Concat``, ``take``,
``broadcast_to`` and indexing), so gradients flow through them and they trace.
"""

from __future__ import annotations

from typing import Any

import numpy as onp

from ..base import HybridError
from . import _core
from ._dispatch import asarray_like, call
from ._manip import broadcast_to as _broadcast_to

__all__ = [
    "roll", "rot90", "rollaxis", "fliplr", "flipud", "diag", "diagflat", "diagonal", "tril",
    "trace", "pad", "meshgrid", "indices", "broadcast_arrays", "take", "unravel_index", "ix_",
]


def _axis(name: str, axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise HybridError(f"np.{name}: axis {axis} is out of range for {ndim} dimensions")
    return axis % ndim


def _cut(x: Any, axis: int, lo: Any, hi: Any) -> Any:
    return x[(slice(None),) * axis + (slice(lo, hi),)]


def _join(parts: list, axis: int) -> Any:
    parts = [p for p in parts if p.shape[axis] > 0] or parts[:1]
    if len(parts) == 1:
        return parts[0]
    return call("Concat", *parts, dim=axis, num_args=len(parts))


def _flip(x: Any, axis: int) -> Any:
    return call("reverse", x, axis=(axis,))


def roll(a: Any, shift: Any, axis: Any = None) -> Any:
    """Elements shifted by ``shift`` along ``axis`` (of the flattened array for None), wrapping
    around."""
    a = asarray_like(a)
    if axis is None:
        return roll(a.reshape((-1,)), shift, 0).reshape(a.shape)
    axes = (axis,) if isinstance(axis, (int, onp.integer)) else tuple(axis)
    shifts = (shift,) * len(axes) if isinstance(shift, (int, onp.integer)) else tuple(shift)
    if len(shifts) != len(axes):
        raise HybridError(f"np.roll: {len(shifts)} shifts for {len(axes)} axes")
    for ax, s in zip(axes, shifts):
        ax = _axis("roll", ax, a.ndim)
        n = a.shape[ax]
        if n:
            s = int(s) % n
            a = _join([_cut(a, ax, n - s, None), _cut(a, ax, 0, n - s)], ax)
    return a


def rot90(m: Any, k: int = 1, axes: Any = (0, 1)) -> Any:
    """``m`` rotated by ``k`` quarter turns in the plane of ``axes`` (from the first axis towards
    the second)."""
    m = asarray_like(m)
    a0, a1 = (_axis("rot90", ax, m.ndim) for ax in axes)
    if a0 == a1:
        raise HybridError(f"np.rot90: axes must differ, got {tuple(axes)}")
    k %= 4
    if k == 0:
        return call("_copy", m)
    if k == 2:
        return _flip(_flip(m, a0), a1)
    perm = list(range(m.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return call("transpose", _flip(m, a1), axes=tuple(perm))
    return _flip(call("transpose", m, axes=tuple(perm)), a1)


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """``a`` with ``axis`` moved to sit before position ``start``."""
    a = asarray_like(a)
    n = a.ndim
    axis = _axis("rollaxis", axis, n)
    if not -n <= start <= n:
        raise HybridError(f"np.rollaxis: start {start} is out of range for {n} dimensions")
    start %= n + 1
    if axis < start:
        start -= 1
    perm = [d for d in range(n) if d != axis]
    perm.insert(start, axis)
    return call("transpose", a, axes=tuple(perm))


def fliplr(m: Any) -> Any:
    """``m`` reversed along axis 1."""
    m = asarray_like(m)
    if m.ndim < 2:
        raise HybridError(f"np.fliplr: needs at least 2 dimensions, got shape {m.shape}")
    return _flip(m, 1)


def flipud(m: Any) -> Any:
    """``m`` reversed along axis 0."""
    m = asarray_like(m)
    if m.ndim < 1:
        raise HybridError("np.flipud: needs at least 1 dimension")
    return _flip(m, 0)


def diag(array: Any, k: int = 0) -> Any:
    """The ``k``-th diagonal of a 2-D array, or the 2-D array with a 1-D input on diagonal ``k``."""
    array = asarray_like(array)
    if array.ndim not in (1, 2):
        raise HybridError(f"np.diag: needs a 1-D or 2-D array, got shape {array.shape}")
    return call("diag", array, k=k)


def diagflat(array: Any, k: int = 0) -> Any:
    """The 2-D array with the flattened input on diagonal ``k``."""
    return call("diag", asarray_like(array).reshape((-1,)), k=k)


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The diagonal ``offset`` of the matrices in ``axis1``, ``axis2`` (those axes removed, the
    diagonal last)."""
    a = asarray_like(a)
    if a.ndim < 2:
        raise HybridError(f"np.diagonal: needs at least 2 dimensions, got shape {a.shape}")
    return call("diag", a, k=offset, axis1=axis1, axis2=axis2)


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, out: Any = None) -> Any:
    """The sum along the diagonal ``offset`` of the matrices in ``axis1``, ``axis2``."""
    d = diagonal(a, offset, axis1, axis2)
    y = _core.sum(d, axis=-1 if d.ndim > 1 else None)
    if out is not None:
        out[...] = y
        return out
    return y


def tril(m: Any, k: int = 0) -> Any:
    """``m`` with the elements above diagonal ``k`` of its last two axes set to zero."""
    m = asarray_like(m)
    if m.ndim < 2:
        m = _broadcast_to(m.reshape((1, -1)), (m.shape[-1], m.shape[-1]))
    # The mask col - row <= k comes from ops on m's shape, so tril also traces.
    cols = call("_contrib_arange_like", m, axis=-1)
    rows = call("_contrib_arange_like", m, axis=-2).reshape((-1, 1))
    keep = call("_lesser_equal_scalar", call("broadcast_sub", cols, rows), scalar=float(k))
    return call("where", _broadcast_to(keep, m.shape), m, call("zeros_like", m))


def _pad_axis(x: Any, axis: int, before: int, after: int, mode: str, value: Any) -> Any:
    n = x.shape[axis]
    if mode == "constant":
        def block(count):
            shape = x.shape[:axis] + (count,) + x.shape[axis + 1:]
            return call("_full", shape=shape, value=float(value), dtype=x.dtype)
        return _join([block(before), x, block(after)], axis)
    if mode == "edge":
        def block(count, at):
            edge = _cut(x, axis, at, at + 1)
            return call("repeat", edge, repeats=count, axis=axis)
        return _join([block(before, 0), x, block(after, n - 1)], axis)
    if mode in ("reflect", "symmetric"):
        skip = 1 if mode == "reflect" else 0
        if before + skip > n or after + skip > n:
            raise HybridError(f"np.pad: {mode} padding of {max(before, after)} needs more than "
                              f"{n} elements along axis {axis}")
        head = _flip(_cut(x, axis, skip, skip + before), axis)
        tail = _flip(_cut(x, axis, n - after - skip, n - skip), axis)
        return _join([head, x, tail], axis)
    if mode in ("maximum", "minimum", "mean"):
        reduce = {"maximum": "max", "minimum": "min", "mean": "mean"}[mode]
        stat = call(reduce, x, axis=axis, keepdims=True)
        return _join([call("repeat", stat, repeats=before, axis=axis), x,
                      call("repeat", stat, repeats=after, axis=axis)], axis)
    raise HybridError(f"np.pad: mode {mode!r} is not supported (constant, edge, reflect, "
                      "symmetric, maximum, minimum, mean)")


def pad(x: Any, pad_width: Any = None, mode: str = "constant", **kwargs: Any) -> Any:
    """``x`` padded by ``pad_width`` (``((before, after), ...)``, one pair or one int for every
    axis) in ``mode``; ``constant_values`` gives the fill of ``constant``."""
    x = asarray_like(x)
    widths = onp.broadcast_to(onp.asarray(pad_width, dtype=onp.int64), (x.ndim, 2))
    if (widths < 0).any():
        raise HybridError(f"np.pad: pad_width must be non-negative, got {pad_width}")
    value = kwargs.pop("constant_values", 0)
    if kwargs:
        raise HybridError(f"np.pad: unsupported arguments {', '.join(kwargs)}")
    for axis, (before, after) in enumerate(widths.tolist()):
        if before or after:
            x = _pad_axis(x, axis, before, after, mode, value)
    return x


def meshgrid(*xi: Any, **kwargs: Any) -> list:
    """Coordinate matrices from 1-D coordinate vectors (``indexing='xy'`` or ``'ij'``,
    ``sparse``)."""
    indexing = kwargs.pop("indexing", "xy")
    sparse = kwargs.pop("sparse", False)
    kwargs.pop("copy", None)
    if kwargs or indexing not in ("xy", "ij"):
        raise HybridError(f"np.meshgrid: unsupported arguments {kwargs or indexing!r}")
    xs = [asarray_like(x).reshape((-1,)) for x in xi]
    n = len(xs)
    shapes = [x.shape[0] for x in xs]
    if indexing == "xy" and n > 1:
        shapes[0], shapes[1] = shapes[1], shapes[0]
    out = []
    for i, x in enumerate(xs):
        where = (1 - i if i < 2 else i) if indexing == "xy" and n > 1 else i
        view = x.reshape(tuple(-1 if d == where else 1 for d in range(n)))
        out.append(view if sparse else _broadcast_to(view, tuple(shapes)))
    return out


def indices(dimensions: Any, dtype: Any = onp.int32, ctx: Any = None) -> Any:
    """The grid of indices of an array of shape ``dimensions``: shape
    ``(len(dimensions), *dimensions)``."""
    dims = tuple(int(d) for d in dimensions)
    grids = [call("_arange", start=0, stop=d, dtype=dtype, ctx=ctx) for d in dims]
    full = meshgrid(*grids, indexing="ij") if dims else []
    if not full:
        return call("_zeros", shape=(0,), dtype=dtype, ctx=ctx)
    return call("stack", *full, axis=0, num_args=len(full))


def broadcast_arrays(*args: Any) -> list:
    """The inputs broadcast against each other."""
    arrays = [asarray_like(a) for a in args]
    shape = tuple(onp.broadcast_shapes(*(a.shape for a in arrays)))
    return [a if a.shape == shape else _broadcast_to(a, shape) for a in arrays]


def take(a: Any, indices: Any, axis: Any = None, mode: str = "raise", out: Any = None) -> Any:
    """Elements of ``a`` at ``indices`` along ``axis`` (of the flattened ``a`` for None);
    ``mode`` is ``raise``, ``wrap`` or ``clip`` for out-of-range indices."""
    a = asarray_like(a)
    if axis is None:
        a, axis = a.reshape((-1,)), 0
    idx = asarray_like(indices, dtype=onp.int64)
    y = call("take", a, idx, axis=_axis("take", axis, a.ndim), mode=mode)
    if out is not None:
        out[...] = y
        return out
    return y


def unravel_index(indices: Any, shape: Any, order: str = "C") -> tuple:
    """The coordinates in an array of ``shape`` of each flat index: a tuple of index arrays."""
    if order != "C":
        raise HybridError(f"np.unravel_index: only order='C' is supported, got {order!r}")
    idx = asarray_like(indices, dtype=onp.int64)
    coords = call("_unravel_index", idx, shape=tuple(shape))
    return tuple(coords[i] for i in range(len(tuple(shape))))


def ix_(*args: Any) -> tuple:
    """Open-mesh index arrays: input ``k`` reshaped to lie along axis ``k``."""
    n = len(args)
    out = []
    for k, a in enumerate(args):
        a = asarray_like(a)
        if a.ndim != 1:
            raise HybridError(f"np.ix_: inputs must be 1-D, input {k} has shape {a.shape}")
        out.append(a.reshape(tuple(-1 if d == k else 1 for d in range(n))))
    return tuple(out)
