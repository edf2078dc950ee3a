"""``nd.random``: MXNet's sampling functions over the registered random ops.

A distribution's parameters are either all numbers (one distribution, ``shape`` samples: the
``_random_*`` op) or all NDArrays of one shape (one distribution per element, ``shape`` samples
each: the ``_sample_*`` op), as in MXNet. Everything draws from ``hybrid.random``, so
``hybrid.random.seed(n)`` makes it reproducible.
"""

from __future__ import annotations

from typing import Any

from ..base import HybridError
from ..context import Context, current_context
from ..ops.registry import get_op, invoke
from . import namespace as _namespace
from .ndarray import NDArray

__all__ = [
    "uniform",
    "normal",
    "randn",
    "gamma",
    "exponential",
    "poisson",
    "randint",
    "multinomial",
    "shuffle",
]


def _call(name: str, inputs: list, out: Any, **attrs: Any) -> Any:
    op = get_op(name)
    return invoke(
        op, inputs, op.parse_attrs({k: v for k, v in attrs.items() if v is not None}), out
    )


def _context(ctx: Any) -> str:
    if isinstance(ctx, str):
        return ctx
    ctx = current_context() if ctx is None else Context(ctx)
    ctx.check_backend()
    return str(ctx)


def _sample(dist: str, params: dict, shape: Any, dtype: Any, ctx: Any, out: Any, kwargs: dict):
    """The ``_random_<dist>`` op for number parameters, ``_sample_<dist>`` for NDArrays."""
    is_array = [isinstance(v, NDArray) for v in params.values()]
    if all(is_array):
        return _call(f"_sample_{dist}", list(params.values()), out, shape=shape, dtype=dtype)
    if any(is_array):
        kinds = ", ".join(f"{k}: {type(v).__name__}" for k, v in params.items())
        raise HybridError(
            f"random.{dist}: parameters must be all numbers or all NDArrays, got {kinds}"
        )
    return _call(
        f"_random_{dist}", [], out, shape=shape, dtype=dtype, ctx=_context(ctx), **params, **kwargs
    )


def uniform(
    low: Any = 0,
    high: Any = 1,
    shape: Any = None,
    dtype: Any = None,
    ctx: Any = None,
    out: Any = None,
    **kwargs: Any,
) -> NDArray:
    """Samples from the uniform distribution on ``[low, high)``; ``shape`` samples (default
    ``(1,)``) per distribution. ``dtype`` defaults to float32.

    Examples
    --------
    >>> import hybrid as mx
    >>> mx.nd.random.uniform(-1, 1, shape=(2, 3)).shape
    (2, 3)
    """
    return _sample("uniform", {"low": low, "high": high}, shape, dtype, ctx, out, kwargs)


def normal(
    loc: Any = 0,
    scale: Any = 1,
    shape: Any = None,
    dtype: Any = None,
    ctx: Any = None,
    out: Any = None,
    **kwargs: Any,
) -> NDArray:
    """Samples from the normal distribution with mean ``loc`` and standard deviation
    ``scale``.

    Examples
    --------
    >>> import hybrid as mx
    >>> mx.nd.random.normal(0, 1, shape=(4,)).shape
    (4,)
    """
    return _sample("normal", {"loc": loc, "scale": scale}, shape, dtype, ctx, out, kwargs)


def randn(
    *shape: int,
    loc: Any = 0,
    scale: Any = 1,
    dtype: Any = None,
    ctx: Any = None,
    out: Any = None,
    **kwargs: Any,
) -> NDArray:
    """``normal(loc, scale, shape)`` with the shape given as positional arguments."""
    return normal(loc, scale, shape or None, dtype, ctx, out, **kwargs)


def gamma(
    alpha: Any = 1,
    beta: Any = 1,
    shape: Any = None,
    dtype: Any = None,
    ctx: Any = None,
    out: Any = None,
    **kwargs: Any,
) -> NDArray:
    """Samples from the gamma distribution with shape ``alpha`` and scale ``beta``."""
    return _sample("gamma", {"alpha": alpha, "beta": beta}, shape, dtype, ctx, out, kwargs)


def exponential(
    scale: Any = 1,
    shape: Any = None,
    dtype: Any = None,
    ctx: Any = None,
    out: Any = None,
    **kwargs: Any,
) -> NDArray:
    """Samples from the exponential distribution with mean ``scale`` (rate ``1 / scale``)."""
    return _sample("exponential", {"lam": 1.0 / scale}, shape, dtype, ctx, out, kwargs)


def poisson(
    lam: Any = 1,
    shape: Any = None,
    dtype: Any = None,
    ctx: Any = None,
    out: Any = None,
    **kwargs: Any,
) -> NDArray:
    """Samples from the Poisson distribution with rate ``lam``, as floating point values."""
    return _sample("poisson", {"lam": lam}, shape, dtype, ctx, out, kwargs)


def randint(
    low: int,
    high: int,
    shape: Any = None,
    dtype: Any = None,
    ctx: Any = None,
    out: Any = None,
    **kwargs: Any,
) -> NDArray:
    """Integers drawn uniformly from ``[low, high)``; ``dtype`` int32 (default) or int64.

    Examples
    --------
    >>> import hybrid as mx
    >>> x = mx.nd.random.randint(0, 3, shape=(5,))
    >>> bool(((x.asnumpy() >= 0) & (x.asnumpy() < 3)).all())
    True
    """
    return _call(
        "_random_randint",
        [],
        out,
        low=low,
        high=high,
        shape=shape,
        dtype=dtype,
        ctx=_context(ctx),
        **kwargs,
    )


def multinomial(
    data: NDArray,
    shape: Any = None,
    get_prob: bool = False,
    out: Any = None,
    dtype: Any = "int32",
    **kwargs: Any,
) -> NDArray | list:
    """Category indices drawn from the probabilities ``data[..., :]``; with ``get_prob``, also
    the log-probability of each draw (differentiable with respect to ``data``).
    """
    return _call(
        "_sample_multinomial", [data], out, shape=shape, get_prob=get_prob, dtype=dtype, **kwargs
    )


def shuffle(data: NDArray, **kwargs: Any) -> NDArray:
    """A copy of ``data`` with its first axis randomly permuted."""
    return _call("_shuffle", [data], kwargs.pop("out", None), **kwargs)


# The registered ``_random_*_like`` ops (``uniform_like``...), as MXNet shows them here.
_namespace.populate_subspace(globals(), __all__, "random")
