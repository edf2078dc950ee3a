"""``mx.np``'s dtype names and constants (MXNet's ``mxnet.numpy.utils``): NumPy's own objects,
so ``np.float32`` passes anywhere a dtype is taken and ``np.pi`` is a Python float.
"""

from __future__ import annotations

import math

import numpy as onp

__all__ = [
    "float16", "float32", "float64", "uint8", "int32", "int8", "int64", "bool", "bool_", "pi",
    "inf", "nan", "PZERO", "NZERO", "newaxis", "finfo", "e", "NINF", "PINF", "NAN", "NaN",
]

float16, float32, float64 = onp.float16, onp.float32, onp.float64
uint8, int8, int32, int64 = onp.uint8, onp.int8, onp.int32, onp.int64
bool_ = onp.bool_
bool = onp.bool_  # noqa: A001 - MXNet's name (NumPy 2 has np.bool; NumPy 1.x only np.bool_)
finfo = onp.finfo
newaxis = None

pi, e = math.pi, math.e
inf = PINF = math.inf
NINF = -math.inf
nan = NAN = NaN = math.nan
PZERO, NZERO = 0.0, -0.0
