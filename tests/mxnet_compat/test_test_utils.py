"""``mx.test_utils``: comparisons, random data, symbol checks (which must catch wrong results),
environment, DummyIter and the data helpers that never download."""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np
import pytest

import hybrid as mx
from hybrid import test_utils as tu


def test_assert_almost_equal_uses_dtype_tolerances_and_names_the_worst_element():
    tu.assert_almost_equal(np.float32([1, 2]), np.float32([1, 2.0001]))  # float32 rtol 1e-4
    with pytest.raises(AssertionError) as info:
        tu.assert_almost_equal(np.float64([1, 2, 3, 4]), mx.nd.array([1, 2.5, 3, 4.1],
                               dtype="float64"), names=("got", "want"))
    message = str(info.value)
    assert "exceeds tolerance rtol=1.000000e-05" in message
    assert "mismatch 50.000000%" in message
    assert "Location of maximum error: (1,), got=2.00000000, want=2.50000000" in message
    tu.assert_almost_equal(np.array([1.0, 2.0]), np.array([1.5, 2.0]), rtol=0.5, atol=0)
    with pytest.raises(AssertionError):
        tu.assert_almost_equal(np.array([np.nan]), np.array([np.nan]))
    tu.assert_almost_equal(np.array([np.nan]), np.array([np.nan]), equal_nan=True)
    with pytest.raises(AssertionError, match="shape"):
        tu.assert_almost_equal(np.ones((2,)), np.ones((1,)), use_broadcast=False)


def test_almost_equal_same_and_assert_exception():
    assert tu.almost_equal(np.ones(3), np.ones(3) + 1e-7, rtol=1e-6, atol=0)
    assert not tu.almost_equal(np.ones(3), np.ones(3) + 1e-3)
    assert tu.same(mx.nd.array([1, 2]), np.float32([1, 2]))
    assert not tu.same(np.ones(2), np.ones(3))
    tu.assert_exception(int, ValueError, "x")
    with pytest.raises(AssertionError):
        tu.assert_exception(int, ValueError, "3")


def test_random_helpers_and_default_context():
    np.random.seed(0)
    a, b = tu.random_arrays((2, 3), ())
    assert a.shape == (2, 3) and b.shape == () and a.dtype == np.float32
    shape = tu.rand_shape_nd(4, dim=3)
    assert len(shape) == 4 and all(1 <= d <= 3 for d in shape)
    assert all(1 <= d <= 5 for d in tu.rand_shape_3d(5, 5, 5))
    assert all(0 <= d <= 2 for d in tu.rand_shape_2d(2, 2, allow_zero_size=True))
    arr = tu.rand_ndarray((3, 2), dtype="float64")
    assert arr.shape == (3, 2) and arr.dtype == np.float64
    with pytest.raises(mx.HybridError, match="row_sparse.*dense"):
        tu.rand_ndarray((3, 2), stype="row_sparse")
    assert tu.default_context() == mx.cpu()
    tu.set_default_context(mx.cpu(1))
    try:
        assert tu.default_context() == mx.cpu(1) and mx.current_context() == mx.cpu(1)
    finally:
        tu.set_default_context(mx.cpu(0))


def _sym():
    x, y = mx.sym.var("x"), mx.sym.var("y")
    return mx.sym.broadcast_mul(x, mx.sym.sin(y))


def test_symbol_checks_pass_on_numpy_references():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3))
    s = _sym()
    tu.check_symbolic_forward(s, [a, b], [a * np.sin(b)], dtype=np.float64)
    g = rng.normal(size=(2, 3))
    expected = {"x": g * np.sin(b), "y": g * a * np.cos(b)}
    for req in ("write", "add"):
        tu.check_symbolic_backward(s, {"x": a, "y": b}, [g], expected, grad_req=req,
                                   dtype=np.float64)
    tu.check_symbolic_backward(s, [a, b], [g], [expected["x"], np.zeros((2, 3))],
                               grad_req={"x": "write", "y": "null"}, dtype=np.float64)
    tu.check_numeric_gradient(s, [a, b], rtol=1e-4, atol=1e-8, dtype=np.float64)


def test_symbol_checks_catch_wrong_results():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3))
    s = _sym()
    with pytest.raises(AssertionError, match="EXPECTED_.*FORWARD_"):
        tu.check_symbolic_forward(s, [a, b], [a * np.cos(b)], dtype=np.float64)
    with pytest.raises(AssertionError, match="BACKWARD_y"):
        tu.check_symbolic_backward(s, [a, b], [np.ones((2, 3))], [np.sin(b), np.cos(b)],
                                   dtype=np.float64)


class _WrongGrad(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] * in_data[0])

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], 3 * in_data[0] * out_grad[0])  # should be 2x


@mx.operator.register("test_utils_wrong_grad")
class _WrongGradProp(mx.operator.CustomOpProp):
    def create_operator(self, ctx, in_shapes, in_dtypes):
        return _WrongGrad()


