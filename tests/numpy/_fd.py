"""Finite-difference gradient check for np functions of np.ndarray inputs (float64)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as onp

from hybrid import autograd, np
from tests.checks import FD_STEP, GRAD_ATOL, GRAD_RTOL


def check_grad(fn: Callable, *inputs: onp.ndarray, seed: int = 0) -> None:
    """Compare autograd's gradient of ``<u, fn(*inputs)>`` with central differences, input by
    input, for a random cotangent ``u``."""
    rng = onp.random.default_rng(seed)
    arrays = [np.array(x) for x in inputs]
    for a in arrays:
        a.attach_grad()
    with autograd.record():
        y = fn(*arrays)
    u = rng.normal(size=y.shape)
    y.backward(np.array(u))

    def value(xs: list) -> float:
        return float(onp.sum(u * fn(*[np.array(x) for x in xs]).asnumpy()))

    for i, a in enumerate(arrays):
        numeric = onp.zeros_like(inputs[i])
        for j in onp.ndindex(inputs[i].shape):
            plus = [x.copy() for x in inputs]
            minus = [x.copy() for x in inputs]
            plus[i][j] += FD_STEP
            minus[i][j] -= FD_STEP
            numeric[j] = (value(plus) - value(minus)) / (2 * FD_STEP)
        onp.testing.assert_allclose(a.grad.asnumpy(), numeric, rtol=GRAD_RTOL, atol=GRAD_ATOL)
