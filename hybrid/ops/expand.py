"""Ops that repeat data: tile, repeat, broadcast_to, broadcast_like, broadcast_axis, Pad.

Each output element is a copy of one input element, so every VJP sums the output gradient over
the copies of each input element (see Note [Broadcast gradients] in ``_util.py``).
"""

from __future__ import annotations

import math

import numpy as np

from ..base import AttrError, ShapeError
from ._util import normalize_axes, normalize_axis, unbroadcast
from .attrs import Attr
from .registry import Op, Sample, register


def _same_ndim_broadcast(op: str, x: tuple, target: tuple) -> tuple[int, ...]:
    """``x`` broadcast to ``target`` (same ndim; a 0 in ``target`` keeps the input's dim)."""
    if len(target) != len(x):
        raise ShapeError(f"{op}: cannot broadcast {tuple(x)} to {tuple(target)} (ndim differs)")
    out = tuple(d if t == 0 else t for d, t in zip(x, target))
    if any(d not in (1, 0, t) for d, t in zip(x, out)):
        raise ShapeError(f"{op}: cannot broadcast {tuple(x)} to {out}: only size-1 axes grow")
    return out


@register
class BroadcastTo(Op):
    """``y = x`` broadcast to ``shape``; a 0 in ``shape`` keeps the input's dim and only axes
    of size 1 grow. ``x`` and ``shape`` have the same number of dims.
    """

    name = "broadcast_to"
    attrs = (Attr("shape", "shape", ()),)

    def infer(in_shapes, in_dtypes, shape):
        x = in_shapes[0]
        out = None if x is None else _same_ndim_broadcast("broadcast_to", x, shape)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, _same_ndim_broadcast("broadcast_to", x.shape, shape)).copy()

    def vjp(ctx, gy, shape):
        return (unbroadcast(gy, ctx.shape),)

    def samples(rng):
        return [
            Sample([rng.normal(size=(2, 1, 3))], {"shape": (2, 4, 3)}),
            Sample([rng.normal(size=(1, 3))], {"shape": (5, 0)}),
        ]


@register
class BroadcastLike(Op):
    """``y = lhs`` broadcast to ``rhs``'s shape; with ``lhs_axes`` and ``rhs_axes`` only
    ``lhs.shape[lhs_axes[i]]`` becomes ``rhs.shape[rhs_axes[i]]``. ``rhs`` gets no gradient.
    """

    name = "broadcast_like"
    inputs = ("lhs", "rhs")
    attrs = (Attr("lhs_axes", "axis", None), Attr("rhs_axes", "axis", None))

    def infer(in_shapes, in_dtypes, lhs_axes, rhs_axes):
        lhs, rhs = in_shapes
        if lhs is None or rhs is None:
            return in_shapes, [None], [in_dtypes[0]]
        if lhs_axes is None and rhs_axes is None:
            out = _same_ndim_broadcast("broadcast_like", lhs, rhs)
            return in_shapes, [out], [in_dtypes[0]]
        if lhs_axes == () or rhs_axes == ():
            raise AttrError("broadcast_like: empty lhs_axes or rhs_axes are not allowed (MXNet)")
        la = normalize_axes("broadcast_like", lhs_axes, len(lhs))
        ra = normalize_axes("broadcast_like", rhs_axes, len(rhs))
        if len(la) != len(ra):
            raise AttrError(f"broadcast_like: lhs_axes={lhs_axes} and rhs_axes={rhs_axes} differ")
        target = list(lhs)
        for a, b in zip(la, ra):
            target[a] = rhs[b]
        return in_shapes, [_same_ndim_broadcast("broadcast_like", lhs, target)], [in_dtypes[0]]

    def forward(ctx, lhs, rhs, lhs_axes, rhs_axes):
        ctx.shape = lhs.shape
        out = BroadcastLike.infer([lhs.shape, rhs.shape], [lhs.dtype] * 2, lhs_axes, rhs_axes)
        return np.broadcast_to(lhs, out[1][0]).copy()

    def vjp(ctx, gy, lhs_axes, rhs_axes):
        return unbroadcast(gy, ctx.shape), None

    def samples(rng):
        return [
            Sample([rng.normal(size=(1, 3)), rng.normal(size=(4, 3))], grad=(0,)),
            Sample(
                [rng.normal(size=(2, 1)), rng.normal(size=(5, 6))],
                {"lhs_axes": (1,), "rhs_axes": (0,)},
                grad=(0,),
            ),
        ]


