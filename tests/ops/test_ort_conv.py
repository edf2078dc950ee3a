"""Convolutions on ONNX Runtime (Note [Convolutions on ONNX Runtime]) against the numpy route.

float32 convolutions take the ONNX Runtime route; each case runs the forward and all three
gradients on it and compares them with the float64 numpy route (exact up to float64 rounding)
at float32 tolerance.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import hybrid
from hybrid import autograd
from hybrid.gluon import nn
from hybrid.ops import _ort_conv

nd = hybrid.nd

@pytest.fixture(autouse=True)
def _every_size_on_ort(monkeypatch):
    """The cases are small; the size thresholds would keep them on the numpy route."""
    monkeypatch.setattr(_ort_conv, "MIN_MACS", 0)
    monkeypatch.setattr(_ort_conv, "MIN_OUT_PIXELS", 0)


CASES = [
    # x shape, w shape, stride, pad, dilate, groups
    ((2, 3, 7, 6), (4, 3, 3, 2), (1, 1), (0, 0), (1, 1), 1),
    ((2, 2, 6, 5), (5, 2, 3, 3), (1, 1), (1, 2), (1, 1), 1),
    ((2, 3, 8, 7), (4, 3, 3, 3), (2, 1), (1, 2), (1, 1), 1),
    ((1, 2, 9, 8), (3, 2, 3, 2), (1, 2), (2, 1), (2, 3), 1),
    ((2, 4, 6, 6), (6, 2, 3, 3), (2, 2), (1, 1), (1, 1), 2),
    ((2, 3, 6, 5), (3, 1, 3, 3), (1, 1), (1, 1), (1, 1), 3),
    ((3, 8, 18, 18), (8, 8, 3, 3), (1, 1), (1, 1), (1, 1), 1),  # ResNet-like, 324 pixels
    ((2, 4, 17, 17), (8, 4, 3, 3), (2, 2), (1, 1), (1, 1), 1),  # odd size: output_padding 0
    ((2, 4, 16, 16), (8, 4, 1, 1), (2, 2), (0, 0), (1, 1), 1),  # 1x1: the numpy route
    ((2, 4, 16, 16), (8, 4, 3, 3), (2, 2), (1, 1), (1, 1), 1),  # output_padding 1
    ((2, 3, 11), (4, 3, 3), (2,), (1,), (2,), 1),
    ((2, 4, 10), (4, 1, 4), (3,), (2,), (1,), 4),
    ((1, 2, 5, 6, 4), (3, 2, 2, 3, 2), (2, 1, 1), (1, 0, 1), (1, 1, 2), 1),
    # channels in whole blocks of 8 and 16 (Note [NCHWc convolutions]):
    ((2, 16, 9, 9), (24, 16, 3, 3), (1, 1), (1, 1), (1, 1), 1),  # 24 channels: plain Conv
    ((2, 32, 10, 8), (16, 32, 3, 3), (1, 1), (1, 2), (1, 2), 1),  # dilated, both on NCHWc
    ((2, 16, 12, 12), (32, 16, 3, 3), (2, 2), (1, 1), (1, 1), 1),  # strided
    ((1, 16, 8, 8), (16, 16, 1, 1), (1, 1), (0, 0), (1, 1), 1),
]


def _op_and_grads(op, x, w, b, head, dtype, **attrs):
    """``op``'s output and the gradients of ``sum(output * head)`` in data, weight and bias."""
    args = [nd.array(a, dtype=dtype) for a in (x, w, b)]
    for a in args:
        a.attach_grad()
    with autograd.record():
        y = op(*args, **attrs)
        loss = (y * nd.array(head, dtype=dtype)).sum()
    loss.backward()
    return [a.asnumpy() for a in (y, *(arg.grad for arg in args))]


_conv_and_grads = partial(_op_and_grads, nd.Convolution)


@pytest.mark.parametrize("chunk", [None, 1, 2], ids=["whole", "chunk1", "chunk2"])
@pytest.mark.parametrize("xs,ws,stride,pad,dilate,groups", CASES)
def test_ort_route_matches_numpy_route_forward_and_gradients(
    monkeypatch, xs, ws, stride, pad, dilate, groups, chunk
):
    """``chunk``: the weight gradient summed over chunks of that many images (None: as the
    engine chooses; a batch of 3 in chunks of 2 leaves a shorter last chunk).
    """
    if chunk is not None:
        monkeypatch.setattr(_ort_conv, "images_per_chunk", lambda n, *_: min(n, chunk))
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=xs), rng.normal(size=ws), rng.normal(size=ws[0])
    attrs = dict(
        kernel=ws[2:], stride=stride, pad=pad, dilate=dilate, num_filter=ws[0], num_group=groups
    )
    y64 = nd.Convolution(
        nd.array(x, dtype="float64"),
        nd.array(w, dtype="float64"),
        nd.array(b, dtype="float64"),
        **attrs,
    )
    head = rng.normal(size=y64.shape)
    want = _conv_and_grads(x, w, b, head, np.float64, **attrs)
    got = _conv_and_grads(x, w, b, head, np.float32, **attrs)
    for name, g, r in zip(("y", "dx", "dw", "db"), got, want):
        assert g.dtype == np.float32, name
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-4 * np.abs(r).max(), err_msg=name)


