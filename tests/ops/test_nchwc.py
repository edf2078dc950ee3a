"""Convolutions on ONNX Runtime's NCHWc kernels (Note [NCHWc convolutions]): the route is found
and taken, and it gives the plain route's results. The cases of ``test_ort_conv.py`` with
channels in whole blocks compare it with the float64 numpy route.
"""

from __future__ import annotations

import platform

import numpy as np

from hybrid.ops import _nchwc, _ort_conv

from .test_ort_conv import _conv_and_grads


def test_the_block_size_is_found_on_x86():
    # x86 builds of ONNX Runtime block by 16 channels with AVX-512 and by 8 with AVX2; other
    # CPUs may lack the kernels, and the route is then off.
    found = _nchwc.block_size()
    if platform.machine().lower() in ("x86_64", "amd64"):
        assert found in (8, 16)
    else:
        assert found in (None, 8, 16)


def test_forward_and_data_gradient_take_the_route_and_equal_the_plain_conv(monkeypatch):
    monkeypatch.setattr(_ort_conv, "MIN_MACS", 0)  # a small case
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 16, 10, 10)).astype(np.float32)
    w = rng.normal(size=(16, 16, 3, 3)).astype(np.float32)
    b = rng.normal(size=16).astype(np.float32)
    head = rng.normal(size=(2, 16, 10, 10))
    attrs = dict(kernel=(3, 3), pad=(1, 1), num_filter=16)
    calls = []
    real = _nchwc.conv
    monkeypatch.setattr(_nchwc, "conv", lambda *a: calls.append(a[0].shape) or real(*a))
    on = _conv_and_grads(x, w, b, head, np.float32, **attrs)
    taken = 0 if _nchwc.block_size() is None else 2  # the forward, then the data gradient
    assert calls == [(2, 16, 10, 10)] * taken
    monkeypatch.setattr(_nchwc, "ENABLED", False)
    off = _conv_and_grads(x, w, b, head, np.float32, **attrs)
    assert len(calls) == taken
    for name, g, r in zip(("y", "dx", "dw", "db"), on, off):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-5 * np.abs(r).max(), err_msg=name)


def test_small_images_and_grouped_convolutions_keep_the_plain_conv(monkeypatch):
    monkeypatch.setattr(_nchwc, "conv", lambda *a: (_ for _ in ()).throw(AssertionError(a)))
    rng = np.random.default_rng(5)
    for xs, ws, groups in (((2, 16, 7, 7), (16, 16, 3, 3), 1), ((2, 32, 9, 9), (32, 2, 3, 3), 16)):
        x = rng.normal(size=xs).astype(np.float32)
        w = rng.normal(size=ws).astype(np.float32)
        win = _ort_conv.Window((3, 3), (1, 1), (1, 1), (1, 1))
        assert _ort_conv.conv_forward(x, w, win, groups).shape == (2, ws[0]) + xs[2:]
