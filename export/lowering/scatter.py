"""Lowerings of the scatter and index-arithmetic ops (``hybrid/ops/scatter.py``): ONNX's
ScatterND, ScatterElements, GatherElements and Compress, with indices cast to int64.
"""

from __future__ import annotations

import numpy as np
from onnx import numpy_helper

from hybrid.ops.scatter import strides

from ..builder import Builder, Call, onnx_type
from . import lowering


def _int64(ctx: Builder, x: str) -> str:
    return ctx.node("Cast", [x], to=onnx_type(np.int64))


def _column(ctx: Builder, x: str) -> str:
    """``x`` (n,) as int64 (n, 1)."""
    return ctx.node("Unsqueeze", [_int64(ctx, x), ctx.ints([1])])


@lowering("scatter_nd")
def _scatter_nd(ctx: Builder, n: Call) -> str:
    rank = len(n.in_shapes[1])
    idx = ctx.node("Transpose", [_int64(ctx, n.inputs[1])], perm=[*range(1, rank), 0])
    zero = numpy_helper.from_array(np.zeros(1, n.in_dtypes[0]))
    base = ctx.node("ConstantOfShape", [ctx.ints(n.attrs["shape"])], value=zero)
    return ctx.node("ScatterND", [base, idx, n.inputs[0]])


@lowering("fill_element_0index")
def _fill(ctx: Builder, n: Call) -> str:
    lhs, mhs, rhs = n.inputs
    value = ctx.node("Unsqueeze", [mhs, ctx.ints([1])])
    return ctx.node("ScatterElements", [lhs, _column(ctx, rhs), value], axis=1)


@lowering("batch_take")
def _batch_take(ctx: Builder, n: Call) -> str:
    picked = ctx.node("GatherElements", [n.inputs[0], _column(ctx, n.inputs[1])], axis=1)
    return ctx.node("Squeeze", [picked, ctx.ints([1])])


@lowering("_contrib_index_copy")
def _index_copy(ctx: Builder, n: Call) -> str:
    old, idx, new = n.inputs
    return ctx.node("ScatterND", [old, _column(ctx, idx), new])


@lowering("_contrib_boolean_mask")
def _boolean_mask(ctx: Builder, n: Call) -> str:
    zero = ctx.const(np.zeros((), n.in_dtypes[1]))
    keep = ctx.node("Not", [ctx.node("Equal", [n.inputs[1], zero])])
    axis = n.attrs["axis"] % len(n.in_shapes[0])
    return ctx.node("Compress", [n.inputs[0], keep], axis=axis)


def _per_axis(values, rank: int) -> np.ndarray:
    """int64 ``values`` shaped (M, 1, ..., 1) to broadcast against ``rank`` index dims."""
    return np.asarray(values, np.int64).reshape((-1,) + (1,) * rank)


@lowering("_ravel_multi_index")
def _ravel(ctx: Builder, n: Call) -> str:
    rank = len(n.in_shapes[0]) - 1
    steps = ctx.const(_per_axis(strides(n.attrs["shape"]), rank))
    flat = ctx.node("Mul", [_int64(ctx, n.inputs[0]), steps])
    flat = ctx.node("ReduceSum", [flat, ctx.ints([0])], keepdims=0)
    return ctx.node("Cast", [flat], to=onnx_type(n.out_dtypes[0]))


@lowering("_unravel_index")
def _unravel(ctx: Builder, n: Call) -> str:
    shape, rank = n.attrs["shape"], len(n.in_shapes[0])
    idx = ctx.node("Unsqueeze", [_int64(ctx, n.inputs[0]), ctx.ints([0])])
    q = ctx.node("Div", [idx, ctx.const(_per_axis(strides(shape), rank))])
    r = ctx.node("Mod", [q, ctx.const(_per_axis(shape, rank))])
    return ctx.node("Cast", [r], to=onnx_type(n.out_dtypes[0]))


@lowering("_contrib_count_sketch")
def _count_sketch(ctx: Builder, n: Call) -> str:
    x, h, s = n.inputs
    k, dtype = n.attrs["out_dim"], n.in_dtypes[0]
    idx = ctx.node("Reshape", [_int64(ctx, h), ctx.ints([-1])])
    onehot = ctx.node("OneHot", [idx, ctx.ints([k]), ctx.const(np.array([0, 1], dtype))],
                      axis=-1)  # (d, k)
    signs = ctx.node("Reshape", [ctx.node("Cast", [s], to=onnx_type(dtype)), ctx.ints([-1, 1])])
    return ctx.node("MatMul", [x, ctx.node("Mul", [onehot, signs])])
