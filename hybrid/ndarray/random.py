"""``nd.random``: MXNet's sampling functions over the registered random ops.

A distribution's parameters are either all numbers (one distribution, ``shape`` samples: the
``_random_*`` op) or all arrays of one shape (one distribution per element, ``shape`` samples
each: the ``_sample_*`` op), as in MXNet. Everything draws from ``hybrid.random``, so
``hybrid.random.seed(n)`` makes it reproducible.

The functions are built by :func:`functions` for a front end (the array type and how to call an
op), so ``sym.random`` (``hybrid/symbol/random.py``) has the same functions over Symbols without a
second copy of the parameter handling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ..base import HybridError
from ..context import Context, current_context
from ..ops.registry import get_op, invoke
from . import namespace as _namespace
from .ndarray import NDArray

__all__: list[str] = ["current_context"]


class Frontend(NamedTuple):
    """What a namespace of random functions works on: its array type, and ``call(op, inputs,
    attrs, out, name)`` running (or tracing) a registered op.
    """

    array_type: type
    call: Callable[..., Any]


def _context(ctx: Any) -> str:
    if isinstance(ctx, str):
        return ctx
    ctx = current_context() if ctx is None else Context(ctx)
    ctx.check_backend()
    return str(ctx)


def functions(front: Frontend) -> dict[str, Callable[..., Any]]:  # noqa: C901 - one namespace
    """MXNet's ``random`` functions for ``front`` (see the module docstring)."""

    def _call(name: str, inputs: list, out: Any, **attrs: Any) -> Any:
        op = get_op(name)
        label = attrs.pop("name", None)
        clean = op.parse_attrs({k: v for k, v in attrs.items() if v is not None})
        return front.call(op, inputs, clean, out, label)

    def _sample(dist: str, params: dict, shape, dtype, ctx, out, kwargs: dict) -> Any:
        """The ``_random_<dist>`` op for number parameters, ``_sample_<dist>`` for arrays."""
        is_array = [isinstance(v, front.array_type) for v in params.values()]
        if all(is_array):
            return _call(f"_sample_{dist}", list(params.values()), out, shape=shape,
                         dtype=dtype, **kwargs)
        if any(is_array):
            kinds = ", ".join(f"{k}: {type(v).__name__}" for k, v in params.items())
            raise HybridError(
                f"random.{dist}: parameters must be all numbers or all arrays, got {kinds}"
            )
        return _call(f"_random_{dist}", [], out, shape=shape, dtype=dtype, ctx=_context(ctx),
                     **params, **kwargs)

    def uniform(low=0, high=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
        """Samples from the uniform distribution on ``[low, high)``; ``shape`` samples (default
        ``(1,)``) per distribution. ``dtype`` defaults to float32.

        Examples
        --------
        >>> import hybrid as mx
        >>> mx.nd.random.uniform(-1, 1, shape=(2, 3)).shape
        (2, 3)
        """
        return _sample("uniform", {"low": low, "high": high}, shape, dtype, ctx, out, kwargs)

    def normal(loc=0, scale=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
        """Samples from the normal distribution with mean ``loc`` and standard deviation
        ``scale``.

        Examples
        --------
        >>> import hybrid as mx
        >>> mx.nd.random.normal(0, 1, shape=(4,)).shape
        (4,)
        """
        return _sample("normal", {"loc": loc, "scale": scale}, shape, dtype, ctx, out, kwargs)

    def randn(*shape, loc=0, scale=1, dtype=None, ctx=None, out=None, **kwargs):
        """``normal(loc, scale, shape)`` with the shape given as positional arguments."""
        return normal(loc, scale, shape or None, dtype, ctx, out, **kwargs)

    def gamma(alpha=1, beta=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
        """Samples from the gamma distribution with shape ``alpha`` and scale ``beta``."""
        return _sample("gamma", {"alpha": alpha, "beta": beta}, shape, dtype, ctx, out, kwargs)

    def exponential(scale=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
        """Samples from the exponential distribution with mean ``scale`` (rate
        ``1 / scale``)."""
        return _sample("exponential", {"lam": 1.0 / scale}, shape, dtype, ctx, out, kwargs)

    def poisson(lam=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
        """Samples from the Poisson distribution with rate ``lam``, as floating point values."""
        return _sample("poisson", {"lam": lam}, shape, dtype, ctx, out, kwargs)

    def negative_binomial(k=1, p=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
        """Samples from the negative binomial distribution: failures before the ``k``-th
        success of trials that succeed with probability ``p`` (floating point values).

        Examples
        --------
        >>> import hybrid as mx
        >>> x = mx.nd.random.negative_binomial(k=3, p=0.4, shape=(5,))
        >>> x.shape, bool((x.asnumpy() >= 0).all())
        ((5,), True)
        """
        return _sample("negative_binomial", {"k": k, "p": p}, shape, dtype, ctx, out, kwargs)

    def generalized_negative_binomial(mu=1, alpha=1, shape=None, dtype=None, ctx=None,
                                      out=None, **kwargs):
        """Samples from the generalized negative binomial distribution: Poisson counts whose
        rate is gamma distributed with mean ``mu`` and dispersion ``alpha`` (variance
        ``mu + alpha * mu^2``)."""
        params = {"mu": mu, "alpha": alpha}
        return _sample("generalized_negative_binomial", params, shape, dtype, ctx, out, kwargs)

    def randint(low, high, shape=None, dtype=None, ctx=None, out=None, **kwargs):
        """Integers drawn uniformly from ``[low, high)``; ``dtype`` int32 (default) or int64.

        Examples
        --------
        >>> import hybrid as mx
        >>> x = mx.nd.random.randint(0, 3, shape=(5,))
        >>> bool(((x.asnumpy() >= 0) & (x.asnumpy() < 3)).all())
        True
        """
        return _call("_random_randint", [], out, low=low, high=high, shape=shape, dtype=dtype,
                     ctx=_context(ctx), **kwargs)

    def multinomial(data, shape=None, get_prob=False, out=None, dtype="int32", **kwargs):
        """Category indices drawn from the probabilities ``data[..., :]``; with ``get_prob``,
        also the log-probability of each draw (differentiable with respect to ``data``).
        """
        return _call("_sample_multinomial", [data], out, shape=shape, get_prob=get_prob,
                     dtype=dtype, **kwargs)

    def shuffle(data, **kwargs):
        """A copy of ``data`` with its first axis randomly permuted."""
        return _call("_shuffle", [data], kwargs.pop("out", None), **kwargs)

    return {f.__name__: f for f in (
        uniform, normal, randn, gamma, exponential, poisson, negative_binomial,
        generalized_negative_binomial, randint, multinomial, shuffle,
    )}


def _nd_call(op: Any, inputs: list, attrs: dict, out: Any, name: Any) -> Any:
    return invoke(op, inputs, attrs, out)


_FUNCTIONS = functions(Frontend(NDArray, _namespace.legacy_call("nd.random")))
globals().update(_FUNCTIONS)
__all__ += list(_FUNCTIONS)

# The registered ``_random_*_like`` ops (``uniform_like``...), as MXNet shows them here.
_namespace.populate_subspace(globals(), __all__, "random", checked="nd")
