"""``nd.linalg`` factorizations and functions of square matrices, batched over leading axes:
potrf, potri, sumlogdiag, inverse, det, slogdet, gelqf, syevd.

Note [Symmetric inputs]: potrf and syevd take a symmetric ``A``. Their MXNet gradient is the
symmetric one, so hybrid computes them on ``(A + A^T) / 2`` (equal to ``A`` for the symmetric
inputs MXNet documents), which keeps forward and gradient consistent for any ``A``; MXNet reads
the lower triangle of a non-symmetric ``A`` instead.
"""

from __future__ import annotations

import numpy as np

from ..base import HybridError
from .linalg_batch import T, batch_of, square
from .registry import Op, Sample, register
from .shape import legacy_shape


def _sym(x: np.ndarray) -> np.ndarray:
    return (x + T(x)) / 2


def _spd(rng, shape: tuple) -> np.ndarray:
    """Well-conditioned symmetric positive definite matrices of ``shape`` (..., n, n)."""
    a = rng.normal(size=shape)
    return np.matmul(a, T(a)) + shape[-1] * np.eye(shape[-1])


def _lapack(op: str, f, *args):
    try:
        return f(*args)
    except np.linalg.LinAlgError as e:
        raise HybridError(f"{op}: {e} (LAPACK could not factor the input)") from None


class _Square(Op):
    """Family base: one batch of square matrices in, ``infer`` from ``out_shape``."""

    inputs = ("A",)

    @classmethod
    def infer(cls, in_shapes, in_dtypes):
        a = in_shapes[0]
        square(cls.name, a)
        outs = [None if a is None else cls.out_shape(tuple(a))] * cls.num_outputs({})
        return in_shapes, outs, [in_dtypes[0]] * len(outs)

    def out_shape(a: tuple) -> tuple:
        return a


@register
class LinalgPotrf(_Square):
    """Cholesky factor ``L`` (lower triangular, positive diagonal) with ``A = L L^T``, for
    symmetric positive definite ``A`` (see Note [Symmetric inputs]); an error otherwise.
    """

    name = "_linalg_potrf"
    aliases = ("linalg_potrf",)
    xfail = {"onnx": "ONNX has no Cholesky factorization: the lowering raises by design"}

    def forward(ctx, a):
        ctx.l = _lapack("linalg.potrf", np.linalg.cholesky, _sym(a))
        return ctx.l

    def vjp(ctx, gl):
        # S = L^-T Phi(L^T gL) L^-1, Phi = lower triangle with its diagonal halved.
        phi = np.tril(np.matmul(T(ctx.l), gl))
        phi = phi - 0.5 * np.eye(phi.shape[-1]) * phi
        inv = np.linalg.inv(ctx.l)
        return (_sym(np.matmul(np.matmul(T(inv), phi), inv)),)

    def samples(rng):
        return [Sample([_spd(rng, (3, 3))]), Sample([_spd(rng, (2, 4, 4))])]


@register
class LinalgPotri(_Square):
    """``out = (L L^T)^-1`` from a Cholesky factor ``L = A`` (only the lower triangle of ``A`` is
    read): the inverse of the matrix ``potrf`` factored.
    """

    name = "_linalg_potri"
    aliases = ("linalg_potri",)
    xfail = {"onnx": "ONNX has no matrix inverse: the lowering raises by design"}

    def forward(ctx, a):
        ctx.l = np.tril(a)
        ctx.y = _lapack("linalg.potri", np.linalg.inv, np.matmul(ctx.l, T(ctx.l)))
        return ctx.y

    def vjp(ctx, gy):
        gm = -np.matmul(np.matmul(ctx.y, gy), ctx.y)
        return (np.tril(np.matmul(gm + T(gm), ctx.l)),)

    def samples(rng):
        return [Sample([np.linalg.cholesky(_spd(rng, (2, 3, 3)))])]