@register
class BroadcastAxis(Op):
    """``y = x`` broadcast along ``axis`` (size-1 axes) to the matching ``size``."""

    name = "broadcast_axis"
    aliases = ("broadcast_axes",)
    attrs = (Attr("axis", "shape", ()), Attr("size", "shape", ()))

    def infer(in_shapes, in_dtypes, axis, size):
        x = in_shapes[0]
        if len(axis) != len(size):
            raise AttrError(f"broadcast_axis: axis={axis} and size={size} differ in length")
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        target = list(x)
        for a, s in zip(axis, size):
            target[normalize_axis("broadcast_axis", a, len(x))] = s
        return in_shapes, [_same_ndim_broadcast("broadcast_axis", x, target)], [in_dtypes[0]]

    def forward(ctx, x, axis, size):
        ctx.shape = x.shape
        out = BroadcastAxis.infer([x.shape], [x.dtype], axis, size)[1][0]
        return np.broadcast_to(x, out).copy()

    def vjp(ctx, gy, axis, size):
        return (unbroadcast(gy, ctx.shape),)

    def samples(rng):
        return [
            Sample([rng.normal(size=(2, 1, 1))], {"axis": (1, 2), "size": (3, 4)}),
            Sample([rng.normal(size=(1, 3))], {"axis": (0,), "size": (2,)}),
        ]


@register
class Tile(Op):
    """``y = numpy.tile(x, reps)``: ``x`` repeated ``reps[i]`` times along axis ``i`` (the
    shorter of ``x.shape`` and ``reps`` is padded with leading 1s).
    """

    name = "tile"
    attrs = (Attr("reps", "shape"),)

    def infer(in_shapes, in_dtypes, reps):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        n = max(len(x), len(reps))
        xs, rs = _pad_ones(x, n), _pad_ones(reps, n)
        return in_shapes, [tuple(d * r for d, r in zip(xs, rs))], [in_dtypes[0]]

    def forward(ctx, x, reps):
        ctx.shape = x.shape
        return np.tile(x, reps)

    def vjp(ctx, gy, reps):
        n = gy.ndim
        xs, rs = _pad_ones(ctx.shape, n), _pad_ones(reps, n)
        split = [d for pair in zip(rs, xs) for d in pair]  # (r0, d0, r1, d1, ...)
        return (gy.reshape(split).sum(axis=tuple(range(0, 2 * n, 2))).reshape(ctx.shape),)

    def samples(rng):
        return [
            Sample([rng.normal(size=(2, 3))], {"reps": (2, 2)}),
            Sample([rng.normal(size=(2, 3))], {"reps": (3,)}),
            Sample([rng.normal(size=(3,))], {"reps": (2, 1, 2)}),
        ]


def _pad_ones(shape: tuple, n: int) -> tuple[int, ...]:
    return (1,) * (n - len(shape)) + tuple(shape)


