"""BatchNorm's training path (Note [BatchNorm in training]) against the generic moments path.

With ``output_mean_var=True`` BatchNorm runs the shared standardisation of every normalisation
op; without it, the dedicated two-reduction path. Both must give the same output, gradients and
running statistics.
"""

from __future__ import annotations

import numpy as np
import pytest

import hybrid
from hybrid import autograd

nd = hybrid.nd


def _train_step(x, gamma, beta, head, output_mean_var, **attrs):
    args = [nd.array(a, dtype=a.dtype) for a in (x, gamma, beta)]
    stats = [nd.array(f(gamma.shape, x.dtype), dtype=x.dtype) for f in (np.zeros, np.ones)]
    for a in args:
        a.attach_grad()
    with autograd.record():
        out = nd.BatchNorm(*args, *stats, output_mean_var=output_mean_var, **attrs)
        y = out[0] if output_mean_var else out
        loss = (y * nd.array(head, dtype=head.dtype)).sum()
    loss.backward()
    return [y.asnumpy(), *(a.grad.asnumpy() for a in args), *(s.asnumpy() for s in stats)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape,axis,fix_gamma",
    [((8, 4, 6, 5), 1, False), ((8, 4, 6, 5), 1, True), ((6, 3, 7), -1, False), ((5, 3), 1, False)],
)
def test_training_path_matches_generic_moments(shape, axis, fix_gamma, dtype):
    rng = np.random.default_rng(4)
    c = shape[axis]
    x = (rng.normal(size=shape) * 3 + 2).astype(dtype)
    gamma, beta = rng.uniform(0.5, 1.5, c).astype(dtype), rng.normal(size=c).astype(dtype)
    head = rng.normal(size=shape).astype(dtype)
    attrs = dict(axis=axis, fix_gamma=fix_gamma, momentum=0.8)
    fast = _train_step(x, gamma, beta, head, False, **attrs)
    generic = _train_step(x, gamma, beta, head, True, **attrs)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    names = ("y", "dx", "dgamma", "dbeta", "moving_mean", "moving_var")
    for name, f, g in zip(names, fast, generic):
        assert f.dtype == dtype, name
        np.testing.assert_allclose(f, g, rtol=tol, atol=tol * max(1, np.abs(g).max()), err_msg=name)
    if fix_gamma:
        assert not fast[2].any()
