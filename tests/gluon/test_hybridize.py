"""Hybridized blocks equal eager ones: outputs, parameter gradients and running statistics, for an
MLP, LeNet, a ResNet basic block, a depthwise-separable block and an attention encoder block;
plus the trace cache, the error for value-dependent control flow and the backend switch.
"""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd, initializer
from hybrid.base import HybridError
from hybrid.gluon import nn
from hybrid.gluon.block import HybridBlock


class LeNet(HybridBlock):
    """The seed example's Net as a HybridBlock (Gluon 2 style forward)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.conv1 = nn.Conv2D(6, kernel_size=5)
            self.pool1 = nn.MaxPool2D(pool_size=(2, 2))
            self.conv2 = nn.Conv2D(16, kernel_size=5)
            self.pool2 = nn.MaxPool2D(pool_size=(2, 2))
            self.fc1 = nn.Dense(120)
            self.fc2 = nn.Dense(84)
            self.fc3 = nn.Dense(10)

    def forward(self, x):
        x = self.pool1(mx.nd.relu(self.conv1(x)))
        x = self.pool2(mx.nd.relu(self.conv2(x)))
        x = x.reshape((0, -1))
        x = mx.nd.relu(self.fc1(x))
        x = mx.nd.relu(self.fc2(x))
        return self.fc3(x)


class BasicBlock(HybridBlock):
    """ResNet V1 basic block with a projection shortcut (Gluon 1 style hybrid_forward)."""

    def __init__(self, channels, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.body = nn.HybridSequential()
            self.body.add(nn.Conv2D(channels, 3, 1, 1, use_bias=False), nn.BatchNorm(),
                          nn.Activation("relu"), nn.Conv2D(channels, 3, 1, 1, use_bias=False),
                          nn.BatchNorm())
            self.downsample = nn.HybridSequential()
            self.downsample.add(nn.Conv2D(channels, 1, use_bias=False), nn.BatchNorm())

    def hybrid_forward(self, F, x):
        return F.Activation(self.body(x) + self.downsample(x), act_type="relu")


class SeparableBlock(HybridBlock):
    """Depthwise 3x3 convolution (groups = channels), then pointwise 1x1, BatchNorm, relu."""

    def __init__(self, channels, out_channels, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.depthwise = nn.Conv2D(channels, 3, padding=1, groups=channels,
                                       in_channels=channels)
            self.pointwise = nn.Conv2D(out_channels, 1)
            self.bn = nn.BatchNorm()

    def hybrid_forward(self, F, x):
        return F.relu(self.bn(self.pointwise(self.depthwise(x))))


class Encoder(HybridBlock):
    """Single-head self-attention (batch_dot, softmax) plus a feed-forward layer, residuals and
    LayerNorm, and Dropout.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        with self.name_scope():
            self.qkv = nn.Dense(3 * units, flatten=False)
            self.proj = nn.Dense(units, flatten=False)
            self.ffn = nn.Dense(units, flatten=False, activation="relu")
            self.norm1, self.norm2 = nn.LayerNorm(), nn.LayerNorm()
            self.drop = nn.Dropout(0.1)

    def hybrid_forward(self, F, x):
        q, k, v = F.split(self.qkv(x), num_outputs=3, axis=-1)
        scores = F.batch_dot(q, k, transpose_b=True) / np.sqrt(self.units)
        att = F.batch_dot(self.drop(F.softmax(scores, axis=-1)), v)
        h = self.norm1(x + self.proj(att))
        return self.norm2(h + self.ffn(h))


def _mlp():
    net = nn.HybridSequential()
    net.add(nn.Dense(16, activation="relu"), nn.Dropout(0.3), nn.Dense(8, activation="tanh"),
            nn.Dense(3))
    return net


def _snapshot(net):
    return {k: p.data().asnumpy().copy() for k, p in net.collect_params().items()}


