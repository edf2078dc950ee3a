"""Gluon in numpy mode (``npx.set_np()``): parameters, layer outputs, hybridized graphs, ONNX
export, Trainer, losses, metrics and DataLoader batches all use ``mx.np.ndarray``; arrays of the
other mode get MXNet's error; ``npx.reset_np()`` returns to legacy NDArrays.
"""

from __future__ import annotations

import numpy as onp
import pytest

import hybrid as mx
from hybrid import autograd, gluon, np, npx
from hybrid.base import ArrayKindError
from hybrid.gluon import nn


@pytest.fixture
def np_mode():
    npx.set_np()
    yield
    npx.reset_np()


def _mlp():
    net = nn.HybridSequential()
    net.add(nn.Dense(8, activation="relu"), nn.Dense(3))
    net.initialize(mx.init.Xavier())
    return net


def _batch(n=4, d=5, seed=0):
    return onp.random.default_rng(seed).normal(size=(n, d)).astype(onp.float32)


def test_parameters_and_outputs_are_np_arrays(np_mode):
    net = _mlp()
    out = net(np.array(_batch()))
    assert isinstance(out, np.ndarray) and out.shape == (4, 3)
    for p in net.collect_params().values():
        assert isinstance(p.data(), np.ndarray) and isinstance(p.grad(), np.ndarray)


def test_hybridized_equals_eager_and_backward_fills_np_grads(np_mode):
    net = _mlp()
    x = np.array(_batch())
    eager = net(x).asnumpy()
    net.hybridize()
    with autograd.record():
        out = net(x)
        loss = (out * out).sum()
    loss.backward()
    assert isinstance(out, np.ndarray)
    onp.testing.assert_allclose(out.asnumpy(), eager, rtol=1e-5, atol=1e-6)
    grad = net[1].bias.grad()
    assert isinstance(grad, np.ndarray)
    onp.testing.assert_allclose(grad.asnumpy(), 2 * eager.sum(axis=0), rtol=1e-4, atol=1e-5)


def test_hybrid_forward_with_f_npx_traces(np_mode):
    class Block(nn.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.dense = nn.Dense(4)

        def hybrid_forward(self, F, x):
            return F.npx.reshape(F.npx.relu(self.dense(x)), (-2, 2, -1))

    net = Block()
    net.initialize()
    x = np.array(_batch(3, 6))
    eager = net(x)
    net.hybridize()
    traced = net(x)
    assert isinstance(traced, np.ndarray) and traced.shape == (3, 2, 2)
    onp.testing.assert_allclose(traced.asnumpy(), eager.asnumpy(), rtol=1e-6)
    assert len(net._cached_op.last_trace.graph.nodes) >= 3


def test_export_onnx_matches(np_mode, tmp_path):
    import onnxruntime as ort
    from hybrid.export import to_onnx

    net = _mlp()
    net.hybridize()
    x = np.array(_batch())
    expected = net(x).asnumpy()
    path = tmp_path / "np.onnx"
    path.write_bytes(to_onnx(net, example_inputs=[x]).SerializeToString())
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: x.asnumpy()})[0]
    onp.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    net.export(str(tmp_path / "exported"))  # Block.export writes exported.onnx beside the json
    session = ort.InferenceSession(str(tmp_path / "exported.onnx"),
                                   providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: x.asnumpy()})[0]
    onp.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_split_and_load_and_clip_global_norm_give_np_arrays(np_mode):
    parts = gluon.utils.split_and_load(_batch(4, 2), [mx.cpu(0), mx.cpu(1)])
    assert [type(p) for p in parts] == [np.ndarray, np.ndarray] and parts[0].shape == (2, 2)
    norm = gluon.utils.clip_global_norm([np.ones((4,))], 1.0, check_isfinite=False)
    assert isinstance(norm, np.ndarray) and abs(float(norm[0]) - 2.0) < 1e-6


def test_trainer_losses_and_metric(np_mode):
    rng = onp.random.default_rng(1)
    x = rng.normal(size=(64, 5)).astype(onp.float32)
    y = (x[:, 0] > 0).astype(onp.float32)
    net = _mlp()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    losses = []
    for _ in range(20):
        with autograd.record():
            loss = loss_fn(net(np.array(x)), np.array(y))
        loss.backward()
        trainer.step(64)
        assert isinstance(loss, np.ndarray) and loss.shape == (64,)
        losses.append(float(loss.mean()))
    assert losses[-1] < losses[0] / 2, losses
    metric = mx.metric.Accuracy()
    metric.update(np.array(y), net(np.array(x)))
    assert metric.get()[1] > 0.8
    l2 = gluon.loss.L2Loss()(np.array(x[:, :3]), np.zeros((64, 3)))
    assert isinstance(l2, np.ndarray)
    onp.testing.assert_allclose(l2.asnumpy(), (x[:, :3] ** 2).mean(axis=1) / 2, rtol=1e-5)


@pytest.mark.parametrize("workers,threads", [(0, True), (2, True), (2, False)])
def test_dataloader_yields_np_batches(np_mode, workers, threads):
    data = gluon.data.ArrayDataset(_batch(10, 3), onp.arange(10, dtype=onp.int32))
    loader = gluon.data.DataLoader(data, 4, num_workers=workers, thread_pool=threads)
    batches = list(loader)
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert all(isinstance(a, np.ndarray) for b in batches for a in b)
    assert batches[0][1].dtype == onp.int32


def test_mixing_modes_gets_mxnets_error(np_mode):
    net = _mlp()
    with pytest.raises(ArrayKindError, match=r"npx\.set_np\(\).*as_np_ndarray"):
        net(mx.nd.array(_batch()))
    npx.reset_np()
    legacy = _mlp()
    with pytest.raises(ArrayKindError, match="as_nd_ndarray"):
        legacy(np.array(_batch()))
    npx.set_np()


def test_block_outputs_must_be_np_arrays(np_mode):
    class Legacy(nn.Block):
        def forward(self, x):
            return x.as_nd_ndarray()

    with pytest.raises(ArrayKindError, match="mxnet.numpy.ndarray"):
        Legacy()(np.ones((2,)))


def test_reset_np_returns_to_ndarray():
    npx.set_np()
    try:
        assert isinstance(_mlp()(np.array(_batch())), np.ndarray)
    finally:
        npx.reset_np()
    net = _mlp()
    out = net(mx.nd.array(_batch()))
    assert type(out) is mx.nd.NDArray and type(net[0].weight.data()) is mx.nd.NDArray
    batch = next(iter(gluon.data.DataLoader(gluon.data.ArrayDataset(_batch(4, 2)), 2)))
    assert type(batch) is mx.nd.NDArray


def test_parameters_save_and_load_in_numpy_mode(np_mode, tmp_path):
    net = _mlp()
    x = np.array(_batch())
    expected = net(x).asnumpy()
    path = str(tmp_path / "mlp.params")
    net.save_parameters(path)
    again = nn.HybridSequential()
    again.add(nn.Dense(8, activation="relu"), nn.Dense(3))
    again.load_parameters(path)
    assert isinstance(again[0].weight.data(), np.ndarray)
    onp.testing.assert_allclose(again(x).asnumpy(), expected, rtol=1e-6)
