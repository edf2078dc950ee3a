"""``y = x`` with ``y[key] = value``: the functional form of NumPy's ``x[key] = value``, which
``np.ndarray.__setitem__`` records on the autograd tape (``_getitem``'s counterpart).
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from ._util import unbroadcast
from .attrs import Attr
from .registry import Op, Sample, register

__all__ = ["target_shape"]


def target_shape(shape: tuple, key: object) -> tuple:
    """The shape of ``x[key]`` for an ``x`` of ``shape``."""
    return np.broadcast_to(np.empty((), np.bool_), shape)[key].shape


@register
class SetItem(Op):
    """``y = x`` except ``y[key] = value`` (``value`` broadcast to ``x[key]``'s shape and cast to
    ``x``'s dtype) for a basic, boolean-mask or advanced NumPy ``key``.

    Gradients: ``x`` gets ``gy`` with the assigned region zeroed; ``value`` gets ``gy[key]`` summed
    back to its shape. Repeated advanced indices keep NumPy's last write in the forward.
    """

    name = "_setitem"
    inputs = ("data", "value")
    attrs = (Attr("key", "any"),)

    def infer(in_shapes, in_dtypes, key):
        x, v = in_shapes
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        try:
            target = target_shape(tuple(x), key)
        except IndexError as e:
            raise ShapeError(f"_setitem: key {key!r} does not fit shape {tuple(x)}: {e}") from None
        if v is not None:
            try:
                np.broadcast_shapes(tuple(v), target)
            except ValueError:
                raise ShapeError(f"_setitem: value of shape {tuple(v)} cannot be broadcast to "
                                 f"the indexed shape {target}") from None
        return in_shapes, [tuple(x)], [in_dtypes[0]]

    def forward(ctx, x, value, key):
        ctx.value_shape, ctx.value_dtype = value.shape, value.dtype
        y = x.copy()
        y[key] = value
        return y

    def vjp(ctx, gy, key):
        gx = None
        if ctx.needs_grad[0]:
            gx = gy.copy()
            gx[key] = 0
        gv = None
        if ctx.needs_grad[1]:
            gv = unbroadcast(np.asarray(gy[key]), ctx.value_shape).astype(ctx.value_dtype)
        return gx, gv

    def samples(rng):
        x = rng.normal(size=(4, 5))
        return [
            Sample([x, rng.normal(size=(5,))], {"key": 1}),
            Sample([x, rng.normal(size=(2, 1))], {"key": (slice(1, 3), slice(None, None, 2))}),
            Sample([x, rng.normal(size=())], {"key": (2, -1)}),
            Sample([x, rng.normal(size=(2, 5))], {"key": np.array([3, 0])}),
        ]
