"""Unary elementwise ops: one output of the input's shape and dtype. Each op writes ``forward``
and ``vjp``; :class:`Unary` supplies ``infer`` and ``samples`` (drawn from the op's ``domain``,
away from kinks so finite differences are meaningful). Activations on the same base are in
``activation.py``."""

from __future__ import annotations

import numpy as np

from ._util import round_half_away
from .attrs import Attr
from .registry import Op, Sample, register

_SQRT_2_OVER_PI = 2.0 / np.sqrt(np.pi)


class Unary(Op):
    """Family base: ``y = f(x)`` elementwise."""

    check_eager = False
    named_inputs = False  # MXNET_OPERATOR_REGISTER_UNARY declares no FListInputNames
    domain: tuple[float, float] = (-2.0, 2.0)

    def infer(in_shapes, in_dtypes, **attrs):
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    @classmethod
    def samples(cls, rng):
        lo, hi = cls.domain
        return [Sample([rng.uniform(lo, hi, (3, 4))]), Sample([rng.uniform(lo, hi, (2, 1, 5))])]


class Piecewise(Unary):
    """Family base for ops whose gradient is zero wherever it exists (sign, round, floor, ...)."""

    differentiable = False


def declare_unary(name, f, grad, domain, doc, aliases=()):
    """Register the :class:`Unary` op ``y = f(x)`` whose gradient is ``grad(x, y, gy)`` (None
    for a :class:`Piecewise` op), for the table-driven families (``trig.py``, ``math.py``).
    """

    def forward(ctx, x):
        ctx.x, ctx.y = x, f(x)
        return ctx.y

    def vjp(ctx, gy):
        return (grad(ctx.x, ctx.y, gy),)

    body = {"name": name, "aliases": aliases, "__doc__": doc, "forward": forward, "domain": domain}
    if grad is not None:
        body["vjp"] = vjp
    return register(type(name, (Unary if grad is not None else Piecewise,), body))


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, vectorised: Chebyshev fit of erfc with fractional error below 1.2e-7."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = (
        -z * z
        - 1.26551223
        + t
        * (
            1.00002368
            + t
            * (
                0.37409196
                + t
                * (
                    0.09678418
                    + t
                    * (
                        -0.18628806
                        + t
                        * (
                            0.27886807
                            + t
                            * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))
                        )
                    )
                )
            )
        )
    )
    y = 1.0 - t * np.exp(poly)
    return np.copysign(y, x).astype(x.dtype, copy=False)


@register
class Negative(Unary):
    """``y = -x``."""

    name = "negative"
    aliases = ("_np_negative",)

    def forward(ctx, x):
        return np.negative(x)

    def vjp(ctx, gy):
        return (np.negative(gy),)

    def grad_graph(F, inputs, out_grads):
        return (-out_grads[0],)


@register
class Copy(Unary):
    """``y = x``, a copy (MXNet's ``_copy``, behind ``NDArray.copy()``)."""

    name = "_copy"
    aliases = ("identity", "_identity_with_attr_like_rhs", "_copyto", "_CrossDeviceCopy")

    def forward(ctx, x):
        return x.copy()

    def vjp(ctx, gy):
        return (gy,)


@register
class Abs(Unary):
    """``y = |x|``; the gradient at 0 is 0 (MXNet's sign rule)."""

    name = "abs"

    def forward(ctx, x):
        ctx.x = x
        return np.abs(x)

    def vjp(ctx, gy):
        return (gy * np.sign(ctx.x),)


@register
class Exp(Unary):
    """``y = e^x``."""

    name = "exp"

    def forward(ctx, x):
        # numpy's float32 exp is up to an ulp off (exp(1) rounds up); through float64 the result
        # is correctly rounded, as MXNet's libm expf gives.
        f32 = x.dtype == np.float32
        ctx.y = np.exp(x, dtype=np.float64).astype(np.float32) if f32 else np.exp(x)
        return ctx.y

    def vjp(ctx, gy):
        return (gy * ctx.y,)

    def grad_graph(F, inputs, out_grads):
        (x,), (g,) = inputs, out_grads
        return (g * F.exp(x),)


@register
class Log(Unary):
    """``y = ln(x)``, for ``x > 0``."""

    name = "log"
    domain = (0.2, 3.0)

    def forward(ctx, x):
        ctx.x = x
        return np.log(x)

    def vjp(ctx, gy):
        return (gy / ctx.x,)

    def grad_graph(F, inputs, out_grads):
        (x,), (g,) = inputs, out_grads
        return (g / x,)


@register
class Log1p(Unary):
    """``y = ln(1 + x)``, for ``x > -1``."""

    name = "log1p"
    domain = (-0.8, 3.0)

    def forward(ctx, x):
        ctx.x = x
        return np.log1p(x)

    def vjp(ctx, gy):
        return (gy / (1 + ctx.x),)


