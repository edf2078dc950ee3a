"""Sorting ops: topk, sort, argsort.

All three order ``x`` along ``axis`` (the flattened input when ``axis`` is None) with a stable
sort. Values move to new positions, so the gradient of a sorted value goes back to the position
it came from; indices and masks are piecewise constant and get no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base import ShapeError
from ._util import normalize_axis
from .attrs import Attr
from .registry import Op, Sample, register


def _order(x: np.ndarray, axis: int | None, is_ascend: bool) -> tuple[np.ndarray, int]:
    """``(x, axis)`` with x flattened when ``axis`` is None, and the sorting permutation."""
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = normalize_axis("sort", axis, x.ndim)
    return np.argsort(x if is_ascend else -x, axis=axis, kind="stable"), axis


def _scatter_back(ctx: Any, gy: np.ndarray) -> np.ndarray:
    """The gradient of ``take_along_axis(x, ctx.idx, ctx.axis)`` with respect to ``x``."""
    g = np.zeros(ctx.flat_shape, gy.dtype)
    np.put_along_axis(g, ctx.idx, gy.reshape(ctx.idx.shape), ctx.axis)
    return g.reshape(ctx.shape)


def _sorted_shape(op: str, x: tuple | None, axis: int | None, k: int) -> tuple | None:
    """The shape of the first ``k`` sorted entries (``k < 1``: all of them)."""
    if x is None:
        return None
    if axis is None:
        x, axis = (int(np.prod(x)),), 0
    a = normalize_axis(op, axis, len(x))
    if k > x[a] > 0:
        raise ShapeError(f"{op}: k={k} exceeds the {x[a]} elements on axis {a} of {tuple(x)}")
    return tuple(k if i == a and k >= 1 else d for i, d in enumerate(x))


@register
class Topk(Op):
    """The ``k`` largest (smallest if ``is_ascend``) entries of ``x`` along ``axis``.

    Parameters
    ----------
    axis : int or None, default -1
        The axis to search; None searches the flattened input.
    k : int, default 1
        How many entries; ``k < 1`` returns the whole axis sorted.
    ret_typ : {'indices', 'value', 'both', 'mask'}, default 'indices'
        ``indices`` (as ``dtype``), ``value``, ``both`` (two outputs: values, indices), or
        ``mask``: x's shape, 1 at the selected entries and 0 elsewhere.
    is_ascend : bool, default False
        Select the smallest entries instead.
    dtype : dtype, default float32
        The dtype of the indices.
    """

    name = "topk"
    attrs = (
        Attr("axis", "int?", -1),
        Attr("k", "int", 1),
        Attr("ret_typ", "str", "indices", choices=("value", "indices", "mask", "both")),
        Attr("is_ascend", "bool", False),
        Attr("dtype", "dtype", np.dtype(np.float32)),
    )

    def num_outputs(attrs):
        return 2 if attrs["ret_typ"] == "both" else 1

    def infer(in_shapes, in_dtypes, axis, k, ret_typ, is_ascend, dtype):
        out = _sorted_shape("topk", in_shapes[0], axis, k)
        if ret_typ == "mask":
            return in_shapes, [in_shapes[0]], [in_dtypes[0]]
        shapes = {"value": [out], "indices": [out], "both": [out, out]}[ret_typ]
        dtypes = {"value": [in_dtypes[0]], "indices": [dtype], "both": [in_dtypes[0], dtype]}
        return in_shapes, shapes, dtypes[ret_typ]

    def forward(ctx, x, axis, k, ret_typ, is_ascend, dtype):
        order, a = _order(x, axis, is_ascend)
        n = order.shape[a] if k < 1 else k
        _sorted_shape("topk", x.shape, axis, k)
        ctx.idx = order[(slice(None),) * a + (slice(0, n),)]
        ctx.axis, ctx.flat_shape, ctx.shape = a, order.shape, x.shape
        if ret_typ == "mask":
            mask = np.zeros(order.shape, x.dtype)
            np.put_along_axis(mask, ctx.idx, 1, a)
            return mask.reshape(x.shape)
        value = np.take_along_axis(x.reshape(order.shape), ctx.idx, a)
        indices = ctx.idx.astype(dtype)
        return {"value": value, "indices": indices, "both": (value, indices)}[ret_typ]

    def vjp(ctx, *gys, ret_typ, **attrs):
        if ret_typ in ("value", "both"):
            return (_scatter_back(ctx, gys[0]),)
        return (np.zeros(ctx.shape, gys[0].dtype),)

    def samples(rng):
        x = rng.normal(size=(3, 5))
        return [
            Sample([x], {"k": 2, "ret_typ": "value"}),
            Sample([x], {"k": 2, "ret_typ": "both", "axis": 0, "is_ascend": True}),
            Sample([x], {"k": 3}),
            Sample([x], {"k": 2, "ret_typ": "mask"}),
            Sample([x], {"k": 4, "ret_typ": "value", "axis": None}),
        ]


@register
class Sort(Op):
    """``y = x`` sorted along ``axis`` (ascending unless ``is_ascend=False``); the flattened
    input when ``axis`` is None.
    """

    name = "sort"
    attrs = (Attr("axis", "int?", -1), Attr("is_ascend", "bool", True))

    def infer(in_shapes, in_dtypes, axis, is_ascend):
        return in_shapes, [_sorted_shape("sort", in_shapes[0], axis, 0)], [in_dtypes[0]]

    def forward(ctx, x, axis, is_ascend):
        ctx.idx, ctx.axis = _order(x, axis, is_ascend)
        ctx.flat_shape, ctx.shape = ctx.idx.shape, x.shape
        return np.take_along_axis(x.reshape(ctx.idx.shape), ctx.idx, ctx.axis)

    def vjp(ctx, gy, **attrs):
        return (_scatter_back(ctx, gy),)

    def samples(rng):
        x = rng.normal(size=(3, 4))
        return [
            Sample([x]),
            Sample([x], {"axis": 0, "is_ascend": False}),
            Sample([x], {"axis": None}),
        ]


@register
class Argsort(Op):
    """``y`` = the indices that sort ``x`` along ``axis`` (flattened when None), as ``dtype``."""

    name = "argsort"
    differentiable = False
    attrs = (
        Attr("axis", "int?", -1),
        Attr("is_ascend", "bool", True),
        Attr("dtype", "dtype", np.dtype(np.float32)),
    )

    def infer(in_shapes, in_dtypes, axis, is_ascend, dtype):
        return in_shapes, [_sorted_shape("argsort", in_shapes[0], axis, 0)], [dtype]

    def forward(ctx, x, axis, is_ascend, dtype):
        return _order(x, axis, is_ascend)[0].astype(dtype)

    def samples(rng):
        x = rng.normal(size=(3, 4))
        return [Sample([x]), Sample([x], {"axis": 0, "is_ascend": False, "dtype": "int32"})]
