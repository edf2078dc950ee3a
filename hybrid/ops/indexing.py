"""Indexing ops: slicing, take, pick, gather_nd, one_hot and ``_getitem`` (``x[key]``).

Index inputs arrive as floats, as in MXNet, and are truncated to integers. A slice's gradient is
the output gradient written into zeros; a gather's gradient is scattered back with ``np.add.at``,
which sums the contributions of repeated indices.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from ..base import AttrError, HybridError, ShapeError
from ._util import normalize_axis
from .attrs import REQUIRED, Attr
from .registry import Op, Sample, register
from .shape import known, legacy_shape

__all__ = ["slice_key", "like_axes"]


def _index_tuple(v: Any) -> tuple[int | None, ...]:
    """A tuple of ints and Nones from a Python value or MXNet's string such as '(0, None)'."""
    if isinstance(v, str):
        try:
            v = ast.literal_eval(v.strip())
        except (ValueError, SyntaxError):
            raise ValueError("a tuple of integers or None") from None
    if isinstance(v, (int, np.integer)) or v is None:
        v = (v,)
    if not isinstance(v, (tuple, list)) or any(
        e is not None and (isinstance(e, bool) or not isinstance(e, (int, np.integer))) for e in v
    ):
        raise ValueError("a tuple of integers or None")
    return tuple(None if e is None else int(e) for e in v)


def _index_attr(name: str, default: Any = REQUIRED) -> Attr:
    """An attribute holding a tuple of ints and Nones (no attr kind has None entries)."""
    attr = Attr(name, "any", default)
    attr.parse = _index_tuple
    return attr


def _scatter(ctx: Any, key: Any, gy: np.ndarray, accumulate: bool) -> np.ndarray:
    """Zeros of the input's shape with ``gy`` written (or summed, for repeated indices) at
    ``key``.
    """
    g = np.zeros(ctx.shape, gy.dtype)
    if accumulate:
        np.add.at(g, key, gy)
    else:
        g[key] = gy
    return g


def _out_dtype(in_dtypes: list) -> list:
    return [in_dtypes[0]]


@register
class Slice(Op):
    """``y = x[begin[0]:end[0]:step[0], begin[1]:end[1]:step[1], ...]`` on the leading axes.

    ``begin``, ``end`` and ``step`` may hold None (the axis' start, end, and step 1) and negative
    values, as in Python slices; axes beyond ``len(begin)`` are kept whole.
    """

    name = "slice"
    aliases = ("crop",)
    attrs = (_index_attr("begin"), _index_attr("end"), _index_attr("step", ()))

    def infer(in_shapes, in_dtypes, begin, end, step):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], _out_dtype(in_dtypes)
        key = slice_key(x, begin, end, step)
        out = tuple(len(range(*k.indices(d))) if d else 0 for k, d in zip(key, x))
        return in_shapes, [out + tuple(x[len(key) :])], _out_dtype(in_dtypes)

    def forward(ctx, x, begin, end, step):
        ctx.shape, ctx.key = x.shape, slice_key(x.shape, begin, end, step)
        return x[ctx.key].copy()

    def vjp(ctx, gy, **attrs):
        return (_scatter(ctx, ctx.key, gy, False),)

    def samples(rng):
        x = rng.normal(size=(4, 5, 3))
        return [
            Sample([x], {"begin": (1, 0), "end": (3, 4)}),
            Sample([x], {"begin": (None, -1), "end": (None, 0), "step": (2, -2)}),
            Sample([x], {"begin": (0, None, 1), "end": (-1, None, None)}),
        ]


def slice_key(shape: tuple, begin: tuple, end: tuple, step: tuple) -> tuple[slice, ...]:
    if len(begin) != len(end) or len(step) not in (0, len(begin)) or len(begin) > len(shape):
        raise AttrError(
            f"slice: begin={begin}, end={end}, step={step} do not fit an input of shape "
            f"{tuple(shape)}"
        )
    steps = step or (None,) * len(begin)
    if 0 in steps:
        raise AttrError(f"slice: step={step} has a 0")
    return tuple(slice(b, e, s) for b, e, s in zip(begin, end, steps))