def _step(net, x, train, seed=7):
    """Outputs, gradients and parameter values after one recorded forward/backward."""
    params = net.collect_params()
    params.zero_grad()
    mx.random.seed(seed)
    with autograd.record(train_mode=train):
        out = net(x)
        u = np.random.default_rng(1).normal(size=out.shape).astype(np.float32)
        loss = (out * mx.nd.array(u)).sum()
    loss.backward()
    grads = {k: p.grad().asnumpy().copy() for k, p in params.items() if p.grad_req != "null"}
    return out.asnumpy(), grads, _snapshot(net)


def _check_equal(net, x, train=True, rtol=0.0, **flags):
    net.initialize(initializer.Xavier())
    net(x)  # eager: finishes deferred initialisation
    start = _snapshot(net)
    eager = _step(net, x, train)
    for k, p in net.collect_params().items():
        p.set_data(mx.nd.array(start[k]))
    net.hybridize(**flags)
    hybrid = _step(net, x, train)
    np.testing.assert_allclose(hybrid[0], eager[0], rtol=rtol, atol=rtol)
    for part in (1, 2):  # gradients, then parameters after the step (running statistics)
        assert hybrid[part].keys() == eager[part].keys()
        for k in eager[part]:
            np.testing.assert_allclose(hybrid[part][k], eager[part][k], rtol=rtol, atol=rtol,
                                       err_msg=k)
    return net


def _data(*shape):
    return mx.nd.array(np.random.default_rng(0).normal(size=shape))


@pytest.mark.parametrize("static_alloc", [False, True])
def test_mlp_with_dropout_equals_eager(static_alloc):
    _check_equal(_mlp(), _data(5, 7), static_alloc=static_alloc)


def test_lenet_equals_eager():
    _check_equal(LeNet(), _data(4, 1, 28, 28), static_alloc=True)


def _train(net, x, label, steps):
    """Parameters after ``steps`` SGD steps on softmax cross-entropy (loss hybridized with the
    net), from a fixed initialisation.
    """
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    if net._active:
        loss_fn.hybridize(static_alloc=True)
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    for _ in range(steps):
        with autograd.record():
            loss = loss_fn(net(x), label)
        loss.backward()
        trainer.step(x.shape[0])
    return _snapshot(net)


@pytest.mark.parametrize("static_alloc", [False, True])
def test_lenet_training_equals_eager_step_after_step(static_alloc):
    # conv1 has 576 output pixels per image (the per-image GEMM layout), conv2 64 (one GEMM);
    # recorded runs reuse their step buffers from the second step on, with or without
    # static_alloc.
    x, label = _data(4, 1, 28, 28), mx.nd.array([1, 0, 3, 9])
    results = []
    for hybridize in (False, True):
        mx.random.seed(0)
        net = LeNet()
        net.initialize(initializer.Xavier())
        if hybridize:
            net.hybridize(static_alloc=static_alloc)
        results.append(_train(net, x, label, steps=3))
    if static_alloc is False:
        recorded = [ex for (_, rec, _), ex in net._cached_op._executors.items() if rec]
        assert recorded and all(ex.planned and ex._owned for ex in recorded)
    eager, hybrid = (list(r.items()) for r in results)  # the second net's prefix is lenet1
    assert len(eager) == len(hybrid) == 10
    for (k, want), (_, got) in zip(eager, hybrid):
        np.testing.assert_array_equal(got, want, err_msg=k)


def test_resnet_basic_block_in_training_equals_eager():
    _check_equal(BasicBlock(4), _data(2, 3, 8, 8), train=True)


def test_resnet_basic_block_in_inference_matches_eager_with_folded_batchnorm():
    net = BasicBlock(4)
    net.initialize(initializer.Xavier())
    x = _data(2, 3, 8, 8)
    for p in net.collect_params(".*running_var").values():
        p.set_data(mx.nd.array(np.linspace(0.5, 2.0, 4)))
    eager = net(x).asnumpy()
    net.hybridize(static_alloc=True)
    np.testing.assert_allclose(net(x).asnumpy(), eager, rtol=1e-5, atol=1e-5)


