"""Sequence ops over a time axis with per-batch lengths: SequenceLast and SequenceReverse.

SequenceMask, the third of MXNet's family, lives in ``nn.py``. Lengths are float or integer
arrays of shape ``(batch,)``; they get no gradient.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from ._util import complete_shape
from .attrs import Attr
from .registry import Op, Sample, register

__all__: list[str] = []


class _Sequence(Op):
    """Family base: ``data`` with time on ``axis`` and batch on the other of axes 0 and 1."""

    inputs = ("data", "sequence_length")
    completes = (1,)

    @classmethod
    def infer_length(cls, in_shapes: list, use_sequence_length: bool, axis: int) -> list:
        data = in_shapes[0]
        if data is not None and len(data) < 2:
            raise ShapeError(f"{cls.name}: data has shape {tuple(data)}, expected >= 2 dims")
        if not use_sequence_length:
            return [data]
        if len(in_shapes) < 2:
            raise ShapeError(f"{cls.name}: use_sequence_length=True needs sequence_length")
        length = in_shapes[1]
        if data is not None:
            source = f"data {tuple(data)} and axis {axis}"
            length = complete_shape(cls.name, "sequence_length", length, (data[1 - axis],),
                                    source)
        return [data, length]


def _lengths(x: np.ndarray, length: np.ndarray | None, axis: int) -> np.ndarray:
    """Per-batch lengths as integers (the full time size when none are given)."""
    if length is None:
        return np.full(x.shape[1 - axis], x.shape[axis], dtype=np.int64)
    return length.astype(np.int64)


@register
class SequenceLast(_Sequence):
    """``y[b, ...] = x[sequence_length[b] - 1, b, ...]`` (``axis=0``; ``axis=1`` is ``(batch,
    time, ...)``): each sequence's last valid step, or the last step when
    ``use_sequence_length`` is False. The output drops the time axis.
    """

    name = "SequenceLast"
    attrs = (Attr("use_sequence_length", "bool", False), Attr("axis", "int", 0, choices=(0, 1)))

    def infer(in_shapes, in_dtypes, use_sequence_length, axis):
        in_shapes = SequenceLast.infer_length(in_shapes, use_sequence_length, axis)
        data = in_shapes[0]
        out = None if data is None else tuple(d for i, d in enumerate(data) if i != axis)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, x, length=None, *, use_sequence_length, axis):
        last = _lengths(x, length if use_sequence_length else None, axis) - 1
        xb = np.moveaxis(x, axis, 1) if axis == 0 else x  # (B, T, ...)
        ctx.shape, ctx.axis, ctx.last, ctx.with_length = x.shape, axis, last, length is not None
        return xb[np.arange(xb.shape[0]), last]

    def vjp(ctx, gy, **attrs):
        gb = np.zeros((ctx.shape[1 - ctx.axis], ctx.shape[ctx.axis]) + gy.shape[1:], gy.dtype)
        gb[np.arange(gb.shape[0]), ctx.last] = gy
        gx = np.moveaxis(gb, 1, 0) if ctx.axis == 0 else gb
        return (gx, None) if ctx.with_length else (gx,)

    def samples(rng):
        x = rng.normal(size=(4, 3, 2))
        return [
            Sample([x, np.array([1.0, 4.0, 2.0])], {"use_sequence_length": True}, grad=(0,)),
            Sample([x, np.array([2.0, 1.0, 3.0, 3.0])], {"use_sequence_length": True, "axis": 1},
                   grad=(0,)),
            Sample([x]),
        ]


@register
class SequenceReverse(_Sequence):
    """Reverses each sequence's first ``sequence_length[b]`` steps along time (axis 0, the only
    axis MXNet supports): ``y[t, b] = x[len_b - 1 - t, b]`` for ``t < len_b``, and ``x[t, b]``
    after it. Without ``use_sequence_length`` the whole time axis is reversed. The output has
    the data's shape.
    """

    name = "SequenceReverse"
    attrs = (Attr("use_sequence_length", "bool", False), Attr("axis", "int", 0, choices=(0,)))

    def infer(in_shapes, in_dtypes, use_sequence_length, axis):
        in_shapes = SequenceReverse.infer_length(in_shapes, use_sequence_length, axis)
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    def forward(ctx, x, length=None, *, use_sequence_length, axis):
        n = _lengths(x, length if use_sequence_length else None, 0)
        t = np.arange(x.shape[0])[:, None]  # (T, 1)
        src = np.where(t < n, n - 1 - t, t)  # (T, B): the step each output step reads
        ctx.src, ctx.with_length = src, length is not None
        return x[src, np.arange(x.shape[1])]

    def vjp(ctx, gy, **attrs):
        # The map from output to source steps is a permutation per batch, its own inverse.
        gx = gy[ctx.src, np.arange(gy.shape[1])]
        return (gx, None) if ctx.with_length else (gx,)

    def samples(rng):
        x = rng.normal(size=(4, 3, 2))
        return [
            Sample([x, np.array([1.0, 4.0, 2.0])], {"use_sequence_length": True}, grad=(0,)),
            Sample([x]),
        ]