@register
class Repeat(Op):
    """``y = numpy.repeat(x, repeats, axis)``: each element repeated ``repeats`` times along
    ``axis`` (of the flattened input when ``axis`` is None).
    """

    name = "repeat"
    attrs = (
        Attr("repeats", "int", check=(lambda r: r >= 0, "a non-negative number")),
        Attr("axis", "int?", None),
    )

    def infer(in_shapes, in_dtypes, repeats, axis):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        if axis is None:
            return in_shapes, [(math.prod(x) * repeats,)], [in_dtypes[0]]
        a = normalize_axis("repeat", axis, len(x))
        out = tuple(d * repeats if i == a else d for i, d in enumerate(x))
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, x, repeats, axis):
        ctx.shape = x.shape
        return np.repeat(x, repeats, axis)

    def vjp(ctx, gy, repeats, axis):
        if axis is None:
            return (gy.reshape(-1, repeats).sum(axis=1).reshape(ctx.shape),)
        a = normalize_axis("repeat", axis, len(ctx.shape))
        split = ctx.shape[: a + 1] + (repeats,) + ctx.shape[a + 1 :]
        return (gy.reshape(split).sum(axis=a + 1),)

    def samples(rng):
        x = rng.normal(size=(2, 3))
        return [Sample([x], {"repeats": 2}), Sample([x], {"repeats": 3, "axis": -1})]


@register
class Pad(Op):
    """Pad a 4-D or 5-D array: ``pad_width = (b0, a0, b1, a1, ...)`` adds ``b_i`` elements
    before and ``a_i`` after axis ``i``; the first two axes (batch, channel) are not padded.

    ``mode`` is ``constant`` (fill with ``constant_value``), ``edge`` (repeat the border) or
    ``reflect`` (mirror without repeating the border), as in ``numpy.pad``.
    """

    name = "Pad"
    aliases = ("pad",)
    attrs = (
        Attr("mode", "str", "constant", choices=("constant", "edge", "reflect")),
        Attr("pad_width", "shape"),
        Attr("constant_value", "float", 0.0),
    )

    def infer(in_shapes, in_dtypes, mode, pad_width, constant_value):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        widths = _pad_widths(x, pad_width, mode)
        out = tuple(d + b + a if d else 0 for d, (b, a) in zip(x, widths))
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, x, mode, pad_width, constant_value):
        ctx.shape, ctx.widths = x.shape, _pad_widths(x.shape, pad_width, mode)
        if mode == "constant":
            return np.pad(x, ctx.widths, mode, constant_values=constant_value)
        return np.pad(x, ctx.widths, mode)

    def vjp(ctx, gy, mode, pad_width, constant_value):
        if mode == "constant":
            inner = tuple(slice(b, b + d) for d, (b, _) in zip(ctx.shape, ctx.widths))
            return (gy[inner],)
        # Pad the index of every input element the same way: each output element then names
        # the input element it copies, and bincount sums the gradient per input element.
        size = math.prod(ctx.shape)
        source = np.pad(np.arange(size).reshape(ctx.shape), ctx.widths, mode)
        g = np.bincount(source.ravel(), weights=gy.ravel(), minlength=size)
        return (g.reshape(ctx.shape).astype(gy.dtype, copy=False),)

    def samples(rng):
        x = rng.normal(size=(1, 2, 3, 4))
        pw = (0, 0, 0, 0, 1, 2, 2, 1)
        return [
            Sample([x], {"pad_width": pw, "constant_value": 0.5}),
            Sample([x], {"pad_width": pw, "mode": "edge"}),
            Sample([x], {"pad_width": pw, "mode": "reflect"}),
            Sample([rng.normal(size=(1, 1, 2, 3, 3))], {"pad_width": (0,) * 4 + (1,) * 6}),
        ]


def _pad_widths(shape: tuple, pad_width: tuple, mode: str) -> list[tuple[int, int]]:
    if len(shape) not in (4, 5) or len(pad_width) != 2 * len(shape):
        raise ShapeError(
            f"Pad: expected a 4-D or 5-D input and 2 * ndim pad widths, got input "
            f"{tuple(shape)} and pad_width={pad_width}"
        )
    widths = list(zip(pad_width[::2], pad_width[1::2]))
    if widths[:2] != [(0, 0), (0, 0)]:
        raise AttrError(f"Pad: pad_width={pad_width} pads the first two axes; they must be 0")
    if mode == "reflect" and any(d and max(w) >= d for d, w in zip(shape, widths)):
        raise ShapeError(f"Pad: reflect padding {pad_width} needs each width < its axis {shape}")
    return widths
