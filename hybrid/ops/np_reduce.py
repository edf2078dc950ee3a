"""Reductions with NumPy's semantics, behind ``mx.np``: ``_np_sum``, ``_np_prod``, ``_npi_mean``,
``_np_max``, ``_np_min``, ``_npi_argmax``, ``_npi_argmin`` (MXNet's names).

They differ from the legacy reductions (``hybrid/ops/reduce.py``, whose math and gradients they
reuse) in shapes and dtypes: reducing every axis gives a 0-d array, ``axis=()`` reduces nothing,
and (as measured on MXNet 1.9.1) sums and products keep the input dtype except bool, which gives
int64; means of integers and bools are float32; arg-reductions give int64 indices.
"""

from __future__ import annotations

import numpy as np

from ._util import normalize_axes, normalize_axis
from .attrs import Attr
from .reduce import Reduce
from .registry import REGISTRY, Op, Sample, register

__all__ = ["np_reduced_axes", "np_reduced_shape"]

_INT64, _FLOAT32 = np.dtype(np.int64), np.dtype(np.float32)


def np_reduced_axes(op: str, ndim: int, axis: object) -> tuple[int, ...]:
    """NumPy's reduced axes: all for None, none for ``()``."""
    return tuple(range(ndim)) if axis is None else normalize_axes(op, axis, ndim)


def np_reduced_shape(shape: tuple, axes: tuple[int, ...], keepdims: bool) -> tuple[int, ...]:
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


class NpReduce(Reduce):
    """Family base: a legacy reduction's math with NumPy's shapes and MXNet's np dtypes."""

    attrs = (Attr("axis", "axis", None), Attr("dtype", "dtype?", None),
             Attr("keepdims", "bool", False))
    legacy = ""
    check_eager = False  # forward validates the axes itself
    # "sum": bool -> int64; "mean": integers and bool -> float32; "same": the input's
    promotion = "same"

    @classmethod
    def out_dtype(cls, x_dtype: np.dtype, dtype: np.dtype | None) -> np.dtype:
        if dtype is not None:
            return np.dtype(dtype)
        x_dtype = np.dtype(x_dtype)
        if cls.promotion == "sum" and x_dtype.kind == "b":
            return _INT64
        if cls.promotion == "mean" and x_dtype.kind in "biu":
            return _FLOAT32
        return x_dtype

    @classmethod
    def infer(cls, in_shapes, in_dtypes, axis, keepdims, dtype=None):
        x = in_shapes[0]
        out_dtype = cls.out_dtype(in_dtypes[0], dtype)
        if x is None:
            return in_shapes, [None], [out_dtype]
        axes = np_reduced_axes(cls.name, len(x), axis)
        return in_shapes, [np_reduced_shape(tuple(x), axes, keepdims)], [out_dtype]

    @classmethod
    def forward(cls, ctx, x, axis, keepdims, dtype=None):
        axes = np_reduced_axes(cls.name, x.ndim, axis)
        out_dtype = cls.out_dtype(x.dtype, dtype)
        xc = x if cls.promotion == "same" else x.astype(out_dtype, copy=False)
        y = cls.f(xc, axis=axes, keepdims=True).astype(out_dtype, copy=False)
        ctx.x, ctx.y = xc, y
        return y.reshape(np_reduced_shape(x.shape, axes, keepdims))

    @classmethod
    def samples(cls, rng):
        lo, hi = cls.domain
        x = rng.uniform(lo, hi, (2, 3, 4))
        return [
            Sample([x]),
            Sample([x], {"axis": 1}),
            Sample([x], {"axis": (0, 2), "keepdims": True}),
            Sample([x], {"axis": -1}),
        ]


def _declare(name: str, legacy: str, promotion: str, with_dtype: bool) -> None:
    base = REGISTRY[legacy]
    body = {
        "name": name,
        "legacy": legacy,
        "promotion": promotion,
        "f": staticmethod(base.f),
        "grad": staticmethod(base.grad),
        "domain": base.domain,
        "__doc__": f"``{legacy}`` over ``axis`` with NumPy's shapes (see the module docstring).",
    }
    if not with_dtype:
        body["attrs"] = (Attr("axis", "axis", None), Attr("keepdims", "bool", False))
    register(type(name, (NpReduce,), body))


for _row in [
    ("_np_sum", "sum", "sum", True),
    ("_np_prod", "prod", "sum", True),
    ("_npi_mean", "mean", "mean", True),
    ("_np_max", "max", "same", False),
    ("_np_min", "min", "same", False),
]:
    _declare(*_row)


class _NpArgExtreme(Op):
    """Family base: the int64 index of the extreme along ``axis`` (of the flattened array when
    None, a 0-d result); the first occurrence wins, as in NumPy."""

    attrs = (Attr("axis", "int?", None), Attr("keepdims", "bool", False))
    differentiable = False
    check_eager = False  # forward validates the axis itself
    f = staticmethod(np.argmax)

    @classmethod
    def _shape(cls, shape: tuple, axis: int | None, keepdims: bool) -> tuple:
        if axis is None:
            return (1,) * len(shape) if keepdims else ()
        axes = (normalize_axis(cls.name, axis, len(shape)),)
        return np_reduced_shape(shape, axes, keepdims)

    @classmethod
    def infer(cls, in_shapes, in_dtypes, axis, keepdims):
        x = in_shapes[0]
        return in_shapes, [None if x is None else cls._shape(tuple(x), axis, keepdims)], [_INT64]

    @classmethod
    def forward(cls, ctx, x, axis, keepdims):
        shape = cls._shape(x.shape, axis, keepdims)
        y = cls.f(x.reshape(-1) if axis is None else x, axis=0 if axis is None else axis)
        return np.asarray(y, dtype=_INT64).reshape(shape)

    def samples(rng):
        x = rng.permutation(24).reshape(2, 3, 4).astype(np.float64)
        return [Sample([x]), Sample([x], {"axis": 1}), Sample([x], {"axis": -1, "keepdims": True})]


@register
class NpArgmax(_NpArgExtreme):
    """``y = argmax(x, axis)`` as NumPy gives it: int64, 0-d for ``axis=None``."""

    name = "_npi_argmax"
    f = staticmethod(np.argmax)


@register
class NpArgmin(_NpArgExtreme):
    """``y = argmin(x, axis)`` as NumPy gives it: int64, 0-d for ``axis=None``."""

    name = "_npi_argmin"
    f = staticmethod(np.argmin)
