"""``nd.contrib``: contributed ops, generated from the op registry (``_contrib_name`` registry
keys, as MXNet names them), and MXNet's Python-level contrib functions (isnan, isinf, isfinite,
rand_zipfian), which :func:`functions` composes from registered ops for ``nd`` or ``sym``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..context import current_context
from . import namespace as _namespace
from . import random as _random

__all__: list[str] = ["current_context", "uniform"]

uniform = _random.uniform


def functions(F: Any) -> dict[str, Callable[..., Any]]:
    """The composed contrib functions over the namespace ``F`` (``hybrid.nd`` or ``hybrid.sym``,
    looked up at call time)."""

    def isnan(data):
        """1 where ``data`` is NaN, else 0, in ``data``'s dtype.

        Examples
        --------
        >>> import hybrid as mx
        >>> mx.nd.contrib.isnan(mx.nd.array([1.0, float("nan")])).asnumpy().tolist()
        [0.0, 1.0]
        """
        return data != data  # the operator, so an np.ndarray gives its bool array, as in MXNet

    def isinf(data):
        """1 where ``data`` is +inf or -inf, else 0, in ``data``'s dtype."""
        return F._equal_scalar(F.abs(data), scalar=math.inf)

    def isfinite(data):
        """1 where ``data`` is neither NaN nor infinite, else 0, in ``data``'s dtype."""
        return F.broadcast_logical_and(F.broadcast_equal(data, data),
                                       F._not_equal_scalar(F.abs(data), scalar=math.inf))

    def rand_zipfian(true_classes, num_sampled, range_max, ctx=None):
        """``num_sampled`` classes drawn from the log-uniform (Zipfian) distribution over
        ``[0, range_max)``, with the expected counts of ``true_classes`` and of the sampled
        classes: ``(sampled int64, expected_count_true float64, expected_count_sampled
        float64)``, as MXNet's candidate sampler for sampled softmax.
        """
        log_range = math.log(range_max + 1)
        draw = F.random.uniform(0, log_range, shape=(num_sampled,), dtype="float64", ctx=ctx)
        sampled = F._mod_scalar(F.cast(F.expm1(draw), dtype="int64"), scalar=range_max)

        def expected(classes):
            c = F.cast(classes, dtype="float64")
            ratio = F.broadcast_div(F._plus_scalar(c, scalar=2.0), F._plus_scalar(c, scalar=1.0))
            return F._mul_scalar(F.log(ratio), scalar=num_sampled / log_range)

        return sampled, expected(true_classes), expected(sampled)

    return {f.__name__: f for f in (isnan, isinf, isfinite, rand_zipfian)}


_namespace.populate_subspace(globals(), __all__, "contrib", checked="nd")
