"""Ops whose gradient is not their derivative: gradientmultiplier (identity forward, scaled
gradient), the straight-through estimators round_ste and sign_ste (rounding forward, identity
gradient) and IdentityAttachKLSparseReg (identity forward, sparseness penalty added to the
gradient); plus contrib.quadratic, MXNet's example op ``a x^2 + b x + c``.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from ._util import complete_shape, round_half_away
from .attrs import Attr
from .elemwise import Unary
from .registry import Op, Sample, register

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


class _StraightThrough(Unary):
    """A rounding forward with the identity as gradient (straight-through estimator)."""

    xfail = _NOT_DERIVATIVE

    def vjp(ctx, gy):
        return (gy,)

    @classmethod
    def samples(cls, rng):
        return [Sample([rng.normal(size=(3, 4))])]


@register
class RoundSte(_StraightThrough):
    """``y = round(x)`` (half away from zero) with the identity as gradient (straight-through)."""

    name = "_contrib_round_ste"

    def forward(ctx, x):
        return round_half_away(x)


@register
class SignSte(_StraightThrough):
    """``y = sign(x)`` with the identity as gradient (straight-through)."""

    name = "_contrib_sign_ste"

    def forward(ctx, x):
        return np.sign(x)


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


@register
class IdentityAttachKLSparseReg(Op):
    """``y = data``; in backward a sparseness penalty joins the gradient: ``gx = gy + penalty *
    (-t / rho + (1 - t) / (1 - rho))`` per unit of axis 1, ``t`` the ``sparseness_target`` and
    ``rho`` the running mean activation ``moving_avg`` (updated in training as ``momentum * rho +
    (1 - momentum) * batch mean``). For the sigmoid outputs of a sparse autoencoder.
    """

    name = "IdentityAttachKLSparseReg"
    inputs = ("data", "moving_avg")
    attrs = (
        Attr("sparseness_target", "float", 0.1, check=(lambda v: 0 <= v <= 1, "in [0, 1]")),
        Attr("penalty", "float", 0.001),
        Attr("momentum", "float", 0.9, check=(lambda v: 0 <= v <= 1, "in [0, 1]")),
    )
    train_aware = True
    aux_writeback = (1,)
    completes = (1,)
    xfail = _NOT_DERIVATIVE

    def infer(in_shapes, in_dtypes, **attrs):
        x = in_shapes[0]
        avg = in_shapes[1] if len(in_shapes) > 1 else None
        if x is not None:
            if len(x) < 2:
                raise ShapeError(f"IdentityAttachKLSparseReg: data has shape {tuple(x)}, "
                                 "expected 2+ dims")
            avg = complete_shape("IdentityAttachKLSparseReg", "moving_avg", avg, (x[1],),
                                 f"data {tuple(x)}")
        return [x, avg], [x], [in_dtypes[0]]

    def forward(ctx, x, moving_avg, sparseness_target, penalty, momentum, is_train):
        avg = moving_avg
        if is_train:
            batch = x.sum(axis=tuple(i for i in range(x.ndim) if i != 1)) / x.shape[0]
            avg = momentum * moving_avg + (1 - momentum) * batch.astype(moving_avg.dtype)
        ctx.rho = avg.reshape((1, -1) + (1,) * (x.ndim - 2)).astype(x.dtype)
        return x.copy(), (avg if is_train else None)

    def vjp(ctx, gy, sparseness_target, penalty, momentum, is_train):
        t, rho = sparseness_target, ctx.rho
        return gy + penalty * (-t / rho + (1 - t) / (1 - rho)), None

    def samples(rng):
        x = rng.uniform(0.1, 0.9, (4, 3))
        return [Sample([x, np.full(3, 0.5)], {"penalty": 0.1}, grad=(0,), train=True),
                Sample([x, np.full(3, 0.3)], grad=(0,))]
