"""dot, batch_dot and the creation ops: numpy references and MXNet's documented examples."""

from __future__ import annotations

import numpy as np
import pytest

from hybrid import nd
from hybrid.base import ShapeError

RNG = np.random.default_rng(0)


def test_dot_nd_contracts_last_and_first_axes():
    a, b = RNG.normal(size=(2, 3, 4)), RNG.normal(size=(4, 5, 6))
    got = nd.dot(nd.array(a, dtype="float64"), nd.array(b, dtype="float64"))
    np.testing.assert_allclose(got.asnumpy(), np.tensordot(a, b, axes=(2, 0)), rtol=1e-12)


def test_dot_transposes():
    a, b = RNG.normal(size=(4, 2, 3)), RNG.normal(size=(5, 4))
    got = nd.dot(
        nd.array(a, dtype="float64"),
        nd.array(b, dtype="float64"),
        transpose_a=True,
        transpose_b=True,
    )
    assert got.shape == (2, 3, 5)
    np.testing.assert_allclose(got.asnumpy(), np.tensordot(a, b, axes=(0, 1)), rtol=1e-12)
    v = nd.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(nd.dot(v, v).asnumpy(), [14])


def test_dot_mismatch_names_op_and_shapes():
    with pytest.raises(ShapeError, match=r"dot: lhs \(2, 3\) and rhs \(4, 5\)"):
        nd.dot(nd.zeros((2, 3)), nd.zeros((4, 5)))


def test_batch_dot_matches_matmul():
    a, b = RNG.normal(size=(3, 2, 4)), RNG.normal(size=(3, 5, 4))
    got = nd.batch_dot(nd.array(a, dtype="float64"), nd.array(b, dtype="float64"), transpose_b=True)
    np.testing.assert_allclose(got.asnumpy(), a @ b.transpose(0, 2, 1), rtol=1e-12)
    with pytest.raises(ShapeError, match=r"batch_dot: lhs \(3, 2, 4\) and rhs \(2, 4, 5\)"):
        nd.batch_dot(nd.zeros((3, 2, 4)), nd.zeros((2, 4, 5)))
    with pytest.raises(ShapeError, match="batch_dot: inputs need 3"):
        nd.batch_dot(nd.zeros((2, 4)), nd.zeros((4, 5)))


def test_arange_documented_examples():
    np.testing.assert_array_equal(nd.arange(3).asnumpy(), [0, 1, 2])
    np.testing.assert_array_equal(nd.arange(2, 6).asnumpy(), [2, 3, 4, 5])
    np.testing.assert_array_equal(nd.arange(2, 6, step=2).asnumpy(), [2, 4])
    np.testing.assert_array_equal(
        nd.arange(2, 6, step=1.5, repeat=2).asnumpy(), [2, 2, 3.5, 3.5, 5, 5]
    )
    got = nd.arange(2, 6, step=2, repeat=3, dtype="int32")
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got.asnumpy(), [2, 2, 2, 4, 4, 4])
    assert nd.arange(3).dtype == np.float32


def test_fills_and_eye():
    assert nd.zeros((2, 3)).dtype == np.float32
    np.testing.assert_array_equal(nd.ones((2,), dtype="int32").asnumpy(), [1, 1])
    np.testing.assert_array_equal(nd.full((2, 2), 7).asnumpy(), [[7, 7], [7, 7]])
    np.testing.assert_array_equal(nd.eye(2, 3, 1).asnumpy(), [[0, 1, 0], [0, 0, 1]])
    x = nd.array([[1.5, 2.0]], dtype="float64")
    assert nd.zeros_like(x).dtype == np.float64
    np.testing.assert_array_equal(nd.ones_like(x).asnumpy(), [[1, 1]])
    np.testing.assert_array_equal(nd.zeros((2,), ctx="cpu(0)").asnumpy(), [0, 0])
