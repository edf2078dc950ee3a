"""mx.np.random: shapes and dtypes as MXNet 1.9.1's, seeding by mx.random.seed, and each
distribution's mean and variance on a large fixed-seed sample."""

from __future__ import annotations

import math

import numpy as onp
import pytest

import hybrid as mx
from hybrid import autograd, np
from hybrid.base import HybridError

N = 20000


def _moments(x):
    x = x.asnumpy().astype(onp.float64)
    return x.mean(), x.var()


# name -> (call, expected mean, expected variance)
DISTRIBUTIONS = {
    "uniform": (lambda: np.random.uniform(-1.0, 3.0, size=N), 1.0, 16 / 12),
    "normal": (lambda: np.random.normal(2.0, 0.5, size=N), 2.0, 0.25),
    "lognormal": (lambda: np.random.lognormal(0.0, 0.5, size=N), math.exp(0.125),
                  (math.exp(0.25) - 1) * math.exp(0.25)),
    "exponential": (lambda: np.random.exponential(2.0, size=N), 2.0, 4.0),
    "gamma": (lambda: np.random.gamma(3.0, 2.0, size=N), 6.0, 12.0),
    "beta": (lambda: np.random.beta(2.0, 3.0, size=N), 0.4, 6 / (25 * 6)),
    "chisquare": (lambda: np.random.chisquare(4.0, size=N), 4.0, 8.0),
    "gumbel": (lambda: np.random.gumbel(1.0, 2.0, size=N), 1.0 + 2.0 * 0.5772156649,
               math.pi ** 2 / 6 * 4),
    "logistic": (lambda: np.random.logistic(1.0, 0.5, size=N), 1.0, math.pi ** 2 / 3 * 0.25),
    "weibull": (lambda: np.random.weibull(2.0, size=N), math.gamma(1.5),
                math.gamma(2.0) - math.gamma(1.5) ** 2),
    "pareto": (lambda: np.random.pareto(5.0, size=N), 1 / 4, 5 / (16 * 3)),
    "power": (lambda: np.random.power(3.0, size=N), 0.75, 3 / 80),
    "rayleigh": (lambda: np.random.rayleigh(2.0, size=N), 2.0 * math.sqrt(math.pi / 2),
                 (4 - math.pi) / 2 * 4),
    "randint": (lambda: np.random.randint(0, 10, size=N), 4.5, 99 / 12),
    "rand": (lambda: np.random.rand(N), 0.5, 1 / 12),
    "randn": (lambda: np.random.randn(N), 0.0, 1.0),
    "choice": (lambda: np.random.choice(4, size=N, p=[0.1, 0.2, 0.3, 0.4]), 2.0, 1.0),
}


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_distribution_moments(name):
    mx.random.seed(7)
    draw, mean, var = DISTRIBUTIONS[name]
    x = draw()
    assert type(x) is np.ndarray and x.shape == (N,)
    got_mean, got_var = _moments(x)
    # Five standard errors of the mean; the variance within 10%.
    assert abs(got_mean - mean) < 5 * math.sqrt(var / N), (got_mean, mean)
    assert abs(got_var - var) < 0.1 * var, (got_var, var)


def test_seed_repeats_draws_and_dtypes_follow_mxnet():
    mx.random.seed(3)
    a = np.random.normal(size=(2, 3))
    mx.random.seed(3)
    b = np.random.normal(size=(2, 3))
    onp.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    assert a.dtype == onp.float32
    assert np.random.uniform().shape == ()
    assert np.random.randint(5, size=2).dtype == onp.int64
    assert np.random.normal(size=2, dtype="float64").dtype == onp.float64
    assert np.random.normal(np.array([0.0, 1.0]), 1.0).shape == (2,)
    assert np.random.multinomial(10, [0.2, 0.8], size=3).shape == (3, 2)


def test_array_parameters_broadcast_and_carry_gradients():
    loc = np.array([0.0, 10.0])
    scale = np.array([1.0, 2.0])
    loc.attach_grad()
    scale.attach_grad()
    with autograd.record():
        y = np.random.normal(loc, scale, size=(5000, 2))
    y.backward()
    onp.testing.assert_allclose(loc.grad.asnumpy(), [5000, 5000])
    z = (y.asnumpy() - onp.array([0.0, 10.0])) / onp.array([1.0, 2.0])
    onp.testing.assert_allclose(scale.grad.asnumpy(), z.sum(axis=0), rtol=1e-4)
    assert abs(y.asnumpy()[:, 1].mean() - 10.0) < 0.2


def test_multinomial_counts_and_choice_without_replacement():
    mx.random.seed(1)
    counts = np.random.multinomial(100, [0.2, 0.3, 0.5], size=400).asnumpy()
    assert (counts.sum(axis=1) == 100).all()
    onp.testing.assert_allclose(counts.mean(axis=0), [20, 30, 50], atol=1.5)
    for p in (None, [0.1, 0.2, 0.3, 0.2, 0.2]):
        picked = np.random.choice(5, size=5, replace=False, p=p).asnumpy()
        assert sorted(picked.tolist()) == [0, 1, 2, 3, 4]
    values = np.random.choice(np.array([10.0, 20.0, 30.0]), size=(4, 2))
    assert values.shape == (4, 2) and set(values.asnumpy().ravel()) <= {10.0, 20.0, 30.0}
    with pytest.raises(HybridError, match="without replacement"):
        np.random.choice(3, size=4, replace=False)


def test_multivariate_normal_covariance_and_shuffle():
    mx.random.seed(2)
    cov = onp.array([[2.0, 0.6], [0.6, 1.0]])
    x = np.random.multivariate_normal(np.array([1.0, -1.0]), np.array(cov), size=20000)
    onp.testing.assert_allclose(onp.cov(x.asnumpy().T), cov, atol=0.08)
    a = np.arange(10.0)
    np.random.shuffle(a)
    assert sorted(a.asnumpy().tolist()) == list(range(10))
    assert a.asnumpy().tolist() != list(range(10))
