"""The ``where`` and ``add_n`` ops (split from ``broadcast.py``, which re-exports them)."""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from ._util import broadcast_shapes, same_dtype
from .attrs import Attr
from .registry import Op, Sample, register

__all__ = ["AddN", "Where"]


@register
class Where(Op):
    """``y = x`` where ``condition != 0`` else ``y`` (shapes equal, or condition of shape
    ``(len(x),)``).
    """

    name = "where"
    inputs = ("condition", "x", "y")

    def infer(in_shapes, in_dtypes, **attrs):
        cond, x, y = in_shapes
        shape = broadcast_shapes("where", x, y)
        return in_shapes, [shape], [same_dtype("where", in_dtypes[1:])]

    def forward(ctx, cond, x, y):
        mask = cond != 0
        if mask.ndim == 1 and x.ndim > 1:
            mask = mask.reshape((-1,) + (1,) * (x.ndim - 1))
        ctx.mask = mask
        return np.where(mask, x, y)

    def vjp(ctx, gy):
        zero = np.zeros((), gy.dtype)
        return None, np.where(ctx.mask, gy, zero), np.where(ctx.mask, zero, gy)

    def samples(rng):
        cond = rng.integers(0, 2, (3, 4)).astype(np.float64)
        return [
            Sample([cond, rng.normal(size=(3, 4)), rng.normal(size=(3, 4))], grad=(1, 2)),
            Sample(
                [np.array([1.0, 0.0]), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))],
                grad=(1, 2),
            ),
        ]


@register
class AddN(Op):
    """``y = sum of all inputs`` (same shapes); MXNet's ``add_n`` / ``ElementWiseSum``."""

    name = "add_n"
    aliases = ("ElementWiseSum", "_grad_add")
    inputs = ("*args",)
    attrs = (Attr("num_args", "int", 0),)

    def infer(in_shapes, in_dtypes, **attrs):
        shape = in_shapes[0]
        for s in in_shapes[1:]:
            if s is not None and shape is not None and tuple(s) != tuple(shape):
                shapes = [None if x is None else tuple(x) for x in in_shapes]
                raise ShapeError(f"add_n: inputs have shapes {shapes}, expected all equal")
        return in_shapes, [shape], [same_dtype("add_n", in_dtypes)]

    def forward(ctx, *xs, num_args):
        ctx.n = len(xs)
        out = xs[0].copy()
        for x in xs[1:]:
            out += x
        return out

    def vjp(ctx, gy, num_args):
        return (gy,) * ctx.n

    def samples(rng):
        return [Sample([rng.normal(size=(3, 4)) for _ in range(3)])]