def test_depthwise_separable_block_equals_eager():
    _check_equal(SeparableBlock(4, 6), _data(2, 4, 6, 6), train=True)


def test_attention_encoder_equals_eager():
    _check_equal(Encoder(8), _data(2, 5, 8), train=True, rtol=1e-6)


def test_retrace_on_new_batch_size_and_mode_then_cache_hits():
    net = _mlp()
    net.initialize()
    net.hybridize()
    x4, x6 = _data(4, 7), _data(6, 7)
    net(x4)
    net(x4)
    cached = net._cached_op
    assert cached.stats == {"traces": 1, "hits": 1}
    assert net(x6).shape == (6, 3)
    assert cached.stats["traces"] == 2
    with autograd.train_mode():
        net(x4)
    assert cached.stats["traces"] == 3
    with autograd.predict_mode():
        net(x4)
        net(x6)
    assert cached.stats == {"traces": 3, "hits": 3}


class _Masked(HybridBlock):
    """An optional second input, as MXNet's hybridized blocks allow (``mask=None``)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.fc = nn.Dense(3)

    def hybrid_forward(self, F, x, mask=None):
        y = self.fc(x)
        return y if mask is None else y * mask


@pytest.mark.parametrize("backend", [None, "onnxruntime"])
def test_none_inputs_equal_eager_and_fix_the_structure(backend):
    net = _Masked()
    net.initialize()
    x, mask = _data(2, 4), mx.nd.array([[1, 0, 1], [0, 1, 0]])
    eager = [net(x).asnumpy(), net(x, mask).asnumpy()]
    net.hybridize(backend=backend)
    # A trailing None is the default left out: (x,) and (x, None) share one structure.
    for args in [(x,), (x, None)]:
        np.testing.assert_allclose(net(*args).asnumpy(), eager[0], rtol=1e-6, atol=1e-6)
    # As in MXNet, the first call fixes the argument structure until hybridize() is called again.
    with pytest.raises(ValueError, match="argument structure"):
        net(x, mask)
    net.hybridize(backend=backend)
    np.testing.assert_allclose(net(x, mask).asnumpy(), eager[1], rtol=1e-6, atol=1e-6)
    net.hybridize(backend=backend)
    x.attach_grad()
    with autograd.record():
        y = net(x, None)
    y.backward()
    w = net.fc.weight.data().asnumpy()
    np.testing.assert_allclose(x.grad.asnumpy(), np.tile(w.sum(axis=0), (2, 1)), rtol=1e-6)
    with pytest.raises(ValueError, match="got int"):
        net(x, 3)


def test_inputs_mixing_symbols_and_ndarrays_or_without_arrays_raise_value_error():
    net = _Masked()
    net.initialize()
    with pytest.raises(ValueError, match="mix NDArrays and Symbols"):
        net(_data(2, 4), mx.sym.var("m"))
    net.hybridize()
    with pytest.raises(ValueError, match="at least one NDArray"):
        net(None, None)


class _LSTMStep(HybridBlock):
    """A recurrent step taking and returning its states as a nested list (word_language_model)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.rnn = mx.gluon.rnn.LSTM(5, input_size=4)
            self.out = nn.Dense(3, flatten=False)

    def hybrid_forward(self, F, x, states, extra=None):
        y, states = self.rnn(x, states)
        return self.out(y), [states, None]