@register
class SliceAxis(Op):
    """``y = x[..., begin:end, ...]`` along ``axis``; negative values count from the end, and
    ``end=None`` means the end of the axis.
    """

    name = "slice_axis"
    attrs = (Attr("axis", "int"), Attr("begin", "int"), Attr("end", "int?"))

    def infer(in_shapes, in_dtypes, axis, begin, end):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], _out_dtype(in_dtypes)
        a = normalize_axis("slice_axis", axis, len(x))
        n = len(range(*slice(begin, end).indices(x[a]))) if x[a] else 0
        if x[a] and n == 0:
            raise ShapeError(f"slice_axis: [{begin}:{end}] is empty on axis {a} of {tuple(x)}")
        out = tuple(n if i == a else d for i, d in enumerate(x))
        return in_shapes, [out], _out_dtype(in_dtypes)

    def forward(ctx, x, axis, begin, end):
        a = normalize_axis("slice_axis", axis, x.ndim)
        ctx.shape, ctx.key = x.shape, (slice(None),) * a + (slice(begin, end),)
        return x[ctx.key].copy()

    def vjp(ctx, gy, **attrs):
        return (_scatter(ctx, ctx.key, gy, False),)

    def samples(rng):
        x = rng.normal(size=(4, 5))
        return [
            Sample([x], {"axis": 0, "begin": 1, "end": 3}),
            Sample([x], {"axis": -1, "begin": -3, "end": None}),
        ]


@register
class SliceLike(Op):
    """``y = data[:shape_like.shape[0], :shape_like.shape[1], ...]`` on ``axes`` (all axes of
    ``shape_like`` when empty). ``shape_like`` gets no gradient.
    """

    name = "slice_like"
    inputs = ("data", "shape_like")
    attrs = (Attr("axes", "axis", ()),)

    def infer(in_shapes, in_dtypes, axes):
        x, like = in_shapes
        if x is None or like is None:
            return in_shapes, [None], _out_dtype(in_dtypes)
        out = list(x)
        for a in like_axes(x, like, axes):
            if x[a] and like[a] > x[a]:
                raise ShapeError(f"slice_like: shape_like {tuple(like)} exceeds data {tuple(x)}")
            out[a] = like[a]
        return in_shapes, [tuple(out)], _out_dtype(in_dtypes)

    def forward(ctx, x, like, axes):
        ctx.shape = x.shape
        key = [slice(None)] * x.ndim
        for a in like_axes(x.shape, like.shape, axes):
            key[a] = slice(0, like.shape[a])
        ctx.key = tuple(key)
        return x[ctx.key].copy()

    def vjp(ctx, gy, axes):
        return _scatter(ctx, ctx.key, gy, False), None

    def samples(rng):
        x = rng.normal(size=(4, 5, 3))
        return [
            Sample([x, rng.normal(size=(2, 3, 3))], grad=(0,)),
            Sample([x, rng.normal(size=(2, 3))], {"axes": (0, -1)}, grad=(0,)),
        ]


def like_axes(x: tuple, like: tuple, axes: Any) -> tuple[int, ...]:
    if not axes:
        if len(like) != len(x):
            raise ShapeError(f"slice_like: data {tuple(x)} and shape_like {tuple(like)} differ")
        return tuple(range(len(x)))
    return tuple(normalize_axis("slice_like", a, min(len(x), len(like))) for a in axes)


def _indices(op: str, idx: np.ndarray, n: int, mode: str) -> np.ndarray:
    """Float indices truncated to int and brought into ``[0, n)`` by ``mode``."""
    i = idx.astype(np.int64)
    if mode == "clip":
        return np.clip(i, 0, n - 1)
    if mode == "wrap":
        return np.mod(i, n)
    if i.size and (i.min() < 0 or i.max() >= n):
        raise HybridError(f"{op}: index out of range [0, {n}) with mode='raise'")
    return i


