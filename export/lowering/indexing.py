"""Lowerings of the indexing ops (``hybrid/ops/indexing.py``).

MXNet passes indices as floats and truncates them; ``Cast`` to int64 truncates the same way.
Python slice bounds map onto ONNX ``Slice``, which clamps the same way; a missing bound becomes
the int64 extreme on the side the step walks towards.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hybrid.base import HybridError
from hybrid.ops._util import normalize_axis
from hybrid.ops.indexing import like_axes, slice_key

from ..builder import Builder, Call
from . import lowering
from .shape import INT_MAX, INT_MIN, cast, dim_scalar, dims_at, transpose


def _bounds(s: slice) -> tuple[int, int, int]:
    step = 1 if s.step is None else s.step
    start = s.start if s.start is not None else (0 if step > 0 else INT_MAX)
    stop = s.stop if s.stop is not None else (INT_MAX if step > 0 else INT_MIN)
    return start, stop, step


def _slice(ctx: Builder, x: str, keys: list[tuple[int, slice]]) -> str:
    """One ``Slice`` of ``x`` by ``(axis, slice)`` pairs; ``x`` when they keep everything."""
    keys = [(a, s) for a, s in keys if _bounds(s) != (0, INT_MAX, 1)]
    if not keys:
        return x
    starts, ends, steps = zip(*(_bounds(s) for _, s in keys))
    inputs = [x, ctx.ints(starts), ctx.ints(ends), ctx.ints([a for a, _ in keys])]
    return ctx.node("Slice", inputs + ([ctx.ints(steps)] if set(steps) != {1} else []))


def _int64(ctx: Builder, idx: str, dtype: np.dtype) -> str:
    return cast(ctx, idx, dtype, np.int64)


def _in_range(ctx: Builder, i: str, data: str, axis: int, mode: str) -> str:
    """Indices ``i`` brought into ``[0, data.shape[axis])`` by MXNet's ``clip``/``wrap``."""
    if mode == "raise":
        return i
    size = dim_scalar(ctx, data, axis)
    if mode == "wrap":
        # Integer Mod with fmod=0 takes the divisor's sign, as numpy's mod does.
        return ctx.node("Mod", [i, size], fmod=0)
    last = ctx.node("Sub", [size, ctx.const(np.int64(1))])
    return ctx.node("Clip", [i, ctx.const(np.int64(0)), last])


@lowering("slice")
def _slice_op(ctx: Builder, n: Call) -> str:
    a = n.attrs
    key = slice_key(n.in_shapes[0], a["begin"], a["end"], a["step"])
    return _slice(ctx, n.inputs[0], list(enumerate(key)))


@lowering("slice_axis")
def _slice_axis(ctx: Builder, n: Call) -> str:
    axis = normalize_axis("slice_axis", n.attrs["axis"], len(n.in_shapes[0]))
    return _slice(ctx, n.inputs[0], [(axis, slice(n.attrs["begin"], n.attrs["end"]))])


@lowering("slice_like")
def _slice_like(ctx: Builder, n: Call) -> str:
    axes = list(like_axes(*n.in_shapes, n.attrs["axes"]))
    ends = dims_at(ctx, n.inputs[1], axes)
    return ctx.node("Slice", [n.inputs[0], ctx.ints([0] * len(axes)), ends, ctx.ints(axes)])


@lowering("take")
def _take(ctx: Builder, n: Call) -> str:
    (a, idx), axis = n.inputs, normalize_axis("take", n.attrs["axis"], len(n.in_shapes[0]))
    i = _in_range(ctx, _int64(ctx, idx, n.in_dtypes[1]), a, axis, n.attrs["mode"])
    return ctx.node("Gather", [a, i], axis=axis)


@lowering("pick")
def _pick(ctx: Builder, n: Call) -> str:
    (x, idx), (shape, idx_shape) = n.inputs, n.in_shapes
    axis = normalize_axis("pick", n.attrs["axis"], len(shape))
    i = _in_range(ctx, _int64(ctx, idx, n.in_dtypes[1]), x, axis, n.attrs["mode"])
    if len(idx_shape) < len(shape):
        i = ctx.node("Unsqueeze", [i, ctx.ints([axis])])
    y = ctx.node("GatherElements", [x, i], axis=axis)
    if n.attrs["keepdims"] or len(shape) == 1:
        return y
    return ctx.node("Squeeze", [y, ctx.ints([axis])])


@lowering("gather_nd")
def _gather_nd(ctx: Builder, n: Call) -> str:
    # MXNet's indices are (M, Y...), ONNX's (Y..., M): move the coordinate axis last.
    i = _int64(ctx, n.inputs[1], n.in_dtypes[1])
    rank = len(n.in_shapes[1])
    return ctx.node("GatherND", [n.inputs[0], transpose(ctx, i, [*range(1, rank), 0])])


# OneHot kernels ONNX Runtime has for int64 indices and an int64 depth.
_ONE_HOT_DTYPES = (np.dtype(np.float32), np.dtype(np.int64))


