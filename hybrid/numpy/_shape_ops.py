"""Joining, splitting and reshaping functions of ``mx.np`` beyond the core: the ``atleast_*``
family, ``hstack``/``vstack``/``dstack``/``column_stack``, ``hsplit``/``vsplit``/``dsplit``,
``append``, ``delete``, ``insert`` and ``resize``.

All are compositions of registered ops (``Concat``, ``take``, ``broadcast_to``, indexing), so they
record on the tape and trace. Where NumPy decides positions from Python arguments (``insert``,
``delete``), the positions are computed on index arrays, never on the data.
"""

from __future__ import annotations

from typing import Any

import numpy as onp

from ..base import HybridError
from ._dispatch import asarray_like, call
from ._manip import _common
from ._manip import broadcast_to as _broadcast_to

__all__ = [
    "atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "row_stack", "dstack",
    "column_stack", "hsplit", "vsplit", "dsplit", "append", "delete", "insert", "resize",
]


def _axis(name: str, axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise HybridError(f"np.{name}: axis {axis} is out of range for {ndim} dimensions")
    return axis % ndim


def _concat(arrays: list, axis: int) -> Any:
    arrays = _common(arrays)  # one dtype by MXNet's promotion rule
    if len(arrays) == 1:
        return call("_copy", arrays[0])
    return call("Concat", *arrays, dim=axis, num_args=len(arrays))


def _atleast(name: str, ndim: int, arys: tuple) -> Any:
    out = []
    for a in arys:
        a = asarray_like(a)
        if a.ndim < ndim:
            shape = a.shape
            if ndim == 3 and len(shape) == 2:
                shape = shape + (1,)
            elif ndim == 3 and len(shape) == 1:
                shape = (1,) + shape + (1,)
            else:
                shape = (1,) * (ndim - len(shape)) + shape
            a = a.reshape(shape)
        out.append(a)
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys: Any) -> Any:
    """Each input viewed with at least one dimension (a list for several inputs)."""
    return _atleast("atleast_1d", 1, arys)


def atleast_2d(*arys: Any) -> Any:
    """Each input with at least two dimensions (1-D ``(n,)`` becomes ``(1, n)``)."""
    return _atleast("atleast_2d", 2, arys)


def atleast_3d(*arys: Any) -> Any:
    """Each input with at least three dimensions (``(n,)`` -> ``(1, n, 1)``, ``(m, n)`` ->
    ``(m, n, 1)``)."""
    return _atleast("atleast_3d", 3, arys)


def hstack(arrays: Any) -> Any:
    """Arrays joined along axis 1 (axis 0 for 1-D arrays)."""
    arrays = [asarray_like(a) for a in arrays]
    return _concat(arrays, 0 if arrays[0].ndim <= 1 else 1)


def vstack(arrays: Any, out: Any = None) -> Any:
    """Arrays joined along axis 0, 1-D arrays as rows."""
    y = _concat(atleast_2d(*arrays) if len(arrays) > 1 else [atleast_2d(arrays[0])], 0)
    if out is not None:
        out[...] = y
        return out
    return y


row_stack = vstack


def dstack(arrays: Any) -> Any:
    """Arrays joined along axis 2, after :func:`atleast_3d`."""
    return _concat(atleast_3d(*arrays) if len(arrays) > 1 else [atleast_3d(arrays[0])], 2)


def column_stack(tup: Any) -> Any:
    """1-D arrays as columns (and 2-D arrays as they are) joined along axis 1."""
    columns = []
    for a in tup:
        a = asarray_like(a)
        columns.append(a.reshape((a.shape[0], 1)) if a.ndim < 2 else a)
    return _concat(columns, 1)


