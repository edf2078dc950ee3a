"""``mx.np.random``: MXNet 1.9.1's NumPy-style sampling functions on the registered random ops.

Every draw comes from a registered random op (``_random_uniform``, ``_random_normal``,
``_random_gamma``, ``_random_randint``, ``_sample_multinomial``, ``_shuffle``), so
``mx.random.seed`` seeds them as it seeds ``nd.random``. Parameters may be arrays: a draw of the
standard distribution is transformed by them (``loc + scale * z``), which broadcasts and carries
gradients to the parameters. The other distributions are the textbook transforms of these draws
(``gumbel = loc - scale * log(E)``, ``beta = X / (X + Y)`` for gamma ``X, Y``, ...).
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as onp

from ..base import HybridError
from ._dispatch import asarray_like, call
from ._manip import broadcast_to as _broadcast_to

__all__ = [
    "beta", "chisquare", "choice", "exponential", "gamma", "gumbel", "logistic", "lognormal",
    "multinomial", "multivariate_normal", "normal", "pareto", "power", "rand", "randint", "randn",
    "rayleigh", "shuffle", "uniform", "weibull",
]

_FLOAT32 = onp.dtype(onp.float32)


def _size(size: Any) -> tuple:
    if size is None:
        return ()
    return (int(size),) if isinstance(size, (int, onp.integer)) else tuple(int(d) for d in size)


def _shape_of(size: Any, *params: Any) -> tuple:
    """The draw's shape: ``size``, else the broadcast shape of the array parameters."""
    if size is not None:
        return _size(size)
    shapes = [p.shape for p in params if not isinstance(p, Number)]
    return tuple(onp.broadcast_shapes(*shapes)) if shapes else ()


def _param(p: Any, dtype: Any) -> Any:
    return p if isinstance(p, Number) else asarray_like(p, dtype=dtype)


def _draw(op_name: str, shape: tuple, dtype: Any, ctx: Any, **attrs: Any) -> Any:
    """One registered random op's draw of ``shape`` (a 0-d shape draws one and reshapes)."""
    y = call(op_name, shape=shape or (1,), dtype=dtype, ctx=ctx, **attrs)
    return y.reshape(shape) if not shape else y


def _finish(y: Any, out: Any) -> Any:
    if out is None:
        return y
    out[...] = y
    return out


def _dtype(dtype: Any) -> onp.dtype:
    return _FLOAT32 if dtype is None else onp.dtype(dtype)


def uniform(low: Any = 0.0, high: Any = 1.0, size: Any = None, dtype: Any = None, ctx: Any = None,
            out: Any = None) -> Any:
    """Samples of the uniform distribution on ``[low, high)``."""
    dtype = _dtype(dtype)
    low, high = _param(low, dtype), _param(high, dtype)
    shape = _shape_of(size, low, high)
    if isinstance(low, Number) and isinstance(high, Number):
        return _finish(_draw("_random_uniform", shape, dtype, ctx, low=low, high=high), out)
    u = _draw("_random_uniform", shape, dtype, ctx)
    return _finish(low + (high - low) * u, out)


def normal(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, dtype: Any = None, ctx: Any = None,
           out: Any = None) -> Any:
    """Samples of the normal distribution with mean ``loc`` and standard deviation ``scale``."""
    dtype = _dtype(dtype)
    loc, scale = _param(loc, dtype), _param(scale, dtype)
    shape = _shape_of(size, loc, scale)
    if isinstance(loc, Number) and isinstance(scale, Number):
        return _finish(_draw("_random_normal", shape, dtype, ctx, loc=loc, scale=scale), out)
    return _finish(loc + scale * _draw("_random_normal", shape, dtype, ctx), out)


def lognormal(mean: Any = 0.0, sigma: Any = 1.0, size: Any = None, dtype: Any = None,
              ctx: Any = None, out: Any = None) -> Any:
    """Samples of ``exp(N(mean, sigma^2))``."""
    return _finish(call("exp", normal(mean, sigma, size, dtype, ctx)), out)


def _exponential1(shape: tuple, dtype: Any, ctx: Any) -> Any:
    return _draw("_random_exponential", shape, dtype, ctx, lam=1.0)


