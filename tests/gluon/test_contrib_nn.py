"""gluon.contrib.nn: pixel shuffles against the closed-form index map, SyncBatchNorm as BatchNorm
in one process, SparseEmbedding as a dense embedding. (SyncBatchNorm across MPI workers:
tests/distributed/test_sync_batchnorm.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

from hybrid import autograd, nd
from hybrid.base import HybridError
from hybrid.gluon import nn
from hybrid.gluon.contrib import nn as contrib_nn


def _shuffled(x: np.ndarray, factors: tuple) -> np.ndarray:
    """out[n, c, d1*f1 + o1, ...] = x[n, c*prod(f) + (o1, ..., ok) row-major, d1, ...]."""
    n, k = x.shape[0], len(factors)
    c = x.shape[1] // int(np.prod(factors))
    dims = x.shape[2:]
    blocks = x.reshape((n, c) + factors + dims)
    order = (0, 1) + tuple(a for j in range(k) for a in (2 + k + j, 2 + j))
    return blocks.transpose(order).reshape((n, c) + tuple(d * f for d, f in zip(dims, factors)))


@pytest.mark.parametrize(
    "layer, factors, shape",
    [
        (contrib_nn.PixelShuffle1D, (3,), (2, 12, 5)),
        (contrib_nn.PixelShuffle2D, (2, 3), (2, 12, 3, 5)),
        (contrib_nn.PixelShuffle3D, (2, 3, 2), (1, 24, 2, 3, 2)),
    ],
)
def test_pixel_shuffle_matches_index_map_eager_and_hybridized(layer, factors, shape):
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    block = layer(factors if len(factors) > 1 else factors[0])
    eager = block(nd.array(x)).asnumpy()
    np.testing.assert_array_equal(eager, _shuffled(x, factors))
    block.hybridize()
    np.testing.assert_array_equal(block(nd.array(x)).asnumpy(), eager)


def test_pixel_shuffle_square_factor_and_bad_factor():
    x = np.arange(2 * 8 * 2 * 3, dtype=np.float32).reshape(2, 8, 2, 3)
    out = contrib_nn.PixelShuffle2D(2)(nd.array(x)).asnumpy()
    np.testing.assert_array_equal(out, _shuffled(x, (2, 2)))
    assert repr(contrib_nn.PixelShuffle2D(2)) == "PixelShuffle2D((2, 2))"
    with pytest.raises(HybridError, match="PixelShuffle3D: factor"):
        contrib_nn.PixelShuffle3D((2, 2))


def _train_step(layer, x: np.ndarray, head: np.ndarray) -> tuple:
    data = nd.array(x)
    data.attach_grad()
    with autograd.record():
        y = layer(data)
        loss = (y * nd.array(head)).sum()
    loss.backward()
    params = layer.collect_params()
    grads = {
        k.split("_", 1)[1]: p.grad().asnumpy() for k, p in params.items() if p.grad_req != "null"
    }
    stats = {
        k.split("_", 1)[1]: p.data().asnumpy() for k, p in params.items() if p.grad_req == "null"
    }
    return y.asnumpy(), data.grad.asnumpy(), grads, stats


@pytest.mark.parametrize("hybridize", [False, True])
def test_sync_batchnorm_in_one_process_is_batchnorm(hybridize):
    rng = np.random.default_rng(1)
    x, head = rng.normal(size=(2, 4, 3, 3, 2)) * 3 + 1, rng.normal(size=(2, 4, 3, 3, 2))
    sync = contrib_nn.SyncBatchNorm(in_channels=4, num_devices=1, momentum=0.8, prefix="bn_")
    plain = nn.BatchNorm(in_channels=4, momentum=0.8, prefix="bn_")
    results = []
    for layer in (sync, plain):
        layer.initialize()
        layer.gamma.set_data(nd.array(np.linspace(0.5, 2.0, 4)))
        if hybridize:
            layer.hybridize()
        results.append(_train_step(layer, x, head))
    (y1, gx1, grads1, stats1), (y2, gx2, grads2, stats2) = results
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(gx1, gx2)
    assert grads1.keys() == grads2.keys() == {"gamma", "beta"}
    assert stats1.keys() == {"running_mean", "running_var"}
    for name in grads1:
        np.testing.assert_array_equal(grads1[name], grads2[name])
    for name in stats1:
        np.testing.assert_array_equal(stats1[name], stats2[name])
    # the running statistics moved towards the batch's, as BatchNorm's do
    batch_mean = x.mean(axis=(0, 2, 3, 4))
    np.testing.assert_allclose(stats1["running_mean"], 0.2 * batch_mean, rtol=1e-5)


def test_sync_batchnorm_arguments_as_mxnet():
    with pytest.warns(UserWarning, match="num_devices"):
        layer = contrib_nn.SyncBatchNorm(prefix="sbn_")
    assert layer._kwargs["ndev"] == 1 and layer._kwargs["key"] == "sbn_"
    assert layer._kwargs["eps"] == 1e-5 and layer._kwargs["fix_gamma"] is False
    layer.initialize()
    layer(nd.ones((2, 3, 4)))  # deferred init of the channel count
    assert layer.gamma.shape == (3,) and layer.running_var.shape == (3,)
    with pytest.raises(HybridError, match="key"):
        nd.contrib.SyncBatchNorm(nd.ones((2, 3)), *[nd.ones(3)] * 4)


def test_sparse_embedding_is_a_dense_embedding():
    emb = contrib_nn.SparseEmbedding(6, 3, prefix="emb_")
    emb.initialize()
    assert list(emb.collect_params()) == ["emb_weight"]
    weight = emb.weight.data().asnumpy()
    idx = nd.array([[0, 5], [2, 2]])
    with autograd.record():
        out = emb(idx)
    out.backward()
    np.testing.assert_array_equal(out.asnumpy(), weight[[[0, 5], [2, 2]]])
    grad = emb.weight.grad().asnumpy()
    np.testing.assert_array_equal(grad.sum(axis=1), [3, 0, 6, 0, 0, 3])  # dense, rows counted
    assert repr(emb) == "SparseEmbedding(6 -> 3, float32)"