@register
class Take(Op):
    """``y = a`` indexed by ``indices`` along ``axis``: shape
    ``a.shape[:axis] + indices.shape + a.shape[axis+1:]``.

    ``mode`` handles out-of-range indices: ``clip`` to the border, ``wrap`` around, or ``raise``.
    """

    name = "take"
    inputs = ("a", "indices")
    attrs = (Attr("axis", "int", 0), Attr("mode", "str", "clip", choices=("clip", "wrap", "raise")))

    def infer(in_shapes, in_dtypes, axis, mode):
        a, idx = in_shapes
        if a is None or idx is None:
            return in_shapes, [None], _out_dtype(in_dtypes)
        ax = normalize_axis("take", axis, len(a))
        return in_shapes, [tuple(a[:ax]) + tuple(idx) + tuple(a[ax + 1 :])], _out_dtype(in_dtypes)

    def forward(ctx, a, indices, axis, mode):
        ax = normalize_axis("take", axis, a.ndim)
        i = _indices("take", indices, a.shape[ax], mode)
        ctx.shape, ctx.key = a.shape, (slice(None),) * ax + (i,)
        return a[ctx.key]

    def vjp(ctx, gy, axis, mode):
        return _scatter(ctx, ctx.key, gy, True), None

    def samples(rng):
        a = rng.normal(size=(4, 3))
        idx = np.array([[0.0, 3.0], [1.0, 1.0]])
        return [
            Sample([a, idx], grad=(0,)),
            Sample([a, np.array([-1.0, 5.0, 2.0])], {"axis": 1, "mode": "wrap"}, grad=(0,)),
            Sample([a, np.array([-2.0, 7.0])], {"mode": "clip"}, grad=(0,)),
        ]


@register
class Pick(Op):
    """``y[i, j] = data[i, index[i, j], j]`` for ``axis=1``: one element per position along
    ``axis``. ``index`` has ``data``'s shape without ``axis`` (or with it as size 1); ``mode``
    clips or wraps out-of-range indices. As in MXNet, ``axis=None`` is not supported.
    """

    name = "pick"
    aliases = ("choose_element_0index",)
    inputs = ("data", "index")
    attrs = (
        Attr("axis", "int?", -1),
        Attr("keepdims", "bool", False),
        Attr("mode", "str", "clip", choices=("clip", "wrap")),
    )

    def infer(in_shapes, in_dtypes, axis, keepdims, mode):
        x, idx = in_shapes
        if axis is None:
            raise AttrError("pick: axis=None is not supported (as in MXNet); give an axis")
        if x is None:
            return in_shapes, [None], _out_dtype(in_dtypes)
        a = normalize_axis("pick", axis, len(x))
        kept = tuple(1 if i == a else d for i, d in enumerate(x))
        dropped = tuple(x[:a]) + tuple(x[a + 1 :])
        if idx is not None and tuple(idx) not in (kept, dropped) and known(idx):
            raise ShapeError(f"pick: index has shape {tuple(idx)}, expected {dropped} for {x}")
        return in_shapes, [kept if keepdims else legacy_shape(dropped)], _out_dtype(in_dtypes)

    def forward(ctx, x, index, axis, keepdims, mode):
        a = normalize_axis("pick", axis, x.ndim)
        ctx.a, ctx.shape = a, x.shape
        ctx.i = _indices("pick", index, x.shape[a], mode).reshape(
            x.shape[:a] + (1,) + x.shape[a + 1 :]
        )
        y = np.take_along_axis(x, ctx.i, a)
        return y if keepdims else y.reshape(legacy_shape(y.shape[:a] + y.shape[a + 1 :]))

    def vjp(ctx, gy, **attrs):
        g = np.zeros(ctx.shape, gy.dtype)
        np.put_along_axis(g, ctx.i, gy.reshape(ctx.i.shape), ctx.a)
        return g, None

    def samples(rng):
        x = rng.normal(size=(3, 4))
        return [
            Sample([x, np.array([0.0, 3.0, 1.0])], grad=(0,)),
            Sample([x, np.array([[1.0, 2.0, 0.0, 5.0]])], {"axis": 0, "keepdims": True}, grad=(0,)),
            Sample([x, np.array([-1.0, 4.0, 2.0])], {"axis": 1, "mode": "wrap"}, grad=(0,)),
        ]