def exponential(scale: Any = 1.0, size: Any = None, ctx: Any = None, out: Any = None) -> Any:
    """Samples of the exponential distribution with mean ``scale``."""
    scale = _param(scale, _FLOAT32)
    return _finish(scale * _exponential1(_shape_of(size, scale), _FLOAT32, ctx), out)


def gumbel(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, ctx: Any = None,
           out: Any = None) -> Any:
    """Samples of the Gumbel distribution: ``loc - scale * log(E)``, ``E`` standard
    exponential."""
    loc, scale = _param(loc, _FLOAT32), _param(scale, _FLOAT32)
    e = _exponential1(_shape_of(size, loc, scale), _FLOAT32, ctx)
    return _finish(loc - scale * call("log", e), out)


def logistic(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, ctx: Any = None,
             out: Any = None) -> Any:
    """Samples of the logistic distribution: ``loc + scale * log(U / (1 - U))``."""
    loc, scale = _param(loc, _FLOAT32), _param(scale, _FLOAT32)
    u = _draw("_random_uniform", _shape_of(size, loc, scale), _FLOAT32, ctx,
              low=1e-7, high=1 - 1e-7)
    return _finish(loc + scale * call("log", u / (1 - u)), out)


def weibull(a: Any, size: Any = None, ctx: Any = None, out: Any = None) -> Any:
    """Samples of the Weibull distribution with shape ``a``: ``E ** (1 / a)``."""
    a = _param(a, _FLOAT32)
    return _finish(_exponential1(_shape_of(size, a), _FLOAT32, ctx) ** (1 / a), out)


def pareto(a: Any, size: Any = None, ctx: Any = None, out: Any = None) -> Any:
    """Samples of the Pareto II (Lomax) distribution with shape ``a``: ``exp(E / a) - 1``."""
    a = _param(a, _FLOAT32)
    return _finish(call("exp", _exponential1(_shape_of(size, a), _FLOAT32, ctx) / a) - 1, out)


def power(a: Any, size: Any = None) -> Any:
    """Samples on ``[0, 1]`` with density ``a x^(a-1)``: ``U ** (1 / a)``."""
    a = _param(a, _FLOAT32)
    return _draw("_random_uniform", _shape_of(size, a), _FLOAT32, None) ** (1 / a)


def rayleigh(scale: Any = 1.0, size: Any = None, ctx: Any = None, out: Any = None) -> Any:
    """Samples of the Rayleigh distribution: ``scale * sqrt(2 E)``."""
    scale = _param(scale, _FLOAT32)
    e = _exponential1(_shape_of(size, scale), _FLOAT32, ctx)
    return _finish(scale * call("sqrt", 2 * e), out)


def gamma(shape: Any, scale: Any = 1.0, size: Any = None, dtype: Any = None, ctx: Any = None,
          out: Any = None) -> Any:
    """Samples of the gamma distribution with shape ``shape`` and scale ``scale``."""
    dtype = _dtype(dtype)
    if isinstance(shape, Number):
        if shape <= 0:
            raise HybridError(f"np.random.gamma: shape must be positive, got {shape}")
        scale = _param(scale, dtype)
        draw_shape = _shape_of(size, scale)
        g = _draw("_random_gamma", draw_shape, dtype, ctx, alpha=float(shape), beta=1.0)
        return _finish(g * scale if not isinstance(scale, Number) or scale != 1.0 else g, out)
    alpha = asarray_like(shape, dtype=dtype)
    draw_shape = _shape_of(size, alpha, _param(scale, dtype))
    alpha = _broadcast_to(alpha, draw_shape)
    ones = call("ones_like", alpha)
    g = call("_sample_gamma", alpha.reshape((-1,)), ones.reshape((-1,)), shape=(1,))
    return _finish(g.reshape(draw_shape) * _param(scale, dtype), out)


def beta(a: Any, b: Any, size: Any = None, dtype: Any = None, ctx: Any = None) -> Any:
    """Samples of the beta distribution: ``X / (X + Y)``, ``X ~ Gamma(a)``, ``Y ~ Gamma(b)``."""
    x = gamma(a, 1.0, size, dtype, ctx)
    y = gamma(b, 1.0, size, dtype, ctx)
    return x / (x + y)


