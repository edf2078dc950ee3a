"""Matrix products: dot and batch_dot.

Both run as one GEMM on 2-D (or batched 2-D) views of their inputs, and their VJPs are the two
transposed products ``gA = gY B^T`` and ``gB = A^T gY`` mapped back through the same views.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .registry import Op, Sample, register
from .shape import legacy_shape

_ATTRS = (
    Attr("transpose_a", "bool", False),
    Attr("transpose_b", "bool", False),
    # Sparse storage is not supported; MXNet's graphs may still carry the attribute.
    Attr("forward_stype", "str?", None),
)


def _dot_shape(lhs: tuple, rhs: tuple, ta: bool, tb: bool) -> tuple[int, ...]:
    """MXNet's N-D dot: contract lhs' last axis (first if ``ta``) with rhs' first (last if
    ``tb``); the output is lhs' other axes followed by rhs' other axes.
    """
    k_lhs = lhs[0] if ta else lhs[-1]
    k_rhs = rhs[-1] if tb else rhs[0]
    if k_lhs and k_rhs and k_lhs != k_rhs:
        raise ShapeError(
            f"dot: lhs {tuple(lhs)} and rhs {tuple(rhs)} (transpose_a={ta}, transpose_b={tb}) "
            f"contract axes of sizes {k_lhs} and {k_rhs}, expected equal"
        )
    out = tuple(lhs[1:] if ta else lhs[:-1]) if len(lhs) > 1 else ()
    out += tuple(rhs[:-1] if tb else rhs[1:]) if len(rhs) > 1 else ()
    return legacy_shape(out)


def _check_ndim(op: str, lhs: tuple, rhs: tuple, least: int) -> None:
    if min(len(lhs), len(rhs)) < least:
        raise ShapeError(f"{op}: inputs need {least}+ dims, got {tuple(lhs)} and {tuple(rhs)}")


@register
class Dot(Op):
    """``y = lhs . rhs``: for 2-D inputs the matrix product (``lhs^T`` if ``transpose_a``,
    ``rhs^T`` if ``transpose_b``); for N-D inputs ``y[i, j, a, b] = sum(lhs[i, j, :] *
    rhs[:, a, b])``, contracting lhs' last axis (first if ``transpose_a``) with rhs' first (last
    if ``transpose_b``). Two 1-D inputs give their inner product, of shape ``(1,)``.
    """

    name = "dot"
    inputs = ("lhs", "rhs")
    attrs = _ATTRS

    def infer(in_shapes, in_dtypes, transpose_a, transpose_b, forward_stype):
        lhs, rhs = in_shapes
        dtype = [in_dtypes[0]]
        if lhs is None or rhs is None:
            return in_shapes, [None], dtype
        _check_ndim("dot", lhs, rhs, 1)
        return in_shapes, [_dot_shape(lhs, rhs, transpose_a, transpose_b)], dtype

    def forward(ctx, lhs, rhs, transpose_a, transpose_b, forward_stype):
        a = lhs.reshape(lhs.shape[0], -1).T if transpose_a else lhs.reshape(-1, lhs.shape[-1])
        b = rhs.reshape(-1, rhs.shape[-1]).T if transpose_b else rhs.reshape(rhs.shape[0], -1)
        ctx.a, ctx.b, ctx.shapes = a, b, (lhs.shape, rhs.shape)  # a (M, K), b (K, N)
        return (a @ b).reshape(_dot_shape(lhs.shape, rhs.shape, transpose_a, transpose_b))

    def vjp(ctx, gy, transpose_a, transpose_b, forward_stype):
        lshape, rshape = ctx.shapes
        gy = gy.reshape(ctx.a.shape[0], ctx.b.shape[1])  # (M, N)
        ga = gb = None
        if ctx.needs_grad[0]:
            ga = gy @ ctx.b.T  # (M, K)
            ga = (ga.T if transpose_a else ga).reshape(lshape)
        if ctx.needs_grad[1]:
            gb = ctx.a.T @ gy  # (K, N)
            gb = (gb.T if transpose_b else gb).reshape(rshape)
        return ga, gb

    def samples(rng):
        n = rng.normal
        return [
            Sample([n(size=(3, 4)), n(size=(4, 5))]),
            Sample([n(size=(4, 3)), n(size=(5, 4))], {"transpose_a": True, "transpose_b": True}),
            Sample([n(size=(2, 3, 4)), n(size=(4, 2, 5))]),
            Sample([n(size=(4, 2, 3)), n(size=(5, 4))], {"transpose_a": True, "transpose_b": True}),
            Sample([n(size=(4,)), n(size=(4,))]),
            Sample([n(size=(4,)), n(size=(4, 3))]),
        ]


@register
class BatchDot(Op):
    """``y[i] = lhs[i] . rhs[i]`` for every batch index: ``(B, M, K) x (B, K, N) -> (B, M, N)``,
    with ``lhs[i]^T`` if ``transpose_a`` and ``rhs[i]^T`` if ``transpose_b``; any number of
    leading batch axes, equal in both inputs.
    """

    name = "batch_dot"
    inputs = ("lhs", "rhs")
    attrs = _ATTRS

    def infer(in_shapes, in_dtypes, transpose_a, transpose_b, forward_stype):
        lhs, rhs = in_shapes
        dtype = [in_dtypes[0]]
        if lhs is None or rhs is None:
            return in_shapes, [None], dtype
        _check_ndim("batch_dot", lhs, rhs, 3)
        m, k = (lhs[-1], lhs[-2]) if transpose_a else (lhs[-2], lhs[-1])
        k2, n = (rhs[-1], rhs[-2]) if transpose_b else (rhs[-2], rhs[-1])
        batch = [(d, e) for d, e in zip(lhs[:-2], rhs[:-2])]
        if len(lhs) != len(rhs) or any(d and e and d != e for d, e in batch + [(k, k2)]):
            raise ShapeError(
                f"batch_dot: lhs {tuple(lhs)} and rhs {tuple(rhs)} (transpose_a={transpose_a}, "
                f"transpose_b={transpose_b}) do not match in batch or contracted dims"
            )
        return in_shapes, [tuple(lhs[:-2]) + (m, n)], dtype

    def forward(ctx, lhs, rhs, transpose_a, transpose_b, forward_stype):
        BatchDot.infer([lhs.shape, rhs.shape], [lhs.dtype] * 2, transpose_a, transpose_b, None)
        ctx.a = np.swapaxes(lhs, -1, -2) if transpose_a else lhs  # (B, M, K)
        ctx.b = np.swapaxes(rhs, -1, -2) if transpose_b else rhs  # (B, K, N)
        return np.matmul(ctx.a, ctx.b)

    def vjp(ctx, gy, transpose_a, transpose_b, forward_stype):
        ga = gb = None
        if ctx.needs_grad[0]:
            ga = np.matmul(gy, np.swapaxes(ctx.b, -1, -2))  # (B, M, K)
            ga = np.swapaxes(ga, -1, -2) if transpose_a else ga
        if ctx.needs_grad[1]:
            gb = np.matmul(np.swapaxes(ctx.a, -1, -2), gy)  # (B, K, N)
            gb = np.swapaxes(gb, -1, -2) if transpose_b else gb
        return ga, gb

    def samples(rng):
        n = rng.normal
        return [
            Sample([n(size=(2, 3, 4)), n(size=(2, 4, 5))]),
            Sample(
                [n(size=(2, 4, 3)), n(size=(2, 5, 4))], {"transpose_a": True, "transpose_b": True}
            ),
            Sample([n(size=(2, 2, 3, 4)), n(size=(2, 2, 4, 1))]),
        ]
