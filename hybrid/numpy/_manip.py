"""``mx.np`` shape manipulation: reshape, transpose, axes moves, joins and splits, broadcast,
tile/repeat, flip, sort, ``where``; NumPy's argument names and shape rules over registered ops.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as onp

from ..base import HybridError
from ._dispatch import asarray_like, call
from ._operators import cast, result_type

__all__ = [
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze",
    "broadcast_to", "concatenate", "stack", "split", "array_split", "tile", "repeat", "flip",
    "sort", "argsort", "where", "copy",
]


def reshape(a: Any, newshape: Any, order: str = "C") -> Any:
    """``a`` with shape ``newshape`` (one -1 inferred; no MXNet reshape codes: see
    ``npx.reshape``)."""
    if order != "C":
        raise HybridError(f"np.reshape: only order='C' is supported, got {order!r}")
    shape = (int(newshape),) if isinstance(newshape, (int, onp.integer)) else tuple(newshape)
    return call("_np_reshape", a, newshape=shape)


def ravel(x: Any, order: str = "C") -> Any:
    return reshape(x, (-1,), order)


def transpose(a: Any, axes: Any = None) -> Any:
    return call("transpose", a, axes=() if axes is None else tuple(axes))


def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    return call("SwapAxis", a, dim1=int(axis1), dim2=int(axis2))


def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    a = asarray_like(a)
    src = [s % a.ndim for s in ((source,) if isinstance(source, int) else source)]
    dst = [d % a.ndim for d in ((destination,) if isinstance(destination, int) else destination)]
    if len(src) != len(dst):
        raise HybridError("np.moveaxis: source and destination need the same number of axes")
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)


def expand_dims(a: Any, axis: int) -> Any:
    return call("expand_dims", a, axis=int(axis))


def squeeze(x: Any, axis: Any = None) -> Any:
    x = asarray_like(x)
    axes = None if axis is None else (axis if isinstance(axis, tuple) else (int(axis),))
    if axes is None:
        shape = tuple(d for d in x.shape if d != 1)
    else:
        bad = [ax for ax in axes if x.shape[ax] != 1]
        if bad:
            raise HybridError(f"np.squeeze: axis {bad[0]} of shape {x.shape} is not of size 1")
        keep = {ax % x.ndim for ax in axes}
        shape = tuple(d for i, d in enumerate(x.shape) if i not in keep)
    return reshape(x, shape)


def broadcast_to(array: Any, shape: Any) -> Any:
    """``array`` broadcast to ``shape`` (NumPy's rule: missing leading axes are added)."""
    a = asarray_like(array)
    shape = (int(shape),) if isinstance(shape, (int, onp.integer)) else tuple(shape)
    if a.ndim > len(shape):
        raise HybridError(f"np.broadcast_to: cannot broadcast {a.shape} to {shape}")
    if a.ndim < len(shape):
        a = reshape(a, (1,) * (len(shape) - a.ndim) + a.shape)
    return call("broadcast_to", a, shape=shape)


def _common(arrays: Any) -> list:
    arrays = [asarray_like(x) for x in arrays]
    dtypes = [onp.dtype(x.dtype) for x in arrays if x.dtype is not None]
    if dtypes:
        dtype = dtypes[0]
        for d in dtypes[1:]:
            dtype = result_type(dtype, d)
        arrays = [cast(x, dtype) for x in arrays]
    return arrays


def concatenate(seq: Any, axis: int | None = 0, out: Any = None) -> Any:
    """Join arrays along ``axis`` (flattened first when ``axis`` is None)."""
    arrays = _common(seq)
    if axis is None:
        arrays, axis = [ravel(x) for x in arrays], 0
    res = call("Concat", *arrays, dim=int(axis), num_args=len(arrays))
    if out is not None:
        out[...] = res
        return out
    return res


def stack(arrays: Any, axis: int = 0, out: Any = None) -> Any:
    arrays = _common(arrays)
    res = call("stack", *arrays, axis=int(axis), num_args=len(arrays))
    if out is not None:
        out[...] = res
        return out
    return res


def _split(ary: Any, indices_or_sections: Any, axis: int, even: bool) -> list:
    a = asarray_like(ary)
    n = a.shape[axis]
    if isinstance(indices_or_sections, (int, onp.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise HybridError("np.split: the number of sections must be positive")
        if even and n % sections:
            raise HybridError(f"np.split: array split does not result in an equal division "
                              f"({n} into {sections})")
        size, extra = divmod(n, sections)
        bounds = [i * size + min(i, extra) for i in range(1, sections)]
    else:
        bounds = [int(i) for i in indices_or_sections]
    edges = [0, *bounds, n]
    parts = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        key = (slice(None),) * (axis % a.ndim) + (slice(lo, builtins.max(lo, hi)),)
        parts.append(a[key])
    return parts


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Equal sections (an int) or pieces cut at the given indices along ``axis``."""
    return _split(ary, indices_or_sections, axis, even=True)


def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """As :func:`split`, but sections may differ in size by one."""
    return _split(ary, indices_or_sections, axis, even=False)


def tile(A: Any, reps: Any) -> Any:  # noqa: N803
    reps = (int(reps),) if isinstance(reps, (int, onp.integer)) else tuple(reps)
    return call("tile", A, reps=reps)


def repeat(a: Any, repeats: int, axis: int | None = None) -> Any:
    return call("repeat", a, repeats=int(repeats), axis=axis)


def flip(m: Any, axis: Any = None) -> Any:
    m = asarray_like(m)
    axes = tuple(range(m.ndim)) if axis is None else axis
    return call("reverse", m, axis=axes)


def sort(a: Any, axis: int = -1, kind: Any = None, order: Any = None) -> Any:
    return call("sort", a, axis=axis)


def argsort(a: Any, axis: int = -1, kind: Any = None, order: Any = None) -> Any:
    return call("argsort", a, axis=axis, dtype=onp.dtype(onp.int64))


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """``x`` where ``condition`` is true, else ``y`` (arrays or scalars, broadcast together)."""
    if x is None or y is None:
        raise HybridError("np.where: give both x and y (the one-argument form is np.nonzero)")
    cond = asarray_like(condition)
    x, y = _common([x, y]) if not _scalar(x) or not _scalar(y) else _common([x, y])
    shape = onp.broadcast_shapes(cond.shape, x.shape, y.shape)
    cond, x, y = (broadcast_to(v, shape) if v.shape != shape else v for v in (cond, x, y))
    return call("where", cast(cond, onp.dtype(x.dtype)) if cond.dtype != x.dtype else cond, x, y)


def _scalar(v: Any) -> bool:
    return isinstance(v, (int, float, bool))


def copy(a: Any) -> Any:
    return call("_copy", a)
