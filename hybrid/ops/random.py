"""Random ops: samplers with scalar parameters (``_random_*``), with one parameter value per
element of a ``_like`` input (``_random_*_like``), with array parameters (``_sample_*``), plus
``_random_randint``, ``_sample_multinomial`` and ``_shuffle``.

Every op draws from ``hybrid.random.generator()`` at call time, so ``hybrid.random.seed(n)`` makes
everything that follows reproducible. Each distribution is one row of ``DISTRIBUTIONS``; the three
forms of it are declared from that row.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import random as _random
from ..base import AttrError, ShapeError
from .attrs import CTX, Attr
from .registry import Op, Sample, register

__all__ = ["DISTRIBUTIONS", "NO_ONNX", "sample_size"]

_FLOATS = (np.float16, np.float32, np.float64)


def sample_size(shape: tuple[int, ...]) -> tuple[int, ...]:
    """MXNet's samplers give ``(1,)`` when no shape is set."""
    return shape or (1,)


def _gamma_poisson(rng, mu, alpha, size):
    """Poisson draws whose rates are Gamma(1 / alpha, scale mu * alpha): mean mu, variance
    mu + alpha mu^2 (rate mu itself where alpha is 0)."""
    mu, alpha = np.asarray(mu, np.float64), np.asarray(alpha, np.float64)
    mixed = alpha > 0
    safe = np.where(mixed, alpha, 1.0)
    rate = np.where(mixed, rng.gamma(1 / safe, mu * safe, size), mu)
    return rng.poisson(rate)


# name, scalar attributes with defaults, array input names of the _sample_ form, draw(rng, *params,
# size), extra aliases of the _random_ form, docstring (formula and parameters).
DISTRIBUTIONS: list[tuple] = [
    (
        "uniform",
        (("low", 0.0), ("high", 1.0)),
        ("low", "high"),
        lambda rng, low, high, size: rng.uniform(low, high, size),
        ("uniform",),
        "uniform distribution on ``[low, high)``",
    ),
    (
        "normal",
        (("loc", 0.0), ("scale", 1.0)),
        ("mu", "sigma"),
        lambda rng, loc, scale, size: rng.normal(loc, scale, size),
        ("normal",),
        "normal distribution with mean ``loc`` and standard deviation ``scale``",
    ),
    (
        "gamma",
        (("alpha", 1.0), ("beta", 1.0)),
        ("alpha", "beta"),
        lambda rng, alpha, beta, size: rng.gamma(alpha, beta, size),
        (),
        "gamma distribution with shape ``alpha`` and scale ``beta``",
    ),
    (
        "exponential",
        (("lam", 1.0),),
        ("lam",),
        lambda rng, lam, size: rng.exponential(1.0 / np.asarray(lam), size),
        (),
        "exponential distribution with rate ``lam`` (mean ``1 / lam``)",
    ),
    (
        "poisson",
        (("lam", 1.0),),
        ("lam",),
        lambda rng, lam, size: rng.poisson(lam, size),
        (),
        "Poisson distribution with rate ``lam``, as floating point values",
    ),
    (
        "negative_binomial",
        (("k", 1.0), ("p", 1.0)),
        ("k", "p"),
        lambda rng, k, p, size: rng.negative_binomial(k, p, size),
        (),
        "negative binomial distribution: failures before the ``k``-th success of trials "
        "succeeding with probability ``p``, as floating point values",
    ),
    (
        "generalized_negative_binomial",
        (("mu", 1.0), ("alpha", 1.0)),
        ("mu", "alpha"),
        lambda rng, mu, alpha, size: _gamma_poisson(rng, mu, alpha, size),
        (),
        "generalized negative binomial distribution: Poisson counts whose rate is gamma "
        "distributed with mean ``mu`` and dispersion ``alpha`` (``alpha = 0``: Poisson(mu))",
    ),
]


def _counts(v: np.ndarray) -> bool:
    return bool(np.all((v >= 0) & (v == np.round(v))))


