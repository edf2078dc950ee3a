"""Joining and splitting: Concat, stack and SliceChannel (MXNet's ``split``).

A join's gradient is the output gradient split back into the inputs' pieces, and a split's is
the concatenation of its outputs' gradients.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from ._util import normalize_axis, same_dtype
from .attrs import Attr
from .registry import Op, Sample, register
from .shape import legacy_shape


@register
class Concat(Op):
    """``y = concatenate(data, axis=dim)``: inputs agree on every axis but ``dim``.

    ``num_args`` (the number of inputs) is accepted for MXNet compatibility.
    """

    name = "Concat"
    aliases = ("concat",)
    inputs = ("*data",)
    attrs = (Attr("dim", "int", 1), Attr("num_args", "int", 0))

    def infer(in_shapes, in_dtypes, dim, num_args):
        dtype = same_dtype("Concat", in_dtypes)
        if any(s is None for s in in_shapes):
            return in_shapes, [None], [dtype]
        ndim = len(in_shapes[0])
        axis = normalize_axis("Concat", dim, ndim)
        for s in in_shapes:
            rest = [(d, e) for i, (d, e) in enumerate(zip(s, in_shapes[0])) if i != axis]
            if len(s) != ndim or any(d and e and d != e for d, e in rest):
                shapes = ", ".join(str(tuple(x)) for x in in_shapes)
                raise ShapeError(f"Concat: inputs {shapes} must agree on every axis but dim={dim}")
        total = sum(s[axis] for s in in_shapes) if all(s[axis] for s in in_shapes) else 0
        out = tuple(total if i == axis else d for i, d in enumerate(in_shapes[0]))
        return in_shapes, [out], [dtype]

    def forward(ctx, *xs, dim, num_args):
        ctx.axis = dim
        ctx.splits = np.cumsum([x.shape[dim] for x in xs])[:-1]
        return np.concatenate(xs, axis=dim)

    def vjp(ctx, gy, dim, num_args):
        return tuple(np.split(gy, ctx.splits, axis=ctx.axis))

    def samples(rng):
        return [
            Sample([rng.normal(size=(2, 3)), rng.normal(size=(2, 1)), rng.normal(size=(2, 2))]),
            Sample([rng.normal(size=(2, 3)), rng.normal(size=(4, 3))], {"dim": 0}),
        ]


@register
class Stack(Op):
    """``y = stack(data, axis)``: inputs of one shape joined along a new axis."""

    name = "stack"
    inputs = ("*data",)
    attrs = (Attr("axis", "int", 0), Attr("num_args", "int", 0))

    def infer(in_shapes, in_dtypes, axis, num_args):
        dtype = same_dtype("stack", in_dtypes)
        if any(s is None for s in in_shapes):
            return in_shapes, [None], [dtype]
        if any(tuple(s) != tuple(in_shapes[0]) for s in in_shapes):
            shapes = ", ".join(str(tuple(x)) for x in in_shapes)
            raise ShapeError(f"stack: inputs {shapes} must all have one shape")
        x = tuple(in_shapes[0])
        a = normalize_axis("stack", axis, len(x) + 1)
        return in_shapes, [x[:a] + (len(in_shapes),) + x[a:]], [dtype]

    def forward(ctx, *xs, axis, num_args):
        return np.stack(xs, axis=axis)

    def vjp(ctx, gy, axis, num_args):
        return tuple(np.moveaxis(gy, axis, 0))

    def samples(rng):
        xs = [rng.normal(size=(2, 3)) for _ in range(3)]
        return [Sample(xs), Sample(xs[:2], {"axis": -1})]


@register
class SliceChannel(Op):
    """Split ``data`` along ``axis`` into ``num_outputs`` equal parts (MXNet's ``split``).

    With ``squeeze_axis=True`` the split axis (then of size 1) is removed from every output.
    """

    name = "SliceChannel"
    aliases = ("split",)
    attrs = (
        Attr("num_outputs", "int", check=(lambda n: n > 0, "a positive number")),
        Attr("axis", "int", 1),
        Attr("squeeze_axis", "bool", False),
    )

    def num_outputs(attrs):
        return attrs["num_outputs"]

    def infer(in_shapes, in_dtypes, num_outputs, axis, squeeze_axis):
        x, n = in_shapes[0], num_outputs
        if x is None:
            return in_shapes, [None] * n, [in_dtypes[0]] * n
        a = normalize_axis("SliceChannel", axis, len(x))
        if x[a] % n or (squeeze_axis and x[a] not in (0, n)):
            want = f"exactly {n}" if squeeze_axis else f"a multiple of {n}"
            raise ShapeError(f"SliceChannel: axis {axis} of {tuple(x)} must be {want}")
        part = () if squeeze_axis else (x[a] // n,)
        out = legacy_shape(tuple(x[:a]) + part + tuple(x[a + 1 :]))
        return in_shapes, [out] * n, [in_dtypes[0]] * n

    def forward(ctx, x, num_outputs, axis, squeeze_axis):
        out = SliceChannel.infer([x.shape], [x.dtype], num_outputs, axis, squeeze_axis)[1][0]
        a = normalize_axis("SliceChannel", axis, x.ndim)
        ctx.part = x.shape[:a] + (x.shape[a] // num_outputs,) + x.shape[a + 1 :]
        parts = np.split(x, num_outputs, axis=axis)
        return tuple(p.reshape(out) for p in parts)

    def vjp(ctx, *gys, num_outputs, axis, squeeze_axis):
        return (np.concatenate([g.reshape(ctx.part) for g in gys], axis=axis),)

    def samples(rng):
        return [
            Sample([rng.normal(size=(2, 6))], {"num_outputs": 3}),
            Sample([rng.normal(size=(4, 3, 2))], {"num_outputs": 4, "axis": 0}),
            Sample([rng.normal(size=(2, 3))], {"num_outputs": 3, "squeeze_axis": True}),
        ]