def test_nested_list_states_in_and_out_equal_eager_with_gradients():
    net = _LSTMStep()
    net.initialize(initializer.Xavier())
    x = _data(6, 2, 4)
    begin = [mx.nd.array(np.random.RandomState(1).normal(size=(1, 2, 5))) for _ in range(2)]

    def run():
        xs, hs = x.copy(), [b.copy() for b in begin]
        for a in [xs, *hs]:
            a.attach_grad()
        with autograd.record():
            out, (states, none) = net(xs, hs)
            loss = out.sum() + (states[0] * states[1]).sum()
        loss.backward()
        assert none is None and len(states) == 2
        return [a.asnumpy() for a in [out, *states, xs.grad, *(h.grad for h in hs)]]

    eager = run()
    net.hybridize()
    hybridized = run()
    hybridized_again = run()  # the cached graph
    for want, got, got2 in zip(eager, hybridized, hybridized_again):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got2, want, rtol=1e-5, atol=1e-6)


def test_export_of_nested_inputs_matches_onnx_runtime(tmp_path):
    import onnxruntime as ort
    net = _LSTMStep()
    net.initialize(initializer.Xavier())
    net.hybridize()
    x = _data(6, 2, 4)
    hs = [mx.nd.ones((1, 2, 5)) * 0.5, mx.nd.ones((1, 2, 5)) * -0.25]
    out, (states, _) = net(x, hs)
    net.export(str(tmp_path / "step"))
    sess = ort.InferenceSession(str(tmp_path / "step.onnx"), providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    got = sess.run(None, dict(zip(names, [a.asnumpy() for a in [x, *hs]])))
    for want, have in zip([out, *states], got):
        np.testing.assert_allclose(have, want.asnumpy(), rtol=1e-5, atol=1e-6)


class _Branchy(HybridBlock):
    def __init__(self, use, **kwargs):
        super().__init__(**kwargs)
        self.use = use

    def forward(self, x):
        s = x.sum()
        if self.use == "bool" and s > 0:
            return x
        if self.use == "float":
            return x * float(s)
        if self.use == "asnumpy":
            return x * float(s.asnumpy().sum())
        if self.use == "asscalar":
            return x * s.asscalar()
        return sum(row for row in x)


@pytest.mark.parametrize("use", ["bool", "float", "asnumpy", "asscalar", "iterate"])
def test_value_dependent_control_flow_raises_a_clear_error(use):
    net = _Branchy(use)
    x = _data(3, 4)
    net(x)  # eager is fine
    net.hybridize()
    with pytest.raises(HybridError, match=r"_branchy\d+.*shape-static.*hybridize\(False\)"):
        net(x)


def test_onnxruntime_backend_runs_inference_and_sees_parameter_updates():
    net = _mlp()
    net.initialize()
    x = _data(2, 7)
    eager = net(x).asnumpy()
    net.hybridize(backend="onnxruntime")
    np.testing.assert_allclose(net(x).asnumpy(), eager, rtol=1e-5, atol=1e-6)
    assert net._cached_op._sessions, "inference did not go through ONNX Runtime"
    with autograd.record():
        assert net(x).shape == (2, 3)  # training falls back to the numpy executor
    sessions = dict(net._cached_op._sessions)
    for p in net.collect_params().values():
        p.data()[:] *= 0.5  # an in-place update, as a Trainer makes
    net._active = False  # one eager call for the expected value, keeping the same sessions
    expected = net(x).asnumpy()
    net._active = True
    np.testing.assert_allclose(net(x).asnumpy(), expected, rtol=1e-5, atol=1e-6)
    assert net._cached_op._sessions == sessions


def test_viz_summary_of_a_traced_lenet(capsys):
    net = LeNet()
    net.initialize()
    net.hybridize()
    net(_data(1, 1, 28, 28))
    graph = net._cached_op.last_trace.graph
    mx.viz.print_summary(mx.sym.Group([mx.sym.Symbol(graph.outputs)]),
                         shape={"data": (1, 1, 28, 28)})
    text = capsys.readouterr().out
    assert "(1, 120)" in text and "Convolution" in text
    # conv1 150+6, conv2 2400+16, fc1 256*120+120, fc2 120*84+84, fc3 84*10+10
    assert "Total params: 44426" in text
