"""Reductions and sorting: numpy references, MXNet's shape conventions and documented examples."""

from __future__ import annotations

import numpy as np
import pytest

from hybrid import autograd, nd
from hybrid.base import AttrError, ShapeError

X = np.random.default_rng(0).normal(size=(2, 3, 4)).astype(np.float32)


@pytest.mark.parametrize(
    "name,ref",
    [("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min), ("prod", np.prod)],
)
def test_reductions_match_numpy(name, ref):
    f = getattr(nd, name)
    x = nd.array(X)
    np.testing.assert_allclose(f(x, axis=1).asnumpy(), ref(X, axis=1), rtol=1e-6)
    np.testing.assert_allclose(
        f(x, axis=(0, 2), keepdims=True).asnumpy(), ref(X, axis=(0, 2), keepdims=True), rtol=1e-6
    )
    np.testing.assert_allclose(f(x, axis=1, exclude=True).asnumpy(), ref(X, axis=(0, 2)), rtol=1e-6)
    # MXNet 1.x has no 0-d arrays: a full reduction has shape (1,).
    assert f(x).shape == (1,)
    np.testing.assert_allclose(f(x).asnumpy(), [ref(X)], rtol=1e-5)


def test_aliases_and_fluent_methods():
    x = nd.array(X)
    np.testing.assert_array_equal(nd.sum_axis(x, axis=2).asnumpy(), x.sum(axis=2).asnumpy())
    np.testing.assert_array_equal(nd.max_axis(x, axis=0).asnumpy(), x.max(axis=0).asnumpy())
    np.testing.assert_array_equal(nd.min_axis(x, axis=0).asnumpy(), x.min(axis=0).asnumpy())


def test_nan_reductions_skip_nans():
    x = nd.array([[1.0, np.nan], [2.0, 3.0]])
    np.testing.assert_array_equal(nd.nansum(x, axis=1).asnumpy(), [1, 5])
    np.testing.assert_array_equal(nd.nanprod(x, axis=1).asnumpy(), [1, 6])


def test_max_gradient_goes_to_every_tie():
    x = nd.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]])
    x.attach_grad()
    with autograd.record():
        y = nd.max(x, axis=1)
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [[0, 1, 1], [1, 0, 0]])


def test_norm_orders():
    x = nd.array(X)
    np.testing.assert_allclose(nd.norm(x).asnumpy(), [np.sqrt((X**2).sum())], rtol=1e-6)
    np.testing.assert_allclose(
        nd.norm(x, ord=1, axis=2).asnumpy(), np.abs(X).sum(axis=2), rtol=1e-6
    )
    assert nd.norm(x, axis=(1, 2), keepdims=True).shape == (2, 1, 1)
    assert nd.norm(x, out_dtype="float64").dtype == np.float64
    with pytest.raises(AttrError, match="norm: attribute ord=3"):
        nd.norm(x, ord=3)


def test_argmax_returns_float_indices():
    x = nd.array([[0.3, 0.2, 0.4], [0.1, 0.3, 0.2]])
    got = nd.argmax(x, axis=1)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.asnumpy(), [2, 1])
    np.testing.assert_array_equal(nd.argmin(x, axis=0).asnumpy(), [1, 0, 1])
    np.testing.assert_array_equal(nd.argmax(x).asnumpy(), [2])
    assert nd.argmax(x, axis=1, keepdims=True).shape == (2, 1)


def test_bad_axis_names_op_and_axis():
    with pytest.raises(ShapeError, match="sum: axis 3 is out of range"):
        nd.sum(nd.array(X), axis=3)
    with pytest.raises(ShapeError, match="argmax: axis -4"):
        nd.argmax(nd.array(X), axis=-4)


TOPK_X = [[0.3, 0.2, 0.4], [0.1, 0.3, 0.2]]


def test_topk_documented_examples():
    x = nd.array(TOPK_X)
    np.testing.assert_array_equal(nd.topk(x).asnumpy(), [[2], [1]])
    np.testing.assert_allclose(nd.topk(x, ret_typ="value", k=2).asnumpy(), [[0.4, 0.3], [0.3, 0.2]])
    np.testing.assert_allclose(
        nd.topk(x, ret_typ="value", k=2, is_ascend=1).asnumpy(), [[0.2, 0.3], [0.1, 0.2]]
    )
    np.testing.assert_allclose(
        nd.topk(x, axis=0, ret_typ="value", k=2).asnumpy(), [[0.3, 0.3, 0.4], [0.1, 0.2, 0.2]]
    )
    value, indices = nd.topk(x, ret_typ="both", k=2)
    np.testing.assert_allclose(value.asnumpy(), [[0.4, 0.3], [0.3, 0.2]])
    np.testing.assert_array_equal(indices.asnumpy(), [[2, 0], [1, 2]])
    assert indices.dtype == np.float32
    np.testing.assert_array_equal(nd.topk(x, ret_typ="mask", k=2).asnumpy(), [[1, 0, 1], [0, 1, 1]])
    np.testing.assert_allclose(
        nd.topk(x, axis=None, ret_typ="value", k=3).asnumpy(), [0.4, 0.3, 0.3]
    )


def test_topk_errors():
    with pytest.raises(AttrError, match="topk: attribute ret_typ"):
        nd.topk(nd.array(TOPK_X), ret_typ="values")
    with pytest.raises(ShapeError, match=r"topk: k=4 exceeds.*\(2, 3\)"):
        nd.topk(nd.array(TOPK_X), k=4)


def test_topk_value_gradient_lands_on_selected_entries():
    x = nd.array(TOPK_X)
    x.attach_grad()
    with autograd.record():
        y = nd.topk(x, ret_typ="value", k=2)
    y.backward(nd.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(x.grad.asnumpy(), [[2, 0, 1], [0, 3, 4]])


def test_sort_and_argsort():
    x = nd.array([[0.3, 0.2, 0.4], [0.1, 0.3, 0.2]])
    np.testing.assert_allclose(nd.sort(x).asnumpy(), [[0.2, 0.3, 0.4], [0.1, 0.2, 0.3]])
    np.testing.assert_allclose(
        nd.sort(x, axis=0, is_ascend=False).asnumpy(), [[0.3, 0.3, 0.4], [0.1, 0.2, 0.2]]
    )
    np.testing.assert_allclose(
        nd.sort(x, axis=None).asnumpy(), np.sort(np.array(TOPK_X, np.float32), axis=None)
    )
    got = nd.argsort(x, dtype="int32")
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got.asnumpy(), [[1, 0, 2], [0, 2, 1]])
    np.testing.assert_array_equal(nd.argsort(x, is_ascend=False).asnumpy(), [[2, 0, 1], [1, 2, 0]])
