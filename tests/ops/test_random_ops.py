"""Random ops: reproducibility under ``hybrid.random.seed``, rough moments, shapes and dtypes as
MXNet's, and error messages.
"""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid.base import AttrError, HybridError, ShapeError

nd = mx.nd
N = 20000


def _draw_everything():
    probs = nd.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])
    return [
        nd.random.uniform(shape=(3, 4)),
        nd.random.normal(2, 3, shape=(5,)),
        nd.random.randint(0, 100, shape=(6,)),
        nd.random.gamma(2, 1, shape=(4,)),
        nd.random.exponential(2, shape=(4,)),
        nd.random.poisson(3, shape=(4,)),
        nd.random.multinomial(probs, shape=4),
        nd.random.shuffle(nd.arange(10)),
        nd.random_normal(shape=(2, 2)),
        nd.Dropout(nd.ones((4, 4)), mode="always"),
    ]


def test_seed_makes_every_random_op_reproducible():
    mx.random.seed(42)
    first = [a.asnumpy() for a in _draw_everything()]
    mx.random.seed(42)
    again = [a.asnumpy() for a in _draw_everything()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    different = [a.asnumpy() for a in _draw_everything()]
    assert not np.array_equal(first[0], different[0])


def test_seed_example_call_gives_float32_normal_data():
    x = nd.random_normal(shape=(10, 1, 32, 32))
    assert x.shape == (10, 1, 32, 32) and x.dtype == np.float32


@pytest.mark.parametrize(
    "draw,mean,var",
    [
        (lambda: nd.random.uniform(2, 5, shape=(N,)), 3.5, 0.75),
        (lambda: nd.random.normal(-1, 2, shape=(N,)), -1.0, 4.0),
        (lambda: nd.random.exponential(0.5, shape=(N,)), 0.5, 0.25),
        (lambda: nd.random.gamma(3, 2, shape=(N,)), 6.0, 12.0),
        (lambda: nd.random.poisson(4, shape=(N,)), 4.0, 4.0),
        (lambda: nd.random.randint(0, 10, shape=(N,)), 4.5, 8.25),
    ],
)
def test_moments_are_roughly_right(draw, mean, var):
    mx.random.seed(0)
    x = draw().asnumpy().astype(np.float64)
    # NOTE: 20000 draws: the sample mean is within ~4 standard errors with overwhelming odds.
    assert abs(x.mean() - mean) < 4 * np.sqrt(var / N)
    assert abs(x.var() / var - 1) < 0.08


def test_uniform_and_randint_stay_in_range_with_mxnet_dtypes():
    u = nd.random.uniform(-1, 1, shape=(1000,))
    assert u.dtype == np.float32 and u.asnumpy().min() >= -1 and u.asnumpy().max() < 1
    r = nd.random.randint(-2, 3, shape=(1000,))
    assert r.dtype == np.int32 and set(np.unique(r.asnumpy())) == {-2, -1, 0, 1, 2}
    assert nd.random.randint(0, 5, dtype="int64").dtype == np.int64
    assert nd.random.normal(dtype="float64").dtype == np.float64
    assert nd.random.uniform().shape == (1,)


def test_array_parameters_draw_one_distribution_per_element():
    mx.random.seed(1)
    loc = nd.array([[0.0, 10.0], [-10.0, 100.0]])
    x = nd.random.normal(loc, nd.array(np.full((2, 2), 0.1)), shape=500)
    assert x.shape == (2, 2, 500)
    np.testing.assert_allclose(x.asnumpy().mean(axis=-1), loc.asnumpy(), atol=0.05)
    like = nd._random_uniform_like(nd.zeros((3, 7)), low=5, high=6)
    assert like.shape == (3, 7) and (like.asnumpy() >= 5).all()


def test_multinomial_frequencies_and_log_probabilities():
    mx.random.seed(2)
    p = np.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])
    idx, logp = nd.random.multinomial(nd.array(p), shape=N, get_prob=True)
    assert idx.shape == logp.shape == (2, N) and idx.dtype == np.int32
    counts = np.stack([np.bincount(row, minlength=3) for row in idx.asnumpy()]) / N
    np.testing.assert_allclose(counts, p, atol=0.02)
    picked = np.take_along_axis(p, idx.asnumpy().astype(int), axis=1)
    np.testing.assert_allclose(logp.asnumpy(), np.log(picked), rtol=1e-6)
    assert nd.random.multinomial(nd.array([0.5, 0.5])).shape == (1,)


def test_shuffle_permutes_the_first_axis():
    mx.random.seed(3)
    x = np.arange(20.0).reshape(10, 2)
    y = nd.random.shuffle(nd.array(x)).asnumpy()
    assert not np.array_equal(y, x)
    np.testing.assert_array_equal(y[np.argsort(y[:, 0])], x)


def test_errors_say_what_is_wrong():
    with pytest.raises(AttrError, match="_random_randint: low=5 must be below high=5"):
        nd.random.randint(5, 5)
    with pytest.raises(HybridError, match="no GPU backend"):
        nd.random.uniform(ctx=mx.gpu(0))
    with pytest.raises(AttrError, match="_random_normal: attribute ctx='gpu"):
        nd.random_normal(shape=(2,), ctx="gpu(0)")
    with pytest.raises(HybridError, match="random.uniform: parameters must be all numbers or all"):
        nd.random.uniform(0, nd.array([1.0]))
    with pytest.raises(ShapeError, match=r"_sample_uniform: parameter arrays must have one shape"):
        nd.random.uniform(nd.zeros((2,)), nd.ones((3,)))
    with pytest.raises(AttrError, match="_random_uniform: attribute dtype"):
        nd.random.uniform(dtype="int32")
