"""Channel-last layouts of the convolution and pooling layers: the same numbers as the
channel-first layer on transposed data and weights, eager, hybridized, backward and in ONNX."""

from __future__ import annotations

import numpy as np
import pytest

from hybrid import autograd, initializer, nd
from hybrid.base import HybridError
from hybrid.gluon import nn


def _last(a: np.ndarray) -> np.ndarray:
    return np.moveaxis(a, 1, -1)


def _first(a: np.ndarray) -> np.ndarray:
    return np.moveaxis(a, -1, 1)


def _forward_backward(layer, x: np.ndarray, channel_first: bool = False) -> tuple:
    """Output and data gradient for the head gradient ``linspace`` laid out channel-last."""
    data = nd.array(x)
    data.attach_grad()
    with autograd.record():
        y = layer(data)
    shape = _last(np.empty(y.shape)).shape if channel_first else y.shape
    head = np.linspace(-1, 1, y.size).reshape(shape)
    y.backward(nd.array(_first(head) if channel_first else head))
    return y.asnumpy(), data.grad.asnumpy()


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize(
    "make, layout, shape, weight",
    [
        (lambda lay: nn.Conv2D(6, (3, 2), padding=(1, 0), groups=2, in_channels=4, layout=lay),
         "NHWC", (2, 5, 6, 4), (6, 3, 2, 2)),
        (lambda lay: nn.Conv3D(3, 2, strides=(1, 2, 1), in_channels=2, layout=lay),
         "NDHWC", (1, 3, 5, 4, 2), (3, 2, 2, 2, 2)),
        (lambda lay: nn.Conv2DTranspose(4, (2, 3), strides=2, in_channels=3, layout=lay),
         "NHWC", (2, 3, 4, 3), (3, 2, 3, 4)),
    ],
)
def test_channel_last_convolution_matches_channel_first(make, layout, shape, weight, hybridize):
    rng = np.random.default_rng(0)
    first_layout = {"NHWC": "NCHW", "NDHWC": "NCDHW"}[layout]
    last, first = make(layout), make(first_layout)
    last.initialize(initializer.Normal(0.5))
    first.initialize()
    assert last.weight.shape == weight  # MXNet's channel-last weight layout
    first.weight.set_data(nd.array(_first(last.weight.data().asnumpy())))
    first.bias.set_data(nd.array(rng.normal(size=first.bias.shape)))
    last.bias.set_data(first.bias.data())
    if hybridize:
        last.hybridize()
    x = rng.normal(size=shape).astype(np.float32)
    y, gx = _forward_backward(last, x)
    want_y, want_gx = _forward_backward(first, _first(x), True)
    np.testing.assert_allclose(y, _last(want_y), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gx, _last(want_gx), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        last.weight.grad().asnumpy(), _last(first.weight.grad().asnumpy()), rtol=1e-4, atol=1e-4
    )


def test_channel_last_weight_is_inferred_on_first_call():
    layer = nn.Conv2D(8, 3, layout="NHWC")
    layer.initialize()
    assert layer(nd.ones((1, 7, 7, 5))).shape == (1, 5, 5, 8)
    assert layer.weight.shape == (8, 3, 3, 5)
    assert "5 -> 8" in repr(layer)


@pytest.mark.parametrize(
    "layer, first_layer, shape",
    [
        (nn.MaxPool1D(3, 2, layout="NWC"), nn.MaxPool1D(3, 2), (2, 9, 3)),
        (nn.AvgPool2D(padding=1, count_include_pad=False, layout="NHWC"),
         nn.AvgPool2D(padding=1, count_include_pad=False), (2, 5, 6, 3)),
        (nn.MaxPool3D(layout="NDHWC", ceil_mode=True), nn.MaxPool3D(ceil_mode=True),
         (1, 5, 4, 3, 2)),
        (nn.GlobalAvgPool2D(layout="NHWC"), nn.GlobalAvgPool2D(), (2, 4, 3, 5)),
        (nn.GlobalMaxPool1D(layout="NWC"), nn.GlobalMaxPool1D(), (2, 6, 3)),
    ],
)
def test_channel_last_pooling_matches_channel_first(layer, first_layer, shape):
    x = np.random.default_rng(1).normal(size=shape)
    y, gx = _forward_backward(layer, x)
    want_y, want_gx = _forward_backward(first_layer, _first(x), True)
    # float32: average pools sum channel-last and channel-first data in different orders.
    np.testing.assert_allclose(y, _last(want_y), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gx, _last(want_gx), rtol=1e-5, atol=1e-7)


def test_layouts_mxnet_does_not_offer_are_refused():
    with pytest.raises(HybridError, match="Conv1D: layout='NWC'"):
        nn.Conv1D(4, 3, layout="NWC")
    with pytest.raises(HybridError, match="MaxPool2D: layout='NWC'"):
        nn.MaxPool2D(layout="NWC")


def test_channel_last_network_exports_to_onnx(tmp_path):
    import onnxruntime as ort

    net = nn.HybridSequential()
    net.add(
        nn.Conv2D(4, 3, padding=1, layout="NHWC", activation="relu"),
        nn.MaxPool2D(layout="NHWC"),
        nn.Conv2DTranspose(2, 2, strides=2, layout="NHWC"),
        nn.GlobalAvgPool2D(layout="NHWC"),
    )
    net.initialize(initializer.Normal(0.5))
    net.hybridize()
    x = nd.array(np.random.default_rng(2).normal(size=(2, 6, 6, 3)))
    want = net(x).asnumpy()
    net.export(str(tmp_path / "nhwc"))
    sess = ort.InferenceSession(str(tmp_path / "nhwc.onnx"), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {sess.get_inputs()[0].name: x.asnumpy()})
    assert got.shape == (2, 1, 1, 2)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
