"""``mx.np.linalg`` factorizations whose NumPy semantics the ``nd.linalg`` ops do not cover:
``_npi_svd``, ``_npi_solve``, ``_npi_eig`` and ``_npi_eigvals``, batched over leading axes.
"""

from __future__ import annotations

import numpy as np

from ..base import HybridError, ShapeError
from .linalg_batch import T, square
from .registry import Op, Sample, register


def _lapack(op: str, f, *args):
    try:
        return f(*args)
    except np.linalg.LinAlgError as e:
        raise HybridError(f"{op}: {e} (LAPACK could not factor the input)") from None


@register
class NpSvd(Op):
    """``ut, s, v = svd(a)`` with ``a = ut @ diag(s) @ v`` for each ``(m, n)`` matrix, ``m <= n``
    (MXNet's restriction): ``ut`` is ``(m, m)``, ``s`` ``(m,)`` descending, ``v`` ``(m, n)``.
    The gradient assumes distinct singular values.
    """

    name = "_npi_svd"
    inputs = ("A",)
    xfail = {"onnx": "ONNX has no singular value decomposition: the lowering raises by design"}

    def num_outputs(attrs):
        return 3

    def infer(in_shapes, in_dtypes):
        a = in_shapes[0]
        if a is None:
            return in_shapes, [None] * 3, [in_dtypes[0]] * 3
        if len(a) < 2 or a[-2] > a[-1]:
            raise ShapeError(f"_npi_svd: expected (..., m, n) with m <= n, got {tuple(a)}")
        *batch, m, n = a
        shapes = [(*batch, m, m), (*batch, m), (*batch, m, n)]
        return in_shapes, shapes, [in_dtypes[0]] * 3

    def forward(ctx, a):
        u, s, vh = _lapack("np.linalg.svd", lambda x: np.linalg.svd(x, full_matrices=False), a)
        ctx.u, ctx.s, ctx.vh = u, s, vh
        return u.astype(a.dtype), s.astype(a.dtype), vh.astype(a.dtype)

    def vjp(ctx, gu, gs, gvh):
        # Note [SVD gradient]: with E_ij = s_j^2 - s_i^2 off the diagonal,
        # gA = U (skew(U^T gU)/E S + S skew(V^T gV)/E + diag(gs)) V^T + U S^-1 gV^T (I - V V^T),
        # skew(X) = X - X^T; U is square here (m <= n), so U's own projection term vanishes.
        u, s, vh = ctx.u, ctx.s, ctx.vh
        v = T(vh)
        s2 = s[..., None, :] ** 2 - s[..., :, None] ** 2
        m = s.shape[-1]
        off = ~np.eye(m, dtype=bool)
        inv_e = np.where(off, 1.0 / np.where(off, s2, 1.0), 0.0)
        ju, jv = np.matmul(T(u), gu), np.matmul(T(v), T(gvh))
        inner = ((ju - T(ju)) * inv_e) * s[..., None, :] + s[..., :, None] * ((jv - T(jv)) * inv_e)
        inner = inner + gs[..., None] * np.eye(m)
        ga = np.matmul(np.matmul(u, inner), vh)
        proj = np.eye(v.shape[-2]) - np.matmul(v, vh)
        ga = ga + np.matmul(u / s[..., None, :], np.matmul(gvh, proj))
        return (ga,)

    def samples(rng):
        return [Sample([rng.normal(size=(3, 5))]), Sample([rng.normal(size=(2, 3, 3))])]


@register
class NpSolve(Op):
    """``x = solve(a, b)``: ``a @ x = b`` for square ``a`` ``(..., m, m)``; ``b`` is
    ``(..., m, k)``, or ``(..., m)`` when it has one dimension fewer than ``a`` (NumPy's rule).
    """

    name = "_npi_solve"
    inputs = ("A", "B")
    xfail = {"onnx": "ONNX has no linear solver: the lowering raises by design"}

    def infer(in_shapes, in_dtypes):
        a, b = in_shapes
        square("_npi_solve", a)
        if a is not None and b is not None:
            vector = len(b) == len(a) - 1
            if (b[-1] if vector else b[-2]) != a[-1]:
                raise ShapeError(f"_npi_solve: b {tuple(b)} does not match a {tuple(a)}")
        return in_shapes, [b], [in_dtypes[1]]

    def forward(ctx, a, b):
        ctx.vector = b.ndim == a.ndim - 1
        bm = b[..., None] if ctx.vector else b
        ctx.a, ctx.x = a, _lapack("np.linalg.solve", np.linalg.solve, a, bm)
        x = ctx.x[..., 0] if ctx.vector else ctx.x
        return x.astype(b.dtype, copy=False)

    def vjp(ctx, gx):
        gxm = gx[..., None] if ctx.vector else gx
        gb = np.linalg.solve(T(ctx.a), gxm)
        ga = -np.matmul(gb, T(ctx.x))
        return ga, gb[..., 0] if ctx.vector else gb

    def samples(rng):
        a = rng.normal(size=(3, 3)) + 3 * np.eye(3)
        return [Sample([a, rng.normal(size=(3, 2))]), Sample([a, rng.normal(size=(3,))]),
                Sample([rng.normal(size=(2, 4, 4)) + 4 * np.eye(4), rng.normal(size=(2, 4, 1))])]


def _real(op: str, w: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(w):
        if np.any(np.abs(w.imag) > 1e-6 * np.maximum(1.0, np.abs(w.real))):
            raise HybridError(f"{op}: the input has complex eigenvalues, which mx.np (MXNet "
                              "1.9.1) does not represent")
        return w.real
    return w


@register
class NpEig(Op):
    """``w, v = eig(a)``: eigenvalues and right eigenvectors (columns) of each square ``a`` with
    real eigenvalues (MXNet's restriction); no gradient, as in MXNet.
    """

    name = "_npi_eig"
    inputs = ("A",)
    differentiable = False
    xfail = {"onnx": "ONNX has no eigendecomposition: the lowering raises by design"}

    def num_outputs(attrs):
        return 2

    def infer(in_shapes, in_dtypes):
        a = in_shapes[0]
        square("_npi_eig", a)
        w = None if a is None else tuple(a[:-1])
        return in_shapes, [w, a], [in_dtypes[0]] * 2

    def forward(ctx, a):
        w, v = _lapack("np.linalg.eig", np.linalg.eig, a)
        return _real("_npi_eig", w).astype(a.dtype), _real("_npi_eig", v).astype(a.dtype)

    def samples(rng):
        return [Sample([_symmetric(rng, (3, 3))]), Sample([_symmetric(rng, (2, 4, 4))])]


@register
class NpEigvals(Op):
    """``w = eigvals(a)``: the eigenvalues of each square ``a`` with real eigenvalues; no
    gradient, as in MXNet.
    """

    name = "_npi_eigvals"
    inputs = ("A",)
    differentiable = False
    xfail = {"onnx": "ONNX has no eigendecomposition: the lowering raises by design"}

    def infer(in_shapes, in_dtypes):
        a = in_shapes[0]
        square("_npi_eigvals", a)
        return in_shapes, [None if a is None else tuple(a[:-1])], [in_dtypes[0]]

    def forward(ctx, a):
        w = _lapack("np.linalg.eigvals", np.linalg.eigvals, a)
        return _real("_npi_eigvals", w).astype(a.dtype)

    def samples(rng):
        return [Sample([_symmetric(rng, (3, 3))]), Sample([_symmetric(rng, (2, 4, 4))])]


def _symmetric(rng, shape):
    a = rng.normal(size=shape)
    return a + T(a)
