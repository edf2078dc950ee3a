"""More unary elementwise math: cube roots, base-2/10 logarithms, the rounding ops rint, fix and
trunc, and the special functions gamma, gammaln and erfinv (kernels in ``special.py``).

One table row per op, as in ``trig.py``; the values at poles and outside domains (inf, NaN) are
MXNet 1.9.1's.
"""

from __future__ import annotations

import numpy as np

from . import special
from .elemwise import declare_unary

__all__ = ["MATH_TABLE"]

_LN2, _LN10 = np.log(2.0), np.log(10.0)
_SQRT_PI_OVER_2 = np.sqrt(np.pi) / 2


def _rint(x: np.ndarray) -> np.ndarray:
    # NOTE: MXNet's rint sends halfway values down (-1.5 -> -2, 1.5 -> 1, 2.5 -> 2), unlike
    # numpy's half-to-even rint.
    lo, hi = np.floor(x), np.ceil(x)
    return np.where(x - lo <= hi - x, lo, hi)


def _as(f):
    """``f`` computed in float64 and returned in the input's dtype."""
    return lambda x: f(x).astype(x.dtype, copy=False)


MATH_TABLE: list[tuple] = [
    (
        "cbrt",
        np.cbrt,
        lambda x, y, gy: gy / (3 * y * y),
        (0.2, 3.0),
        "``y = x^(1/3)``, the real cube root (negative for negative ``x``).",
    ),
    (
        "rcbrt",
        lambda x: 1 / np.cbrt(x),
        lambda x, y, gy: -gy * y / (3 * x),
        (0.2, 3.0),
        "``y = 1 / x^(1/3)``; inf at 0.",
    ),
    (
        "log2",
        np.log2,
        lambda x, y, gy: gy / (x * _LN2),
        (0.2, 3.0),
        "``y = log2(x)``, for ``x > 0`` (-inf at 0, NaN below).",
    ),
    (
        "log10",
        np.log10,
        lambda x, y, gy: gy / (x * _LN10),
        (0.2, 3.0),
        "``y = log10(x)``, for ``x > 0`` (-inf at 0, NaN below).",
    ),
    (
        "rint",
        _rint,
        None,
        (-3.0, 3.0),
        "``y`` = the integer nearest ``x``; halfway values go down (MXNet's rule: ``rint(1.5) = "
        "1``, ``rint(-1.5) = -2``); zero gradient.",
    ),
    (
        "fix",
        np.trunc,
        None,
        (-3.0, 3.0),
        "``y`` = ``x`` rounded toward zero; zero gradient.",
    ),
    (
        "trunc",
        np.trunc,
        None,
        (-3.0, 3.0),
        "``y`` = the integer part of ``x`` (rounded toward zero); zero gradient.",
    ),
    (
        "gamma",
        _as(special.gamma),
        lambda x, y, gy: gy * y * special.digamma(x),
        (0.3, 3.0),
        "``y = gamma(x)``, the factorial extended to the reals (``gamma(n) = (n-1)!``); inf at "
        "0, NaN at the negative integers.",
    ),
    (
        "gammaln",
        _as(special.lgamma),
        lambda x, y, gy: gy * special.digamma(x),
        (0.3, 3.0),
        "``y = ln|gamma(x)|``; inf at 0 and the negative integers.",
    ),
    (
        "erfinv",
        _as(special.erfinv),
        lambda x, y, gy: gy * _SQRT_PI_OVER_2 * np.exp(y * y),
        (-0.9, 0.9),
        "``y = erf^-1(x)``, the inverse error function on ``(-1, 1)``; +-inf at +-1, NaN outside.",
    ),
]

# ONNX has no gamma, log-gamma or inverse erf operator (export raises, see export/lowering/math.py).
NO_ONNX = {
    "gamma": "ONNX has no Gamma operator",
    "gammaln": "ONNX has no log-gamma operator",
    "erfinv": "ONNX has no inverse error function operator",
}

for _row in MATH_TABLE:
    _op = declare_unary(*_row)
    if _op.name in NO_ONNX:
        _op.xfail = {"onnx": NO_ONNX[_op.name]}
