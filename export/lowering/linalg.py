"""Lowerings of the matrix products (``hybrid/ops/linalg.py``): dot and batch_dot.

MXNet's N-D ``dot`` contracts lhs' last axis with rhs' first, while ONNX ``MatMul`` is numpy's
matmul (last with second-to-last, leading axes batched). A 1-D or 2-D rhs makes them agree; an
N-D rhs is viewed as ``(K, rest)`` and the product reshaped back. The transposed forms move the
contracted axis into place first.
"""

from __future__ import annotations

from ..builder import Builder, Call
from . import lowering
from .shape import reshape, shape_of, transpose


@lowering("dot")
def _dot(ctx: Builder, n: Call) -> str:
    (lhs, rhs), (ls, rs) = n.inputs, [tuple(s) for s in n.in_shapes]
    ta, tb = n.attrs["transpose_a"], n.attrs["transpose_b"]
    if len(ls) == len(rs) == 2 and (ta or tb) and n.in_dtypes[0].kind == "f":
        return ctx.node("Gemm", [lhs, rhs], transA=int(ta), transB=int(tb))
    if ta and len(ls) > 1:
        # Contract lhs' first axis: move it last.
        lhs, ls = transpose(ctx, lhs, [*range(1, len(ls)), 0]), ls[1:] + ls[:1]
    if tb and len(rs) > 1:
        # Contract rhs' last axis: move it first.
        rhs, rs = transpose(ctx, rhs, [len(rs) - 1, *range(len(rs) - 1)]), rs[-1:] + rs[:-1]
    if len(rs) <= 2:
        y = ctx.node("MatMul", [lhs, rhs])
        # Two vectors give a 0-d inner product; MXNet's is (1,).
        return reshape(ctx, y, (), [1]) if len(ls) == len(rs) == 1 else y
    y = ctx.node("MatMul", [lhs, ctx.node("Reshape", [rhs, ctx.ints([0, -1])])])  # (L.., R)
    # rhs' other dims are read at run time: with transpose_b they may hold the batch.
    target = [ctx.ints([0] * (len(ls) - 1)), shape_of(ctx, rhs, 1)] if len(ls) > 1 else []
    target = ctx.node("Concat", target, axis=0) if target else shape_of(ctx, rhs, 1)
    return ctx.node("Reshape", [y, target])  # (L.., R..)


@lowering("batch_dot")
def _batch_dot(ctx: Builder, n: Call) -> str:
    (lhs, rhs), ndim = n.inputs, len(n.in_shapes[0])
    swap = [*range(ndim - 2), ndim - 1, ndim - 2]
    if n.attrs["transpose_a"]:
        lhs = transpose(ctx, lhs, swap)
    if n.attrs["transpose_b"]:
        rhs = transpose(ctx, rhs, swap)
    return ctx.node("MatMul", [lhs, rhs])
