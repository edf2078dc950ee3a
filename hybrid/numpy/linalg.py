"""``mx.np.linalg``: NumPy's linear algebra as MXNet 1.9.1 implements it, on registered ops.

``inv``, ``det``, ``slogdet``, ``cholesky`` and ``eigh`` reuse the ``nd.linalg`` ops
(``_linalg_inverse``, ``_linalg_det``, ...) with NumPy's shapes; ``svd``, ``solve``, ``eig`` and
``eigvals`` have their own ops (``hybrid/ops/np_linalg.py``); the rest are compositions, so
gradients flow wherever their parts have them.
"""

from __future__ import annotations

from typing import Any

import numpy as onp

from ..base import HybridError
from . import _core
from ._dispatch import asarray_like, call
from ._manip import broadcast_to as _broadcast_to

__all__ = [
    "norm", "svd", "cholesky", "inv", "det", "slogdet", "solve", "tensorinv", "tensorsolve",
    "pinv", "eigvals", "eig", "eigvalsh", "eigh", "cond", "lstsq", "matrix_power", "matrix_rank",
    "multi_dot", "qr",
]


def _batch(a: Any) -> tuple:
    return tuple(a.shape[:-2])


def _mT(a: Any) -> Any:
    return call("SwapAxis", a, dim1=a.ndim - 1, dim2=a.ndim - 2)


def _square(name: str, a: Any) -> Any:
    a = asarray_like(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise HybridError(f"np.linalg.{name}: expected (..., n, n) matrices, got shape {a.shape}")
    return a


def inv(a: Any) -> Any:
    """The inverse of each square matrix of ``a``."""
    return call("_linalg_inverse", _square("inv", a))


def det(a: Any) -> Any:
    """The determinant of each square matrix: shape ``a.shape[:-2]``."""
    a = _square("det", a)
    return call("_linalg_det", a).reshape(_batch(a))


def slogdet(a: Any) -> tuple:
    """``(sign, logabsdet)`` of each square matrix's determinant."""
    a = _square("slogdet", a)
    sign, logdet = call("_linalg_slogdet", a)
    return sign.reshape(_batch(a)), logdet.reshape(_batch(a))


def cholesky(a: Any) -> Any:
    """The lower Cholesky factor ``L`` (``a = L L^T``) of each symmetric positive definite
    matrix."""
    return call("_linalg_potrf", _square("cholesky", a))


def eigh(a: Any, UPLO: str = "L") -> tuple:  # noqa: N803 - NumPy's name
    """``(w, v)``: ascending eigenvalues and eigenvector columns of symmetric matrices."""
    if UPLO not in ("L", "U"):
        raise HybridError(f"np.linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    u, w = call("_linalg_syevd", _square("eigh", a))
    return w, _mT(u)


def eigvalsh(a: Any, UPLO: str = "L") -> Any:  # noqa: N803 - NumPy's name
    """Ascending eigenvalues of symmetric matrices."""
    return eigh(a, UPLO)[0]


def eig(a: Any) -> tuple:
    """``(w, v)``: eigenvalues and eigenvector columns of square matrices (real eigenvalues)."""
    return call("_npi_eig", _square("eig", a))


def eigvals(a: Any) -> Any:
    """Eigenvalues of square matrices (real eigenvalues)."""
    return call("_npi_eigvals", _square("eigvals", a))


def svd(a: Any) -> tuple:
    """``(ut, s, v)`` with ``a = ut @ diag(s) @ v``, for ``(..., m, n)`` with ``m <= n``."""
    return call("_npi_svd", asarray_like(a))


def solve(a: Any, b: Any) -> Any:
    """``x`` with ``a @ x = b``."""
    return call("_npi_solve", _square("solve", a), asarray_like(b))


def qr(a: Any, mode: str = "reduced") -> tuple:
    """``(q, r)`` with ``a = q @ r`` for ``(..., m, n)`` with ``m >= n`` (``mode='reduced'``).

    The LQ factorization of ``a^T`` (``_linalg_gelqf``) transposed: ``a^T = L Q`` gives
    ``q = Q^T`` and ``r = L^T``.
    """
    if mode != "reduced":
        raise HybridError(f"np.linalg.qr: only mode='reduced' is supported, got {mode!r}")
    a = asarray_like(a)
    if a.ndim < 2 or a.shape[-2] < a.shape[-1]:
        raise HybridError(f"np.linalg.qr: expected (..., m, n) with m >= n, got {a.shape}")
    q, lower = call("_linalg_gelqf", _mT(a))
    return _mT(q), _mT(lower)


def pinv(a: Any, rcond: float = 1e-15, hermitian: bool = False) -> Any:
    """The Moore-Penrose pseudo-inverse from the SVD, singular values below ``rcond * max(s)``
    dropped."""
    a = asarray_like(a)
    wide = a.shape[-2] <= a.shape[-1]
    ut, s, v = svd(a if wide else _mT(a))
    keep = (s > _core.max(s, axis=-1, keepdims=True) * rcond).astype(s.dtype)
    s_inv = keep / (s + (1 - keep))
    p = (_mT(v) * call("expand_dims", s_inv, axis=-2)) @ _mT(ut)
    return p if wide else _mT(p)


def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False) -> Any:  # noqa: N803
    """The number of singular values above ``tol`` (default ``max(s) * max(m, n) * eps``)."""
    a = asarray_like(A)
    if a.ndim < 2:
        return (a != 0).any().astype(onp.int64)
    wide = a.shape[-2] <= a.shape[-1]
    s = svd(a if wide else _mT(a))[1]
    if tol is None:
        eps = onp.finfo(s.dtype).eps
        tol = _core.max(s, axis=-1, keepdims=True) * (max(a.shape[-2:]) * eps)
    return _core.sum(s > tol, axis=-1)


def cond(x: Any, p: Any = None) -> Any:
    """The condition number of each matrix: ``s_max / s_min`` for ``p`` None or 2, ``s_min / s_max``
    for -2, ``norm(x, p) * norm(inv(x), p)`` otherwise."""
    x = asarray_like(x)
    if p in (None, 2, -2):
        wide = x.shape[-2] <= x.shape[-1]
        s = svd(x if wide else _mT(x))[1]
        hi, lo = _core.max(s, axis=-1), _core.min(s, axis=-1)
        return hi / lo if p != -2 else lo / hi
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))