@register
class LinalgSumlogdiag(_Square):
    """``out = sum_i log(A[..., i, i])``: the log-determinant of a triangular ``A`` with a positive
    diagonal (e.g. a Cholesky factor). Output shape: the batch dims (``(1,)`` for one matrix).
    """

    name = "_linalg_sumlogdiag"
    aliases = ("linalg_sumlogdiag",)

    def out_shape(a):
        return legacy_shape(a[:-2])

    def forward(ctx, a):
        ctx.d = np.diagonal(a, axis1=-2, axis2=-1)
        return np.log(ctx.d).sum(axis=-1).reshape(legacy_shape(a.shape[:-2]))

    def vjp(ctx, gy):
        g = gy.reshape(ctx.d.shape[:-1] + (1,)) / ctx.d
        return (g[..., None] * np.eye(ctx.d.shape[-1]),)

    def samples(rng):
        return [Sample([_spd(rng, (3, 3))]), Sample([_spd(rng, (2, 4, 4))])]


@register
class LinalgInverse(_Square):
    """``out = A^-1`` for each square matrix; an error for a singular one."""

    name = "_linalg_inverse"
    aliases = ("linalg_inverse",)
    xfail = {"onnx": "ONNX has no matrix inverse: the lowering raises by design"}

    def forward(ctx, a):
        ctx.y = _lapack("linalg.inverse", np.linalg.inv, a)
        return ctx.y

    def vjp(ctx, gy):
        return (-np.matmul(np.matmul(T(ctx.y), gy), T(ctx.y)),)

    def samples(rng):
        return [Sample([_spd(rng, (3, 3)) + rng.normal(size=(3, 3))]),
                Sample([_spd(rng, (2, 2, 2))])]


@register
class LinalgDet(_Square):
    """``out = det(A)`` for each square matrix; output shape the batch dims (``(1,)`` for one)."""

    name = "_linalg_det"
    aliases = ("linalg_det",)

    def out_shape(a):
        return legacy_shape(a[:-2])

    def forward(ctx, a):
        ctx.a, ctx.d = a, np.linalg.det(a)
        return ctx.d.reshape(legacy_shape(a.shape[:-2])).astype(a.dtype, copy=False)

    def vjp(ctx, gy):
        scale = (gy.reshape(ctx.d.shape) * ctx.d)[..., None, None]
        return (scale * T(np.linalg.inv(ctx.a)),)

    def samples(rng):
        return [Sample([_spd(rng, (3, 3)) + rng.normal(size=(3, 3))]),
                Sample([_spd(rng, (2, 2, 2))])]


@register
class LinalgSlogdet(_Square):
    """``sign, logabsdet = slogdet(A)``: ``det(A) = sign * exp(logabsdet)``, each of the batch
    dims' shape (``(1,)`` for one matrix). Only ``logabsdet`` has a gradient.
    """

    name = "_linalg_slogdet"
    aliases = ("linalg_slogdet",)

    def num_outputs(attrs):
        return 2

    def out_shape(a):
        return legacy_shape(a[:-2])

    def forward(ctx, a):
        ctx.a = a
        sign, logdet = np.linalg.slogdet(a)
        shape = legacy_shape(a.shape[:-2])
        return (sign.reshape(shape).astype(a.dtype, copy=False),
                logdet.reshape(shape).astype(a.dtype, copy=False))

    def vjp(ctx, gsign, glog):
        g = glog.reshape(ctx.a.shape[:-2])[..., None, None]
        return (g * T(np.linalg.inv(ctx.a)),)

    def samples(rng):
        return [Sample([_spd(rng, (3, 3)) - 4 * np.eye(3)]), Sample([_spd(rng, (2, 2, 2))])]


