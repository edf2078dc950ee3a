"""Reordering elements: reverse (flip), diag, depth_to_space, space_to_depth, split_v2 and
khatri_rao (the column-wise Kronecker product).
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from ._util import normalize_axes, normalize_axis
from .attrs import Attr
from .registry import Op, Sample, register


@register
class Reverse(Op):
    """``data`` with the order of its elements reversed along each axis in ``axis``."""

    name = "reverse"
    aliases = ("flip",)
    attrs = (Attr("axis", "shape"),)
    check_eager = False

    def infer(in_shapes, in_dtypes, axis):
        if in_shapes[0] is not None:
            normalize_axes("reverse", axis, len(in_shapes[0]))
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    def forward(ctx, x, axis):
        return np.flip(x, normalize_axes("reverse", axis, x.ndim)).copy()

    def vjp(ctx, gy, axis):
        return (np.flip(gy, normalize_axes("reverse", axis, gy.ndim)).copy(),)

    def samples(rng):
        x = rng.normal(size=(2, 3, 4))
        return [Sample([x], {"axis": (0,)}), Sample([x], {"axis": (0, 2)}),
                Sample([x], {"axis": -1})]


@register
class Diag(Op):
    """For 1-D ``data``: the square matrix with ``data`` on diagonal ``k``. For N-D ``data``: the
    diagonal ``k`` of the matrices in axes ``axis1``, ``axis2``, those axes removed and the
    diagonal appended last (numpy's ``diagonal``).
    """

    name = "diag"
    attrs = (Attr("k", "int", 0), Attr("axis1", "int", 0), Attr("axis2", "int", 1))

    def infer(in_shapes, in_dtypes, k, axis1, axis2):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        if len(x) == 0:
            raise ShapeError("diag: data has shape (), expected 1+ dims")
        if len(x) == 1:
            return in_shapes, [(x[0] + abs(k),) * 2], [in_dtypes[0]]
        a1, a2 = (normalize_axis("diag", a, len(x)) for a in (axis1, axis2))
        if a1 == a2:
            raise ShapeError(f"diag: axis1 and axis2 are both {a1}")
        size = max(0, min(x[a1] + min(k, 0), x[a2] - max(k, 0)))
        rest = tuple(d for i, d in enumerate(x) if i not in (a1, a2))
        return in_shapes, [rest + (size,)], [in_dtypes[0]]

    def forward(ctx, x, k, axis1, axis2):
        ctx.shape = x.shape
        if x.ndim == 1:
            return np.diag(x, k)
        return np.diagonal(x, k, axis1, axis2).copy()

    def vjp(ctx, gy, k, axis1, axis2):
        if len(ctx.shape) == 1:
            return (np.diagonal(gy, k).copy(),)
        g = np.zeros(ctx.shape, gy.dtype)
        view = np.moveaxis(g, (axis1, axis2), (-2, -1))  # writes through to g
        i = np.arange(gy.shape[-1])
        view[..., i + max(-k, 0), i + max(k, 0)] = gy
        return (g,)

    def samples(rng):
        return [Sample([rng.normal(size=(3,))]), Sample([rng.normal(size=(3,))], {"k": -1}),
                Sample([rng.normal(size=(3, 4))], {"k": 1}),
                Sample([rng.normal(size=(2, 3, 4))], {"k": -1, "axis1": 1, "axis2": 2})]


@register
class DepthToSpace(Op):
    """``(N, C, H, W) -> (N, C / b^2, H * b, W * b)`` with ``b = block_size``: each group of
    ``b^2`` channels becomes a ``b x b`` block of pixels (ONNX's DCR order).
    """

    name = "depth_to_space"
    attrs = (Attr("block_size", "int", check=(lambda v: v > 0, "positive")),)

    def infer(in_shapes, in_dtypes, block_size):
        x, b = in_shapes[0], block_size
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        if len(x) != 4 or x[1] % (b * b):
            raise ShapeError(f"depth_to_space: data has shape {tuple(x)}, expected (N, C, H, W) "
                             f"with C divisible by block_size^2 = {b * b}")
        return in_shapes, [(x[0], x[1] // (b * b), x[2] * b, x[3] * b)], [in_dtypes[0]]

    def forward(ctx, x, block_size):
        n, c, h, w = x.shape
        b = block_size
        y = x.reshape(n, b, b, c // (b * b), h, w).transpose(0, 3, 4, 1, 5, 2)
        return y.reshape(n, c // (b * b), h * b, w * b)

    def vjp(ctx, gy, block_size):
        return (SpaceToDepth.forward(ctx, gy, block_size),)

    def samples(rng):
        return [Sample([rng.normal(size=(2, 8, 2, 3))], {"block_size": 2})]


@register
class SpaceToDepth(Op):
    """``(N, C, H, W) -> (N, C * b^2, H / b, W / b)`` with ``b = block_size``: the inverse of
    ``depth_to_space``.
    """

    name = "space_to_depth"
    attrs = (Attr("block_size", "int", check=(lambda v: v > 0, "positive")),)

    def infer(in_shapes, in_dtypes, block_size):
        x, b = in_shapes[0], block_size
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        if len(x) != 4 or x[2] % b or x[3] % b:
            raise ShapeError(f"space_to_depth: data has shape {tuple(x)}, expected (N, C, H, W) "
                             f"with H and W divisible by block_size = {b}")
        return in_shapes, [(x[0], x[1] * b * b, x[2] // b, x[3] // b)], [in_dtypes[0]]

    def forward(ctx, x, block_size):
        n, c, h, w = x.shape
        b = block_size
        y = x.reshape(n, c, h // b, b, w // b, b).transpose(0, 3, 5, 1, 2, 4)
        return y.reshape(n, c * b * b, h // b, w // b)

    def vjp(ctx, gy, block_size):
        return (DepthToSpace.forward(ctx, gy, block_size),)

    def samples(rng):
        return [Sample([rng.normal(size=(2, 3, 4, 6))], {"block_size": 2})]


def _split_bounds(op: str, n: int, indices: tuple, sections: int) -> list[tuple[int, int]]:
    if sections:
        if n % sections:
            raise ShapeError(f"{op}: axis of size {n} does not split into {sections} sections")
        step = n // sections
        return [(i * step, (i + 1) * step) for i in range(sections)]
    edges = list(indices) + [n]
    return [(lo, max(lo, min(hi, n))) for lo, hi in zip(edges[:-1], edges[1:])]


@register
class SplitV2(Op):
    """Splits ``data`` along ``axis`` at ``indices`` (each part from one index to the next, the
    first index being 0), or into ``sections`` equal parts; ``squeeze_axis`` drops the axis from
    parts of size 1. ``nd.split_v2`` is the function that takes numpy-style arguments.
    """

    name = "_split_v2"
    attrs = (
        Attr("indices", "shape", ()),
        Attr("axis", "int", 0),
        Attr("squeeze_axis", "bool", False),
        Attr("sections", "int", 0),
    )

    def num_outputs(attrs):
        return attrs["sections"] or len(attrs["indices"])

    def infer(in_shapes, in_dtypes, indices, axis, squeeze_axis, sections):
        x = in_shapes[0]
        count = sections or len(indices)
        if x is None:
            return in_shapes, [None] * count, [in_dtypes[0]] * count
        a = normalize_axis("split_v2", axis, len(x))
        outs = []
        for lo, hi in _split_bounds("split_v2", x[a], indices, sections):
            dims = list(x)
            dims[a] = hi - lo
            if squeeze_axis and hi - lo == 1:
                del dims[a]
            outs.append(tuple(dims))
        return in_shapes, outs, [in_dtypes[0]] * count

    def forward(ctx, x, indices, axis, squeeze_axis, sections):
        a = normalize_axis("split_v2", axis, x.ndim)
        ctx.a, ctx.shape = a, x.shape
        ctx.bounds = _split_bounds("split_v2", x.shape[a], indices, sections)
        parts = [np.take(x, np.arange(lo, hi), axis=a) for lo, hi in ctx.bounds]
        if squeeze_axis:
            parts = [p.squeeze(a) if p.shape[a] == 1 else p for p in parts]
        return tuple(parts)

    def vjp(ctx, *gys, indices, axis, squeeze_axis, sections):
        g = np.zeros(ctx.shape, gys[0].dtype)
        view = np.moveaxis(g, ctx.a, 0)
        for (lo, hi), gy in zip(ctx.bounds, gys):
            if gy.ndim < g.ndim:  # squeezed part
                gy = np.expand_dims(gy, ctx.a)
            view[lo:hi] = np.moveaxis(gy, ctx.a, 0)
        return (g,)

    def samples(rng):
        x = rng.normal(size=(4, 6))
        return [Sample([x], {"indices": (0, 2, 3), "axis": 1}),
                Sample([x], {"sections": 2}),
                Sample([x], {"indices": (0, 1), "squeeze_axis": True})]


@register
class KhatriRao(Op):
    """The column-wise Kronecker product of matrices ``(n_i, k)``: an ``(n_1 * ... * n_m, k)``
    matrix whose row ``(i_1, ..., i_m)`` (row-major) is ``prod_j args[j][i_j, :]``.
    """

    name = "khatri_rao"
    inputs = ("*args",)
    attrs = (Attr("num_args", "int", 0),)

    def infer(in_shapes, in_dtypes, num_args):
        if any(s is None for s in in_shapes):
            return in_shapes, [None], [in_dtypes[0]]
        if any(len(s) != 2 or s[1] != in_shapes[0][1] for s in in_shapes):
            shapes = [tuple(s) for s in in_shapes]
            raise ShapeError(f"khatri_rao: inputs have shapes {shapes}, expected (n_i, k) "
                             "matrices with one k")
        rows = int(np.prod([s[0] for s in in_shapes]))
        return in_shapes, [(rows, in_shapes[0][1])], [in_dtypes[0]]

    def forward(ctx, *mats, num_args):
        m = len(mats)
        ctx.mats = mats
        expanded = [x.reshape((1,) * i + (x.shape[0],) + (1,) * (m - 1 - i) + (-1,))
                    for i, x in enumerate(mats)]
        ctx.grid = tuple(x.shape[0] for x in mats) + (mats[0].shape[1],)
        return np.prod(np.broadcast_arrays(*expanded), axis=0).reshape(-1, ctx.grid[-1])

    def vjp(ctx, gy, num_args):
        m = len(ctx.mats)
        g = gy.reshape(ctx.grid)
        grads = []
        for i in range(m):
            others = g
            for j, y in enumerate(ctx.mats):
                if j != i:
                    others = others * y.reshape((1,) * j + (y.shape[0],) + (1,) * (m - 1 - j)
                                                + (-1,))
            grads.append(others.sum(axis=tuple(j for j in range(m) if j != i)))
        return tuple(grads)

    def samples(rng):
        n = rng.normal
        return [Sample([n(size=(2, 3)), n(size=(4, 3))]),
                Sample([n(size=(2, 2)), n(size=(3, 2)), n(size=(2, 2))])]
