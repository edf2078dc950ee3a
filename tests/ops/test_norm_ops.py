"""Forward values of the normalisation ops against plainly written numpy references: BatchNorm in
both modes (with its running-statistics update), LayerNorm, InstanceNorm and GroupNorm, plus
their error messages.
"""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd
from hybrid.base import ShapeError
from hybrid.ops.registry import get_op

nd = mx.nd
sym = mx.sym


def _arr(x):
    return nd.array(x, dtype=np.float64)


def _bn_inputs(rng, c):
    gamma, beta = rng.uniform(0.5, 1.5, c), rng.normal(size=c)
    return gamma, beta, rng.normal(size=c), rng.uniform(0.5, 2.0, c)


def _bn_reference(x, gamma, beta, mean, var, eps, channel_axis):
    """Per-channel loop: the textbook formula, one channel at a time."""
    y = np.empty_like(x)
    for c in range(x.shape[channel_axis]):
        xc = np.take(x, c, axis=channel_axis)
        yc = (xc - mean[c]) / np.sqrt(var[c] + eps) * gamma[c] + beta[c]
        index = [slice(None)] * x.ndim
        index[channel_axis] = c
        y[tuple(index)] = yc
    return y


def _batch_moments(x, channel_axis):
    per_channel = np.moveaxis(x, channel_axis, 0).reshape(x.shape[channel_axis], -1)
    mean = per_channel.mean(axis=1)
    var = ((per_channel - mean[:, None]) ** 2).mean(axis=1)  # biased, as MXNet
    return mean, var


@pytest.mark.parametrize("fix_gamma", [True, False])
def test_batchnorm_training_uses_batch_stats_and_updates_running_stats(fix_gamma):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3, 2, 5)) * 2 + 1
    gamma, beta, rmean, rvar = _bn_inputs(rng, 3)
    arrays = [_arr(a) for a in (x, gamma, beta, rmean, rvar)]
    with autograd.train_mode():
        y = nd.BatchNorm(*arrays, eps=1e-3, momentum=0.8, fix_gamma=fix_gamma).asnumpy()
    mean, var = _batch_moments(x, 1)
    scale = np.ones(3) if fix_gamma else gamma
    np.testing.assert_allclose(y, _bn_reference(x, scale, beta, mean, var, 1e-3, 1), rtol=1e-10)
    np.testing.assert_allclose(arrays[3].asnumpy(), 0.8 * rmean + 0.2 * mean, rtol=1e-12)
    np.testing.assert_allclose(arrays[4].asnumpy(), 0.8 * rvar + 0.2 * var, rtol=1e-12)
    np.testing.assert_array_equal(arrays[1].asnumpy(), gamma)


def test_batchnorm_inference_and_global_stats_use_running_stats_without_updating():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3, 6))
    gamma, beta, rmean, rvar = _bn_inputs(rng, 3)
    expected = _bn_reference(x, gamma, beta, rmean, rvar, 1e-3, 1)
    modes = ((autograd.predict_mode, {}), (autograd.train_mode, {"use_global_stats": True}))
    for mode, kwargs in modes:
        arrays = [_arr(a) for a in (x, gamma, beta, rmean, rvar)]
        with mode():
            y = nd.BatchNorm(*arrays, fix_gamma=False, **kwargs).asnumpy()
        np.testing.assert_allclose(y, expected, rtol=1e-10)
        np.testing.assert_array_equal(arrays[3].asnumpy(), rmean)
        np.testing.assert_array_equal(arrays[4].asnumpy(), rvar)


def test_batchnorm_channel_last_axis_and_mean_var_outputs():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 5))
    gamma, beta, rmean, rvar = _bn_inputs(rng, 5)
    arrays = [_arr(a) for a in (x, gamma, beta, rmean, rvar)]
    with autograd.train_mode():
        y, mean_out, invstd_out = nd.BatchNorm(
            *arrays, axis=-1, fix_gamma=False, output_mean_var=True, eps=1e-5
        )
    mean, var = _batch_moments(x, 2)
    expected = _bn_reference(x, gamma, beta, mean, var, 1e-5, 2)
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(mean_out.asnumpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(invstd_out.asnumpy(), 1 / np.sqrt(var + 1e-5), rtol=1e-12)


def test_batchnorm_fix_gamma_gives_gamma_a_zero_gradient_and_moving_stats_none():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 2, 3))
    gamma, beta, rmean, rvar = (_arr(a) for a in _bn_inputs(rng, 2))
    data = _arr(x)
    for a in (data, gamma, beta, rmean):
        a.attach_grad()
    with autograd.record():
        y = nd.BatchNorm(data, gamma, beta, rmean, rvar)
    y.backward(_arr(rng.normal(size=x.shape)))
    np.testing.assert_array_equal(gamma.grad.asnumpy(), np.zeros(2))
    np.testing.assert_array_equal(rmean.grad.asnumpy(), np.zeros(2))
    assert np.abs(beta.grad.asnumpy()).sum() > 0


