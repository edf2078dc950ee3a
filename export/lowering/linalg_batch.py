"""Lowerings of the batched matrix products (``hybrid/ops/linalg_batch.py``).

Products are MatMul on the last two axes with Transpose for ``op(X) = X^T``; triangular inputs are
masked by a constant triangle of ones. ONNX has no triangular solve: trsm raises.
"""

from __future__ import annotations

import numpy as np

from hybrid.ops.registry import get_op

from ..builder import Builder, Call
from . import lowering
from .math import unavailable

__all__ = ["swap_last", "const_like"]


def const_like(ctx: Builder, n: Call, value) -> str:
    return ctx.const(np.asarray(value, dtype=n.in_dtypes[0]))


def swap_last(ctx: Builder, x: str, rank: int) -> str:
    """Each matrix of a batch transposed."""
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    return ctx.node("Transpose", [x], perm=perm)


def _move(ctx: Builder, x: str, rank: int, src: int, dst: int) -> str:
    src, dst = src % rank, dst % rank
    if src == dst:
        return x
    perm = [d for d in range(rank) if d != src]
    perm.insert(dst, src)
    return ctx.node("Transpose", [x], perm=perm)


def _unmove(ctx: Builder, x: str, rank: int, axis: int) -> str:
    """The inverse of ``_move(x, axis, -2)``."""
    axis = axis % rank
    if axis == rank - 2:
        return x
    order = [d for d in range(rank) if d != axis]
    order.insert(rank - 2, axis)  # order[k] = original axis now at position k
    return ctx.node("Transpose", [x], perm=[order.index(d) for d in range(rank)])


@lowering("_linalg_gemm", "_linalg_gemm2")
def _gemm(ctx: Builder, n: Call) -> str:
    rank, axis = len(n.in_shapes[0]), n.attrs["axis"]
    a, b = (_move(ctx, x, rank, axis, -2) for x in n.inputs[:2])
    if n.attrs["transpose_a"]:
        a = swap_last(ctx, a, rank)
    if n.attrs["transpose_b"]:
        b = swap_last(ctx, b, rank)
    y = ctx.node("Mul", [ctx.node("MatMul", [a, b]), const_like(ctx, n, n.attrs["alpha"])])
    y = _unmove(ctx, y, rank, axis)
    if len(n.inputs) == 3:
        c = ctx.node("Mul", [n.inputs[2], const_like(ctx, n, n.attrs["beta"])])
        y = ctx.node("Add", [y, c])
    return y


@lowering("_linalg_trmm")
def _trmm(ctx: Builder, n: Call) -> str:
    size, rank = n.in_shapes[0][-1], len(n.in_shapes[0])
    ones = np.ones((size, size))
    mask = np.tril(ones) if n.attrs["lower"] else np.triu(ones)
    m = ctx.node("Mul", [n.inputs[0], const_like(ctx, n, mask)])
    if n.attrs["transpose"]:
        m = swap_last(ctx, m, rank)
    pair = [n.inputs[1], m] if n.attrs["rightside"] else [m, n.inputs[1]]
    return ctx.node("Mul", [ctx.node("MatMul", pair), const_like(ctx, n, n.attrs["alpha"])])


@lowering("_linalg_syrk")
def _syrk(ctx: Builder, n: Call) -> str:
    a, rank = n.inputs[0], len(n.in_shapes[0])
    at = swap_last(ctx, a, rank)
    pair = [at, a] if n.attrs["transpose"] else [a, at]
    return ctx.node("Mul", [ctx.node("MatMul", pair), const_like(ctx, n, n.attrs["alpha"])])


lowering("_linalg_trsm")(unavailable("_linalg_trsm", get_op("_linalg_trsm").xfail["onnx"]))
