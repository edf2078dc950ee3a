"""Ops that describe an array rather than transform it: shape_array, size_array, all_finite,
multi_all_finite, contrib.allclose and contrib.index_array. None has a gradient.
"""

from __future__ import annotations

import numpy as np

from .attrs import Attr
from .registry import Op, Sample, register

_INT64 = np.dtype(np.int64)


class _Query(Op):
    differentiable = False


@register
class ShapeArray(_Query):
    """The shape of ``data`` as a 1-D int64 array."""

    name = "shape_array"

    def infer(in_shapes, in_dtypes):
        x = in_shapes[0]
        return in_shapes, [None if x is None else (len(x),)], [_INT64]

    def forward(ctx, x):
        return np.array(x.shape, np.int64)

    def samples(rng):
        return [Sample([rng.normal(size=(2, 3, 4))]), Sample([rng.normal(size=(5,))])]


@register
class SizeArray(_Query):
    """The number of elements of ``data`` as an int64 array of shape ``(1,)``."""

    name = "size_array"

    def infer(in_shapes, in_dtypes):
        return in_shapes, [(1,)], [_INT64]

    def forward(ctx, x):
        return np.array([x.size], np.int64)

    def samples(rng):
        return [Sample([rng.normal(size=(2, 3, 4))])]


@register
class AllFinite(_Query):
    """``[1.]`` (float32, shape ``(1,)``) when every value of ``data`` is finite, else ``[0.]``.
    ``init_output`` is accepted for MXNet compatibility (the output is always written).
    """

    name = "all_finite"
    attrs = (Attr("init_output", "bool", True),)

    def infer(in_shapes, in_dtypes, init_output):
        return in_shapes, [(1,)], [np.dtype(np.float32)]

    def forward(ctx, x, init_output):
        return np.array([np.isfinite(x).all()], np.float32)

    def samples(rng):
        x = rng.normal(size=(3, 4))
        y = x.copy()
        y[1, 2] = np.inf
        return [Sample([x]), Sample([y])]


@register
class MultiAllFinite(_Query):
    """``[1.]`` when every value of every input is finite, else ``[0.]`` (``num_arrays``
    inputs)."""

    name = "multi_all_finite"
    inputs = ("*data",)
    attrs = (Attr("num_arrays", "int", 1), Attr("init_output", "bool", True))

    def infer(in_shapes, in_dtypes, num_arrays, init_output):
        return in_shapes, [(1,)], [np.dtype(np.float32)]

    def forward(ctx, *xs, num_arrays, init_output):
        return np.array([all(np.isfinite(x).all() for x in xs)], np.float32)

    def samples(rng):
        x = rng.normal(size=(3,))
        return [Sample([x, x * 2], {"num_arrays": 2}),
                Sample([x, np.array([np.nan])], {"num_arrays": 2})]


@register
class Allclose(_Query):
    """``1`` (uint8, shape ``()``) when ``|a - b| <= atol + rtol * |b|`` everywhere (NaNs equal
    when ``equal_nan``), else ``0``; ``a`` and ``b`` broadcast.
    """

    name = "_contrib_allclose"
    inputs = ("a", "b")
    attrs = (Attr("rtol", "float", 1e-5), Attr("atol", "float", 1e-8),
             Attr("equal_nan", "bool", True))

    def infer(in_shapes, in_dtypes, rtol, atol, equal_nan):
        return in_shapes, [()], [np.dtype(np.uint8)]

    def forward(ctx, a, b, rtol, atol, equal_nan):
        return np.array(np.allclose(a, b, rtol, atol, equal_nan), np.uint8)

    def samples(rng):
        x = rng.normal(size=(3, 4))
        return [Sample([x, x + 1e-9]), Sample([x, x + 1e-3]),
                Sample([x, x + 1e-3], {"atol": 1e-2})]


@register
class IndexArray(_Query):
    """``out[i_0, ..., i_n-1, :] = (i_axes[0], i_axes[1], ...)``: each position's index along
    ``axes`` (all axes when None), int64 of shape ``data.shape + (len(axes),)``.
    """

    name = "_contrib_index_array"
    attrs = (Attr("axes", "axis", None),)

    def infer(in_shapes, in_dtypes, axes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], [_INT64]
        count = len(x) if axes is None else len(axes if isinstance(axes, tuple) else (axes,))
        return in_shapes, [tuple(x) + (count,)], [_INT64]

    def forward(ctx, x, axes):
        grids = np.indices(x.shape, np.int64)
        picked = range(x.ndim) if axes is None else np.atleast_1d(axes) % x.ndim
        return np.stack([grids[a] for a in picked], axis=-1)

    def samples(rng):
        x = rng.normal(size=(2, 3))
        return [Sample([x]), Sample([x], {"axes": (1,)}), Sample([x], {"axes": (-1, 0)})]
