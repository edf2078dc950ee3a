"""``nd.linalg`` diagonal and triangle packing: extractdiag, makediag, extracttrian, maketrian.

Note [Packed triangles]: ``extracttrian`` reads a triangle row by row into a vector and
``maketrian`` writes it back. The triangle is the lower one below diagonal ``offset <= 0`` (with
``lower=True`` at ``offset=0``); the upper one above ``offset >= 0`` is packed as the lower triangle
of the transposed matrix, i.e. column by column, as MXNet 1.9.1 does (for a 3x3 ``A``,
``extracttrian(A, lower=False)`` is ``[a00, a01, a11, a02, a12, a22]``).
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .linalg_batch import batch_of, square
from .registry import Op, Sample, register

__all__ = ["diag_index", "triangle_index"]


def _diag_size(n: int, offset: int) -> int:
    return max(n - abs(offset), 0)


def diag_index(n: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of diagonal ``offset`` of an ``(n, n)`` matrix."""
    i = np.arange(_diag_size(n, offset))
    return i + max(-offset, 0), i + max(offset, 0)


@register
class LinalgExtractdiag(Op):
    """``out[..., i] = A[..., i, i + offset]``: diagonal ``offset`` (above the main one if
    positive, below if negative) of each square matrix.
    """

    name = "_linalg_extractdiag"
    aliases = ("linalg_extractdiag",)
    inputs = ("A",)
    attrs = (Attr("offset", "int", 0),)

    def infer(in_shapes, in_dtypes, offset):
        a = in_shapes[0]
        square("linalg.extractdiag", a)
        out = None if a is None else tuple(a[:-2]) + (_diag_size(a[-1], offset),)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, a, offset):
        ctx.shape = a.shape
        return np.diagonal(a, offset, -2, -1).copy()

    def vjp(ctx, gy, offset):
        g = np.zeros(ctx.shape, gy.dtype)
        g[(..., *diag_index(ctx.shape[-1], offset))] = gy
        return (g,)

    def samples(rng):
        return [Sample([rng.normal(size=(3, 3))]),
                Sample([rng.normal(size=(2, 4, 4))], {"offset": -1}),
                Sample([rng.normal(size=(4, 4))], {"offset": 2})]


@register
class LinalgMakediag(Op):
    """Square matrices ``(..., n + |offset|, n + |offset|)``, zero but for diagonal ``offset``,
    which holds ``A[..., :]`` (``A`` has shape ``(..., n)``).
    """

    name = "_linalg_makediag"
    aliases = ("linalg_makediag",)
    inputs = ("A",)
    attrs = (Attr("offset", "int", 0),)

    def infer(in_shapes, in_dtypes, offset):
        a = in_shapes[0]
        batch_of("linalg.makediag", a, 1)
        out = None if a is None else tuple(a[:-1]) + (a[-1] + abs(offset),) * 2
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, a, offset):
        n = a.shape[-1] + abs(offset)
        y = np.zeros(a.shape[:-1] + (n, n), a.dtype)
        y[(..., *diag_index(n, offset))] = a
        return y

    def vjp(ctx, gy, offset):
        return (np.diagonal(gy, offset, -2, -1).copy(),)

    def samples(rng):
        return [Sample([rng.normal(size=(3,))]), Sample([rng.normal(size=(2, 3))], {"offset": 1})]


def triangle_index(n: int, offset: int, lower: bool) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the packed triangle, in packing order (see Note [Packed triangles])."""
    upper = offset > 0 or (offset == 0 and not lower)
    rows, cols = np.tril_indices(n, -abs(offset))
    return (cols, rows) if upper else (rows, cols)


def _triangle_size(n: int, offset: int) -> int:
    p = _diag_size(n, offset)
    return p * (p + 1) // 2


_TRIAN_ATTRS = (Attr("offset", "int", 0), Attr("lower", "bool", True))


@register
class LinalgExtracttrian(Op):
    """The triangle of each square matrix, packed into a vector (see Note [Packed triangles]):
    the lower one below diagonal ``offset <= 0``, the upper one above ``offset >= 0``
    (``lower`` chooses at ``offset = 0``).
    """

    name = "_linalg_extracttrian"
    aliases = ("linalg_extracttrian",)
    inputs = ("A",)
    attrs = _TRIAN_ATTRS

    def infer(in_shapes, in_dtypes, offset, lower):
        a = in_shapes[0]
        square("linalg.extracttrian", a)
        out = None if a is None else tuple(a[:-2]) + (_triangle_size(a[-1], offset),)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, a, offset, lower):
        ctx.shape = a.shape
        rows, cols = triangle_index(a.shape[-1], offset, lower)
        return a[..., rows, cols]

    def vjp(ctx, gy, offset, lower):
        g = np.zeros(ctx.shape, gy.dtype)
        rows, cols = triangle_index(ctx.shape[-1], offset, lower)
        g[..., rows, cols] = gy
        return (g,)

    def samples(rng):
        a = rng.normal(size=(2, 3, 3))
        return [Sample([a]), Sample([a], {"lower": False}), Sample([a[0]], {"offset": 1}),
                Sample([a[0]], {"offset": -1})]


@register
class LinalgMaketrian(Op):
    """The inverse of ``extracttrian``: square matrices, zero but for the triangle filled from
    the packed vectors ``A[..., :]`` (see Note [Packed triangles]). A vector of ``p (p + 1) / 2``
    values makes matrices of size ``p + |offset|``.
    """

    name = "_linalg_maketrian"
    aliases = ("linalg_maketrian",)
    inputs = ("A",)
    attrs = _TRIAN_ATTRS

    def infer(in_shapes, in_dtypes, offset, lower):
        a = in_shapes[0]
        batch_of("linalg.maketrian", a, 1)
        if a is None or not a[-1]:
            return in_shapes, [None], [in_dtypes[0]]
        p = int(round((np.sqrt(8 * a[-1] + 1) - 1) / 2))
        if p * (p + 1) // 2 != a[-1]:
            raise ShapeError(f"linalg.maketrian: A has shape {tuple(a)}: its last dim must be a "
                             "triangular number p (p + 1) / 2")
        return in_shapes, [tuple(a[:-1]) + (p + abs(offset),) * 2], [in_dtypes[0]]

    def forward(ctx, a, offset, lower):
        n = LinalgMaketrian.infer([a.shape], [a.dtype], offset, lower)[1][0][-1]
        y = np.zeros(a.shape[:-1] + (n, n), a.dtype)
        ctx.index = triangle_index(n, offset, lower)
        y[(..., *ctx.index)] = a
        return y

    def vjp(ctx, gy, offset, lower):
        return (gy[(..., *ctx.index)],)

    def samples(rng):
        a = rng.normal(size=(2, 6))
        return [Sample([a]), Sample([a], {"lower": False}), Sample([a[0, :3]], {"offset": 1}),
                Sample([a[0, :3]], {"offset": -1})]