# Whether values are possible draws of each distribution (closed bounds: float rounding may reach
# an open bound), given its parameters broadcast to the values' shape.
_SUPPORT: dict[str, Callable[..., bool]] = {
    "uniform": lambda v, low, high: bool(np.all((v >= low) & (v <= high))),
    "normal": lambda v, loc, scale: bool(np.all(np.isfinite(v))),
    "gamma": lambda v, alpha, beta: bool(np.all(v >= 0)),
    "exponential": lambda v, lam: bool(np.all(v >= 0)),
    "poisson": lambda v, lam: _counts(v),
    "negative_binomial": lambda v, k, p: _counts(v),
    "generalized_negative_binomial": lambda v, mu, alpha: _counts(v),
}

# Distributions ONNX has no sampler for (the ONNX lowerings raise; see export/lowering/random.py).
NO_ONNX = {
    "gamma": "ONNX has no gamma sampler (its rejection sampling loops per draw)",
    "poisson": "ONNX has no Poisson sampler (inversion needs a rate-dependent number of terms)",
    "negative_binomial": "ONNX has no negative binomial sampler (it needs gamma and Poisson draws)",
    "generalized_negative_binomial": "ONNX has no negative binomial sampler (it needs gamma and "
    "Poisson draws)",
}


class _Random(Op):
    """Family base: ops that draw values; no gradient flows through them. ``in_support(outputs,
    inputs, attrs)`` says whether outputs are possible draws (tests of lowered random ops, which
    cannot compare values, check it).
    """

    inputs = ()
    differentiable = False
    deterministic = False


def _declare_random(name: str, params: tuple, draw: Callable, aliases: tuple, doc: str) -> None:
    """``_random_<name>``: ``shape`` values from the distribution with scalar parameters."""
    names = [p for p, _ in params]

    def infer(in_shapes, in_dtypes, shape, dtype, **attrs):
        return [], [sample_size(shape)], [np.dtype(np.float32) if dtype is None else dtype]

    def forward(saved, shape, ctx, dtype, **attrs):
        out = draw(_random.generator(), *(attrs[p] for p in names), sample_size(shape))
        return out.astype(np.float32 if dtype is None else dtype)

    def samples(rng):
        return [Sample([], {"shape": (200, 3)}), Sample([], {"dtype": "float64"})]

    def in_support(outputs, inputs, attrs):
        return _SUPPORT[name](outputs[0], *(attrs[p] for p in names))

    body = {
        "name": f"_random_{name}",
        "aliases": (f"random_{name}",) + aliases,
        "attrs": tuple(Attr(p, "float", d) for p, d in params)
        + (Attr("shape", "shape", ()), CTX, Attr("dtype", "dtype?", None, choices=_FLOATS)),
        "__doc__": f"Samples of the {doc}.\n\nParameters: {', '.join(names)}; ``shape`` of the "
        "output (default ``(1,)``); ``dtype`` (float16, float32, float64; default float32); "
        "``ctx`` (CPU only).",
        "infer": infer,
        "forward": forward,
        "samples": samples,
        "in_support": in_support,
        "xfail": {"onnx": NO_ONNX[name]} if name in NO_ONNX else {},
    }
    register(type(body["name"], (_Random,), body))


def _declare_like(name: str, params: tuple, draw: Callable, doc: str) -> None:
    """``_random_<name>_like``: as many values as ``data`` has, in its shape and dtype."""
    names = [p for p, _ in params]

    def infer(in_shapes, in_dtypes, **attrs):
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    def forward(saved, x, **attrs):
        out = draw(_random.generator(), *(attrs[p] for p in names), x.shape)
        return out.astype(x.dtype)

    def samples(rng):
        return [Sample([np.zeros((40, 5))])]

    def in_support(outputs, inputs, attrs):
        return _SUPPORT[name](outputs[0], *(attrs[p] for p in names))

    body = {
        "name": f"_random_{name}_like",
        "inputs": ("data",),
        "attrs": tuple(Attr(p, "float", d) for p, d in params),
        "__doc__": f"Samples of the {doc}, of the shape and dtype of ``data`` (whose values are "
        f"not read).\n\nParameters: {', '.join(names)}.",
        "check_eager": False,
        "infer": infer,
        "forward": forward,
        "samples": samples,
        "in_support": in_support,
        "xfail": {"onnx": NO_ONNX[name]} if name in NO_ONNX else {},
    }
    register(type(body["name"], (_Random,), body))