def lstsq(a: Any, b: Any, rcond: Any = "warn") -> tuple:
    """``(x, residuals, rank, s)``: the least-squares solution of ``a @ x = b`` (NumPy's result,
    run in NumPy as MXNet does; no gradient)."""
    a, b = asarray_like(a), asarray_like(b)
    cutoff = None if rcond == "warn" else rcond
    spec = ((("a", 0), ("a", 1)), (("rcond", ("v", cutoff)),))
    x, residuals, rank, s = call("_np_fallback", a, b, func="linalg.lstsq", spec=spec, num_out=4)
    return x, residuals, int(rank.item()), s


def matrix_power(a: Any, n: int) -> Any:
    """``a`` multiplied by itself ``n`` times (``inv(a)`` for negative ``n``; identity for 0)."""
    a = _square("matrix_power", a)
    if not isinstance(n, (int, onp.integer)):
        raise HybridError(f"np.linalg.matrix_power: n must be an integer, got {type(n).__name__}")
    if n == 0:
        eye = call("_eye", N=a.shape[-1], dtype=a.dtype)
        return _broadcast_to(eye, a.shape) if a.ndim > 2 else eye
    base, result = (inv(a) if n < 0 else a), None
    n = abs(int(n))
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


def multi_dot(arrays: Any, *, out: Any = None) -> Any:
    """``arrays[0] @ arrays[1] @ ...``; a 1-D first (last) array is a row (column) vector."""
    arrays = [asarray_like(a) for a in arrays]
    if len(arrays) < 2:
        raise HybridError("np.linalg.multi_dot: needs at least two arrays")
    result = arrays[0]
    for a in arrays[1:]:
        result = result @ a
    if out is not None:
        out[...] = result
        return out
    return result