def test_numeric_gradient_check_catches_a_wrong_backward():
    s = mx.sym.Custom(mx.sym.var("x"), op_type="test_utils_wrong_grad")
    point = np.random.default_rng(2).uniform(0.5, 1, (3,))
    with pytest.raises(AssertionError, match="NUMERICAL_x"):
        tu.check_numeric_gradient(s, [point], rtol=1e-3, dtype=np.float64)


def test_check_consistency_across_dtypes():
    data, w, b = mx.sym.var("data"), mx.sym.var("w"), mx.sym.var("b")
    fc = mx.sym.FullyConnected(data, w, b, num_hidden=3, name="fc")
    entries = [{"ctx": mx.cpu(), "data": (2, 4), "type_dict": {n: t for n in ("data", "w", "b")}}
               for t in (np.float32, np.float64)]
    gt = tu.check_consistency(fc, entries)
    assert gt["fc_output"].dtype == np.float64 and set(gt) == {"fc_output", "data", "w", "b"}
    wrong = {"fc_output": gt["fc_output"] + 1, **{k: gt[k] for k in ("data", "w", "b")}}
    with pytest.raises(AssertionError):
        tu.check_consistency(fc, entries, ground_truth=wrong)
    with pytest.raises(mx.HybridError, match="GPU"):
        tu.check_consistency(fc, [entries[0], {**entries[1], "ctx": mx.gpu(0)}])


def test_environment_sets_and_restores(monkeypatch):
    monkeypatch.setenv("HYBRID_A", "old")
    monkeypatch.delenv("HYBRID_B", raising=False)
    with tu.environment({"HYBRID_A": None, "HYBRID_B": "new"}):
        assert "HYBRID_A" not in os.environ and os.environ["HYBRID_B"] == "new"
    assert os.environ["HYBRID_A"] == "old" and "HYBRID_B" not in os.environ

    @tu.environment("HYBRID_A", "inside")
    def read():
        return os.environ["HYBRID_A"]

    assert read() == "inside" and os.environ["HYBRID_A"] == "old"


def test_dummy_iter_repeats_the_first_batch():
    it = mx.io.NDArrayIter(np.arange(12).reshape(6, 2), np.arange(6), batch_size=2)
    dummy = tu.DummyIter(it)
    batches = [next(dummy) for _ in range(5)]
    assert all(b is batches[0] for b in batches)
    np.testing.assert_array_equal(batches[0].data[0].asnumpy(), [[0, 1], [2, 3]])
    assert dummy.batch_size == 2 and dummy.provide_data == it.provide_data


def _idx(path, header: bytes, payload: np.ndarray) -> None:
    with gzip.open(path, "wb") as f:
        f.write(header + payload.astype(np.uint8).tobytes())


def test_download_and_get_mnist_read_local_files_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(tu.NoNetworkError) as info:
        tu.get_mnist()
    assert str(tmp_path / "train-images-idx3-ubyte.gz") in str(info.value)
    assert "train-images-idx3-ubyte.gz" in str(info.value).split("Fetch ")[1]
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 3), ("t10k", 2)):
        images = rng.integers(0, 256, (n, 28, 28))
        labels = rng.integers(0, 10, n)
        _idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", struct.pack(">IIII", 2051, n, 28, 28),
             images)
        _idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", struct.pack(">II", 2049, n), labels)
        if prefix == "t10k":
            test_images, test_labels = images, labels
    mnist = tu.get_mnist()
    assert mnist["train_data"].shape == (3, 1, 28, 28) and mnist["test_label"].shape == (2,)
    np.testing.assert_allclose(mnist["test_data"][:, 0], test_images / 255, rtol=1e-6)
    np.testing.assert_array_equal(mnist["test_label"], test_labels)
    url = "https://example.invalid/data/file.bin"
    with pytest.raises(tu.NoNetworkError, match=str(tmp_path / "sub" / "x.bin")):
        tu.download(url, fname="x.bin", dirname=str(tmp_path / "sub"))
    (tmp_path / "file.bin").write_bytes(b"1")
    assert tu.download(url) == str(tmp_path / "file.bin")


def test_star_import_and_smaller_helpers():
    namespace: dict = {}
    exec("from hybrid.test_utils import *", namespace)
    assert namespace["np"] is np and namespace["mx"] is mx
    data = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(tu.np_reduce(data, [0, 2], True, np.max),
                                  data.max(axis=(0, 2), keepdims=True))
    tu.assert_almost_equal_ignore_nan(np.array([1.0, np.nan]), np.array([1.0, 5.0]))
    x = mx.nd.ones((2,))
    assert tu.same_array(x, x[:])
    assert not tu.same_array(x, x.copy())
    out = tu.simple_forward(mx.sym.relu(mx.sym.var("x")), x=np.array([-1.0, 2.0]))
    np.testing.assert_array_equal(out, [0, 2])
    calls = []

    @tu.retry(3)
    def flaky():
        calls.append(1)
        assert len(calls) == 2

    flaky()
    assert len(calls) == 2
    u = tu.random_uniform_arrays((100,), low=2, high=3)
    assert u.min() >= 2 and u.max() < 3
