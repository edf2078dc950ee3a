"""Creation ops: zeros_like, ones_like, and the input-less _zeros, _ones, _full, _arange, _eye.

The input-less ops take MXNet's ``ctx`` attribute, which must name the CPU (all arrays live there);
because that attribute is called ``ctx``, their rules name the saved-state argument ``saved``.
Their ``dtype`` defaults to float32, MXNet's default. None of them has a gradient: their output
does not depend on input values.
"""

from __future__ import annotations

import math

import numpy as np

from ..base import AttrError, default_dtype
from .attrs import CTX, Attr
from .registry import Op, Sample, register

_DTYPE = Attr("dtype", "dtype?", None)


def _dtype(dtype: np.dtype | None) -> np.dtype:
    return default_dtype if dtype is None else dtype


class _Like(Op):
    """Family base: an array of ``data``'s shape and dtype filled with one value."""

    differentiable = False
    fill: float = 0.0

    def infer(in_shapes, in_dtypes):
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    @classmethod
    def forward(cls, ctx, x):
        return np.full_like(x, cls.fill)

    def samples(rng):
        return [Sample([rng.normal(size=(2, 3))])]


@register
class ZerosLike(_Like):
    """``y = 0`` with ``data``'s shape and dtype."""

    name = "zeros_like"


@register
class OnesLike(_Like):
    """``y = 1`` with ``data``'s shape and dtype."""

    name = "ones_like"
    fill = 1.0


class _Fill(Op):
    """Family base: an array of ``shape`` filled with one value; no inputs."""

    inputs = ()
    differentiable = False
    attrs = (Attr("shape", "shape", ()), CTX, _DTYPE)

    def infer(in_shapes, in_dtypes, shape, ctx, dtype, value=0.0):
        return in_shapes, [tuple(shape)], [_dtype(dtype)]

    def samples(rng):
        return [Sample([], {"shape": (2, 3)}), Sample([], {"shape": (4,), "dtype": "int32"})]


@register
class Zeros(_Fill):
    """``y = 0`` of ``shape`` and ``dtype`` (float32 by default)."""

    name = "_zeros"
    aliases = ("zeros",)

    def forward(saved, shape, ctx, dtype):
        return np.zeros(shape, _dtype(dtype))


@register
class Ones(_Fill):
    """``y = 1`` of ``shape`` and ``dtype`` (float32 by default)."""

    name = "_ones"
    aliases = ("ones",)

    def forward(saved, shape, ctx, dtype):
        return np.ones(shape, _dtype(dtype))


@register
class Full(_Fill):
    """``y = value`` of ``shape`` and ``dtype`` (float32 by default)."""

    name = "_full"
    aliases = ("full",)
    # ``value`` second, so that ``nd.full(shape, val)`` reads as in MXNet.
    attrs = (_Fill.attrs[0], Attr("value", "float"), *_Fill.attrs[1:])

    def forward(saved, shape, value, ctx, dtype):
        return np.full(shape, value, _dtype(dtype))

    def samples(rng):
        return [Sample([], {"shape": (2, 3), "value": 2.5})]


@register
class Arange(Op):
    """``y = [start, start + step, ...]`` up to (excluding) ``stop``, each value repeated
    ``repeat`` times; with ``stop=None`` the range is ``[0, start)``.

    The length is ``ceil((stop - start) / step) * repeat``.
    """

    name = "_arange"
    aliases = ("arange",)
    inputs = ()
    differentiable = False
    attrs = (
        Attr("start", "float", 0.0),
        Attr("stop", "float?", None),
        Attr("step", "float", 1.0, check=(lambda s: s != 0, "non-zero")),
        Attr("repeat", "int", 1, check=(lambda r: r > 0, "a positive number")),
        Attr("infer_range", "bool", False),
        CTX,
        _DTYPE,
    )

    def infer(in_shapes, in_dtypes, start, stop, step, repeat, infer_range, ctx, dtype):
        if stop is None:
            start, stop = 0.0, start
        n = max(math.ceil((stop - start) / step), 0)
        return in_shapes, [(n * repeat,)], [_dtype(dtype)]

    def forward(saved, start, stop, step, repeat, infer_range, ctx, dtype):
        if stop is None:
            start, stop = 0.0, start
        n = max(math.ceil((stop - start) / step), 0)
        # start + i * step (rather than np.arange's accumulation) matches MXNet's values.
        y = start + np.arange(n, dtype=np.float64) * step
        return np.repeat(y, repeat).astype(_dtype(dtype))

    def samples(rng):
        return [
            Sample([], {"start": 5}),
            Sample([], {"start": 1, "stop": 3, "step": 0.5, "repeat": 2}),
            Sample([], {"start": 10, "stop": 2, "step": -3, "dtype": "int64"}),
        ]


@register
class Linspace(Op):
    """``num`` evenly spaced values from ``start`` to ``stop`` (included when ``endpoint``),
    each repeated ``repeat`` times: numpy's ``linspace`` (``nd.linspace`` calls this op).
    """

    name = "_linspace"
    inputs = ()
    differentiable = False
    attrs = (
        Attr("start", "float", 0.0),
        Attr("stop", "float?", None),
        Attr("step", "float", 1.0),
        Attr("repeat", "int", 1, check=(lambda r: r > 0, "a positive number")),
        Attr("infer_range", "bool", False),
        Attr("num", "int", 50, check=(lambda n: n >= 0, "non-negative")),
        Attr("endpoint", "bool", True),
        CTX,
        _DTYPE,
    )

    def infer(in_shapes, in_dtypes, num, repeat, dtype, **attrs):
        return in_shapes, [(num * repeat,)], [_dtype(dtype)]

    def forward(saved, start, stop, num, endpoint, repeat, dtype, **attrs):
        y = np.linspace(start, start if stop is None else stop, num, endpoint=endpoint)
        return np.repeat(y, repeat).astype(_dtype(dtype))

    def samples(rng):
        return [
            Sample([], {"start": 0, "stop": 1, "num": 5}),
            Sample([], {"start": 2, "stop": -1, "num": 4, "endpoint": False, "repeat": 2}),
        ]


@register
class Eye(Op):
    """``y[i, j] = 1`` where ``j - i == k`` else 0: an ``(N, M)`` matrix (``M=0`` means ``N``)."""

    name = "_eye"
    aliases = ("eye",)
    inputs = ()
    differentiable = False
    attrs = (
        Attr("N", "int", check=(lambda n: n >= 0, "a non-negative number")),
        Attr("M", "int", 0),
        Attr("k", "int", 0),
        CTX,
        _DTYPE,
    )

    def infer(in_shapes, in_dtypes, N, M, k, ctx, dtype):
        if M < 0:
            raise AttrError(f"_eye: attribute M={M}, expected a non-negative number")
        return in_shapes, [(N, M or N)], [_dtype(dtype)]

    def forward(saved, N, M, k, ctx, dtype):
        return np.eye(N, M or N, k, dtype=_dtype(dtype))

    def samples(rng):
        return [Sample([], {"N": 3}), Sample([], {"N": 2, "M": 4, "k": 1, "dtype": "int32"})]