def test_float32_convolution_takes_the_ort_route(monkeypatch):
    """The route is really taken (a broken session would fail) and switching it off restores
    the numpy route with the same results.
    """
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 9, 9)).astype(np.float32)
    w = rng.normal(size=(5, 3, 3, 3)).astype(np.float32)
    b = np.zeros(5, np.float32)
    head = rng.normal(size=(2, 5, 9, 9))
    attrs = dict(kernel=(3, 3), pad=(1, 1), num_filter=5)
    calls = []
    real = _ort_conv._run
    monkeypatch.setattr(_ort_conv, "_run", lambda op, *a: calls.append(op) or real(op, *a))
    on = _conv_and_grads(x, w, b, head, np.float32, **attrs)
    assert calls == ["Conv", "ConvTranspose", "Gemm"]  # Gemm: the weight gradient
    monkeypatch.setattr(_ort_conv, "ENABLED", False)
    off = _conv_and_grads(x, w, b, head, np.float32, **attrs)
    assert len(calls) == 3
    for g, r in zip(on, off):
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-4)


def _small_cnn():
    net = nn.HybridSequential()
    net.add(
        nn.Conv2D(6, 3, padding=1, activation="relu"),
        nn.MaxPool2D(2),
        nn.Conv2D(8, 3, strides=2, use_bias=False),
        nn.BatchNorm(),
        nn.Activation("relu"),
        nn.Dense(4),
    )
    net.initialize(hybrid.init.Xavier())
    return net


def test_hybridized_training_step_equals_numpy_route(monkeypatch):
    """Fused conv+relu+pool and conv+BatchNorm nodes of a recorded graph give the same outputs
    and parameter gradients on both routes.
    """
    x = nd.array(np.random.default_rng(3).normal(size=(4, 3, 12, 12)).astype(np.float32))
    results = []
    for enabled in (True, False):
        monkeypatch.setattr(_ort_conv, "ENABLED", enabled)
        hybrid.random.seed(0)
        net = _small_cnn()
        net.hybridize(static_alloc=True)
        for _ in range(2):  # the second run reuses the planned buffers
            with autograd.record():
                y = net(x)
                loss = (y * y).sum()
            loss.backward()
        params = net.collect_params()
        results.append(
            [y.asnumpy()] + [p.grad().asnumpy() for p in params.values() if p.grad_req != "null"]
        )
    for g, r in zip(*results):
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-4 * np.abs(r).max())


def test_small_convolutions_stay_on_the_numpy_route(monkeypatch):
    monkeypatch.setattr(_ort_conv, "MIN_MACS", 1_000_000)
    win = _ort_conv.Window(kernel=(5, 5), stride=(1, 1), dilate=(1, 1), pad=(0, 0))
    lenet = np.zeros((1, 1, 28, 28), np.float32), np.zeros((20, 1, 5, 5), np.float32)
    assert not _ort_conv.applies(*lenet, win)  # 0.4M multiply-adds
    win = _ort_conv.Window(kernel=(3, 3), stride=(1, 1), dilate=(1, 1), pad=(1, 1))
    resnet = np.zeros((1, 16, 32, 32), np.float32), np.zeros((16, 16, 3, 3), np.float32)
    assert _ort_conv.applies(*resnet, win)  # 2.4M
    strided = _ort_conv.Window(kernel=(3, 3), stride=(2, 2), dilate=(1, 1), pad=(1, 1))
    assert not _ort_conv.applies(*resnet, strided)  # a quarter of the outputs


