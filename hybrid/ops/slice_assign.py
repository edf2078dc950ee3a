"""Writing into a slice: ``_slice_assign`` (``lhs`` with ``lhs[begin:end:step] = rhs``) and
``_slice_assign_scalar`` (the region set to one value); MXNet also names them ``_crop_assign``
and ``_crop_assign_scalar``. The region is the one ``slice`` reads (``indexing.slice_key``); the
result is a new array, which ``out=lhs`` writes back as MXNet's in-place form.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from ._util import same_dtype
from .attrs import Attr
from .indexing import _index_attr, slice_key
from .registry import Op, Sample, register

__all__ = ["region_shape"]


def region_shape(op: str, shape: tuple, begin: tuple, end: tuple, step: tuple) -> tuple:
    """The shape of the slice ``begin:end:step`` of an array of ``shape``."""
    key = slice_key(shape, begin, end, step)
    out = tuple(len(range(*k.indices(d))) for k, d in zip(key, shape))
    return out + tuple(shape[len(key):])


@register
class SliceAssign(Op):
    """``y = lhs`` with ``y[begin:end:step] = rhs`` (``rhs`` has the region's shape).

    Gradients: ``lhs`` gets the output gradient with the region zeroed, ``rhs`` the region's.
    """

    name = "_slice_assign"
    aliases = ("_crop_assign",)
    inputs = ("lhs", "rhs")
    attrs = (_index_attr("begin"), _index_attr("end"), _index_attr("step", ()))

    def infer(in_shapes, in_dtypes, begin, end, step):
        lhs, rhs = in_shapes
        dtype = same_dtype("_slice_assign", in_dtypes)
        if lhs is None:
            return in_shapes, [None], [dtype]
        region = region_shape("_slice_assign", tuple(lhs), begin, end, step)
        if rhs is not None and tuple(rhs) != region:
            raise ShapeError(
                f"_slice_assign: rhs has shape {tuple(rhs)}, expected {region}, the shape of "
                f"lhs {tuple(lhs)}[begin={begin}, end={end}, step={step}]"
            )
        return [lhs, region], [tuple(lhs)], [dtype]

    def forward(ctx, lhs, rhs, begin, end, step):
        ctx.key = slice_key(lhs.shape, begin, end, step)
        y = lhs.copy()
        y[ctx.key] = rhs
        return y

    def vjp(ctx, gy, **attrs):
        need = ctx.needs_grad
        glhs = None
        if need[0]:
            glhs = gy.copy()
            glhs[ctx.key] = 0
        return glhs, (gy[ctx.key].copy() if need[1] else None)

    def samples(rng):
        x = rng.normal(size=(4, 5, 3))
        return [
            Sample([x, rng.normal(size=(2, 4, 3))], {"begin": (1, 0), "end": (3, 4)}),
            Sample(
                [x, rng.normal(size=(2, 2, 3))],
                {"begin": (None, -1), "end": (None, 0), "step": (2, -2)},
            ),
        ]


@register
class SliceAssignScalar(Op):
    """``y = lhs`` with ``y[begin:end:step] = scalar``; the region gets no gradient."""

    name = "_slice_assign_scalar"
    aliases = ("_crop_assign_scalar",)
    attrs = (
        Attr("scalar", "float", 0.0),
        _index_attr("begin"),
        _index_attr("end"),
        _index_attr("step", ()),
    )

    def infer(in_shapes, in_dtypes, scalar, begin, end, step):
        x = in_shapes[0]
        if x is not None:
            region_shape("_slice_assign_scalar", tuple(x), begin, end, step)
        return in_shapes, [x], [in_dtypes[0]]

    def forward(ctx, x, scalar, begin, end, step):
        ctx.key = slice_key(x.shape, begin, end, step)
        y = x.copy()
        y[ctx.key] = scalar
        return y

    def vjp(ctx, gy, **attrs):
        g = gy.copy()
        g[ctx.key] = 0
        return (g,)

    def samples(rng):
        x = rng.normal(size=(3, 4))
        return [
            Sample([x], {"scalar": 2.5, "begin": (0, 1), "end": (2, 3)}),
            Sample([x], {"scalar": -1.0, "begin": (None,), "end": (None,), "step": (-2,)}),
        ]


def region_indices(shape: tuple, begin: tuple, end: tuple, step: tuple) -> np.ndarray:
    """Every index of the region, ``(*region, ndim)`` int64: ONNX ScatterND's indices."""
    grid = np.indices(shape, dtype=np.int64)  # (ndim, *shape)
    key = (slice(None),) + slice_key(shape, begin, end, step)
    return np.moveaxis(grid[key], 0, -1)
