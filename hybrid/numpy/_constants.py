"""The plain values of ``mx.np`` (MXNet 1.9.1's ``mxnet/numpy/utils.py``): numeric constants,
``newaxis``, the dtype objects and ``finfo``. They are NumPy's own objects, so dtypes compare
equal to ``numpy``'s."""

from __future__ import annotations

import numpy as onp

__all__ = [
    "pi", "e", "inf", "nan", "NaN", "NAN", "PINF", "NINF", "PZERO", "NZERO", "newaxis",
    "float16", "float32", "float64", "uint8", "int8", "int32", "int64", "bool_", "bool", "finfo",
]

pi, e, inf, nan = onp.pi, onp.e, onp.inf, onp.nan
NaN = NAN = nan
PINF, NINF = inf, -inf
PZERO, NZERO = 0.0, -0.0
newaxis = None
float16, float32, float64 = onp.float16, onp.float32, onp.float64
uint8, int8, int32, int64 = onp.uint8, onp.int8, onp.int32, onp.int64
bool_ = onp.bool_
bool = onp.bool_  # noqa: A001 - MXNet's name for the bool dtype
finfo = onp.finfo
