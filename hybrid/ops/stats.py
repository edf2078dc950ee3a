"""Statistics along axes: moments (mean and variance), cumsum, argmax_channel and histogram."""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from ._util import normalize_axis
from .attrs import Attr
from .reduce import Argmax, reduced_axes, reduced_shape
from .registry import Op, Sample, register


@register
class Moments(Op):
    """``mean, var`` of ``data`` over ``axes`` (all when None): ``var`` is the population
    variance ``mean((x - mean)^2)``; ``keepdims`` keeps the reduced axes as size 1.
    """

    name = "moments"
    attrs = (Attr("axes", "axis", None), Attr("keepdims", "bool", False))

    def num_outputs(attrs):
        return 2

    def infer(in_shapes, in_dtypes, axes, keepdims):
        x = in_shapes[0]
        out = None
        if x is not None:
            out = reduced_shape(tuple(x), reduced_axes("moments", len(x), axes), keepdims)
        return in_shapes, [out, out], [in_dtypes[0]] * 2

    def forward(ctx, x, axes, keepdims):
        a = reduced_axes("moments", x.ndim, axes)
        mean = x.mean(axis=a, keepdims=True)
        ctx.d, ctx.a, ctx.n = x - mean, a, int(np.prod([x.shape[i] for i in a]))
        var = np.mean(ctx.d * ctx.d, axis=a, keepdims=True)
        shape = reduced_shape(x.shape, a, keepdims)
        return mean.reshape(shape), var.reshape(shape)

    def vjp(ctx, gmean, gvar, axes, keepdims):
        kept = tuple(1 if i in ctx.a else s for i, s in enumerate(ctx.d.shape))
        gx = (gmean.reshape(kept) + 2 * gvar.reshape(kept) * ctx.d) / ctx.n
        return (np.broadcast_to(gx, ctx.d.shape).copy(),)

    def samples(rng):
        x = rng.normal(size=(2, 3, 4))
        return [Sample([x], {"axes": (1,)}), Sample([x], {"axes": (0, 2), "keepdims": True}),
                Sample([x])]


@register
class Cumsum(Op):
    """``out[..., i, ...] = sum_{j <= i} a[..., j, ...]`` along ``axis``; over the flattened
    input when ``axis`` is None. ``dtype`` sets the output type (default: the input's).
    """

    name = "_np_cumsum"
    aliases = ("cumsum",)
    inputs = ("a",)
    attrs = (Attr("axis", "int?", None), Attr("dtype", "dtype?", None))

    def infer(in_shapes, in_dtypes, axis, dtype):
        a = in_shapes[0]
        out = None
        if a is not None:
            out = (int(np.prod(a)),) if axis is None else tuple(a)
            if axis is not None:
                normalize_axis("cumsum", axis, len(a))
        return in_shapes, [out], [in_dtypes[0] if dtype is None else dtype]

    def forward(ctx, a, axis, dtype):
        ctx.shape = a.shape
        return np.cumsum(a, axis=axis, dtype=dtype or a.dtype)

    def vjp(ctx, gy, axis, dtype):
        ax = 0 if axis is None else axis
        g = np.flip(np.cumsum(np.flip(gy, ax), axis=ax), ax)
        return (g.reshape(ctx.shape),)

    def samples(rng):
        x = rng.normal(size=(3, 4))
        return [Sample([x]), Sample([x], {"axis": 1}), Sample([x], {"axis": -2})]


@register
class ArgmaxChannel(Op):
    """``argmax(data, axis=1)``: the index of the largest value along the channel axis, as a
    float in the input's dtype.
    """

    name = "argmax_channel"
    differentiable = False

    def infer(in_shapes, in_dtypes):
        x = in_shapes[0]
        if x is not None and len(x) < 2:
            raise ShapeError(f"argmax_channel: data has shape {tuple(x)}, expected 2+ dims")
        return Argmax.infer(in_shapes, in_dtypes, 1, False)

    def forward(ctx, x):
        return Argmax.forward(ctx, x, 1, False)

    def samples(rng):
        return [Sample([rng.normal(size=(3, 4))]), Sample([rng.normal(size=(2, 3, 4))])]


@register
class Histogram(Op):
    """Counts of ``data`` in ``bin_cnt`` equal bins over ``range`` (or in the bins whose edges
    are the input ``bins``): outputs the counts (int64) and the bin edges. The last bin includes
    its right edge; values outside are not counted.
    """

    name = "_histogram"
    inputs = ("data", "bins")
    differentiable = False
    attrs = (Attr("bin_cnt", "int?", None), Attr("range", "any", None))

    def num_outputs(attrs):
        return 2

    def infer(in_shapes, in_dtypes, bin_cnt, range):
        if bin_cnt is not None:
            return in_shapes, [(bin_cnt,), (bin_cnt + 1,)], [np.dtype(np.int64), in_dtypes[0]]
        edges = in_shapes[1] if len(in_shapes) > 1 else None
        if edges is None:
            return in_shapes, [None, None], [np.dtype(np.int64), in_dtypes[0]]
        return in_shapes, [(edges[0] - 1,), tuple(edges)], [np.dtype(np.int64), in_dtypes[0]]

    def forward(ctx, data, *bins, bin_cnt, range):
        edges = bins[0] if bins else np.linspace(*_range(data, range), bin_cnt + 1)
        counts, _ = np.histogram(data, bins=edges.astype(np.float64))
        return counts.astype(np.int64), edges.astype(data.dtype)

    def samples(rng):
        x = rng.uniform(0, 5, (20,))
        return [Sample([x], {"bin_cnt": 4, "range": (0.0, 5.0)}),
                Sample([x, np.array([0.0, 1.0, 2.5, 5.0])])]


def _range(data: np.ndarray, given) -> tuple[float, float]:
    if given is None:
        return float(data.min()), float(data.max())
    if isinstance(given, str):  # "(0, 3)", as MXNet writes the attribute in graph JSON
        given = given.strip("()[] ").split(",")
    lo, hi = (float(v) for v in given)
    return lo, hi
