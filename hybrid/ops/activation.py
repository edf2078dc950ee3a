"""Elementwise activation functions: tanh, sigmoid, relu, softrelu (softplus), softsign and
hard_sigmoid.

Unary ops like those in ``elemwise.py`` (they share its :class:`~hybrid.ops.elemwise.Unary`
base); ``Activation`` in ``nn.py`` dispatches to them by ``act_type``.
"""

from __future__ import annotations

import numpy as np

from .attrs import Attr
from .elemwise import Unary
from .registry import Sample, register

__all__ = ["sigmoid", "softrelu"]


@register
class Tanh(Unary):
    """``y = tanh(x)``."""

    name = "tanh"

    def forward(ctx, x):
        ctx.y = np.tanh(x)
        return ctx.y

    def vjp(ctx, gy):
        return (gy * (1 - ctx.y * ctx.y),)

    def grad_graph(F, inputs, out_grads):
        y = F.tanh(inputs[0])
        return (out_grads[0] * (1 - y * y),)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + e^-x)`` without overflow warnings for large ``|x|``."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def softrelu(x: np.ndarray) -> np.ndarray:
    """``ln(1 + e^x)`` computed stably."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


@register
class Sigmoid(Unary):
    """``y = 1 / (1 + e^-x)``."""

    name = "sigmoid"

    def forward(ctx, x):
        ctx.y = sigmoid(x)
        return ctx.y

    def vjp(ctx, gy):
        return (gy * ctx.y * (1 - ctx.y),)

    def grad_graph(F, inputs, out_grads):
        y = F.sigmoid(inputs[0])
        return (out_grads[0] * y * (1 - y),)


@register
class Relu(Unary):
    """``y = max(x, 0)``."""

    name = "relu"

    def forward(ctx, x):
        # The output, not the input, is saved: y > 0 exactly where x > 0 and y is NaN where x
        # is, and the next layer usually keeps y alive anyway, so x can die here.
        ctx.y = np.maximum(x, 0)
        return ctx.y

    def vjp(ctx, gy):
        # NOTE: the gradient at exactly 0 is 0, as in MXNet (the mask is x > 0); at NaN it is
        # NaN, as MXNet's relu_grad passes NaN through.
        y = ctx.y
        gx = gy * (y > 0)
        if y.dtype.kind == "f":
            nan = np.isnan(y)
            if nan.any():
                gx[nan] = np.nan
        return (gx,)

    def grad_graph(F, inputs, out_grads):
        (x,), (g,) = inputs, out_grads
        return (g * (x > 0),)

    @classmethod
    def samples(cls, rng):
        x = rng.uniform(0.1, 2.0, (3, 4)) * rng.choice([-1, 1], (3, 4))
        return [Sample([x])]


@register
class Softrelu(Unary):
    """``y = ln(1 + e^x)`` (softplus)."""

    name = "softrelu"

    def forward(ctx, x):
        ctx.x = x
        return softrelu(x)

    def vjp(ctx, gy):
        return (gy * sigmoid(ctx.x),)


@register
class Softsign(Unary):
    """``y = x / (1 + |x|)``."""

    name = "softsign"

    def forward(ctx, x):
        ctx.x = x
        return x / (1 + np.abs(x))

    def vjp(ctx, gy):
        d = 1 + np.abs(ctx.x)
        return (gy / (d * d),)


@register
class HardSigmoid(Unary):
    """``y = clip(alpha * x + beta, 0, 1)``; the gradient is ``alpha`` where ``0 < y < 1``.

    Parameters: ``alpha`` (default 0.2), ``beta`` (default 0.5).
    """

    name = "hard_sigmoid"
    attrs = (Attr("alpha", "float", 0.2), Attr("beta", "float", 0.5))

    def forward(ctx, x, alpha, beta):
        z = x * x.dtype.type(alpha) + x.dtype.type(beta)
        ctx.inside = (z > 0) & (z < 1)
        return np.clip(z, 0, 1)

    def vjp(ctx, gy, alpha, beta):
        return (gy * alpha * ctx.inside,)

    @classmethod
    def samples(cls, rng):
        x = rng.choice([-4.0, -1.5, 0.5, 1.2, 4.0], (3, 4)) + rng.uniform(-0.2, 0.2, (3, 4))
        return [Sample([x]), Sample([x], {"alpha": 0.5, "beta": 0.2})]