@register
class GatherNd(Op):
    """``y[j...] = data[indices[0, j...], ..., indices[M-1, j...], ...]``: ``indices`` of shape
    ``(M, Y...)`` index the first ``M`` axes; ``y`` has shape ``Y... + data.shape[M:]``.
    """

    name = "gather_nd"
    inputs = ("data", "indices")

    def infer(in_shapes, in_dtypes):
        x, idx = in_shapes
        if x is None or idx is None:
            return in_shapes, [None], _out_dtype(in_dtypes)
        if not idx or idx[0] > len(x):
            raise ShapeError(f"gather_nd: indices {tuple(idx)} do not fit data {tuple(x)}")
        return in_shapes, [tuple(idx[1:]) + tuple(x[idx[0] :])], _out_dtype(in_dtypes)

    def forward(ctx, x, indices):
        ctx.shape, ctx.key = x.shape, tuple(indices.astype(np.int64))
        return x[ctx.key]

    def vjp(ctx, gy):
        return _scatter(ctx, ctx.key, gy, True), None

    def samples(rng):
        x = rng.normal(size=(3, 4, 2))
        idx = np.array([[0.0, 2.0, 2.0], [1.0, 3.0, 3.0]])
        return [Sample([x, idx], grad=(0,)), Sample([x, np.array([[1.0, 0.0]])], grad=(0,))]


@register
class OneHot(Op):
    """``y[..., j] = on_value if indices[...] == j else off_value``: shape
    ``indices.shape + (depth,)``; out-of-range indices give a row of ``off_value``.
    """

    name = "one_hot"
    inputs = ("indices",)
    differentiable = False
    attrs = (
        Attr("depth", "int", check=(lambda d: d > 0, "a positive number")),
        Attr("on_value", "float", 1.0),
        Attr("off_value", "float", 0.0),
        Attr("dtype", "dtype", np.dtype(np.float32)),
    )

    def infer(in_shapes, in_dtypes, depth, on_value, off_value, dtype):
        idx = in_shapes[0]
        return in_shapes, [None if idx is None else tuple(idx) + (depth,)], [dtype]

    def forward(ctx, indices, depth, on_value, off_value, dtype):
        hot = indices.astype(np.int64)[..., None] == np.arange(depth)
        return np.where(hot, on_value, off_value).astype(dtype)

    def samples(rng):
        idx = np.array([[1.0, 0.0], [2.0, 5.0]])
        return [Sample([idx], {"depth": 3}), Sample([idx], {"depth": 4, "on_value": 8.0})]


@register
class GetItem(Op):
    """``y = x[key]`` for a numpy basic or advanced ``key`` (behind ``NDArray.__getitem__`` while
    autograd records). The gradient is scattered back, summed over repeated advanced indices.

    As in MXNet 1.x, a key that selects a single element (integers only) gives shape ``(1,)``,
    never a 0-d array.
    """

    name = "_getitem"
    attrs = (Attr("key", "any"),)

    def infer(in_shapes, in_dtypes, key):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], _out_dtype(in_dtypes)
        try:
            out = np.broadcast_to(np.empty((), in_dtypes[0]), tuple(x))[key].shape
        except IndexError as e:
            raise ShapeError(f"_getitem: key {key!r} does not fit shape {tuple(x)}: {e}") from None
        return in_shapes, [out or (1,)], _out_dtype(in_dtypes)

    def forward(ctx, x, key):
        ctx.shape = x.shape
        return np.array(x[key], copy=True, ndmin=1)

    def vjp(ctx, gy, key):
        gy = gy.reshape(np.empty(ctx.shape, np.bool_)[key].shape)  # (1,) back to () if it was
        return (_scatter(ctx, key, gy, _is_advanced(key)),)

    def samples(rng):
        x = rng.normal(size=(4, 5))
        return [
            Sample([x], {"key": 1}),
            Sample([x], {"key": (1, -1)}),
            Sample([x], {"key": slice(1, 3)}),
            Sample([x], {"key": (slice(None, None, 2), 3)}),
            Sample([x], {"key": (np.array([0, 2, 0]), slice(1, 4))}),
        ]


def _is_advanced(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, (list, np.ndarray)) for k in parts)