def test_few_output_pixels_and_1x1_kernels_stay_on_the_numpy_route(monkeypatch):
    monkeypatch.setattr(_ort_conv, "MIN_OUT_PIXELS", 64)
    win = _ort_conv.Window(kernel=(3, 3), stride=(1, 1), dilate=(1, 1), pad=(1, 1))
    deep = np.zeros((8, 512, 7, 7), np.float32), np.zeros((512, 512, 3, 3), np.float32)
    assert not _ort_conv.applies_conv(*deep, win, (7, 7))  # 49 pixels, 925M multiply-adds
    wide = np.zeros((8, 512, 8, 8), np.float32), deep[1]
    assert _ort_conv.applies_conv(*wide, win, (8, 8))
    one = _ort_conv.Window(kernel=(1, 1), stride=(1, 1), dilate=(1, 1), pad=(0, 0))
    w1 = np.zeros((512, 512, 1, 1), np.float32)
    assert not _ort_conv.applies_conv(wide[0], w1, one, (8, 8))


DECONV_CASES = [
    # x shape, w shape, attrs; every case has 1 or at least 64 input pixels per image
    ((2, 3, 8, 8), (3, 4, 4, 4), dict(stride=(2, 2), pad=(1, 1))),  # DCGAN's upsampling
    ((2, 5, 1, 1), (5, 6, 4, 4), {}),  # DCGAN's first layer: one input pixel
    ((2, 3, 8, 9), (3, 2, 3, 3), dict(stride=(2, 2), pad=(1, 1), adj=(1, 1))),
    ((1, 2, 8, 8), (2, 3, 3, 3), dict(stride=(2, 2), target_shape=(16, 15))),
    ((2, 4, 9, 8), (4, 3, 3, 2), dict(dilate=(2, 1), pad=(1, 0), num_group=2)),
    ((2, 3, 70), (3, 2, 4), dict(stride=(3,), pad=(2,), adj=(2,))),
    ((1, 2, 4, 4, 4), (2, 3, 2, 3, 2), dict(stride=(2, 1, 2), pad=(1, 1, 0))),
]


_deconv_and_grads = partial(_op_and_grads, nd.Deconvolution)


@pytest.mark.parametrize("xs,ws,extra", DECONV_CASES)
def test_deconvolution_on_ort_matches_numpy_route(monkeypatch, xs, ws, extra):
    rng = np.random.default_rng(4)
    f = ws[1] * extra.get("num_group", 1)
    x, w, b = rng.normal(size=xs), rng.normal(size=ws), rng.normal(size=f)
    attrs = dict(kernel=ws[2:], num_filter=f, no_bias=False, **extra)
    y64 = nd.Deconvolution(*(nd.array(a, dtype="float64") for a in (x, w, b)), **attrs)
    head = rng.normal(size=y64.shape)
    calls = []
    real = _ort_conv._run
    monkeypatch.setattr(_ort_conv, "_run", lambda op, *a: calls.append(op) or real(op, *a))
    want = _deconv_and_grads(x, w, b, head, np.float64, **attrs)
    got = _deconv_and_grads(x, w, b, head, np.float32, **attrs)
    assert calls == ["ConvTranspose", "Conv"]  # only float32 takes the route
    for name, g, r in zip(("y", "dx", "dw", "db"), got, want):
        assert g.dtype == np.float32, name
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-4 * np.abs(r).max(), err_msg=name)


def test_deconvolution_with_few_input_pixels_stays_on_the_numpy_route():
    win = _ort_conv.Window(kernel=(4, 4), stride=(2, 2), dilate=(1, 1), pad=(1, 1))
    w = np.zeros((512, 256, 4, 4), np.float32)
    assert not _ort_conv.applies_transposed(np.zeros((16, 512, 4, 4), np.float32), w, win, (8, 8))
    assert _ort_conv.applies_transposed(np.zeros((16, 512, 8, 8), np.float32), w, win, (16, 16))
    adj2 = (18, 18)  # output_padding 2 reaches the stride: ONNX Runtime refuses it
    assert not _ort_conv.applies_transposed(np.zeros((16, 512, 8, 8), np.float32), w, win, adj2)


def test_frozen_weights_give_the_data_gradient_alone():
    """Only the data needs a gradient (a frozen layer): the input is not kept for a weight
    gradient, and the data gradient equals the one computed with all three.
    """
    rng = np.random.default_rng(6)
    x, w = rng.normal(size=(2, 16, 9, 9)), rng.normal(size=(8, 16, 3, 3))
    head = rng.normal(size=(2, 8, 9, 9))
    xa, wa = nd.array(x, dtype="float32"), nd.array(w, dtype="float32")
    xa.attach_grad()
    with autograd.record():
        loss = (nd.Convolution(xa, wa, kernel=(3, 3), pad=(1, 1), num_filter=8, no_bias=True)
                * nd.array(head)).sum()
    loss.backward()
    b = np.zeros(8)
    want = _conv_and_grads(x, w, b, head, np.float64, kernel=(3, 3), pad=(1, 1), num_filter=8)[1]
    np.testing.assert_allclose(xa.grad.asnumpy(), want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