def _split_along(name: str, ary: Any, indices_or_sections: Any, axis: int) -> list:
    ary = asarray_like(ary)
    axis = _axis(name, axis, ary.ndim)
    n = ary.shape[axis]
    if isinstance(indices_or_sections, (int, onp.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise HybridError(f"np.{name}: {n} elements along axis {axis} do not split into "
                              f"{sections} equal sections")
        cuts = [n // sections * i for i in range(1, sections)]
    else:
        cuts = [int(i) for i in indices_or_sections]
    bounds = [0, *cuts, n]
    lead = (slice(None),) * axis
    return [ary[(*lead, slice(lo, hi))] for lo, hi in zip(bounds[:-1], bounds[1:])]


def hsplit(ary: Any, indices_or_sections: Any) -> list:
    """Split along axis 1 (axis 0 for 1-D arrays)."""
    ary = asarray_like(ary)
    if ary.ndim == 0:
        raise HybridError("np.hsplit: needs an array of at least one dimension")
    return _split_along("hsplit", ary, indices_or_sections, 1 if ary.ndim > 1 else 0)


def vsplit(ary: Any, indices_or_sections: Any) -> list:
    """Split along axis 0 (arrays of at least two dimensions)."""
    ary = asarray_like(ary)
    if ary.ndim < 2:
        raise HybridError(f"np.vsplit: needs at least 2 dimensions, got shape {ary.shape}")
    return _split_along("vsplit", ary, indices_or_sections, 0)


def dsplit(ary: Any, indices_or_sections: Any) -> list:
    """Split along axis 2 (arrays of at least three dimensions)."""
    ary = asarray_like(ary)
    if ary.ndim < 3:
        raise HybridError(f"np.dsplit: needs at least 3 dimensions, got shape {ary.shape}")
    return _split_along("dsplit", ary, indices_or_sections, 2)


def append(arr: Any, values: Any, axis: Any = None) -> Any:
    """``values`` appended to ``arr`` along ``axis`` (both flattened when ``axis`` is None)."""
    arr, values = asarray_like(arr), asarray_like(values)
    if axis is None:
        return _concat([arr.reshape((-1,)), values.reshape((-1,))], 0)
    return _concat([arr, values], _axis("append", axis, arr.ndim))


def _positions(obj: Any) -> Any:
    """Index arguments as host integers (an ``np.ndarray`` of indices is read, as MXNet does)."""
    if hasattr(obj, "tolist") and not isinstance(obj, onp.ndarray):
        return obj.tolist()
    return obj


def delete(arr: Any, obj: Any, axis: Any = None) -> Any:
    """``arr`` without the entries ``obj`` (int, slice or indices) along ``axis``."""
    arr = asarray_like(arr)
    if axis is None:
        arr, axis = arr.reshape((-1,)), 0
    axis = _axis("delete", axis, arr.ndim)
    keep = onp.delete(onp.arange(arr.shape[axis]), _positions(obj))
    return call("take", arr, asarray_like(keep.astype(onp.int64)), axis=axis, mode="clip")


def insert(arr: Any, obj: Any, values: Any, axis: Any = None) -> Any:
    """``values`` inserted into ``arr`` before the indices ``obj`` along ``axis``."""
    arr = asarray_like(arr)
    if axis is None:
        arr, axis = arr.reshape((-1,)), 0
    axis = _axis("insert", axis, arr.ndim)
    obj = _positions(obj)
    values = asarray_like(values, dtype=arr.dtype)
    n = arr.shape[axis]
    if isinstance(obj, (int, onp.integer)):
        if values.ndim < arr.ndim:
            values = values.reshape((1,) * (arr.ndim - values.ndim) + values.shape)
        values = call("transpose", values, axes=_move_first_to(axis, values.ndim))
        count = values.shape[axis]
    else:
        count = len(range(n)[obj]) if isinstance(obj, slice) else len(obj)
    block = arr.shape[:axis] + (count,) + arr.shape[axis + 1:]
    values = _broadcast_to(values, block)
    order = onp.insert(onp.arange(n), obj, onp.arange(n, n + count))
    joined = _concat([arr, values], axis)
    return call("take", joined, asarray_like(order.astype(onp.int64)), axis=axis, mode="clip")


def _move_first_to(axis: int, ndim: int) -> tuple:
    rest = list(range(1, ndim))
    return tuple(rest[:axis] + [0] + rest[axis:])


def resize(a: Any, new_shape: Any) -> Any:
    """``a`` flattened, repeated cyclically and cut to ``new_shape``."""
    a = asarray_like(a)
    shape = (int(new_shape),) if isinstance(new_shape, (int, onp.integer)) else tuple(new_shape)
    total = int(onp.prod(shape)) if shape else 1
    flat = a.reshape((-1,))
    if flat.shape[0] == 0:
        return call("_zeros", shape=shape, dtype=a.dtype).reshape(shape)
    reps = -(-total // flat.shape[0])
    return call("tile", flat, reps=(reps,))[:total].reshape(shape)
