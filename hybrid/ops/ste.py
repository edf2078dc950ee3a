"""Ops whose gradient is not their derivative: gradientmultiplier (identity forward, scaled
gradient) and the straight-through estimators round_ste and sign_ste (rounding forward, identity
gradient); plus contrib.quadratic, MXNet's example op ``a x^2 + b x + c``.
"""

from __future__ import annotations

import numpy as np

from .attrs import Attr
from .elemwise import Unary
from .registry import Sample, register

# The gradient is not the derivative: finite differences cannot confirm it.
_NOT_DERIVATIVE = {"grad": "the gradient is by design not the derivative of the forward"}


@register
class GradientMultiplier(Unary):
    """``y = x``, with gradient ``scalar * gy``: scales (or, with a negative ``scalar``,
    reverses) the gradient flowing back, as in gradient reversal layers.
    """

    name = "_contrib_gradientmultiplier"
    xfail = _NOT_DERIVATIVE
    attrs = (Attr("scalar", "float", 1.0), Attr("is_int", "bool", True))

    def forward(ctx, x, scalar, is_int):
        return x.copy()

    def vjp(ctx, gy, scalar, is_int):
        return (gy * gy.dtype.type(scalar),)

    @classmethod
    def samples(cls, rng):
        return [Sample([rng.normal(size=(3, 4))], {"scalar": -0.5})]


@register
class RoundSte(Unary):
    """``y = round(x)`` (half away from zero) with the identity as gradient (straight-through)."""

    name = "_contrib_round_ste"
    xfail = _NOT_DERIVATIVE

    def forward(ctx, x):
        return np.copysign(np.floor(np.abs(x) + 0.5), x).astype(x.dtype, copy=False)

    def vjp(ctx, gy):
        return (gy,)

    @classmethod
    def samples(cls, rng):
        return [Sample([rng.normal(size=(3, 4))])]


@register
class SignSte(Unary):
    """``y = sign(x)`` with the identity as gradient (straight-through)."""

    name = "_contrib_sign_ste"
    xfail = _NOT_DERIVATIVE

    def forward(ctx, x):
        return np.sign(x)

    def vjp(ctx, gy):
        return (gy,)

    @classmethod
    def samples(cls, rng):
        return [Sample([rng.normal(size=(3, 4))])]


@register
class Quadratic(Unary):
    """``y = a * x^2 + b * x + c``."""

    name = "_contrib_quadratic"
    attrs = (Attr("a", "float", 0.0), Attr("b", "float", 0.0), Attr("c", "float", 0.0))

    def forward(ctx, x, a, b, c):
        ctx.x = x
        t = x.dtype.type
        return t(a) * x * x + t(b) * x + t(c)

    def vjp(ctx, gy, a, b, c):
        return (gy * (2 * a * ctx.x + b),)

    @classmethod
    def samples(cls, rng):
        return [Sample([rng.normal(size=(3, 4))], {"a": 1.5, "b": -2.0, "c": 0.5})]
