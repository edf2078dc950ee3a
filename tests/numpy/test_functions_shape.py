"""Joining, splitting and rearranging functions of mx.np (``_shape_ops.py``, ``_arrange.py``)
against NumPy on float64 arrays of several shapes, with gradients against finite differences."""

from __future__ import annotations

import numpy as onp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hybrid import np
from hybrid.base import HybridError

from ._fd import check_grad

# name -> (function of (module, x) for both NumPy and mx.np, minimum ndim)
TABLE = {
    "atleast_1d": (lambda m, x: m.atleast_1d(x), 0),
    "atleast_2d": (lambda m, x: m.atleast_2d(x), 0),
    "atleast_3d": (lambda m, x: m.atleast_3d(x), 0),
    "hstack": (lambda m, x: m.hstack([x, x * 2]), 1),
    "vstack": (lambda m, x: m.vstack([x, x * 2]), 1),
    "row_stack": (lambda m, x: m.vstack([x, x]), 1),
    "dstack": (lambda m, x: m.dstack([x, x * 2]), 1),
    "column_stack": (lambda m, x: m.column_stack([x, x * 2]), 1),
    "append": (lambda m, x: m.append(x, x * 2), 0),
    "append_axis": (lambda m, x: m.append(x, x, axis=0), 1),
    "delete": (lambda m, x: m.delete(x, [0], axis=0), 1),
    "delete_flat": (lambda m, x: m.delete(x, slice(0, None, 2)), 1),
    "insert": (lambda m, x: m.insert(x, 1, 7.0, axis=0), 1),
    "insert_list": (lambda m, x: m.insert(x, [0, 1], 5.0), 1),
    "resize": (lambda m, x: m.resize(x, (3, 5)), 1),
    "roll": (lambda m, x: m.roll(x, 2), 0),
    "roll_axis": (lambda m, x: m.roll(x, -1, axis=0), 1),
    "rot90": (lambda m, x: m.rot90(x), 2),
    "rot90_k3": (lambda m, x: m.rot90(x, 3, axes=(1, 0)), 2),
    "rot90_k2": (lambda m, x: m.rot90(x, 2), 2),
    "rollaxis": (lambda m, x: m.rollaxis(x, -1), 2),
    "fliplr": (lambda m, x: m.fliplr(x), 2),
    "flipud": (lambda m, x: m.flipud(x), 1),
    "diagflat": (lambda m, x: m.diagflat(x, 1), 0),
    "diagonal": (lambda m, x: m.diagonal(x), 2),
    "trace": (lambda m, x: m.trace(x, 1), 2),
    "tril": (lambda m, x: m.tril(x, -1), 2),
    "pad_constant": (lambda m, x: m.pad(x, 1, constant_values=3.0), 1),
    "pad_edge": (lambda m, x: m.pad(x, ((1, 2),) * x.ndim, mode="edge"), 1),
    "pad_symmetric": (lambda m, x: m.pad(x, 1, mode="symmetric"), 1),
    "pad_maximum": (lambda m, x: m.pad(x, (1, 0), mode="maximum"), 1),
    "pad_mean": (lambda m, x: m.pad(x, 1, mode="mean"), 1),
    "broadcast_arrays": (lambda m, x: m.broadcast_arrays(x, m.ones((2,) + x.shape))[0], 0),
    "take": (lambda m, x: m.take(x, m.array([0, -1], dtype="int64"), mode="wrap"), 1),
    "take_axis": (lambda m, x: m.take(x, m.array([[1], [0]], dtype="int64"), axis=0,
                                      mode="clip"), 1),
}
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=2, max_side=4)


def _numpy(result):
    if isinstance(result, (list, tuple)):
        return [_numpy(r) for r in result]
    return result.asnumpy() if hasattr(result, "asnumpy") else onp.asarray(result)


@pytest.mark.parametrize("name", sorted(TABLE))
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_matches_numpy(name, data):
    fn, min_ndim = TABLE[name]
    shape = data.draw(SHAPES.filter(lambda s: len(s) >= min_ndim))
    x = data.draw(hnp.arrays(onp.float64, shape, elements=st.floats(-5, 5, width=64)))
    expected = fn(onp, x)
    got = fn(np, np.array(x))
    onp.testing.assert_allclose(_numpy(got), expected, rtol=1e-12)


@pytest.mark.parametrize("name", ["hstack", "dstack", "delete", "insert", "resize", "roll_axis",
                                  "rot90", "rot90_k3", "trace", "tril", "pad_edge",
                                  "pad_symmetric", "take_axis", "diagflat", "column_stack"])
def test_gradient(name):
    fn, _ = TABLE[name]
    x = onp.random.default_rng(4).normal(size=(3, 4))
    check_grad(lambda a: fn(np, a), x)


def test_splits_match_numpy():
    x = onp.arange(48.0).reshape(4, 4, 3)
    for name, arg in [("hsplit", 2), ("vsplit", [1, 3]), ("dsplit", 3)]:
        got = getattr(np, name)(np.array(x), arg)
        expected = getattr(onp, name)(x, arg)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            onp.testing.assert_array_equal(g.asnumpy(), e)
    with pytest.raises(HybridError, match="equal sections"):
        np.hsplit(np.array(x), 3)


def test_grids_match_numpy():
    a, b, c = onp.arange(3.0), onp.arange(4.0), onp.arange(2.0)
    for indexing in ("xy", "ij"):
        for sparse in (False, True):
            got = np.meshgrid(np.array(a), np.array(b), np.array(c), indexing=indexing,
                              sparse=sparse)
            expected = onp.meshgrid(a, b, c, indexing=indexing, sparse=sparse)
            for g, e in zip(got, expected):
                onp.testing.assert_array_equal(g.asnumpy(), e)
    onp.testing.assert_array_equal(np.indices((2, 3)).asnumpy(), onp.indices((2, 3)))
    for g, e in zip(np.ix_(np.array([0, 1]), np.array([2, 0, 1])), onp.ix_([0, 1], [2, 0, 1])):
        assert g.shape == e.shape
    coords = np.unravel_index(np.array([5, 1, 7]), (2, 4))
    for g, e in zip(coords, onp.unravel_index([5, 1, 7], (2, 4))):
        onp.testing.assert_array_equal(g.asnumpy(), e)


def test_diag_of_vectors_and_matrices():
    v, m = onp.arange(3.0), onp.arange(12.0).reshape(3, 4)
    onp.testing.assert_array_equal(np.diag(np.array(v), -1).asnumpy(), onp.diag(v, -1))
    onp.testing.assert_array_equal(np.diag(np.array(m), 1).asnumpy(), onp.diag(m, 1))
    with pytest.raises(HybridError, match="1-D or 2-D"):
        np.diag(np.zeros((2, 2, 2)))


def test_errors_name_the_function():
    with pytest.raises(HybridError, match="np.rot90"):
        np.rot90(np.zeros((2, 2)), axes=(0, 0))
    with pytest.raises(HybridError, match="np.pad"):
        np.pad(np.zeros((2,)), 1, mode="wrap")
    with pytest.raises(HybridError, match="np.vsplit"):
        np.vsplit(np.zeros((4,)), 2)
