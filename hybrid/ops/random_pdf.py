"""Probability densities (and mass functions) of the sampled distributions: the
``_random_pdf_<dist>`` ops, ``nd.random_pdf_normal(sample, mu, sigma, is_log)`` etc.

``sample`` has shape ``params.shape + tail``: each parameter value scores the samples drawn for it
(for dirichlet, ``alpha`` is ``(..., k)`` and ``sample`` ``(..., tail, k)``, one density per
``k``-vector). The output has ``sample``'s shape (dirichlet: without the last axis); ``is_log``
gives the log density. Gradients reach the parameters, and the sample for continuous
distributions (discrete samples get 0, as in MXNet). One table row per distribution: its log
density and the log density's partial derivatives.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .registry import Op, Sample, register
from .special import digamma, lgamma

_HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


def _uniform(x, low, high):
    # NOTE: MXNet 1.9.1 gives 1 / (high - low) for any sample, inside [low, high] or not.
    width = high - low + 0 * x
    return -np.log(width), (np.zeros_like(x), 1 / width, -1 / width)


def _normal(x, mu, sigma):
    z = (x - mu) / sigma
    logp = -0.5 * z * z - np.log(sigma) - _HALF_LOG_2PI
    return logp, (-z / sigma, z / sigma, (z * z - 1) / sigma)


def _gamma(x, alpha, beta):
    logp = alpha * np.log(beta) + (alpha - 1) * np.log(x) - beta * x - lgamma(alpha)
    return logp, ((alpha - 1) / x - beta, np.log(beta) + np.log(x) - digamma(alpha),
                  alpha / beta - x)


def _exponential(x, lam):
    return np.log(lam) - lam * x, (-lam + 0 * x, 1 / lam - x)


def _poisson(x, lam):
    logp = x * np.log(lam) - lam - lgamma(x + 1)
    return logp, (np.zeros_like(x), x / lam - 1)


def _negative_binomial(x, k, p):
    logp = lgamma(x + k) - lgamma(x + 1) - lgamma(k) + k * np.log(p) + x * np.log1p(-p)
    return logp, (np.zeros_like(x), digamma(x + k) - digamma(k) + np.log(p), k / p - x / (1 - p))


def _generalized_negative_binomial(x, mu, alpha):
    # NB with k = 1 / alpha successes of probability p = 1 / (1 + alpha mu): mean mu.
    k, p = 1 / alpha, 1 / (1 + alpha * mu)
    logp, (gx, gk, gp) = _negative_binomial(x, k, p)
    dp = -p * p  # d p / d(alpha mu)
    return logp, (gx, gp * dp * alpha, gk * (-k * k) + gp * dp * mu)


def _dirichlet(x, alpha):
    total = alpha.sum(axis=-1, keepdims=True)
    logp = ((alpha - 1) * np.log(x)).sum(-1) + lgamma(total)[..., 0] - lgamma(alpha).sum(-1)
    return logp, ((alpha - 1) / x, np.log(x) + digamma(total) - digamma(alpha))


# name, parameter input names, log density and its gradients, docstring.
PDF_TABLE: list[tuple] = [
    ("uniform", ("low", "high"), _uniform, "the uniform distribution on ``[low, high]`` (as in "
     "MXNet, ``1 / (high - low)`` whether or not the sample is in that range)"),
    ("normal", ("mu", "sigma"), _normal, "the normal distribution"),
    ("gamma", ("alpha", "beta"), _gamma, "the gamma distribution with shape ``alpha`` and "
     "rate ``beta``"),
    ("exponential", ("lam",), _exponential, "the exponential distribution with rate ``lam``"),
    ("poisson", ("lam",), _poisson, "the Poisson distribution with rate ``lam``"),
    ("negative_binomial", ("k", "p"), _negative_binomial, "the negative binomial distribution "
     "(failures before ``k`` successes of probability ``p``)"),
    ("generalized_negative_binomial", ("mu", "alpha"), _generalized_negative_binomial,
     "the generalized negative binomial distribution with mean ``mu`` and dispersion "
     "``alpha``"),
    ("dirichlet", ("alpha",), _dirichlet, "the Dirichlet distribution"),
]

_DISCRETE = ("poisson", "negative_binomial", "generalized_negative_binomial")
# ONNX has no log-gamma: the lowerings of the densities that need it raise.
NO_ONNX = ("gamma", "poisson", "negative_binomial", "generalized_negative_binomial", "dirichlet")


def _expand(p: np.ndarray, ndim: int, dirichlet: bool) -> np.ndarray:
    """A parameter array broadcastable against a sample of ``ndim`` dims."""
    if dirichlet:
        return p.reshape(p.shape[:-1] + (1,) * (ndim - p.ndim) + p.shape[-1:])
    return p.reshape(p.shape + (1,) * (ndim - p.ndim))


def _sample_inputs(name: str, rng) -> list:
    """A sample and parameters inside the distribution's support (2 distributions)."""
    u = rng.uniform
    if name == "dirichlet":
        x = u(0.5, 1.5, (2, 4, 3))
        return [x / x.sum(-1, keepdims=True), u(1.0, 3.0, (2, 3))]
    if name in _DISCRETE:
        counts = rng.integers(0, 6, (2, 5)).astype(np.float64)
        extra = [] if name == "poisson" else [u(0.2, 0.8, (2,))]
        return [counts, u(1.0, 3.0, (2,)), *extra]
    params = {
        "uniform": [u(-1.0, 0.0, (2,)), u(2.0, 3.0, (2,))],
        "exponential": [u(0.5, 2.0, (2,))],
    }.get(name, [u(0.5, 2.0, (2,)), u(0.5, 2.0, (2,))])
    return [u(0.1, 2.0, (2, 5)), *params]


