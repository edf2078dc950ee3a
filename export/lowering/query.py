"""Lowerings of the array queries (``hybrid/ops/query.py``): Shape, Size, IsNaN/IsInf reduced
over every element, and index grids from Range expanded to the data's run-time shape.
"""

from __future__ import annotations

import numpy as np

from ..builder import Builder, Call, onnx_type
from . import lowering


@lowering("shape_array")
def _shape_array(ctx: Builder, n: Call) -> str:
    return ctx.node("Shape", n.inputs)


@lowering("size_array")
def _size_array(ctx: Builder, n: Call) -> str:
    return ctx.node("Reshape", [ctx.node("Size", n.inputs), ctx.ints([1])])


def _any_bad(ctx: Builder, x: str) -> str:
    """A 0-d float32: 1 if ``x`` holds a NaN or an infinity, else 0."""
    bad = ctx.node("Or", [ctx.node("IsNaN", [x]), ctx.node("IsInf", [x])])
    flat = ctx.node("Reshape", [ctx.node("Cast", [bad], to=onnx_type(np.float32)),
                                ctx.ints([-1])])
    return ctx.node("ReduceMax", [flat], keepdims=0)


@lowering("all_finite", "multi_all_finite")
def _all_finite(ctx: Builder, n: Call) -> str:
    bad = [_any_bad(ctx, x) for x in n.inputs]
    worst = bad[0] if len(bad) == 1 else ctx.node("Max", bad)
    ok = ctx.node("Sub", [ctx.const(np.float32(1)), worst])
    return ctx.node("Reshape", [ok, ctx.ints([1])])


@lowering("_contrib_allclose")
def _allclose(ctx: Builder, n: Call) -> str:
    a, b = n.inputs
    dtype = n.in_dtypes[0]
    limit = ctx.node("Add", [ctx.const(np.asarray(n.attrs["atol"], dtype)), ctx.node(
        "Mul", [ctx.const(np.asarray(n.attrs["rtol"], dtype)), ctx.node("Abs", [b])])])
    close = ctx.node("LessOrEqual", [ctx.node("Abs", [ctx.node("Sub", [a, b])]), limit])
    if n.attrs["equal_nan"]:
        both = ctx.node("And", [ctx.node("IsNaN", [a]), ctx.node("IsNaN", [b])])
        close = ctx.node("Or", [close, both])
    flat = ctx.node("Reshape", [ctx.node("Cast", [close], to=onnx_type(np.int32)),
                                ctx.ints([-1])])
    return ctx.node("Cast", [ctx.node("ReduceMin", [flat], keepdims=0)],
                    to=onnx_type(np.uint8))


@lowering("_contrib_index_array")
def _index_array(ctx: Builder, n: Call) -> str:
    x, rank = n.inputs[0], len(n.in_shapes[0])
    axes = n.attrs["axes"]
    axes = range(rank) if axes is None else [a % rank for a in np.atleast_1d(axes)]
    shape = ctx.node("Shape", [x])
    zero, one = (ctx.const(np.int64(v)) for v in (0, 1))
    grids = []
    for a in axes:
        size = ctx.node("Squeeze", [ctx.node("Gather", [shape, ctx.ints([a])]), ctx.ints([0])])
        steps = ctx.node("Range", [zero, size, one])
        steps = ctx.node("Reshape", [steps, ctx.ints([1] * a + [-1] + [1] * (rank - a - 1))])
        grid = ctx.node("Expand", [steps, shape])
        grids.append(ctx.node("Unsqueeze", [grid, ctx.ints([rank])]))
    return ctx.node("Concat", grids, axis=rank)
