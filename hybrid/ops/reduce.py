"""Reductions: sum, mean, prod, nansum, nanprod, max, min, norm, argmax, argmin.

MXNet 1.x has no 0-d arrays, so a reduction over every axis gives shape ``(1,)``. The sorting
ops (topk, sort, argsort) live in :mod:`hybrid.ops.sort`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._util import normalize_axes, normalize_axis
from .attrs import Attr
from .registry import Op, Sample, register
from .shape import legacy_shape

_REDUCE_DOC = """
Parameters
----------
axis : int or tuple of int, optional
    The axes to reduce; None (or ``()``) reduces every axis into shape ``(1,)``.
keepdims : bool, default False
    Keep the reduced axes with size 1.
exclude : bool, default False
    Reduce every axis except those in ``axis``.
"""


def reduced_axes(op: str, ndim: int, axis, exclude: bool = False) -> tuple[int, ...]:
    """The axes a reduction sums over (MXNet: no axis means all of them, even with exclude)."""
    if axis is None or axis == ():
        return tuple(range(ndim))
    axes = normalize_axes(op, axis, ndim)
    return tuple(i for i in range(ndim) if i not in axes) if exclude else axes


def reduced_shape(shape: tuple, axes: tuple[int, ...], keepdims: bool) -> tuple[int, ...]:
    """The output shape of reducing ``axes`` of ``shape`` (``(1,)`` rather than ``()``)."""
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return legacy_shape(tuple(d for i, d in enumerate(shape) if i not in axes))


class Reduce(Op):
    """Family base: ``y = f(x)`` over ``axis``; ``grad(x, y, gy, n)`` gets ``y`` and ``gy``
    with the reduced axes kept (size 1) and ``n``, the number of elements reduced per output.
    """

    attrs = (Attr("axis", "axis", None), Attr("keepdims", "bool", False))
    f: Callable = np.sum
    grad: Callable = None
    domain: tuple[float, float] = (-2.0, 2.0)

    @classmethod
    def infer(cls, in_shapes, in_dtypes, axis, keepdims, exclude=False):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        axes = reduced_axes(cls.name, len(x), axis, exclude)
        return in_shapes, [reduced_shape(tuple(x), axes, keepdims)], [in_dtypes[0]]

    @classmethod
    def forward(cls, ctx, x, axis, keepdims, exclude=False):
        axes = reduced_axes(cls.name, x.ndim, axis, exclude)
        y = cls.f(x, axis=axes, keepdims=True)
        ctx.x, ctx.y = x, y
        return y.reshape(reduced_shape(x.shape, axes, keepdims))

    @classmethod
    def vjp(cls, ctx, gy, **attrs):
        x, y = ctx.x, ctx.y
        g = cls.grad(x, y, gy.reshape(y.shape), x.size // max(y.size, 1))
        return (np.broadcast_to(g, x.shape).astype(gy.dtype, copy=True),)

    @classmethod
    def samples(cls, rng):
        lo, hi = cls.domain
        x = rng.uniform(lo, hi, (2, 3, 4))
        return [
            Sample([x]),
            Sample([x], {"axis": 1}),
            Sample([x], {"axis": (0, 2), "keepdims": True}),
            Sample([x], {"axis": -1, "exclude": True}),
        ]


class ReduceExclude(Reduce):
    attrs = Reduce.attrs + (Attr("exclude", "bool", False),)


def _declare(name, aliases, f, grad, domain, summary):
    body = {
        "name": name,
        "aliases": aliases,
        "f": staticmethod(f),
        "grad": staticmethod(grad),
        "domain": domain,
        "__doc__": summary + "\n" + _REDUCE_DOC,
    }
    register(type(name, (ReduceExclude,), body))


def _extreme_grad(x, y, gy, n):
    # NOTE: as in MXNet, every element equal to the extreme gets the whole gradient.
    return gy * (x == y)


def _not_nan(x):
    return ~np.isnan(x)


for _row in [
    ("sum", ("sum_axis",), np.sum, lambda x, y, gy, n: gy, (-2, 2), "``y = sum(x)`` over axes."),
    ("mean", (), np.mean, lambda x, y, gy, n: gy / n, (-2, 2), "``y = mean(x)`` over axes."),
    # NOTE: y / x is MXNet's rule too; it needs x != 0 (samples stay in [0.5, 1.5]).
    ("prod", (), np.prod, lambda x, y, gy, n: gy * y / x, (0.5, 1.5), "``y = prod(x)``."),
    (
        "nansum",
        (),
        np.nansum,
        lambda x, y, gy, n: gy * _not_nan(x),
        (-2, 2),
        "``y = sum(x)`` over axes, NaNs counted as 0.",
    ),
    (
        "nanprod",
        (),
        np.nanprod,
        lambda x, y, gy, n: np.where(_not_nan(x), gy * y / np.where(_not_nan(x), x, 1), 0),
        (0.5, 1.5),
        "``y = prod(x)`` over axes, NaNs counted as 1.",
    ),
    ("max", ("max_axis",), np.max, _extreme_grad, (-2, 2), "``y = max(x)`` over axes."),
    ("min", ("min_axis",), np.min, _extreme_grad, (-2, 2), "``y = min(x)`` over axes."),
]:
    _declare(*_row)


@register
class Norm(Op):
    """``y = (sum |x|^ord)^(1/ord)`` over ``axis`` (every axis by default), for ``ord`` 1 or 2.

    Parameters
    ----------
    ord : {1, 2}, default 2
        The order of the norm.
    axis : int or tuple of int, optional
        The axes to reduce; None reduces every axis into shape ``(1,)``.
    out_dtype : dtype, optional
        The output dtype (the input's by default).
    keepdims : bool, default False
        Keep the reduced axes with size 1.
    """

    name = "norm"
    attrs = (
        Attr("ord", "int", 2, choices=(1, 2)),
        Attr("axis", "axis", None),
        Attr("out_dtype", "dtype?", None),
        Attr("keepdims", "bool", False),
    )

    def infer(in_shapes, in_dtypes, ord, axis, out_dtype, keepdims):
        x = in_shapes[0]
        dtype = out_dtype or in_dtypes[0]
        if x is None:
            return in_shapes, [None], [dtype]
        out = reduced_shape(tuple(x), reduced_axes("norm", len(x), axis), keepdims)
        return in_shapes, [out], [dtype]

    def forward(ctx, x, ord, axis, out_dtype, keepdims):
        axes = reduced_axes("norm", x.ndim, axis)
        if ord == 1:
            y = np.sum(np.abs(x), axis=axes, keepdims=True)
        else:
            y = np.sqrt(np.sum(np.square(x), axis=axes, keepdims=True))
        ctx.x, ctx.y = x, y
        return y.reshape(reduced_shape(x.shape, axes, keepdims)).astype(out_dtype or x.dtype)

    def vjp(ctx, gy, ord, axis, out_dtype, keepdims):
        x, y = ctx.x, ctx.y
        gy = gy.reshape(y.shape).astype(x.dtype)
        if ord == 1:
            return (gy * np.sign(x),)
        # NOTE: the 2-norm has no gradient at 0; MXNet (and this rule) use 0 there.
        return (gy * x / np.where(y == 0, 1, y) * (y != 0),)

    def samples(rng):
        x = rng.normal(size=(2, 3, 4))
        return [
            Sample([x]),
            Sample([x], {"ord": 1, "axis": 1}),
            Sample([x], {"axis": (0, 2), "keepdims": True}),
        ]


class _ArgExtreme(Op):
    """Family base: the index of the extreme along ``axis`` (of the flattened input when None),
    as a float in the input's dtype, as MXNet returns it.
    """

    differentiable = False
    attrs = (Attr("axis", "int?", None), Attr("keepdims", "bool", False))
    f: Callable = np.argmax

    @classmethod
    def infer(cls, in_shapes, in_dtypes, axis, keepdims):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        axes = reduced_axes(cls.name, len(x), axis)
        return in_shapes, [reduced_shape(tuple(x), axes, keepdims)], [in_dtypes[0]]

    @classmethod
    def forward(cls, ctx, x, axis, keepdims):
        if axis is None:
            out = cls.f(x.reshape(-1), keepdims=True)
            return out.reshape((1,) * x.ndim if keepdims else (1,)).astype(x.dtype)
        a = normalize_axis(cls.name, axis, x.ndim)
        y = cls.f(x, axis=a, keepdims=True)
        return y.reshape(reduced_shape(x.shape, (a,), keepdims)).astype(x.dtype)

    def samples(rng):
        x = rng.normal(size=(3, 4, 2))
        return [
            Sample([x]),
            Sample([x], {"axis": 1}),
            Sample([x], {"axis": -1, "keepdims": True}),
        ]


@register
class Argmax(_ArgExtreme):
    """``y = argmax(x, axis)``: the first index of the maximum, as a float in x's dtype."""

    name = "argmax"
    f = staticmethod(np.argmax)


@register
class Argmin(_ArgExtreme):
    """``y = argmin(x, axis)``: the first index of the minimum, as a float in x's dtype."""

    name = "argmin"
    f = staticmethod(np.argmin)


from . import sort  # noqa: E402, F401  (registers topk, sort, argsort)