def _declare(name: str, params: tuple, logpdf, doc: str) -> None:
    dirichlet = name == "dirichlet"
    op_name = f"_random_pdf_{name}"

    def infer(in_shapes, in_dtypes, is_log):
        sample, first = in_shapes[0], in_shapes[1]
        if sample is not None and first is not None:
            lead = tuple(first[:-1]) if dirichlet else tuple(first)
            if tuple(sample[: len(lead)]) != lead:
                raise ShapeError(f"{op_name}: sample {tuple(sample)} must start with the "
                                 f"parameters' shape {lead}")
        out = None if sample is None else tuple(sample[:-1] if dirichlet else sample)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, x, *ps, is_log):
        ctx.shapes = [p.shape for p in ps]
        logp, ctx.grads = logpdf(x, *(_expand(p, x.ndim, dirichlet) for p in ps))
        y = logp if is_log else np.exp(logp)
        ctx.scale = None if is_log else y
        return y.astype(x.dtype, copy=False)

    def vjp(ctx, gy, is_log):
        g = gy if ctx.scale is None else gy * ctx.scale
        if dirichlet:
            g = g[..., None]
        out = [g * ctx.grads[0]]
        for shape, d in zip(ctx.shapes, ctx.grads[1:]):
            full = g * d
            tail = tuple(range(len(shape) - dirichlet, full.ndim - dirichlet))
            out.append(full.sum(axis=tail).reshape(shape))
        return tuple(out)

    def samples(rng):
        inputs = _sample_inputs(name, rng)
        grad = tuple(range(1, len(inputs))) if name in _DISCRETE else None
        return [Sample(inputs, grad=grad), Sample(inputs, {"is_log": True}, grad=grad)]

    body = {
        "name": op_name,
        "aliases": (f"random_pdf_{name}",),
        "inputs": ("sample", *params),
        "attrs": (Attr("is_log", "bool", False),),
        "__doc__": f"The density of {doc} at ``sample`` (its log with ``is_log``); parameters "
        f"{', '.join(params)}. See the module docstring for shapes.",
        "infer": infer,
        "forward": forward,
        "vjp": vjp,
        "samples": samples,
        "xfail": {"onnx": "ONNX has no log-gamma function"} if name in NO_ONNX else {},
    }
    register(type(op_name, (Op,), body))


for _row in PDF_TABLE:
    _declare(*_row)