@register
class Expm1(Unary):
    """``y = e^x - 1``."""

    name = "expm1"

    def forward(ctx, x):
        ctx.x = x
        return np.expm1(x)

    def vjp(ctx, gy):
        return (gy * np.exp(ctx.x),)


@register
class Sqrt(Unary):
    """``y = sqrt(x)``, for ``x >= 0``."""

    name = "sqrt"
    domain = (0.2, 3.0)

    def forward(ctx, x):
        ctx.y = np.sqrt(x)
        return ctx.y

    def vjp(ctx, gy):
        return (gy / (2 * ctx.y),)

    def grad_graph(F, inputs, out_grads):
        (x,), (g,) = inputs, out_grads
        return (g * 0.5 / F.sqrt(x),)


@register
class Rsqrt(Unary):
    """``y = 1 / sqrt(x)``, for ``x > 0``."""

    name = "rsqrt"
    domain = (0.2, 3.0)

    def forward(ctx, x):
        ctx.x, ctx.y = x, 1 / np.sqrt(x)
        return ctx.y

    def vjp(ctx, gy):
        return (gy * (-0.5) * ctx.y / ctx.x,)


@register
class Square(Unary):
    """``y = x^2``."""

    name = "square"

    def forward(ctx, x):
        ctx.x = x
        return np.square(x)

    def vjp(ctx, gy):
        return (gy * 2 * ctx.x,)

    def grad_graph(F, inputs, out_grads):
        (x,), (g,) = inputs, out_grads
        return (g * 2 * x,)


@register
class Reciprocal(Unary):
    """``y = 1 / x``, for ``x != 0``."""

    name = "reciprocal"
    domain = (0.3, 3.0)

    def forward(ctx, x):
        ctx.y = np.reciprocal(x)
        return ctx.y

    def vjp(ctx, gy):
        return (-gy * ctx.y * ctx.y,)

    def grad_graph(F, inputs, out_grads):
        (x,), (g,) = inputs, out_grads
        return (-g / (x * x),)


@register
class Sin(Unary):
    """``y = sin(x)``."""

    name = "sin"

    def forward(ctx, x):
        ctx.x = x
        return np.sin(x)

    def vjp(ctx, gy):
        return (gy * np.cos(ctx.x),)

    def grad_graph(F, inputs, out_grads):
        (x,), (g,) = inputs, out_grads
        return (g * F.cos(x),)


@register
class Cos(Unary):
    """``y = cos(x)``."""

    name = "cos"

    def forward(ctx, x):
        ctx.x = x
        return np.cos(x)

    def vjp(ctx, gy):
        return (-gy * np.sin(ctx.x),)

    def grad_graph(F, inputs, out_grads):
        (x,), (g,) = inputs, out_grads
        return (-(g * F.sin(x)),)


@register
class Erf(Unary):
    """``y = erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt``."""

    name = "erf"

    def forward(ctx, x):
        ctx.x = x
        return erf(x)

    def vjp(ctx, gy):
        return (gy * _SQRT_2_OVER_PI * np.exp(-ctx.x * ctx.x),)


@register
class Sign(Piecewise):
    """``y = sign(x)``: -1, 0 or 1; zero gradient."""

    name = "sign"

    def forward(ctx, x):
        return np.sign(x)


@register
class Round(Piecewise):
    """``y`` = ``x`` rounded half away from zero (MXNet's rule, unlike numpy's half to even)."""

    name = "round"

    def forward(ctx, x):
        return round_half_away(x)


@register
class Floor(Piecewise):
    """``y = floor(x)``; zero gradient."""

    name = "floor"

    def forward(ctx, x):
        return np.floor(x)


@register
class Ceil(Piecewise):
    """``y = ceil(x)``; zero gradient."""

    name = "ceil"

    def forward(ctx, x):
        return np.ceil(x)


@register
class LogicalNot(Piecewise):
    """``y = 1`` where ``x == 0`` else ``0``, in the input's dtype."""

    name = "logical_not"

    def forward(ctx, x):
        return (x == 0).astype(x.dtype)


@register
class Clip(Unary):
    """``y = min(max(x, a_min), a_max)``; the gradient passes where ``a_min <= x <= a_max``.

    Parameters: ``a_min``, ``a_max`` (floats, required).
    """

    name = "clip"
    attrs = (Attr("a_min", "float"), Attr("a_max", "float"))

    def forward(ctx, x, a_min, a_max):
        ctx.x = x
        return np.clip(x, x.dtype.type(a_min), x.dtype.type(a_max))

    def vjp(ctx, gy, a_min, a_max):
        return (gy * ((ctx.x >= a_min) & (ctx.x <= a_max)),)

    @classmethod
    def samples(cls, rng):
        x = rng.choice([-1.7, -1.2, -0.4, 0.3, 0.8, 1.6], (3, 4)) + rng.uniform(-0.05, 0.05, (3, 4))
        return [
            Sample([x], {"a_min": -1.0, "a_max": 1.0}),
            Sample([x], {"a_min": 0.0, "a_max": 0.5}),
        ]
