"""Lowerings of the statistics ops (``hybrid/ops/stats.py``): moments from ReduceSum, cumsum as
CumSum, argmax_channel as argmax over axis 1, histogram by comparing every value with the bin
edges.
"""

from __future__ import annotations

import math

import numpy as np

from hybrid.ops.reduce import reduced_axes

from ..builder import Builder, Call, onnx_type
from . import lowering
from .reduce import _arg_rule, _reduce
from .shape import cast


@lowering("moments")
def _moments(ctx: Builder, n: Call) -> list[str]:
    x, shape, dtype = n.inputs[0], n.in_shapes[0], n.in_dtypes[0]
    axes = reduced_axes("moments", len(shape), n.attrs["axes"])
    count = ctx.const(np.asarray(math.prod(shape[a] for a in axes), dtype))

    def mean(v: str, keepdims: bool) -> str:
        return ctx.node("Div", [_reduce(ctx, "ReduceSum", v, len(shape), axes, keepdims, True),
                                count])

    centred = ctx.node("Sub", [x, mean(x, True)])
    keep = n.attrs["keepdims"]
    return [mean(x, keep), mean(ctx.node("Mul", [centred, centred]), keep)]


@lowering("_np_cumsum")
def _cumsum(ctx: Builder, n: Call) -> str:
    x, axis = n.inputs[0], n.attrs["axis"]
    if axis is None:
        x, axis = ctx.node("Reshape", [x, ctx.ints([-1])]), 0
    x = cast(ctx, x, n.in_dtypes[0], n.out_dtypes[0])
    return ctx.node("CumSum", [x, ctx.const(np.asarray(axis, np.int64))])


_argmax = _arg_rule("argmax", "ArgMax")


@lowering("argmax_channel")
def _argmax_channel(ctx: Builder, n: Call) -> str:
    return _argmax(ctx, n._replace(attrs={"axis": 1, "keepdims": False}))


@lowering("_histogram")
def _histogram(ctx: Builder, n: Call) -> list[str]:
    x = ctx.node("Reshape", [n.inputs[0], ctx.ints([-1, 1])])  # (N, 1)
    dtype, count = n.in_dtypes[0], n.attrs["bin_cnt"]
    if count is None:
        edges = n.inputs[1]
        count = n.in_shapes[1][0] - 1
    else:
        lo, hi = n.attrs["range"] or (None, None)
        lo = ctx.const(np.asarray(lo, dtype)) if lo is not None else ctx.node(
            "ReduceMin", [n.inputs[0]], keepdims=0)
        hi = ctx.const(np.asarray(hi, dtype)) if hi is not None else ctx.node(
            "ReduceMax", [n.inputs[0]], keepdims=0)
        steps = ctx.const(np.linspace(0, 1, count + 1).astype(dtype))
        edges = ctx.node("Add", [lo, ctx.node("Mul", [steps, ctx.node("Sub", [hi, lo])])])
    lower = ctx.node("Slice", [edges, ctx.ints([0]), ctx.ints([count])])
    upper = ctx.node("Slice", [edges, ctx.ints([1]), ctx.ints([count + 1])])
    inside = ctx.node("And", [ctx.node("GreaterOrEqual", [x, lower]), ctx.node("Less", [x, upper])])
    # The last bin includes its right edge.
    last = np.zeros(count, bool)
    last[-1] = True
    closing = ctx.node("And", [ctx.node("Equal", [x, upper]), ctx.const(last)])
    hits = ctx.node("Cast", [ctx.node("Or", [inside, closing])], to=onnx_type(np.int64))
    return [ctx.node("ReduceSum", [hits, ctx.ints([0])], keepdims=0), edges]
