"""``nd.linalg`` products and solves on batches of matrices: gemm, gemm2, trmm, trsm, syrk.

Every op works on the last two axes (the matrix) and treats leading axes as a batch, as MXNet's
``_linalg_*`` ops do; ``gemm`` and ``gemm2`` take ``axis``, the axis of the matrix rows (moved to
second-to-last for the product and back). Triangular inputs use only their ``lower`` (or upper)
triangle; the gradient of the other triangle is 0.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

__all__ = ["T", "square", "batch_of", "triangle"]


def T(x: np.ndarray) -> np.ndarray:
    """Each matrix of a batch transposed."""
    return np.swapaxes(x, -1, -2)


def square(op: str, shape, name: str = "A") -> None:
    """A clear error unless ``shape`` is a batch of square matrices (0 dims are unknown)."""
    if shape is None:
        return
    if len(shape) < 2 or (shape[-1] and shape[-2] and shape[-1] != shape[-2]):
        raise ShapeError(f"{op}: {name} has shape {tuple(shape)}, expected (..., n, n)")


def batch_of(op: str, shape, least: int = 2, name: str = "A") -> None:
    if shape is not None and len(shape) < least:
        raise ShapeError(f"{op}: {name} has shape {tuple(shape)}, expected {least}+ dims")


def triangle(x: np.ndarray, lower: bool) -> np.ndarray:
    return np.tril(x) if lower else np.triu(x)


def _op(x: np.ndarray, transpose: bool) -> np.ndarray:
    return T(x) if transpose else x


def _gemm_shape(op: str, a, b, ta: bool, tb: bool) -> tuple | None:
    if a is None or b is None:
        return None
    batch_of(op, a)
    batch_of(op, b, name="B")
    m, k = (a[-1], a[-2]) if ta else (a[-2], a[-1])
    k2, n = (b[-1], b[-2]) if tb else (b[-2], b[-1])
    if len(a) != len(b) or any(x and y and x != y for x, y in zip((*a[:-2], k), (*b[:-2], k2))):
        raise ShapeError(f"{op}: A {tuple(a)} and B {tuple(b)} (transpose_a={ta}, "
                         f"transpose_b={tb}) do not match in batch or contracted dims")
    return tuple(a[:-2]) + (m, n)


def _moved(shape, axis: int):
    """``shape`` with its row axis ``axis`` moved to second-to-last (None stays None)."""
    if shape is None:
        return None
    dims = list(shape)
    row = dims.pop(axis % len(dims))
    dims.insert(len(dims) - 1, row)
    return tuple(dims)


def _unmoved(shape, axis: int):
    if shape is None:
        return None
    dims = list(shape)
    row = dims.pop(-2)
    dims.insert(axis % (len(dims) + 1), row)
    return tuple(dims)


_PRODUCT_ATTRS = (
    Attr("transpose_a", "bool", False),
    Attr("transpose_b", "bool", False),
    Attr("alpha", "float", 1.0),
)


class _Gemm(Op):
    """Family base of gemm and gemm2: ``alpha * op(A) op(B) (+ beta * C)``."""

    def infer(in_shapes, in_dtypes, transpose_a, transpose_b, alpha, axis, beta=0.0):
        a, b = (_moved(s, axis) for s in in_shapes[:2])
        out = _unmoved(_gemm_shape("linalg.gemm", a, b, transpose_a, transpose_b), axis)
        shapes = list(in_shapes)
        if len(shapes) == 3:
            if shapes[2] is not None and out is not None and tuple(shapes[2]) != out:
                raise ShapeError(f"linalg.gemm: C has shape {tuple(shapes[2])}, expected {out}")
            shapes[2] = shapes[2] or out
        return shapes, [out], [in_dtypes[0]]

    def forward(ctx, a, b, *c, transpose_a, transpose_b, alpha, axis, beta=0.0):
        moved = [np.moveaxis(x, axis, -2) for x in (a, b, *c)]
        ctx.a, ctx.b = moved[0], moved[1]
        y = alpha * np.matmul(_op(ctx.a, transpose_a), _op(ctx.b, transpose_b))
        if c:
            y = y + beta * moved[2]
        return np.moveaxis(y, -2, axis).astype(a.dtype, copy=False)

    def vjp(ctx, gy, transpose_a, transpose_b, alpha, axis, beta=0.0):
        gy = np.moveaxis(gy, axis, -2)
        ga = alpha * np.matmul(gy, T(_op(ctx.b, transpose_b)))
        gb = alpha * np.matmul(T(_op(ctx.a, transpose_a)), gy)
        grads = [_op(ga, transpose_a), _op(gb, transpose_b)]
        if len(ctx.needs_grad) == 3:
            grads.append(beta * gy)
        return tuple(np.moveaxis(g, -2, axis) for g in grads)


@register
class LinalgGemm(_Gemm):
    """``out = alpha * op(A) op(B) + beta * C`` on each matrix of a batch, ``op(X)`` being ``X``
    or ``X^T`` (``transpose_a``, ``transpose_b``). ``axis`` (default -2) is the axis of the matrix
    rows; the columns are the last axis.
    """

    name = "_linalg_gemm"
    aliases = ("linalg_gemm",)
    inputs = ("A", "B", "C")
    attrs = _PRODUCT_ATTRS + (Attr("beta", "float", 1.0), Attr("axis", "int", -2))

    def samples(rng):
        n = rng.normal
        return [
            Sample([n(size=(2, 3, 4)), n(size=(2, 4, 5)), n(size=(2, 3, 5))], {"alpha": 0.5}),
            Sample([n(size=(4, 3)), n(size=(5, 4)), n(size=(3, 5))],
                   {"transpose_a": True, "transpose_b": True, "beta": -2.0}),
            Sample([n(size=(3, 2, 4)), n(size=(4, 2, 5)), n(size=(3, 2, 5))], {"axis": 0}),
        ]


@register
class LinalgGemm2(_Gemm):
    """``out = alpha * op(A) op(B)`` on each matrix of a batch (``gemm`` without ``C``)."""

    name = "_linalg_gemm2"
    aliases = ("linalg_gemm2",)
    inputs = ("A", "B")
    attrs = _PRODUCT_ATTRS + (Attr("axis", "int", -2),)

    def samples(rng):
        n = rng.normal
        return [
            Sample([n(size=(2, 3, 4)), n(size=(2, 4, 5))]),
            Sample([n(size=(4, 3)), n(size=(5, 4))],
                   {"transpose_a": True, "transpose_b": True, "alpha": 2.0}),
            Sample([n(size=(3, 2, 4)), n(size=(4, 2, 5))], {"axis": 0}),
        ]


_TRIANGULAR_ATTRS = (
    Attr("transpose", "bool", False),
    Attr("rightside", "bool", False),
    Attr("lower", "bool", True),
    Attr("alpha", "float", 1.0),
)


class _Triangular(Op):
    """Family base of trmm and trsm: a triangular ``A`` (n, n) applied to ``B`` (m, n) or (n, m)."""

    inputs = ("A", "B")
    attrs = _TRIANGULAR_ATTRS

    @classmethod
    def infer(cls, in_shapes, in_dtypes, transpose, rightside, lower, alpha):
        a, b = in_shapes
        square(cls.name, a)
        batch_of(cls.name, b, name="B")
        if a is not None and b is not None:
            k = b[-1] if rightside else b[-2]
            if len(a) != len(b) or any(x and y and x != y for x, y in zip(a[:-1], (*b[:-2], k))):
                side = "columns" if rightside else "rows"
                raise ShapeError(f"{cls.name}: A {tuple(a)} and B {tuple(b)}: B's {side} must "
                                 "match A and the batch dims must agree")
        return in_shapes, [b], [in_dtypes[1]]

    @classmethod
    def samples(cls, rng):
        n = rng.normal
        a = np.tril(n(size=(2, 3, 3))) + 3 * np.eye(3)  # well conditioned
        return [
            Sample([a, n(size=(2, 3, 4))], {"alpha": 0.5}),
            Sample([T(a), n(size=(2, 4, 3))], {"rightside": True, "lower": False}),
            Sample([a[0], n(size=(3, 2))], {"transpose": True}),
        ]


def _triangle_grad(g_op: np.ndarray, transpose: bool, lower: bool) -> np.ndarray:
    return triangle(_op(g_op, transpose), lower)


@register
class LinalgTrmm(_Triangular):
    """``out = alpha * op(A) B`` (or ``alpha * B op(A)`` with ``rightside``), ``A`` lower (or
    upper, ``lower=False``) triangular: only that triangle is read. ``op(A)`` is ``A^T`` with
    ``transpose``.
    """

    name = "_linalg_trmm"
    aliases = ("linalg_trmm",)

    def forward(ctx, a, b, transpose, rightside, lower, alpha):
        ctx.m, ctx.b = _op(triangle(a, lower), transpose), b
        y = np.matmul(b, ctx.m) if rightside else np.matmul(ctx.m, b)
        return (alpha * y).astype(b.dtype, copy=False)

    def vjp(ctx, gy, transpose, rightside, lower, alpha):
        if rightside:
            gm, gb = np.matmul(T(ctx.b), gy), np.matmul(gy, T(ctx.m))
        else:
            gm, gb = np.matmul(gy, T(ctx.b)), np.matmul(T(ctx.m), gy)
        return alpha * _triangle_grad(gm, transpose, lower), alpha * gb


@register
class LinalgTrsm(_Triangular):
    """Solves ``op(A) X = alpha * B`` (or ``X op(A) = alpha * B`` with ``rightside``) for ``X``,
    ``A`` lower (or upper, ``lower=False``) triangular: only that triangle is read.
    """

    name = "_linalg_trsm"
    aliases = ("linalg_trsm",)
    xfail = {"onnx": "ONNX has no (triangular) linear solve: the lowering raises by design"}

    def forward(ctx, a, b, transpose, rightside, lower, alpha):
        m = _op(triangle(a, lower), transpose)
        if rightside:  # X M = alpha B  <=>  M^T X^T = alpha B^T
            x = T(np.linalg.solve(T(m), T(b)))
        else:
            x = np.linalg.solve(m, b)
        ctx.m, ctx.x = m, x
        return (alpha * x).astype(b.dtype, copy=False)

    def vjp(ctx, gy, transpose, rightside, lower, alpha):
        if rightside:
            z = T(np.linalg.solve(ctx.m, T(gy)))  # gy M^-T
            gm = -alpha * np.matmul(T(ctx.x), z)
        else:
            z = np.linalg.solve(T(ctx.m), gy)  # M^-T gy
            gm = -alpha * np.matmul(z, T(ctx.x))
        return _triangle_grad(gm, transpose, lower), alpha * z


@register
class LinalgSyrk(Op):
    """``out = alpha * A A^T`` (or ``alpha * A^T A`` with ``transpose``) on each matrix."""

    name = "_linalg_syrk"
    aliases = ("linalg_syrk",)
    inputs = ("A",)
    attrs = (Attr("transpose", "bool", False), Attr("alpha", "float", 1.0))

    def infer(in_shapes, in_dtypes, transpose, alpha):
        a = in_shapes[0]
        batch_of("_linalg_syrk", a)
        out = None if a is None else tuple(a[:-2]) + ((a[-1],) * 2 if transpose else (a[-2],) * 2)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, a, transpose, alpha):
        ctx.a = a
        m = _op(a, transpose)
        return (alpha * np.matmul(m, T(m))).astype(a.dtype, copy=False)

    def vjp(ctx, gy, transpose, alpha):
        s = gy + T(gy)
        return (alpha * (np.matmul(ctx.a, s) if transpose else np.matmul(s, ctx.a)),)

    def samples(rng):
        n = rng.normal
        return [Sample([n(size=(2, 3, 4))]), Sample([n(size=(3, 2))], {"transpose": True,
                                                                     "alpha": 0.5})]
