"""Writing into arrays at indices, and index arithmetic: scatter_nd, fill_element_0index,
batch_take, contrib.index_copy, contrib.boolean_mask, ravel_multi_index and unravel_index.

Indices arrive as floats or integers (MXNet's convention) and are truncated to integers; an
index outside its axis is an error naming the op, where MXNet reads or writes out of bounds.
"""

from __future__ import annotations

import numpy as np

from ..base import HybridError, ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

__all__ = ["rows", "strides"]


def rows(op: str, index: np.ndarray, n: int) -> np.ndarray:
    """``index`` as int64, each in ``[0, n)`` (negative values count from the end)."""
    i = index.astype(np.int64)
    if i.size and (i.min() < -n or i.max() >= n):
        raise HybridError(f"{op}: index out of range [0, {n}): {i.min()}..{i.max()}")
    return np.where(i < 0, i + n, i)


def _need(op: str, shape, ndim: int, name: str) -> None:
    if shape is not None and len(shape) != ndim:
        raise ShapeError(f"{op}: {name} has shape {tuple(shape)}, expected {ndim} dims")


@register
class ScatterNd(Op):
    """``out = zeros(shape); out[indices[0], ..., indices[M-1]] = data``: the inverse of
    ``gather_nd``. ``indices`` ``(M, *batch)`` index the first ``M`` axes of ``out``; ``data`` has
    shape ``batch + shape[M:]``. Positions written twice keep one of the values.
    """

    name = "scatter_nd"
    inputs = ("data", "indices")
    attrs = (Attr("shape", "shape"),)

    def infer(in_shapes, in_dtypes, shape):
        data, idx = in_shapes
        if idx is not None and data is not None:
            expect = tuple(idx[1:]) + tuple(shape[idx[0]:])
            if idx[0] > len(shape) or (known := tuple(data)) != expect and all(known):
                raise ShapeError(f"scatter_nd: data {tuple(data)} and indices {tuple(idx)} do "
                                 f"not fit shape {shape}: data should be {expect}")
        return in_shapes, [shape], [in_dtypes[0]]

    def forward(ctx, data, indices, shape):
        ctx.key = tuple(rows("scatter_nd", i, n) for i, n in zip(indices, shape))
        out = np.zeros(shape, data.dtype)
        out[ctx.key] = data
        return out

    def vjp(ctx, gy, shape):
        return gy[ctx.key], None

    def samples(rng):
        idx = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])  # distinct positions
        return [Sample([rng.normal(size=(3,)), idx], {"shape": (3, 2)}, grad=(0,)),
                Sample([rng.normal(size=(3, 4)), idx], {"shape": (3, 2, 4)}, grad=(0,))]


@register
class FillElement0Index(Op):
    """``out = lhs`` with ``out[i, rhs[i]] = mhs[i]`` for each row ``i`` of the 2-D ``lhs``."""

    name = "fill_element_0index"
    inputs = ("lhs", "mhs", "rhs")

    def infer(in_shapes, in_dtypes):
        _need("fill_element_0index", in_shapes[0], 2, "lhs")
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    def forward(ctx, lhs, mhs, rhs):
        ctx.key = (np.arange(lhs.shape[0]), rows("fill_element_0index", rhs, lhs.shape[1]))
        out = lhs.copy()
        out[ctx.key] = mhs
        return out

    def vjp(ctx, gy):
        glhs = gy.copy()
        glhs[ctx.key] = 0
        return glhs, gy[ctx.key], None

    def samples(rng):
        idx = np.array([2.0, 0, 3])
        return [Sample([rng.normal(size=(3, 4)), rng.normal(size=(3,)), idx], grad=(0, 1))]


@register
class BatchTake(Op):
    """``out[i] = a[i, indices[i]]`` for the 2-D ``a`` (MXNet's deprecated form of ``pick``)."""

    name = "batch_take"
    inputs = ("a", "indices")

    def infer(in_shapes, in_dtypes):
        _need("batch_take", in_shapes[0], 2, "a")
        a = in_shapes[0]
        return in_shapes, [None if a is None else (a[0],)], [in_dtypes[0]]

    def forward(ctx, a, indices):
        ctx.shape = a.shape
        ctx.key = (np.arange(a.shape[0]), rows("batch_take", indices, a.shape[1]))
        return a[ctx.key]

    def vjp(ctx, gy):
        ga = np.zeros(ctx.shape, gy.dtype)
        ga[ctx.key] = gy
        return ga, None

    def samples(rng):
        return [Sample([rng.normal(size=(3, 4)), np.array([2, 0, 3], np.int32)])]


@register
class IndexCopy(Op):
    """``out = old_tensor`` with rows ``index_vector[i]`` replaced by ``new_tensor[i]``."""

    name = "_contrib_index_copy"
    inputs = ("old_tensor", "index_vector", "new_tensor")

    def infer(in_shapes, in_dtypes):
        old, idx, new = in_shapes
        if old is not None and new is not None and tuple(old[1:]) != tuple(new[1:]):
            raise ShapeError(f"index_copy: new_tensor {tuple(new)} must have old_tensor's "
                             f"{tuple(old)} trailing dims")
        return in_shapes, [old], [in_dtypes[0]]

    def forward(ctx, old, index, new):
        ctx.i = rows("index_copy", index, old.shape[0])
        out = old.copy()
        out[ctx.i] = new
        return out

    def vjp(ctx, gy):
        gold = gy.copy()
        gold[ctx.i] = 0
        return gold, None, gy[ctx.i]

    def samples(rng):
        idx = np.array([3.0, 0.0])
        return [Sample([rng.normal(size=(4, 3)), idx, rng.normal(size=(2, 3))], grad=(0, 2))]