@register
class LinalgGelqf(Op):
    """LQ factorization ``A = L Q`` of each ``(m, n)`` matrix with ``m <= n``: outputs ``Q``
    ``(m, n)`` with orthonormal rows and ``L`` ``(m, m)`` lower triangular (LAPACK's signs, as
    MXNet gives them).
    """

    name = "_linalg_gelqf"
    aliases = ("linalg_gelqf",)
    xfail = {"onnx": "ONNX has no LQ (or QR) factorization: the lowering raises by design"}
    inputs = ("A",)

    def num_outputs(attrs):
        return 2

    def infer(in_shapes, in_dtypes):
        a = in_shapes[0]
        batch_of("linalg.gelqf", a)
        if a is not None and a[-2] and a[-1] and a[-2] > a[-1]:
            raise HybridError(f"linalg.gelqf: A has shape {tuple(a)}, expected rows <= columns")
        outs = [None, None] if a is None else [tuple(a), tuple(a[:-1]) + (a[-2],)]
        return in_shapes, outs, [in_dtypes[0]] * 2

    def forward(ctx, a):
        LinalgGelqf.infer([a.shape], [a.dtype])
        q, r = np.linalg.qr(T(a))  # A^T = Q' R  <=>  A = R^T Q'^T
        ctx.q, ctx.l = T(q), T(r)
        return ctx.q.astype(a.dtype, copy=False), ctx.l.astype(a.dtype, copy=False)

    def vjp(ctx, gq, gl):
        # M = L^T gL - gQ Q^T; gA = L^-T (gQ + copyltu(M) Q), copyltu mirroring the lower triangle.
        m = np.matmul(T(ctx.l), gl) - np.matmul(gq, T(ctx.q))
        m = np.tril(m) + T(np.tril(m, -1))
        rhs = gq + np.matmul(m, ctx.q)
        return (np.linalg.solve(T(ctx.l), rhs),)

    def samples(rng):
        return [Sample([rng.normal(size=(2, 3))]), Sample([rng.normal(size=(2, 3, 3))])]


@register
class LinalgSyevd(_Square):
    """Symmetric eigendecomposition ``A = U^T diag(L) U`` (see Note [Symmetric inputs]): ``U``
    ``(n, n)`` holds the eigenvectors as rows, ``L`` ``(n,)`` the eigenvalues in ascending
    order. Each row of ``U`` is signed so that its entry of largest magnitude (the first, on a
    tie) is positive, as in MXNet.
    """

    name = "_linalg_syevd"
    aliases = ("linalg_syevd",)
    xfail = {"onnx": "ONNX has no eigendecomposition: the lowering raises by design"}

    def num_outputs(attrs):
        return 2

    @classmethod
    def infer(cls, in_shapes, in_dtypes):
        a = in_shapes[0]
        square(cls.name, a)
        outs = [None, None] if a is None else [tuple(a), tuple(a[:-1])]
        return in_shapes, outs, [in_dtypes[0]] * 2

    def forward(ctx, a):
        w, v = np.linalg.eigh(_sym(a))
        u = T(v)
        peak = np.take_along_axis(u, np.abs(u).argmax(axis=-1)[..., None], axis=-1)
        ctx.u, ctx.w = u * np.where(peak < 0, -1.0, 1.0), w
        return ctx.u.astype(a.dtype, copy=False), w.astype(a.dtype, copy=False)

    def vjp(ctx, gu, gw):
        u, w = ctx.u, ctx.w
        gap = w[..., None, :] - w[..., :, None]  # (..., n, n): w_j - w_i
        n = w.shape[-1]
        with np.errstate(divide="ignore"):
            f = np.where(np.eye(n, dtype=bool), 0.0, 1.0 / np.where(gap == 0, np.inf, gap))
        inner = f * np.matmul(u, T(gu)) + gw[..., None] * np.eye(n)
        return (_sym(np.matmul(np.matmul(T(u), inner), u)),)

    def samples(rng):
        return [Sample([_spd(rng, (3, 3))]), Sample([_spd(rng, (2, 4, 4))])]
