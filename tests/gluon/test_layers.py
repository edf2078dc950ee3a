"""gluon.nn layers: shapes, parameter names and shapes, values, gradients, deferred init."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hybrid import autograd, initializer, nd
from hybrid.base import HybridError
from hybrid.gluon import nn
from hybrid.gluon.block import NameManager

FD_STEP = 1e-6
GRAD_RTOL = 1e-5


def _x(rng: np.random.Generator, shape: tuple, dtype=np.float64) -> nd.NDArray:
    return nd.array(rng.normal(size=shape), dtype=dtype)


def _run(layer, x, init=None, train=False):
    layer.initialize(init or initializer.Normal(0.5))
    if train:
        with autograd.train_mode():
            return layer(x)
    return layer(x)


# (layer factory, input shape, output shape, {param suffix: shape})
SHAPES = [
    (lambda: nn.Dense(120), (10, 400), (10, 120), {"weight": (120, 400), "bias": (120,)}),
    (lambda: nn.Dense(4, use_bias=False, flatten=False), (2, 3, 5), (2, 3, 4), {"weight": (4, 5)}),
    (lambda: nn.Dense(6, in_units=12), (2, 3, 4), (2, 6), {"weight": (6, 12), "bias": (6,)}),
    (
        lambda: nn.Conv1D(4, 3, strides=2, padding=1),
        (2, 3, 9),
        (2, 4, 5),
        {"weight": (4, 3, 3), "bias": (4,)},
    ),
    (
        lambda: nn.Conv2D(6, kernel_size=5),
        (2, 1, 12, 12),
        (2, 6, 8, 8),
        {"weight": (6, 1, 5, 5), "bias": (6,)},
    ),
    (
        lambda: nn.Conv2D(4, (3, 2), dilation=(2, 1), groups=2, use_bias=False),
        (1, 4, 9, 6),
        (1, 4, 5, 5),
        {"weight": (4, 2, 3, 2)},
    ),
    (
        lambda: nn.Conv3D(2, 2, padding=1),
        (1, 3, 3, 4, 3),
        (1, 2, 4, 5, 4),
        {"weight": (2, 3, 2, 2, 2), "bias": (2,)},
    ),
    (
        lambda: nn.Conv1DTranspose(3, 3, strides=2),
        (2, 4, 5),
        (2, 3, 11),
        {"weight": (4, 3, 3), "bias": (3,)},
    ),
    (
        lambda: nn.Conv2DTranspose(2, 3, strides=2, padding=1, output_padding=1),
        (1, 3, 4, 4),
        (1, 2, 8, 8),
        {"weight": (3, 2, 3, 3), "bias": (2,)},
    ),
    (
        lambda: nn.Conv3DTranspose(2, 2),
        (1, 3, 2, 2, 2),
        (1, 2, 3, 3, 3),
        {"weight": (3, 2, 2, 2, 2), "bias": (2,)},
    ),
    (lambda: nn.MaxPool1D(), (2, 3, 9), (2, 3, 4), {}),
    (lambda: nn.MaxPool2D(pool_size=(2, 2)), (2, 3, 9, 8), (2, 3, 4, 4), {}),
    (lambda: nn.MaxPool2D(3, strides=2, ceil_mode=True), (1, 2, 8, 8), (1, 2, 4, 4), {}),
    (lambda: nn.MaxPool3D(), (1, 2, 4, 4, 4), (1, 2, 2, 2, 2), {}),
    (lambda: nn.AvgPool1D(3, strides=1, padding=1), (2, 3, 7), (2, 3, 7), {}),
    (lambda: nn.AvgPool2D(padding=1, count_include_pad=False), (1, 2, 5, 5), (1, 2, 3, 3), {}),
    (lambda: nn.AvgPool3D(2), (1, 1, 4, 4, 2), (1, 1, 2, 2, 1), {}),
    (lambda: nn.GlobalMaxPool1D(), (2, 3, 7), (2, 3, 1), {}),
    (lambda: nn.GlobalMaxPool2D(), (2, 3, 5, 4), (2, 3, 1, 1), {}),
    (lambda: nn.GlobalAvgPool1D(), (2, 3, 7), (2, 3, 1), {}),
    (lambda: nn.GlobalAvgPool2D(), (2, 3, 5, 4), (2, 3, 1, 1), {}),
    (lambda: nn.GlobalAvgPool3D(), (1, 2, 3, 3, 3), (1, 2, 1, 1, 1), {}),
    (lambda: nn.ReflectionPad2D(2), (1, 2, 4, 5), (1, 2, 8, 9), {}),
    (
        lambda: nn.BatchNorm(),
        (4, 3, 2),
        (4, 3, 2),
        {"gamma": (3,), "beta": (3,), "running_mean": (3,), "running_var": (3,)},
    ),
    (lambda: nn.BatchNorm(axis=-1), (4, 2, 5), (4, 2, 5), {"gamma": (5,), "beta": (5,)}),
    (lambda: nn.LayerNorm(), (3, 4, 6), (3, 4, 6), {"gamma": (6,), "beta": (6,)}),
    (lambda: nn.InstanceNorm(), (2, 3, 5), (2, 3, 5), {"gamma": (3,), "beta": (3,)}),
    (lambda: nn.InstanceNorm(axis=2), (2, 3, 4, 5), (2, 3, 4, 5), {"gamma": (4,)}),
    (lambda: nn.GroupNorm(num_groups=2), (2, 4, 3), (2, 4, 3), {"gamma": (2,), "beta": (2,)}),
    (lambda: nn.Flatten(), (2, 3, 4), (2, 12), {}),
    (lambda: nn.PReLU(), (2, 3), (2, 3), {"alpha": (1,)}),
    (lambda: nn.PReLU(in_channels=3), (2, 3, 4), (2, 3, 4), {"alpha": (3,)}),
]


@pytest.mark.parametrize(
    "make, in_shape, out_shape, params", SHAPES, ids=[f"{i}" for i in range(len(SHAPES))]
)
def test_output_and_parameter_shapes(make, in_shape, out_shape, params):
    layer = make()
    y = _run(layer, _x(np.random.default_rng(0), in_shape, np.float32))
    assert y.shape == out_shape and y.dtype == np.float32
    got = {name[len(layer.prefix) :]: p.shape for name, p in layer.collect_params().items()}
    for suffix, shape in params.items():
        assert got[suffix] == shape


def test_dense_matches_numpy_and_repr():
    rng = np.random.default_rng(1)
    layer = nn.Dense(3, activation="tanh")
    x = _x(rng, (4, 5), np.float32)
    y = _run(layer, x)
    w, b = layer.weight.data().asnumpy(), layer.bias.data().asnumpy()
    np.testing.assert_allclose(y.asnumpy(), np.tanh(x.asnumpy() @ w.T + b), rtol=1e-5)
    assert not b.any()  # bias_initializer='zeros' wins over the global Normal
    assert repr(layer) == "Dense(5 -> 3, Activation(tanh))"


def test_deferred_init_raises_until_first_forward():
    with NameManager():
        layer = nn.Dense(7)
    layer.initialize(initializer.Xavier())
    with pytest.raises(Exception, match="deferred"):
        layer.weight.data()
    layer(nd.ones((2, 3, 2)))
    assert layer.weight.data().shape == (7, 6) and layer.weight.name == "dense0_weight"


def test_deferred_init_shape_mismatch_is_reported():
    layer = nn.Dense(4, in_units=3)
    layer.initialize()
    with pytest.raises(HybridError, match="FullyConnected"):
        layer(nd.ones((2, 5)))


def _fd_check(block, inputs, rng, train=False):
    """Compare ``<u, J v>`` from backward with a central finite difference, per argument."""
    params = [p for p in block.collect_params().values() if p.grad_req != "null"]
    for x in inputs:
        x.attach_grad()

    def f() -> np.ndarray:
        with autograd.train_mode() if train else autograd.predict_mode():
            return block(*inputs).asnumpy()

    u = rng.normal(size=f().shape)
    with autograd.record(train_mode=train):
        y = block(*inputs)
    y.backward(nd.array(u, dtype=np.float64))
    targets = [(x, x.grad.asnumpy()) for x in inputs]
    targets += [(p.data(), p.grad().asnumpy()) for p in params]
    assert targets, "nothing to check"
    for arr, grad in targets:
        v = rng.normal(size=arr.shape)
        base = arr.asnumpy()
        arr[:] = base + FD_STEP * v
        plus = np.sum(u * f())
        arr[:] = base - FD_STEP * v
        minus = np.sum(u * f())
        arr[:] = base
        numeric = (plus - minus) / (2 * FD_STEP)
        np.testing.assert_allclose(np.sum(grad * v), numeric, rtol=GRAD_RTOL, atol=1e-7)


GRAD_NETS = [
    ("mlp", lambda: _seq(nn.Dense(5, activation="tanh"), nn.Dense(3)), (4, 6)),
    (
        "conv",
        lambda: _seq(
            nn.Conv2D(3, 3, padding=1),
            nn.Activation("sigmoid"),
            nn.AvgPool2D(),
            nn.Flatten(),
            nn.Dense(2),
        ),
        (2, 2, 6, 6),
    ),
    (
        "conv1d-transpose",
        lambda: _seq(nn.Conv1D(2, 3), nn.Conv1DTranspose(3, 2, strides=2)),
        (2, 2, 7),
    ),
    (
        "norms",
        lambda: _seq(
            nn.Dense(6, flatten=False),
            nn.LayerNorm(),
            nn.GroupNorm(num_groups=1),
            nn.InstanceNorm(scale=True),
        ),
        (2, 3, 4),
    ),
    (
        "activations",
        lambda: _seq(
            nn.Dense(4),
            nn.ELU(0.7),
            nn.SELU(),
            nn.GELU(),
            nn.Swish(1.5),
            nn.LeakyReLU(0.1),
            nn.PReLU(in_channels=1),
        ),
        (3, 5),
    ),
]


def _seq(*layers):
    net = nn.HybridSequential()
    net.add(*layers)
    return net


@pytest.mark.parametrize(
    "make, in_shape", [g[1:] for g in GRAD_NETS], ids=[g[0] for g in GRAD_NETS]
)
def test_gradients_match_finite_differences(make, in_shape):
    rng = np.random.default_rng(2)
    net = make()
    x = _x(rng, in_shape)
    net.initialize(initializer.Normal(0.5))
    net.cast("float64")
    net(x)
    _fd_check(net, [x], rng)


def test_batchnorm_train_updates_running_stats_and_grads():
    rng = np.random.default_rng(3)
    layer = nn.BatchNorm(momentum=0.5, in_channels=2)
    layer.initialize()
    x = rng.normal(size=(8, 2, 3)) * 3 + 1
    with autograd.record():
        y = layer(nd.array(x))
    y.backward()
    mean = x.mean(axis=(0, 2))
    np.testing.assert_allclose(layer.running_mean.data().asnumpy(), 0.5 * mean, rtol=1e-5)
    expected = (x - mean[None, :, None]) / np.sqrt(x.var(axis=(0, 2))[None, :, None] + 1e-5)
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-4, atol=1e-5)
    assert layer.running_mean.grad_req == "null" and layer.gamma.grad_req == "write"
    assert layer.gamma.grad().shape == (2,)
    # Inference uses the running statistics.
    y2 = layer(nd.array(x)).asnumpy()
    rm, rv = layer.running_mean.data().asnumpy(), layer.running_var.data().asnumpy()
    np.testing.assert_allclose(
        y2, (x - rm[None, :, None]) / np.sqrt(rv[None, :, None] + 1e-5), rtol=1e-4, atol=1e-5
    )
    assert repr(layer) == (
        "BatchNorm(axis=1, eps=1e-05, momentum=0.5, fix_gamma=False, "
        "use_global_stats=False, in_channels=2)"
    )


def test_batchnorm_cast_to_float16_keeps_float32():
    layer = nn.BatchNorm(in_channels=2)
    layer.initialize()
    layer.cast("float16")
    assert layer.gamma.data().dtype == np.float32


def test_dropout_modes():
    layer = nn.Dropout(0.5)
    layer.initialize()
    x = nd.ones((200, 50))
    np.testing.assert_array_equal(layer(x).asnumpy(), x.asnumpy())
    with autograd.train_mode():
        y = layer(x).asnumpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0.4 < (y == 0).mean() < 0.6
    with autograd.train_mode():
        shared = nn.Dropout(0.5, axes=(1,))(x).asnumpy()
    assert np.all(shared == shared[:, :1])
    assert repr(layer) == "Dropout(p = 0.5, axes=())"
    with autograd.train_mode():
        np.testing.assert_array_equal(nn.Dropout(0.0)(x).asnumpy(), x.asnumpy())


def test_embedding():
    layer = nn.Embedding(10, 4)
    layer.initialize()
    idx = nd.array([[1, 3], [9, 0]])
    y = layer(idx)
    assert y.shape == (2, 2, 4)
    np.testing.assert_array_equal(y.asnumpy()[1, 0], layer.weight.data().asnumpy()[9])
    assert repr(layer) == "Embedding(10 -> 4, float32)"


def test_embedding_gradient_scatters_rows():
    rng = np.random.default_rng(4)
    layer = nn.Embedding(6, 3)
    layer.initialize()
    idx = np.array([[0, 5, 2], [5, 5, 3]])
    u = rng.normal(size=(2, 3, 3)).astype(np.float32)
    with autograd.record():
        y = layer(nd.array(idx))
    y.backward(nd.array(u))
    expected = np.zeros((6, 3), np.float32)
    np.add.at(expected, idx, u)
    np.testing.assert_allclose(layer.weight.grad().asnumpy(), expected, rtol=1e-6)


def test_activation_values():
    x = np.linspace(-2, 2, 9)
    xs = nd.array(x, dtype=np.float64)
    cases = [
        (nn.Activation("relu"), np.maximum(x, 0)),
        (nn.LeakyReLU(0.1), np.where(x >= 0, x, 0.1 * x)),
        (nn.ELU(0.5), np.where(x > 0, x, 0.5 * (np.exp(x) - 1))),
        (nn.Swish(2.0), x / (1 + np.exp(-2 * x))),
        (nn.SELU(), 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1))),
        (nn.PReLU(), np.where(x >= 0, x, 0.25 * x)),
    ]
    for layer, expected in cases:
        layer.initialize()
        layer.cast("float64")
        np.testing.assert_allclose(layer(xs).asnumpy(), expected, rtol=1e-6, atol=1e-7)
    phi = 0.5 * (1 + np.array([math.erf(v / math.sqrt(2)) for v in x]))
    np.testing.assert_allclose(nn.GELU()(xs).asnumpy(), x * phi, rtol=1e-6, atol=1e-7)
    assert repr(nn.LeakyReLU(0.1)) == "LeakyReLU(0.1)"
    with pytest.raises(HybridError, match="alpha"):
        nn.LeakyReLU(-1)


def test_lambda_layers():
    x = nd.array([-1.0, 1.0])
    np.testing.assert_allclose(nn.Lambda("tanh")(x).asnumpy(), np.tanh([-1, 1]), rtol=1e-6)
    np.testing.assert_array_equal(nn.Lambda(lambda a: a * 2)(x).asnumpy(), [-2, 2])
    np.testing.assert_array_equal(nn.HybridLambda("relu")(x).asnumpy(), [0, 1])
    hl = nn.HybridLambda(lambda F, a: F.relu(a) + 1)
    np.testing.assert_array_equal(hl(x).asnumpy(), [1, 2])
    assert repr(nn.Lambda("tanh")) == "Lambda(tanh)"
    with pytest.raises(HybridError, match="no function named"):
        nn.Lambda("no_such_fn")


def test_containers():
    with NameManager():
        cat = nn.HybridConcatenate(axis=1)
        cat.add(nn.Dense(2, in_units=3), nn.Dense(4, in_units=3))
        seq = nn.Sequential()
        seq.add(nn.Dense(3, in_units=2), nn.Dense(1, in_units=3))
    cat.initialize()
    seq.initialize()
    assert cat(nd.ones((5, 3))).shape == (5, 6)
    conc = nn.Concatenate()
    conc.add(nn.Flatten(), nn.Flatten())
    assert conc(nd.ones((2, 2, 2))).shape == (2, 8)
    assert nn.HybridConcurrent is nn.HybridConcatenate and nn.Concurrent is nn.Concatenate
    assert len(seq) == 2 and seq[1] is list(seq._children.values())[1]
    assert len(seq[:1]) == 1 and seq[:1](nd.ones((1, 2))).shape == (1, 3)
    assert repr(seq).startswith("Sequential(\n  (0): Dense(2 -> 3, linear)")
    with pytest.warns(UserWarning, match="HybridSequential"):
        seq.hybridize()


def test_conv_and_pool_repr():
    assert repr(nn.Conv2D(6, kernel_size=5)) == (
        "Conv2D(None -> 6, kernel_size=(5, 5), stride=(1, 1))"
    )
    text = repr(
        nn.Conv2D(4, 3, padding=1, groups=2, use_bias=False, in_channels=4, activation="relu")
    )
    assert text == (
        "Conv2D(2 -> 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), "
        "groups=2, bias=False, Activation(relu))"
    )
    assert repr(nn.MaxPool2D()) == (
        "MaxPool2D(size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=False, "
        "global_pool=False, pool_type=max, layout=NCHW)"
    )


def test_layout_and_argument_errors():
    with pytest.raises(HybridError, match="layout='NCW' is not supported"):
        nn.Conv2D(2, 3, layout="NCW")
    with pytest.raises(HybridError, match="kernel_size"):
        nn.Conv2D(2, (3, 3, 3))
    with pytest.raises(HybridError, match="ReflectionPad2D"):
        nn.ReflectionPad2D((1, 2))


@pytest.mark.parametrize("hybridize", [False, True])
def test_embedding_sparse_grad_is_accepted_and_kept_dense(hybridize):
    layer = nn.Embedding(6, 3, sparse_grad=True)
    layer.initialize()
    if hybridize:
        layer.hybridize()
    idx = nd.array([4, 1, 1])
    with autograd.record():
        layer(idx).backward()
    grad = layer.weight.grad()
    assert grad.stype == "default" and layer.weight.grad_stype == "row_sparse"
    np.testing.assert_array_equal(grad.asnumpy()[:, 0], [0, 2, 0, 0, 1, 0])
