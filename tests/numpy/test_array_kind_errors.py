"""Each array kind stays with its own functions, as in MXNet 1.9.1: the legacy ``nd`` functions
refuse ``np.ndarray`` (TypeError advising ``as_nd_ndarray()``, numpy mode on or off), the numpy
ones refuse ``nd.NDArray``, and ``np.ndarray`` keeps only the methods MXNet's has. hybrid's own
code still runs legacy ops on np arrays: Gluon layers, losses, Trainer and metrics in numpy mode.
"""

from __future__ import annotations

import numpy as onp
import pytest

import hybrid as mx
from hybrid import autograd, gluon, np, npx
from hybrid.base import ArrayKindError
from hybrid.gluon import nn, rnn


@pytest.fixture(params=[False, True], ids=["legacy_mode", "numpy_mode"])
def either_mode(request):
    if request.param:
        npx.set_np()
    yield request.param
    npx.reset_np()


@pytest.fixture
def np_mode():
    npx.set_np()
    yield
    npx.reset_np()


def _x(*shape):
    return np.array(onp.arange(1, 1 + onp.prod(shape), dtype=onp.float32).reshape(shape))


def _in_place_add(x, y):
    x += y


# (function named in the message, call)
LEGACY_CALLS = [
    ("nd.relu (operator relu)", lambda: mx.nd.relu(_x(2, 3))),
    ("nd.FullyConnected", lambda: mx.nd.FullyConnected(_x(2, 3), _x(4, 3), no_bias=True,
                                                       num_hidden=4)),
    ("nd.broadcast_add", lambda: mx.nd.broadcast_add(mx.nd.ones((2, 3)), _x(2, 3))),
    ("nd.add (operator _plus_scalar)", lambda: mx.nd.add(_x(2), 1)),
    ("nd.maximum (operator broadcast_maximum)", lambda: mx.nd.maximum(_x(2), _x(2))),
    ("nd.contrib.box_nms (operator _contrib_box_nms)", lambda: mx.nd.contrib.box_nms(_x(1, 2, 6))),
    ("nd.linalg.gemm2 (operator _linalg_gemm2)", lambda: mx.nd.linalg.gemm2(_x(2, 2), _x(2, 2))),
    ("nd.image.to_tensor", lambda: mx.nd.image.to_tensor(_x(4, 4, 3))),
    ("nd.random.uniform_like", lambda: mx.nd.random.uniform_like(_x(2))),
    ("nd.random (operator _sample_uniform)", lambda: mx.nd.random.uniform(_x(2), _x(2) + 1)),
    ("nd._internal._plus", lambda: mx.nd._internal._plus(_x(2), _x(2))),
    ("nd.concat", lambda: mx.nd.concatenate([_x(2), _x(2)])),
    ("nd.relu (operator relu, out=)", lambda: mx.nd.relu(mx.nd.ones(2), out=_x(2))),
    ("NDArray.__add__ (operator broadcast_add)", lambda: mx.nd.ones(2) + _x(2)),
    ("NDArray __iadd__", lambda: _in_place_add(mx.nd.ones(2), _x(2))),
    ("NDArray x[key] = value", lambda: mx.nd.ones(2).__setitem__(slice(None), _x(2))),
    ("nd.array", lambda: mx.nd.array(_x(2))),
]


@pytest.mark.parametrize("where,call", LEGACY_CALLS, ids=[w.split()[0] for w, _ in LEGACY_CALLS])
def test_legacy_functions_refuse_np_arrays(either_mode, where, call):
    with pytest.raises(TypeError, match=r"legacy operator.*as_nd_ndarray\(\)") as info:
        call()
    assert isinstance(info.value, ArrayKindError)
    assert str(info.value).startswith(where), str(info.value)


def test_legacy_functions_still_take_legacy_arrays(either_mode):
    x = _x(2, 3).as_nd_ndarray() - 3
    y = mx.nd.relu(x)
    assert type(y) is mx.nd.NDArray
    onp.testing.assert_array_equal(y.asnumpy(), onp.maximum(x.asnumpy(), 0))
    onp.testing.assert_array_equal(mx.nd.add(x, 1).asnumpy(), x.asnumpy() + 1)
    assert type(mx.nd.random.uniform(x, x + 1)) is mx.nd.NDArray
    assert mx.nd.contrib.isnan(x).asnumpy().sum() == 0


def test_numpy_functions_refuse_legacy_arrays(either_mode):
    legacy = mx.nd.ones((2,))
    def set_all(x):
        x[:] = legacy

    def subtract_in_place(x):
        x -= legacy

    for call in (lambda: np.exp(legacy), lambda: npx.relu(legacy), lambda: _x(2) + legacy,
                 lambda: set_all(_x(2)), lambda: subtract_in_place(_x(2))):
        with pytest.raises(TypeError, match=r"numpy operator.*npx\.set_np\(\).*as_np_ndarray"):
            call()
    x = _x(2)
    x -= _x(2)
    x[:] += 1
    assert x.tolist() == [1.0, 1.0]


def test_np_arrays_keep_only_mxnets_numpy_methods():
    x = _x(2, 2)
    for name in ("relu", "exp", "expand_dims", "softmax", "one_hot", "tile", "asscalar"):
        assert hasattr(x, name)  # MXNet keeps the names and refuses the call
        with pytest.raises(AttributeError, match=f"no attribute {name}"):
            getattr(x, name)()
    assert x.sum().item() == 10 and isinstance(x.sum(), np.ndarray)
    onp.testing.assert_array_equal(x.take(np.array([1]), axis=0).asnumpy(), [[3, 4]])
    assert x.broadcast_to((3, 2, 2)).shape == (3, 2, 2)
    assert x.clip(2, 3).max().item() == 3 and x.argmax().item() == 3
    assert type(x.as_nd_ndarray().relu()) is mx.nd.NDArray  # the legacy method is unchanged


