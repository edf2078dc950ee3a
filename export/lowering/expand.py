"""Lowerings of the ops that repeat data (``hybrid/ops/expand.py``): tile, repeat,
broadcast_to, broadcast_like, broadcast_axis, Pad.

ONNX ``Expand`` broadcasts numpy-style, so a target dim of 1 keeps the input's dim: the
broadcasts put 1 wherever MXNet keeps the input's dim (its 0 code in ``broadcast_to``), and the
batch dim stays dynamic (see Note [Dynamic dims in lowerings] in ``shape.py``).
"""

from __future__ import annotations

import numpy as np

from hybrid.ops._util import normalize_axes, normalize_axis

from ..builder import Builder, Call
from . import lowering
from .shape import dims_at, reshape, shape_of


def _expand(ctx: Builder, n: Call, target: str) -> str:
    if tuple(n.in_shapes[0]) == tuple(n.out_shapes[0]):
        return n.inputs[0]
    return ctx.node("Expand", [n.inputs[0], target])


@lowering("broadcast_to")
def _broadcast_to(ctx: Builder, n: Call) -> str:
    return _expand(ctx, n, ctx.ints([d or 1 for d in n.attrs["shape"]]))


@lowering("broadcast_axis")
def _broadcast_axis(ctx: Builder, n: Call) -> str:
    ndim = len(n.in_shapes[0])
    target = [1] * ndim
    for a, s in zip(n.attrs["axis"], n.attrs["size"]):
        target[normalize_axis("broadcast_axis", a, ndim)] = s
    return _expand(ctx, n, ctx.ints(target))


@lowering("broadcast_like")
def _broadcast_like(ctx: Builder, n: Call) -> str:
    (lhs_shape, rhs_shape), rhs = n.in_shapes, n.inputs[1]
    la, ra = n.attrs["lhs_axes"], n.attrs["rhs_axes"]
    if la is None and ra is None:
        return _expand(ctx, n, ctx.node("Shape", [rhs]))
    la = normalize_axes("broadcast_like", la, len(lhs_shape))
    ra = normalize_axes("broadcast_like", ra, len(rhs_shape))
    # Ones everywhere but at lhs_axes, which take rhs' dims at rhs_axes (read at run time).
    target = ctx.node(
        "ScatterElements",
        [ctx.ints([1] * len(lhs_shape)), ctx.ints(la), dims_at(ctx, rhs, list(ra))],
        axis=0,
    )
    return _expand(ctx, n, target)


@lowering("tile")
def _tile(ctx: Builder, n: Call) -> str:
    x, shape, reps = n.inputs[0], n.in_shapes[0], tuple(n.attrs["reps"])
    if len(reps) > len(shape):
        # ONNX Tile needs one rep per axis: give x the leading 1s numpy.tile assumes.
        x = ctx.node("Unsqueeze", [x, ctx.ints(range(len(reps) - len(shape)))])
    reps = (1,) * (len(shape) - len(reps)) + reps
    if all(r == 1 for r in reps):
        return x
    return ctx.node("Tile", [x, ctx.ints(reps)])


@lowering("repeat")
def _repeat(ctx: Builder, n: Call) -> str:
    x, shape, r, axis = n.inputs[0], n.in_shapes[0], n.attrs["repeats"], n.attrs["axis"]
    if axis is None:
        x, shape, a = reshape(ctx, x, shape, [-1]), (int(np.prod(shape)),), 0
    else:
        a = normalize_axis("repeat", axis, len(shape))
    if r == 1:
        return x
    # Repeating each element r times along a = tiling a new axis a+1 of size 1 r times, then
    # merging axes a and a+1: dims before a are copied in place (0), dims after a read at run time.
    reps = [1] * (len(shape) + 1)
    reps[a + 1] = r
    tiled = ctx.node("Tile", [ctx.node("Unsqueeze", [x, ctx.ints([a + 1])]), ctx.ints(reps)])
    target = ctx.ints([0] * a + [-1])
    if a + 1 < len(shape):
        target = ctx.node("Concat", [target, shape_of(ctx, x, a + 1)], axis=0)
    return ctx.node("Reshape", [tiled, target])


@lowering("Pad")
def _pad(ctx: Builder, n: Call) -> str:
    # MXNet lists (before, after) per axis; ONNX lists every axis' before, then every after.
    pw = n.attrs["pad_width"]
    pads = ctx.ints(list(pw[::2]) + list(pw[1::2]))
    mode = n.attrs["mode"]
    if mode != "constant":
        return ctx.node("Pad", [n.inputs[0], pads], mode=mode)
    value = ctx.const(np.asarray(n.attrs["constant_value"], n.in_dtypes[0]))
    return ctx.node("Pad", [n.inputs[0], pads, value], mode="constant")
