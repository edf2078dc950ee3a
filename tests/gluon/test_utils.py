"""gluon.utils: split_data, split_and_load, clip_global_norm, check_sha1."""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd
from hybrid.base import HybridError
from hybrid.gluon import utils


def test_split_data_even_and_uneven():
    x = mx.nd.array(np.arange(20).reshape(10, 2))
    parts = utils.split_data(x, 5)
    assert [p.shape for p in parts] == [(2, 2)] * 5
    np.testing.assert_array_equal(np.concatenate([p.asnumpy() for p in parts]), x.asnumpy())
    parts = utils.split_data(x, 3, even_split=False)
    assert [p.shape[0] for p in parts] == [4, 3, 3]
    parts = utils.split_data(mx.nd.array(np.arange(12).reshape(2, 6)), 4, 1, even_split=False)
    assert [p.shape for p in parts] == [(2, 2), (2, 2), (2, 1), (2, 1)]
    np.testing.assert_array_equal(parts[2].asnumpy(), [[4], [10]])


def test_split_data_errors():
    x = mx.nd.zeros((5, 2))
    with pytest.raises(HybridError, match="evenly"):
        utils.split_data(x, 2)
    with pytest.raises(ValueError, match="evenly"):  # MXNet's error type
        utils.split_data(x, 2)
    with pytest.raises(HybridError, match="too many slices"):
        utils.split_data(x, 6, even_split=False)


def test_split_and_load_accepts_numpy_and_keeps_gradients():
    parts = utils.split_and_load(np.ones((4, 3)), [mx.cpu(0), mx.cpu(1)])
    assert [p.shape for p in parts] == [(2, 3), (2, 3)]
    assert isinstance(parts[0], mx.nd.NDArray)
    x = mx.nd.array(np.arange(6.0).reshape(6, 1))
    x.attach_grad()
    with autograd.record():
        a, b = utils.split_and_load(x, [mx.cpu(), mx.cpu()])
        y = a * 2 + 0
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy().ravel(), [2, 2, 2, 0, 0, 0])
    assert utils.split_and_load(x, [mx.cpu()])[0] is x


def test_clip_global_norm_scales_down_only_above_max():
    a = mx.nd.array([3.0, 0.0])
    b = mx.nd.array([[4.0]])
    norm = utils.clip_global_norm([a, b], 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(a.asnumpy(), [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.asnumpy(), [[0.8]], rtol=1e-6)
    c = mx.nd.array([0.3, 0.4])
    out = utils.clip_global_norm([c], 10.0, check_isfinite=False)
    assert isinstance(out, mx.nd.NDArray) and out.shape == (1,)
    np.testing.assert_allclose(c.asnumpy(), [0.3, 0.4], rtol=1e-7)


def test_clip_global_norm_warns_on_nan():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        norm = utils.clip_global_norm([mx.nd.array([np.nan, 1.0])], 1.0)
    assert np.isnan(norm)
    assert any("nan or inf" in str(w.message) for w in caught)


def test_check_sha1(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"hybrid")
    assert utils.check_sha1(str(path), hashlib.sha1(b"hybrid").hexdigest())
    assert not utils.check_sha1(str(path), "0" * 40)