def test_nd_contrib_isnan_takes_np_arrays_as_in_mxnet():
    # MXNet's isnan is ``data != data``, so an np.ndarray gives NumPy's bool array.
    got = mx.nd.contrib.isnan(np.array([1.0, onp.nan]))
    assert isinstance(got, np.ndarray) and got.dtype == onp.bool_
    assert got.tolist() == [False, True]


class _UserBlock(nn.HybridBlock):
    """A numpy-mode block as MXNet users write it: F.np, F.npx and a legacy op through F."""

    def __init__(self):
        super().__init__()
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(4, 3))

    def hybrid_forward(self, F, x, weight):
        h = F.npx.relu(F.np.dot(x, F.np.transpose(weight)))
        return F.FullyConnected(h, F.np.transpose(weight), no_bias=True, num_hidden=3) + 1


def test_user_numpy_block_eager_equals_hybridized(np_mode):
    net = _UserBlock()
    net.initialize(mx.init.Uniform(1.0))
    x = _x(2, 3) / 6
    w = net.weight.data().asnumpy()
    expected = onp.maximum(x.asnumpy() @ w.T, 0) @ w + 1
    eager = net(x)
    net.hybridize()
    traced = net(x)
    for out in (eager, traced):
        assert isinstance(out, np.ndarray)
        onp.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-5)


def test_eager_f_in_numpy_mode_offers_mxnets_submodules(np_mode):
    seen = []

    class Probe(nn.HybridBlock):
        def hybrid_forward(self, F, x):
            seen.append(F)
            return F.relu(x) + F.zeros((2,)) + F.random.uniform(0, 1, shape=(2,)) * 0

    out = Probe()(np.array([-1.0, 2.0]))
    assert isinstance(out, np.ndarray) and out.tolist() == [0.0, 2.0]
    F = seen[0]
    assert F is not mx.nd and F.np is mx.np and F.npx is mx.npx and F.NDArray is mx.nd.NDArray
    for sub, name in (("contrib", "box_nms"), ("linalg", "gemm2"), ("image", "to_tensor"),
                      ("random", "uniform_like"), ("_internal", "_plus")):
        assert callable(getattr(getattr(F, sub), name))
    assert isinstance(F.linalg.gemm2(_x(2, 2), _x(2, 2)), np.ndarray)


def test_f_is_nd_in_legacy_mode():
    seen = []

    class Probe(nn.HybridBlock):
        def hybrid_forward(self, F, x):
            seen.append(F)
            return F.relu(x)

    Probe()(mx.nd.ones((2,)))
    assert seen == [mx.nd]


def _layers():
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 3, padding=1, activation="relu"), nn.BatchNorm(), nn.MaxPool2D(),
            nn.Dropout(0.3), nn.Dense(8, activation="tanh"), nn.LayerNorm(),
            nn.HybridConcatenate(axis=1), nn.Dense(3))
    net[6].add(nn.Dense(2), nn.Activation("sigmoid"))
    net.initialize(mx.init.Xavier())
    return net


@pytest.mark.parametrize("hybridize", [False, True], ids=["eager", "hybridized"])
def test_gluon_layers_losses_trainer_metrics_in_numpy_mode(np_mode, hybridize):
    mx.random.seed(0)
    net = _layers()
    if hybridize:
        net.hybridize()
    rng = onp.random.default_rng(0)
    x = np.array(rng.normal(size=(8, 1, 6, 6)).astype(onp.float32))
    y = np.array(rng.integers(0, 3, size=8).astype(onp.float32))
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.01})
    ce, hinge = gluon.loss.SoftmaxCrossEntropyLoss(), gluon.loss.HingeLoss()
    first = None
    for _ in range(15):
        with autograd.record():
            out = net(x)
            loss = ce(out, y) + 0.1 * hinge(out, np.ones_like(out))
        loss.backward()
        trainer.step(8)
        first = float(loss.mean()) if first is None else first
    assert isinstance(out, np.ndarray) and out.shape == (8, 3)
    assert float(loss.mean()) < first
    metric = mx.metric.create(["acc", "ce"])
    metric.update([y], [npx.softmax(net(x))])
    names, values = metric.get()
    assert names == ["accuracy", "cross-entropy"] and 0 <= values[0] <= 1 and values[1] > 0


def test_rnn_layers_cells_and_embedding_loss_in_numpy_mode(np_mode):
    seq = np.array(onp.random.default_rng(0).normal(size=(3, 2, 5)).astype(onp.float32))
    layer = rnn.GRU(4)
    layer.initialize()
    out = layer(seq)
    assert isinstance(out, np.ndarray) and out.shape == (3, 2, 4)
    cell = rnn.LSTMCell(4)
    cell.initialize()
    outs, states = cell.unroll(3, seq, layout="TNC", merge_outputs=True)
    assert isinstance(outs, np.ndarray) and outs.shape == (3, 2, 4)
    assert all(isinstance(s, np.ndarray) for s in states)
    sdml = gluon.loss.SDMLLoss()(np.array(onp.eye(3, 4, dtype=onp.float32)),
                                 np.array(onp.eye(3, 4, dtype=onp.float32)))
    assert isinstance(sdml, np.ndarray) and sdml.shape == (3,)