def _declare_sample(name: str, inputs: tuple, draw: Callable, doc: str) -> None:
    """``_sample_<name>``: ``shape`` values per element of equally shaped parameter arrays."""
    op_name = f"_sample_{name}"

    def infer(in_shapes, in_dtypes, shape, dtype):
        known = [tuple(s) for s in in_shapes if s is not None]
        if any(s != known[0] for s in known[1:]):
            given = ", ".join(f"{n}{s}" for n, s in zip(inputs, known))
            raise ShapeError(f"{op_name}: parameter arrays must have one shape, got {given}")
        out = None if not known else known[0] + shape
        return in_shapes, [out], [in_dtypes[0] if dtype is None else dtype]

    def forward(saved, *params, shape, dtype):
        tail = (1,) * len(shape)
        args = [p.reshape(p.shape + tail) for p in params]
        out = draw(_random.generator(), *args, params[0].shape + shape)
        return out.astype(params[0].dtype if dtype is None else dtype)

    def samples(rng):
        values = [rng.uniform(1.0, 2.0, (2, 3)) for _ in inputs]
        values[-1] = values[0] + values[-1] if name == "uniform" else values[-1]
        values[-1] = values[-1] / 2 if name == "negative_binomial" else values[-1]  # p <= 1
        return [Sample(values, {"shape": (50,)}), Sample(values)]

    def in_support(outputs, params, attrs):
        tail = (1,) * len(attrs["shape"])
        return _SUPPORT[name](outputs[0], *(p.reshape(p.shape + tail) for p in params))

    body = {
        "name": op_name,
        "aliases": (f"sample_{name}",),
        "inputs": inputs,
        "attrs": (Attr("shape", "shape", ()), Attr("dtype", "dtype?", None, choices=_FLOATS)),
        "__doc__": f"Samples of the {doc}, with one parameter value per element of the "
        f"inputs {', '.join(inputs)} (all of one shape). The output has shape "
        "``parameter.shape + shape``; ``dtype`` defaults to the parameters'.",
        "infer": infer,
        "forward": forward,
        "samples": samples,
        "in_support": in_support,
        "xfail": {"onnx": NO_ONNX[name]} if name in NO_ONNX else {},
    }
    register(type(op_name, (_Random,), body))


for _name, _params, _inputs, _draw, _aliases, _doc in DISTRIBUTIONS:
    _declare_random(_name, _params, _draw, _aliases, _doc)
    _declare_like(_name, _params, _draw, _doc)
    _declare_sample(_name, _inputs, _draw, _doc)


@register
class RandomRandint(_Random):
    """Integers drawn uniformly from ``[low, high)``.

    Parameters: ``low``, ``high`` (required); ``shape`` (default ``(1,)``); ``dtype`` (int32 or
    int64; default int32); ``ctx`` (CPU only).
    """

    name = "_random_randint"
    aliases = ("random_randint", "randint")
    attrs = (
        Attr("low", "int"),
        Attr("high", "int"),
        Attr("shape", "shape", ()),
        CTX,
        Attr("dtype", "dtype?", None, choices=(np.int32, np.int64)),
    )

    def infer(in_shapes, in_dtypes, low, high, shape, ctx, dtype):
        if low >= high:
            raise AttrError(f"_random_randint: low={low} must be below high={high}")
        return [], [sample_size(shape)], [np.dtype(np.int32) if dtype is None else dtype]

    def forward(saved, low, high, shape, ctx, dtype):
        out = _random.generator().integers(low, high, sample_size(shape))
        return out.astype(np.int32 if dtype is None else dtype)

    def samples(rng):
        return [
            Sample([], {"low": -3, "high": 7, "shape": (100,)}),
            Sample([], {"low": 0, "high": 2, "dtype": "int64"}),
        ]

    def in_support(outputs, inputs, attrs):
        return bool(np.all((outputs[0] >= attrs["low"]) & (outputs[0] < attrs["high"])))