@lowering("one_hot")
def _one_hot(ctx: Builder, n: Call) -> str:
    a, dtype = n.attrs, np.dtype(n.attrs["dtype"])
    depth = ctx.ints([a["depth"]])
    i = _int64(ctx, n.inputs[0], n.in_dtypes[0])
    # NOTE: ONNX counts negative indices from the end; MXNet gives them a row of off_value, as for
    # any index out of [0, depth): move them out of range.
    i = ctx.node("Where", [ctx.node("Less", [i, ctx.const(np.int64(0))]), depth, i])
    if dtype in _ONE_HOT_DTYPES:
        values = ctx.const(np.asarray([a["off_value"], a["on_value"]], dtype))
        return ctx.node("OneHot", [i, depth, values], axis=-1)
    hot = ctx.node("OneHot", [i, depth, ctx.ints([0, 1])], axis=-1)
    on, off = (ctx.const(np.asarray(a[k], dtype)) for k in ("on_value", "off_value"))
    return ctx.node("Where", [cast(ctx, hot, np.int64, np.bool_), on, off])


@lowering("_getitem")
def _getitem(ctx: Builder, n: Call) -> str:
    entries = _key_entries(n.attrs["key"], len(n.in_shapes[0]))
    arrays = [e for e in entries if e[0] == "array"]
    if not arrays:
        return _basic_getitem(ctx, n.inputs[0], entries, len(n.in_shapes[0]))
    if len(arrays) > 1 or any(e[0] == "new" for e in entries):
        raise HybridError(
            f"_getitem: key {n.attrs['key']!r} mixes several index arrays or None with an index "
            "array; the ONNX lowering supports one integer index array with ints and slices"
        )
    return _advanced_getitem(ctx, n.inputs[0], entries, len(n.out_shapes[0]))


def _key_entries(key: Any, ndim: int) -> list[tuple]:
    """``key`` as ``(kind, axis, value)`` entries, kind one of slice/int/array/new, with the
    Ellipsis expanded; ``axis`` is the input axis the entry indexes (new axes index none).
    """
    parts = list(key) if isinstance(key, tuple) else [key]
    used = sum(p is not None and p is not Ellipsis for p in parts)
    entries, axis = [], 0
    for p in parts:
        if p is Ellipsis:
            entries += [("slice", axis + k, slice(None)) for k in range(ndim - used)]
            axis += ndim - used
        elif p is None:
            entries.append(("new", axis, None))
        elif isinstance(p, slice):
            entries.append(("slice", axis, p))
            axis += 1
        elif isinstance(p, (int, np.integer)) and not isinstance(p, bool):
            entries.append(("int", axis, int(p)))
            axis += 1
        elif np.asarray(p).dtype.kind in "iu":
            entries.append(("array", axis, np.asarray(p, np.int64)))
            axis += 1
        else:
            raise HybridError(
                f"_getitem: index {p!r} has no ONNX lowering (ints, slices, None "
                "and one integer array are supported)"
            )
    return entries


def _basic_getitem(ctx: Builder, x: str, entries: list[tuple], ndim: int) -> str:
    """Slices and ints in one ``Slice`` (an int i as i:i+1), then drop the int axes and add the
    new ones.
    """
    keys = [
        (a, slice(v, v + 1 if v != -1 else None)) if k == "int" else (a, v)
        for k, a, v in entries
        if k in ("int", "slice")
    ]
    y = _slice(ctx, x, keys)
    dropped = [a for k, a, _ in entries if k == "int"]
    if len(dropped) == ndim:
        return ctx.node("Reshape", [y, ctx.ints([1])])  # one element keeps shape (1,), as MXNet
    if dropped:
        y = ctx.node("Squeeze", [y, ctx.ints(dropped)])
    kept = [k for k, _, _ in entries if k != "int"]
    new = [pos for pos, k in enumerate(kept) if k == "new"]
    return ctx.node("Unsqueeze", [y, ctx.ints(new)]) if new else y


def _advanced_getitem(ctx: Builder, x: str, entries: list[tuple], out_ndim: int) -> str:
    """Slices by ``Slice``; the index array and ints by ``Gather`` (last axis first, so earlier
    axes keep their numbers). numpy treats the ints as index arrays too: when they and the array
    are not adjacent in the key, the array's dims go first.
    """
    y = _slice(ctx, x, [(a, v) for k, a, v in entries if k == "slice"])
    for kind, axis, value in sorted((e for e in entries if e[0] != "slice"), key=lambda e: -e[1]):
        index = ctx.const(np.int64(value) if kind == "int" else value)
        y = ctx.node("Gather", [y, index], axis=axis)
    advanced = [pos for pos, e in enumerate(entries) if e[0] != "slice"]
    _, axis_at, array = next(e for e in entries if e[0] == "array")
    start = axis_at - sum(1 for k, a, _ in entries if k == "int" and a < axis_at)
    if advanced == list(range(advanced[0], advanced[-1] + 1)) or start == 0:
        return y
    dims = list(range(start, start + array.ndim))
    return transpose(ctx, y, dims + [d for d in range(out_ndim) if d not in dims])