def test_batchnorm_infer_completes_parameter_shapes():
    op = get_op("BatchNorm")
    attrs = {**op.parse_attrs({"axis": 1}), "is_train": False}
    in_shapes, out_shapes, _ = op.infer([(2, 7, 4), None, (0,), None, None], [None] * 5, **attrs)
    assert in_shapes[1:] == [(7,)] * 4 and out_shapes == [(2, 7, 4)]


def test_layernorm_matches_reference_with_mean_and_std_outputs():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 4)) * 3
    gamma, beta = rng.uniform(0.5, 1.5, 3), rng.normal(size=3)
    y, mean, std = nd.LayerNorm(_arr(x), _arr(gamma), _arr(beta), axis=1, output_mean_var=True)
    m = x.mean(axis=1, keepdims=True)
    s = np.sqrt(((x - m) ** 2).mean(axis=1, keepdims=True) + 1e-5)
    expected = (x - m) / s * gamma[None, :, None] + beta[None, :, None]
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-10)
    assert mean.shape == std.shape == (2, 1, 4)
    np.testing.assert_allclose(mean.asnumpy(), m, rtol=1e-12)
    np.testing.assert_allclose(std.asnumpy(), s, rtol=1e-12)


def test_instancenorm_normalises_each_sample_and_channel():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 4, 2)) * 2 + 1
    gamma, beta = rng.uniform(0.5, 1.5, 3), rng.normal(size=3)
    y = nd.InstanceNorm(_arr(x), _arr(gamma), _arr(beta), eps=1e-3).asnumpy()
    for n in range(2):
        for c in range(3):
            v = x[n, c]
            expected = (v - v.mean()) / np.sqrt(v.var() + 1e-3) * gamma[c] + beta[c]
            np.testing.assert_allclose(y[n, c], expected, rtol=1e-10)


def test_groupnorm_normalises_channel_groups_with_one_affine_per_group():
    # MXNet 1.9.1's GroupNorm: gamma and beta have shape (num_groups,), one scale per group.
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 6, 3)) * 2 + 1
    gamma, beta = rng.uniform(0.5, 1.5, 3), rng.normal(size=3)
    y, mean, std = nd.GroupNorm(
        _arr(x), _arr(gamma), _arr(beta), num_groups=3, output_mean_var=True
    )
    assert mean.shape == std.shape == (2, 3)
    for n in range(2):
        for g in range(3):
            v = x[n, 2 * g : 2 * g + 2]
            np.testing.assert_allclose(mean.asnumpy()[n, g], v.mean(), rtol=1e-12)
            np.testing.assert_allclose(std.asnumpy()[n, g], np.sqrt(v.var() + 1e-5), rtol=1e-12)
            expected = (v - v.mean()) / np.sqrt(v.var() + 1e-5) * gamma[g] + beta[g]
            np.testing.assert_allclose(y.asnumpy()[n, 2 * g : 2 * g + 2], expected, rtol=1e-10)


def test_groupnorm_completes_gamma_and_beta_to_num_groups():
    g = sym.GroupNorm(sym.var("data"), sym.var("gamma"), sym.var("beta"), num_groups=2)
    arg_shapes, out_shapes, _ = g.infer_shape(data=(3, 4, 5))
    assert arg_shapes == [(3, 4, 5), (2,), (2,)] and out_shapes == [(3, 4, 5)]


def test_errors_name_the_op_and_the_shapes():
    x = nd.array(np.ones((2, 4, 3)))
    c4, c3 = nd.array(np.ones(4)), nd.array(np.ones(3))
    with pytest.raises(ShapeError, match=r"BatchNorm: gamma has shape \(3,\), expected \(4,\)"):
        nd.BatchNorm(x, c3, c4, c4, c4)
    with pytest.raises(ShapeError, match=r"BatchNorm: axis 3 is out of range"):
        nd.BatchNorm(x, c4, c4, c4, c4, axis=3)
    with pytest.raises(ShapeError, match=r"LayerNorm: beta has shape \(4,\), expected \(3,\)"):
        nd.LayerNorm(x, c3, c4)
    with pytest.raises(ShapeError, match=r"GroupNorm: data has 4 channels .* num_groups=3"):
        nd.GroupNorm(x, c4, c4, num_groups=3)
    with pytest.raises(ShapeError, match=r"InstanceNorm: data has shape \(2, 4\), expected at"):
        nd.InstanceNorm(nd.array(np.ones((2, 4))), c4, c4)