def _vector_norm(x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:  # noqa: A002
    ax = abs(x)
    if ord is None or ord == 2:
        return call("sqrt", _core.sum(x * x, axis=axis, keepdims=keepdims))
    if ord == onp.inf:
        return _core.max(ax, axis=axis, keepdims=keepdims)
    if ord == -onp.inf:
        return _core.min(ax, axis=axis, keepdims=keepdims)
    if ord == 0:
        return _core.sum((x != 0).astype(x.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return _core.sum(ax, axis=axis, keepdims=keepdims)
    return _core.sum(ax ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _matrix_norm(x: Any, ord: Any, axis: tuple, keepdims: bool) -> Any:  # noqa: A002
    row, col = (a % x.ndim for a in axis)
    if ord in (None, "fro"):
        return call("sqrt", _core.sum(x * x, axis=axis, keepdims=keepdims))
    if ord in (1, -1, onp.inf, -onp.inf):
        over, then = (row, col) if ord in (1, -1) else (col, row)
        sums = _core.sum(abs(x), axis=over, keepdims=True)
        pick = sums.max if ord in (1, onp.inf) else sums.min
        y = pick(axis=then, keepdims=True)
    elif ord in (2, -2, "nuc"):
        moved = call("transpose", x, axes=tuple(
            [d for d in range(x.ndim) if d not in (row, col)] + [row, col]))
        wide = moved.shape[-2] <= moved.shape[-1]
        s = svd(moved if wide else _mT(moved))[1]
        reduce = {"nuc": _core.sum, 2: _core.max, -2: _core.min}[ord]
        y = reduce(s, axis=-1)
        if not keepdims:
            return y
        return y.reshape(tuple(1 if d in (row, col) else n for d, n in enumerate(x.shape)))
    else:
        raise HybridError(f"np.linalg.norm: invalid norm order {ord!r} for matrices")
    return y if keepdims else y.reshape(tuple(n for d, n in enumerate(x.shape)
                                              if d not in (row, col)))


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002
    """Vector or matrix norm (NumPy's ``ord`` values): over all elements for ``axis=None`` and
    ``ord=None``, a vector norm for one axis, a matrix norm for two."""
    x = asarray_like(x)
    if axis is None:
        if ord is None:
            return call("sqrt", _core.sum(x * x, keepdims=keepdims))
        axis = tuple(range(x.ndim))
        if x.ndim > 2:
            raise HybridError("np.linalg.norm: ord needs axis for arrays of more than 2 dims")
    if isinstance(axis, (int, onp.integer)):
        return _vector_norm(x, ord, int(axis), keepdims)
    axis = tuple(axis)
    if len(axis) == 1:
        return _vector_norm(x, ord, axis[0], keepdims)
    if len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    raise HybridError(f"np.linalg.norm: axis must name 1 or 2 axes, got {axis}")


def tensorinv(a: Any, ind: int = 2) -> Any:
    """The inverse of ``a`` seen as a matrix of its first ``ind`` axes by the rest."""
    a = asarray_like(a)
    rows, cols = a.shape[:ind], a.shape[ind:]
    size = int(onp.prod(rows))
    if size != int(onp.prod(cols)):
        raise HybridError(f"np.linalg.tensorinv: shape {a.shape} is not square for ind={ind}")
    return inv(a.reshape((size, size))).reshape(cols + rows)


def tensorsolve(a: Any, b: Any, axes: Any = None) -> Any:
    """``x`` with ``tensordot(a, x, x.ndim) = b``."""
    a, b = asarray_like(a), asarray_like(b)
    if axes is not None:
        rest = [d for d in range(a.ndim) if d not in [ax % a.ndim for ax in axes]]
        a = call("transpose", a, axes=tuple(rest + [ax % a.ndim for ax in axes]))
    x_shape = a.shape[b.ndim:]
    size = int(onp.prod(x_shape))
    return solve(a.reshape((-1, size)), b.reshape((-1,))).reshape(x_shape)
