"""Shape ops with NumPy's semantics, behind ``mx.np``: ``_np_reshape`` (plain ``-1`` inference,
no MXNet codes, 0-d shapes allowed).
"""

from __future__ import annotations

import math

from ..base import ShapeError
from .attrs import Attr
from .registry import Sample, register
from .shape import _Move

__all__ = ["np_reshape_target"]


def np_reshape_target(op: str, newshape: tuple[int, ...], shape: tuple[int, ...]) -> tuple:
    """NumPy's ``reshape`` of ``shape`` to ``newshape``, inferring at most one ``-1``."""
    size = math.prod(shape)
    unknown = [i for i, d in enumerate(newshape) if d == -1]
    if len(unknown) > 1 or any(d < -1 for d in newshape):
        raise ShapeError(f"{op}: newshape {newshape} may hold one -1 and no other negative dim")
    out = list(newshape)
    rest = math.prod(d for d in newshape if d != -1)
    if unknown:
        if rest == 0 or size % rest:
            raise ShapeError(f"{op}: cannot reshape array of size {size} into shape {newshape}")
        out[unknown[0]] = size // rest
    elif rest != size:
        raise ShapeError(f"{op}: cannot reshape array of size {size} into shape {newshape}")
    return tuple(out)


@register
class NpReshape(_Move):
    """``y = x`` with shape ``newshape`` as NumPy reads it: one ``-1`` is inferred, ``()`` makes
    a 0-d array from one element, and 0 is a zero-size dim (not MXNet's "copy this dim").
    """

    name = "_np_reshape"
    attrs = (Attr("newshape", "shape"), Attr("order", "str", "C", choices=("C",)))

    def infer(in_shapes, in_dtypes, newshape, order):
        x = in_shapes[0]
        if x is None or 0 in x:
            return in_shapes, [None], [in_dtypes[0]]
        return in_shapes, [np_reshape_target("_np_reshape", newshape, tuple(x))], [in_dtypes[0]]

    def forward(ctx, x, newshape, order):
        ctx.shape = x.shape
        return x.reshape(np_reshape_target("_np_reshape", newshape, x.shape))

    def samples(rng):
        return [
            Sample([rng.normal(size=(2, 3, 4))], {"newshape": (4, -1)}),
            Sample([rng.normal(size=(1,))], {"newshape": ()}),
            Sample([rng.normal(size=())], {"newshape": (1, 1)}),
        ]
