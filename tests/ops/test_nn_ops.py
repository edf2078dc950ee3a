"""Forward values of the nn ops against plainly written numpy references, plus their error
messages. Gradients and shape rules are covered by the registry-driven tests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd
from hybrid.base import AttrError, ShapeError

nd = mx.nd


def _arr(x):
    return nd.array(x, dtype=np.float64)


def _away_from_zero(rng, shape):
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1, 1], shape)


@pytest.mark.parametrize(
    "act_type,reference",
    [
        ("relu", lambda x: np.where(x > 0, x, 0.0)),
        ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
        ("tanh", lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))),
        ("softrelu", lambda x: np.log(1 + np.exp(x))),
        ("softsign", lambda x: x / (1 + np.abs(x))),
    ],
)
def test_activation_matches_reference(act_type, reference):
    x = _away_from_zero(np.random.default_rng(0), (3, 5))
    y = nd.Activation(_arr(x), act_type=act_type).asnumpy()
    np.testing.assert_allclose(y, reference(x), rtol=1e-12)


def test_leaky_relu_elementwise_modes():
    x = _away_from_zero(np.random.default_rng(1), (4, 3))
    erf = np.vectorize(math.erf)
    alpha, lam = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    cases = {
        ("leaky", 0.1): np.where(x > 0, x, 0.1 * x),
        ("elu", 0.7): np.where(x > 0, x, 0.7 * (np.exp(x) - 1)),
        ("selu", 0.25): lam * np.where(x > 0, x, alpha * (np.exp(x) - 1)),
        ("gelu", 0.25): 0.5 * x * (1 + erf(x / math.sqrt(2))),
        ("rrelu", 0.25): np.where(x > 0, x, (0.125 + 0.334) / 2 * x),  # inference: mean slope
    }
    for (act_type, slope), expected in cases.items():
        y = nd.LeakyReLU(_arr(x), act_type=act_type, slope=slope).asnumpy()
        np.testing.assert_allclose(y, expected, rtol=1e-6, err_msg=act_type)


def test_leaky_relu_rrelu_training_draws_slopes_within_bounds():
    x = -np.ones((50, 40))
    mx.random.seed(0)
    with autograd.train_mode():
        y = nd.LeakyReLU(_arr(x), act_type="rrelu", lower_bound=0.2, upper_bound=0.3).asnumpy()
    slopes = -y
    assert slopes.min() >= 0.2 and slopes.max() <= 0.3
    assert slopes.std() > 0.01, "rrelu should draw a slope per element in training"


def test_prelu_per_channel_and_shared_gamma():
    rng = np.random.default_rng(2)
    x = _away_from_zero(rng, (2, 3, 4))
    gamma = np.array([0.1, 0.2, 0.3])
    y = nd.LeakyReLU(_arr(x), _arr(gamma), act_type="prelu").asnumpy()
    np.testing.assert_allclose(y, np.where(x > 0, x, gamma[None, :, None] * x))
    shared = nd.LeakyReLU(_arr(x), _arr([0.4]), act_type="prelu").asnumpy()
    np.testing.assert_allclose(shared, np.where(x > 0, x, 0.4 * x))


def test_prelu_gamma_gradient_sums_negative_inputs_per_channel():
    x = _away_from_zero(np.random.default_rng(3), (2, 3, 4))
    data, gamma = _arr(x), _arr([0.1, 0.2, 0.3])
    gamma.attach_grad()
    with autograd.record():
        y = nd.LeakyReLU(data, gamma, act_type="prelu")
    y.backward()
    expected = [x[:, c][x[:, c] < 0].sum() for c in range(3)]
    np.testing.assert_allclose(gamma.grad.asnumpy(), expected)


def _softmax_rows(x, temperature=1.0):
    e = np.exp(x / temperature)
    return e / e.sum(axis=-1, keepdims=True)


def test_softmax_and_log_softmax_with_temperature_and_axis():
    x = np.random.default_rng(4).normal(size=(2, 3, 4)) * 3
    np.testing.assert_allclose(nd.softmax(_arr(x)).asnumpy(), _softmax_rows(x), rtol=1e-12)
    y = nd.softmax(_arr(x), axis=1, temperature=2.0).asnumpy()
    expected = np.moveaxis(_softmax_rows(np.moveaxis(x, 1, -1), 2.0), -1, 1)
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    ly = nd.log_softmax(_arr(x), temperature=0.5).asnumpy()
    np.testing.assert_allclose(ly, np.log(_softmax_rows(x, 0.5)), rtol=1e-10)
    np.testing.assert_allclose(nd.softmin(_arr(x)).asnumpy(), _softmax_rows(-x), rtol=1e-12)


def test_softmax_is_stable_for_large_inputs():
    x = np.array([[1000.0, 1001.0, 1002.0]], dtype=np.float32)
    y = nd.softmax(nd.array(x)).asnumpy()
    np.testing.assert_allclose(y, _softmax_rows(x - 1002.0), rtol=1e-6)
    assert np.isfinite(nd.log_softmax(nd.array(x)).asnumpy()).all()


def test_softmax_with_length_masks_positions_past_the_length():
    x = np.random.default_rng(5).normal(size=(2, 3, 5))
    length = np.array([[1, 5, 3], [2, 4, 5]])
    y = nd.softmax(_arr(x), nd.array(length, dtype=np.int32), use_length=True).asnumpy()
    ly = nd.log_softmax(_arr(x), nd.array(length, dtype=np.int32), use_length=True).asnumpy()
    for b in range(2):
        for r in range(3):
            n = length[b, r]
            expected = np.zeros(5)
            expected[:n] = np.exp(x[b, r, :n]) / np.exp(x[b, r, :n]).sum()
            np.testing.assert_allclose(y[b, r], expected, rtol=1e-12)
            np.testing.assert_allclose(ly[b, r, :n], np.log(expected[:n]), rtol=1e-10)
            assert (ly[b, r, n:] == 0).all()


def test_softmax_dtype_sets_the_output_dtype():
    x = nd.array(np.random.default_rng(6).normal(size=(2, 3)))
    assert x.dtype == np.float32
    assert nd.softmax(x, dtype="float64").dtype == np.float64


def test_dropout_training_scales_kept_values_and_drops_about_p():
    x = np.random.default_rng(7).uniform(1.0, 2.0, (200, 100))
    mx.random.seed(0)
    with autograd.train_mode():
        y = nd.Dropout(_arr(x), p=0.3).asnumpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.7)
    assert abs(1 - kept.mean() - 0.3) < 0.01


def test_dropout_shares_the_mask_along_axes():
    x = np.ones((8, 6, 5))
    mx.random.seed(1)
    with autograd.train_mode():
        y = nd.Dropout(_arr(x), p=0.5, axes=(2,)).asnumpy()
    assert (y == y[:, :, :1]).all(), "the mask must be constant along axis 2"
    assert 0 < (y == 0).mean() < 1


def test_dropout_is_identity_in_inference_and_drops_with_mode_always():
    x = np.random.default_rng(8).uniform(1.0, 2.0, (20, 30))
    with autograd.predict_mode():
        np.testing.assert_array_equal(nd.Dropout(_arr(x), p=0.5).asnumpy(), x)
        y = nd.Dropout(_arr(x), p=0.5, mode="always").asnumpy()
    assert (y == 0).any()


def test_dropout_gradient_is_the_scaled_mask_and_reproducible_under_seed():
    x = _arr(np.ones((10, 10)))
    x.attach_grad()
    mx.random.seed(5)
    with autograd.record():
        y = nd.Dropout(x, p=0.4)
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), y.asnumpy())
    mx.random.seed(5)
    with autograd.train_mode():
        again = nd.Dropout(_arr(np.ones((10, 10))), p=0.4).asnumpy()
    np.testing.assert_array_equal(again, y.asnumpy())


def test_embedding_picks_rows_and_accumulates_repeated_indices():
    rng = np.random.default_rng(9)
    w = rng.normal(size=(5, 3))
    idx = np.array([[0, 4, 4], [2, 0, 4]], dtype=np.float32)
    weight = _arr(w)
    weight.attach_grad()
    with autograd.record():
        y = nd.Embedding(nd.array(idx), weight, input_dim=5, output_dim=3)
    gy = rng.normal(size=(2, 3, 3))
    y.backward(_arr(gy))
    np.testing.assert_array_equal(y.asnumpy(), w[idx.astype(int)])
    expected = np.zeros_like(w)
    for i, row in enumerate(idx.astype(int).ravel()):
        expected[row] += gy.reshape(-1, 3)[i]
    np.testing.assert_allclose(weight.grad.asnumpy(), expected)


@pytest.mark.parametrize("axis", [0, 1])
def test_sequence_mask_both_time_axes(axis):
    x = np.random.default_rng(10).normal(size=(4, 3, 2))
    batch = x.shape[1 - axis]
    length = np.arange(1, batch + 1, dtype=np.float64)
    y = nd.SequenceMask(
        _arr(x), _arr(length), use_sequence_length=True, value=-7.0, axis=axis
    ).asnumpy()
    expected = x.copy()
    for b in range(batch):
        for t in range(x.shape[axis]):
            if t >= length[b]:
                expected[(t, b) if axis == 0 else (b, t)] = -7.0
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(nd.SequenceMask(_arr(x), axis=axis).asnumpy(), x)


def test_smooth_l1_matches_reference():
    x = np.array([-3.0, -0.2, 0.0, 0.1, 0.3, 2.0])
    sigma = 2.0
    inner = np.abs(x) < 1 / sigma**2
    expected = np.where(inner, 0.5 * (sigma * x) ** 2, np.abs(x) - 0.5 / sigma**2)
    np.testing.assert_allclose(nd.smooth_l1(_arr(x), scalar=sigma).asnumpy(), expected)


def test_errors_name_the_op_and_the_shapes():
    x = nd.array(np.ones((2, 3, 5)))
    with pytest.raises(ShapeError, match=r"Embedding: weight has shape \(4, 3\), expected \(5, 3"):
        nd.Embedding(nd.array([1, 2]), nd.array(np.ones((4, 3))), input_dim=5, output_dim=3)
    with pytest.raises(ShapeError, match=r"softmax: length has shape \(2, 5\), expected \(2, 3\)"):
        nd.softmax(x, nd.array(np.ones((2, 5))), use_length=True)
    with pytest.raises(ShapeError, match="softmax: use_length=True needs the length input"):
        nd.softmax(x, use_length=True)
    with pytest.raises(ShapeError, match="LeakyReLU: act_type='prelu' needs the gamma input"):
        nd.LeakyReLU(x, act_type="prelu")
    with pytest.raises(ShapeError, match=r"LeakyReLU: gamma has shape \(2,\), expected \(3,\)"):
        nd.LeakyReLU(x, nd.array([0.1, 0.2]), act_type="prelu")
    with pytest.raises(ShapeError, match=r"SequenceMask: sequence_length has shape \(2,\), exp"):
        nd.SequenceMask(x, nd.array([1, 2]), use_sequence_length=True)
    with pytest.raises(AttrError, match="Activation: attribute act_type='gelu'"):
        nd.Activation(x, act_type="gelu")
    with pytest.raises(AttrError, match="Dropout: attribute p=1.5, expected 0 <= p <= 1"):
        nd.Dropout(x, p=1.5)
    # sparse_grad=True is accepted (the gradient stays dense): same values as without it.
    dense = nd.Embedding(nd.array([1]), nd.array(np.eye(5, 3)), 5, 3, sparse_grad=True)
    np.testing.assert_array_equal(dense.asnumpy(), [[0, 1, 0]])
