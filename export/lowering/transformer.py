"""Lowerings of the transformer helpers (``hybrid/ops/transformer.py``).

The interleaved attention matmuls become Reshape, Gather, Transpose and MatMul, following Note
[Interleaved projections]; the batch and sequence sizes are read with Reshape's 0 code and -1, so
the exported model keeps its dynamic axes.
"""

from __future__ import annotations

import numpy as np

from hybrid.ops._util import normalize_axis

from ..builder import Builder, Call, onnx_type
from . import lowering
from .nn import scalar


@lowering("_contrib_div_sqrt_dim")
def _div_sqrt_dim(ctx: Builder, n: Call) -> str:
    d = n.in_shapes[0][-1]
    return ctx.node("Mul", [n.inputs[0], ctx.const(scalar(1 / np.sqrt(d), n.in_dtypes[0]))])


@lowering("_contrib_arange_like")
def _arange_like(ctx: Builder, n: Call) -> str:
    a, x, dtype = n.attrs, n.inputs[0], n.out_dtypes[0]
    shape = ctx.node("Shape", [x])
    if a["axis"] is not None:
        axis = normalize_axis(n.name, a["axis"], len(n.in_shapes[0]))
        shape = ctx.node("Gather", [shape, ctx.ints([axis])])
    size = ctx.node("ReduceProd", [shape], keepdims=0)
    i = ctx.node("Range", [ctx.const(scalar(0, np.int64)), size, ctx.const(scalar(1, np.int64))])
    i = ctx.node("Div", [i, ctx.const(scalar(a["repeat"], np.int64))])  # integer division
    i = ctx.node("Cast", [i], to=onnx_type(np.float64))
    y = ctx.node("Add", [ctx.node("Mul", [i, ctx.const(scalar(a["step"], np.float64))]),
                         ctx.const(scalar(a["start"], np.float64))])
    return ctx.node("Reshape", [ctx.node("Cast", [y], to=onnx_type(dtype)), shape])


def _split(ctx: Builder, x: str, heads: int, parts: int, part: int) -> str:
    """(S, B, H*P*D) -> (B*H, S, D), as hybrid.ops.transformer._split."""
    v = ctx.node("Reshape", [x, ctx.ints([0, 0, heads, parts, -1])])  # (S, B, H, P, D)
    v = ctx.node("Gather", [v, ctx.const(scalar(part, np.int64))], axis=3)  # (S, B, H, D)
    # Reshape's 0 code copies the dim at the same index, so the merged axes are put last.
    v = ctx.node("Transpose", [v], perm=[0, 3, 1, 2])  # (S, D, B, H)
    v = ctx.node("Reshape", [v, ctx.ints([0, 0, -1])])  # (S, D, B*H)
    return ctx.node("Transpose", [v], perm=[2, 0, 1])  # (B*H, S, D)


def _seq_major(ctx: Builder, y: str, heads: int) -> str:
    """(B*H, S, D) -> (S, B, H*D)."""
    y = ctx.node("Transpose", [y], perm=[1, 2, 0])  # (S, D, B*H)
    y = ctx.node("Reshape", [y, ctx.ints([0, 0, -1, heads])])  # (S, D, B, H)
    y = ctx.node("Transpose", [y], perm=[0, 2, 3, 1])  # (S, B, H, D)
    return ctx.node("Reshape", [y, ctx.ints([0, 0, -1])])


def _scores(ctx: Builder, n: Call, q: str, k: str, d: int) -> str:
    kt = ctx.node("Transpose", [k], perm=[0, 2, 1])
    scale = ctx.const(scalar(1 / np.sqrt(d), n.in_dtypes[0]))
    return ctx.node("Mul", [ctx.node("MatMul", [q, kt]), scale])


@lowering("_contrib_interleaved_matmul_selfatt_qk")
def _selfatt_qk(ctx: Builder, n: Call) -> str:
    h, x = n.attrs["heads"], n.inputs[0]
    d = n.in_shapes[0][2] // (3 * h)
    return _scores(ctx, n, _split(ctx, x, h, 3, 0), _split(ctx, x, h, 3, 1), d)


@lowering("_contrib_interleaved_matmul_encdec_qk")
def _encdec_qk(ctx: Builder, n: Call) -> str:
    h = n.attrs["heads"]
    d = n.in_shapes[0][2] // h
    return _scores(ctx, n, _split(ctx, n.inputs[0], h, 1, 0), _split(ctx, n.inputs[1], h, 2, 0),
                   d)


def _valatt(parts: int, part: int):
    def rule(ctx: Builder, n: Call) -> str:
        h = n.attrs["heads"]
        v = _split(ctx, n.inputs[0], h, parts, part)
        return _seq_major(ctx, ctx.node("MatMul", [n.inputs[1], v]), h)

    return rule


lowering("_contrib_interleaved_matmul_selfatt_valatt")(_valatt(3, 2))
lowering("_contrib_interleaved_matmul_encdec_valatt")(_valatt(2, 1))