def chisquare(df: Any, size: Any = None, dtype: Any = None, ctx: Any = None) -> Any:
    """Samples of the chi-square distribution with ``df`` degrees of freedom:
    ``Gamma(df / 2, 2)``."""
    return gamma(df / 2 if isinstance(df, Number) else asarray_like(df) / 2, 2.0, size, dtype, ctx)


def randint(low: int, high: Any = None, size: Any = None, dtype: Any = None, ctx: Any = None,
            out: Any = None) -> Any:
    """Integers drawn uniformly from ``[low, high)`` (``[0, low)`` without ``high``)."""
    if high is None:
        low, high = 0, low
    dtype = onp.dtype(onp.int64) if dtype is None else onp.dtype(dtype)
    y = _draw("_random_randint", _size(size), dtype, ctx, low=int(low), high=int(high))
    return _finish(y, out)


def rand(*size: int, **kwargs: Any) -> Any:
    """Uniform samples on ``[0, 1)`` of shape ``size``."""
    return uniform(size=size, **kwargs)


def randn(*size: int, **kwargs: Any) -> Any:
    """Standard normal samples of shape ``size``."""
    return normal(size=size, **kwargs)


def shuffle(x: Any) -> None:
    """Permute ``x`` randomly along its first axis, in place."""
    x[...] = call("_shuffle", x)


def _categorical(p: Any, shape: tuple) -> Any:
    """Category indices (int64) drawn from the probabilities ``p``, of ``shape``."""
    n = int(onp.prod(shape)) if shape else 1
    idx = call("_sample_multinomial", p, shape=(n,), dtype="int32").astype(onp.int64)
    return idx.reshape(shape)


def choice(a: Any, size: Any = None, replace: bool = True, p: Any = None, ctx: Any = None,
           out: Any = None) -> Any:
    """Samples from ``a`` (an array, or ``arange(a)`` for an int), with or without replacement,
    uniformly or with probabilities ``p``."""
    shape = _size(size)
    count = int(onp.prod(shape)) if shape else 1
    n = int(a) if isinstance(a, (int, onp.integer)) else asarray_like(a).shape[0]
    if p is not None:
        p = asarray_like(p, dtype=_FLOAT32)
    if replace:
        if p is None:
            idx = _draw("_random_randint", shape, onp.int64, ctx, low=0, high=n)
        else:
            idx = _categorical(p, shape)
    else:
        if count > n:
            raise HybridError(f"np.random.choice: cannot take {count} samples from {n} "
                              "without replacement")
        if p is None:
            order = call("_shuffle", call("_arange", start=0, stop=n, dtype="int64"))
        else:
            # Gumbel top-k: the k largest of log(p) + Gumbel noise are a draw without
            # replacement.
            keys = call("log", p) - call("log", _exponential1((n,), _FLOAT32, ctx))
            order = call("topk", keys, k=n, dtype="int64")
        idx = order[:count].reshape(shape)
    if isinstance(a, (int, onp.integer)):
        return _finish(idx, out)
    return _finish(call("take", asarray_like(a), idx, axis=0), out)


def multinomial(n: int, pvals: Any, size: Any = None, **kwargs: Any) -> Any:
    """Counts per category of ``n`` draws with probabilities ``pvals``: shape
    ``size + (len(pvals),)``, int64."""
    pvals = asarray_like(pvals, dtype=_FLOAT32)
    k = pvals.shape[-1]
    shape = _size(size)
    idx = _categorical(pvals, (*shape, int(n)))
    counts = call("one_hot", idx, depth=k, dtype="int64").sum(axis=-2)
    return counts


def multivariate_normal(mean: Any, cov: Any, size: Any = None, check_valid: Any = None,
                        tol: Any = None) -> Any:
    """Samples of the multivariate normal distribution: ``mean + z @ L^T`` with ``L`` the
    Cholesky factor of ``cov``."""
    mean, cov = asarray_like(mean), asarray_like(cov)
    dtype = mean.dtype
    z = _draw("_random_normal", (*_size(size), mean.shape[-1]), dtype, None)
    lower = call("_linalg_potrf", cov)
    return mean + z @ call("transpose", lower)