@register
class BooleanMask(Op):
    """The slices of ``data`` along ``axis`` where ``index`` is non-zero (``index`` has
    ``data.shape[axis]`` values). The output's size along ``axis`` depends on the values.
    """

    name = "_contrib_boolean_mask"
    inputs = ("data", "index")
    attrs = (Attr("axis", "int", 0),)

    def infer(in_shapes, in_dtypes, axis):
        data = in_shapes[0]
        out = None if data is None else tuple(0 if i == axis % len(data) else d
                                               for i, d in enumerate(data))
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, data, index, axis):
        ctx.mask, ctx.axis, ctx.shape = index != 0, axis, data.shape
        return np.compress(ctx.mask, data, axis=axis)

    def vjp(ctx, gy, axis):
        g = np.zeros(ctx.shape, gy.dtype)
        key = (slice(None),) * (axis % len(ctx.shape)) + (ctx.mask,)
        g[key] = gy
        return g, None

    def samples(rng):
        return [Sample([rng.normal(size=(4, 3)), np.array([0.0, 1, 1, 0])], grad=(0,)),
                Sample([rng.normal(size=(2, 3)), np.array([1.0, 0, 1])], {"axis": 1}, grad=(0,))]


def strides(shape: tuple) -> np.ndarray:
    """Row-major element strides of an array of ``shape``."""
    return np.cumprod((1,) + tuple(shape[:0:-1]))[::-1]


@register
class RavelMultiIndex(Op):
    """Flat indices into an array of ``shape`` from ``data`` ``(M, ...)``, the indices of its
    ``M`` axes (row-major): ``out = sum_k data[k] * stride[k]``.
    """

    name = "_ravel_multi_index"
    aliases = ("ravel_multi_index",)
    differentiable = False
    attrs = (Attr("shape", "shape"),)

    def infer(in_shapes, in_dtypes, shape):
        data = in_shapes[0]
        if data is not None and data[0] and data[0] != len(shape):
            raise ShapeError(f"ravel_multi_index: data has shape {tuple(data)}, expected "
                             f"{len(shape)} rows for shape {shape}")
        return in_shapes, [None if data is None else tuple(data[1:])], [in_dtypes[0]]

    def forward(ctx, data, shape):
        s = strides(shape).reshape((-1,) + (1,) * (data.ndim - 1))
        return (data.astype(np.int64) * s).sum(axis=0).astype(data.dtype)

    def samples(rng):
        return [Sample([np.array([[3.0, 6, 6], [4, 5, 1]])], {"shape": (7, 6)})]


@register
class UnravelIndex(Op):
    """The inverse of ``ravel_multi_index``: ``out[k]`` is the index along axis ``k`` of an array
    of ``shape`` for each flat index in ``data``; output shape ``(len(shape),) + data.shape``.
    """

    name = "_unravel_index"
    aliases = ("unravel_index",)
    differentiable = False
    attrs = (Attr("shape", "shape"),)

    def infer(in_shapes, in_dtypes, shape):
        data = in_shapes[0]
        return in_shapes, [None if data is None else (len(shape),) + tuple(data)], [in_dtypes[0]]

    def forward(ctx, data, shape):
        s = strides(shape).reshape((-1,) + (1,) * data.ndim)
        dims = np.asarray(shape).reshape(s.shape)
        return ((data.astype(np.int64)[None] // s) % dims).astype(data.dtype)

    def samples(rng):
        return [Sample([np.array([22.0, 41, 37])], {"shape": (7, 6)}),
                Sample([np.array([[0.0, 5], [11, 23]])], {"shape": (2, 3, 4)})]


@register
class CountSketch(Op):
    """``out[n, h[i]] += data[n, i] * s[i]``: projects ``(N, d)`` data to ``(N, out_dim)`` with
    the index hashes ``h`` and signs ``s`` (each ``(1, d)``), one GEMM with the sparse sketch
    matrix. ``processing_batch_size`` (MXNet's sub-batch size) has no effect.
    """

    name = "_contrib_count_sketch"
    inputs = ("data", "h", "s")
    attrs = (Attr("out_dim", "int"), Attr("processing_batch_size", "int", 32))

    def infer(in_shapes, in_dtypes, out_dim, processing_batch_size):
        x = in_shapes[0]
        if x is not None and len(x) != 2:
            raise ShapeError(f"count_sketch: data has shape {tuple(x)}, expected (N, d)")
        return in_shapes, [None if x is None else (x[0], out_dim)], [in_dtypes[0]]

    def forward(ctx, x, h, s, out_dim, processing_batch_size):
        idx = rows("count_sketch", h.reshape(-1), out_dim)
        ctx.m = (idx[:, None] == np.arange(out_dim)) * s.reshape(-1, 1).astype(x.dtype)  # (d, k)
        return x @ ctx.m

    def vjp(ctx, gy, out_dim, processing_batch_size):
        return gy @ ctx.m.T, None, None

    def samples(rng):
        h = np.array([[0.0, 3, 4, 3]])
        s = np.array([[1.0, -1, 1, 1]])
        return [Sample([rng.normal(size=(3, 4)), h, s], {"out_dim": 5}, grad=(0,))]