@register
class SampleMultinomial(Op):
    """Category indices drawn from the distributions ``data[..., :]`` (probabilities over the
    last axis, each summing to 1).

    Output shape ``data.shape[:-1] + shape``, and ``shape`` (or ``(1,)``) for 1-D ``data``.
    ``get_prob`` adds a second output, the log-probability of each drawn index, whose gradient
    reaches ``data`` as ``1 / p`` at the drawn index (the score-function estimator MXNet
    provides). ``dtype`` of the indices: int32 (default), uint8, float16, float32, float64.
    """

    name = "_sample_multinomial"
    aliases = ("sample_multinomial", "multinomial")
    deterministic = False
    attrs = (
        Attr("shape", "shape", ()),
        Attr("get_prob", "bool", False),
        Attr("dtype", "dtype", np.dtype(np.int32), choices=_FLOATS + (np.int32, np.uint8)),
    )

    def num_outputs(attrs):
        return 2 if attrs["get_prob"] else 1

    def infer(in_shapes, in_dtypes, shape, get_prob, dtype):
        data = in_shapes[0]
        out = None
        if data is not None:
            out = tuple(data[:-1]) + shape if len(data) > 1 else sample_size(shape)
        return in_shapes, [out] * (1 + get_prob), [dtype, in_dtypes[0]][: 1 + get_prob]

    def forward(saved, p, shape, get_prob, dtype):
        k, batch = p.shape[-1], p.shape[:-1]
        extra = shape if shape or p.ndim > 1 else (1,)
        probs = p.reshape(batch + (1,) * len(extra) + (k,))  # (*batch, 1..., k)
        u = _random.generator().random(batch + extra)
        cdf = np.cumsum(probs, axis=-1)
        # NOTE: rounding can leave cdf[-1] just below u; such draws take the last category.
        idx = np.minimum((u[..., None] >= cdf).sum(axis=-1), k - 1)
        if not get_prob:
            return idx.astype(dtype)
        picked = np.take_along_axis(probs, idx[..., None], axis=-1)[..., 0]
        saved.idx, saved.picked, saved.p_shape = idx, picked, p.shape
        return idx.astype(dtype), np.log(picked)

    def vjp(saved, gidx, gprob=None, **attrs):
        if gprob is None:
            return (None,)
        k = saved.p_shape[-1]
        onehot = saved.idx[..., None] == np.arange(k)  # (*batch, *extra, k)
        g = onehot * (gprob / saved.picked)[..., None]
        lead = len(saved.p_shape) - 1
        return (g.sum(axis=tuple(range(lead, g.ndim - 1))).reshape(saved.p_shape),)

    def samples(rng):
        p = rng.uniform(0.2, 1.0, (3, 4))
        p /= p.sum(axis=-1, keepdims=True)
        return [
            Sample([p], {"shape": (5,), "get_prob": True}),
            Sample([p[0]], {"get_prob": True}),
            Sample([p], {"shape": (2,), "get_prob": True, "dtype": "float32"}),
            Sample([p], grad=()),
        ]

    def in_support(outputs, inputs, attrs):
        """Indices are categories ``[0, k)``; the log-probabilities are those of the indices."""
        p = inputs[0]
        idx = outputs[0]
        if not np.all((idx >= 0) & (idx < p.shape[-1]) & (idx == np.round(idx))):
            return False
        if not attrs["get_prob"]:
            return True
        extra = idx.ndim - (p.ndim - 1)
        probs = p.reshape(p.shape[:-1] + (1,) * extra + p.shape[-1:])
        picked = np.take_along_axis(probs, idx.astype(np.intp)[..., None], axis=-1)[..., 0]
        return bool(np.allclose(outputs[1], np.log(picked), rtol=1e-5, atol=1e-6))


@register
class Shuffle(_Random):
    """``data`` with its first axis randomly permuted (a copy; the same shape and dtype)."""

    name = "_shuffle"
    aliases = ("shuffle",)
    inputs = ("data",)
    xfail = {"onnx": "ONNX has no random permutation: the _shuffle lowering raises by design"}

    def infer(in_shapes, in_dtypes):
        if in_shapes[0] is not None and len(in_shapes[0]) == 0:
            raise ShapeError("_shuffle: data has shape (), expected at least 1 dim")
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    def forward(saved, x):
        return x[_random.generator().permutation(x.shape[0])]

    def samples(rng):
        return [Sample([rng.normal(size=(6, 2))]), Sample([np.arange(5.0)])]

    def in_support(outputs, inputs, attrs):
        """The rows are the data's rows in some order."""
        rows = [a.reshape(a.shape[0], -1) for a in (outputs[0], inputs[0])]
        return bool(np.array_equal(*(r[np.lexsort(r.T[::-1])] for r in rows)))
