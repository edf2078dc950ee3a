"""Statistics, products, the NumPy fallbacks and the remaining mx.np functions (``_stats.py``,
``_products.py``, ``_fallback.py``, ``_misc.py``) against NumPy on float64 inputs."""

from __future__ import annotations

import numpy as onp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hybrid import autograd, np, sym
from hybrid.base import HybridError

from ._fd import check_grad


def _2d(x):
    return x.reshape((-1, x.shape[-1]))


# name -> (function of (module, x), minimum ndim); x is float64 with ndim >= the minimum.
TABLE = {
    "average": (lambda m, x: m.average(x), 0),
    "average_weighted": (lambda m, x: m.average(x, axis=0, weights=m.arange(
        1.0, x.shape[0] + 1, dtype="float64")), 1),
    "quantile": (lambda m, x: m.quantile(x, 0.3), 1),
    "quantile_axis": (lambda m, x: m.quantile(x, m.array([0.0, 0.5, 1.0]), axis=-1), 1),
    "percentile_keepdims": (lambda m, x: m.percentile(x, 40, axis=0, keepdims=True), 1),
    "percentile_nearest": (lambda m, x: m.percentile(x, 70, method="nearest")
                           if m is onp else m.percentile(x, 70, interpolation="nearest"), 1),
    "diff": (lambda m, x: m.diff(x), 1),
    "diff2": (lambda m, x: m.diff(x, n=2, axis=0, prepend=1.0), 1),
    "ediff1d": (lambda m, x: m.ediff1d(x, to_begin=m.array([9.0])), 0),
    "polyval": (lambda m, x: m.polyval(m.array([1.0, -2.0, 0.5]), x), 0),
    "tensordot": (lambda m, x: m.tensordot(x, x, axes=x.ndim), 0),
    "tensordot_axes": (lambda m, x: m.tensordot(x, x, axes=([0], [0])), 1),
    "inner": (lambda m, x: m.inner(x, x), 0),
    "outer": (lambda m, x: m.outer(x, x), 0),
    "vdot": (lambda m, x: m.vdot(x, x), 0),
    "einsum_trace": (lambda m, x: m.einsum("ij,ij->", _2d(x), _2d(x)), 2),
    "einsum_implicit": (lambda m, x: m.einsum("ij,kj", _2d(x), _2d(x)), 2),
    "einsum_ellipsis": (lambda m, x: m.einsum("...i,i->...", x, x.reshape(-1)[:x.shape[-1]]), 1),
    "isclose": (lambda m, x: m.isclose(x, x + 1e-9), 0),
    "cov": (lambda m, x: m.cov(_2d(x)), 2),
    "corrcoef": (lambda m, x: m.corrcoef(_2d(x) + m.arange(x.shape[-1], dtype="float64")), 2),
    "ptp": (lambda m, x: m.ptp(x, axis=0), 1),
    "nanmax": (lambda m, x: m.nanmax(x, axis=-1), 1),
    "heaviside": (lambda m, x: m.heaviside(x, 0.5), 0),
    "float_power": (lambda m, x: m.float_power(m.abs(x) + 1, 1.5), 0),
    "signbit": (lambda m, x: m.signbit(x), 0),
    "take_along_axis": (lambda m, x: m.take_along_axis(x, m.argsort(x, axis=-1), axis=-1), 1),
    "searchsorted": (lambda m, x: m.searchsorted(m.array([-1.0, 0.0, 2.0]), x), 0),
    "digitize": (lambda m, x: m.digitize(x, m.array([-1.0, 0.0, 2.0])), 0),
    "vander": (lambda m, x: m.vander(x.reshape(-1)[:3], 4), 1),
    "trapz": (lambda m, x: (m.trapezoid if m is onp else m.trapz)(x, axis=-1), 1),
    "msort": (lambda m, x: m.sort(x, axis=0) if m is onp else m.msort(x), 1),
    "nan_to_num": (lambda m, x: m.nan_to_num(m.log(x)), 0),
    "apply_along_axis": (lambda m, x: m.apply_along_axis(lambda r: (r * r).sum(), -1, x), 1),
    "apply_over_axes": (lambda m, x: m.apply_over_axes(m.sum, x, [0]), 1),
    "piecewise": (lambda m, x: m.piecewise(x, [x < 0, x > 1], [lambda v: -v, 2.0, 0.5]), 0),
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
    with onp.errstate(all="ignore"):
        expected = fn(onp, x)
    got = fn(np, np.array(x))
    onp.testing.assert_allclose(_numpy(got), expected, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ["average_weighted", "quantile_axis", "diff2", "ediff1d",
                                  "polyval", "tensordot_axes", "inner", "outer", "vdot",
                                  "einsum_implicit", "nan_to_num", "piecewise",
                                  "apply_along_axis"])
def test_gradient(name):
    fn, _ = TABLE[name]
    x = onp.random.default_rng(5).uniform(0.3, 3, (3, 4))
    check_grad(lambda a: fn(np, a), x)


def test_einsum_gradient_of_each_operand():
    rng = onp.random.default_rng(6)
    check_grad(lambda a, b, c: np.einsum("ij,jk,k->i", a, b, c), rng.normal(size=(2, 3)),
               rng.normal(size=(3, 4)), rng.normal(size=(4,)))


def test_value_dependent_functions_match_numpy():
    x = onp.array([[3.0, 0.0, 1.0], [3.0, 2.0, 0.0]])
    got = np.unique(np.array(x), return_index=True, return_inverse=True, return_counts=True)
    for g, e in zip(got, onp.unique(x, return_index=True, return_inverse=True,
                                    return_counts=True)):
        onp.testing.assert_array_equal(g.asnumpy(), e)
    for g, e in zip(np.nonzero(np.array(x)), onp.nonzero(x)):
        onp.testing.assert_array_equal(g.asnumpy(), e)
    ints = onp.array([0, 1, 1, 4], dtype=onp.int32)
    onp.testing.assert_array_equal(np.bincount(np.array(ints), minlength=6).asnumpy(),
                                   onp.bincount(ints, minlength=6))
    a, b = onp.array([1.0, 2.0, 5.0]), onp.array([2.0, 3.0])
    for name in ("intersect1d", "union1d", "setdiff1d", "setxor1d"):
        got = getattr(np, name)(np.array(a), np.array(b)).asnumpy()
        onp.testing.assert_array_equal(got, getattr(onp, name)(a, b))
    onp.testing.assert_array_equal(np.in1d(np.array(a), np.array(b)).asnumpy(), onp.isin(a, b))
    onp.testing.assert_array_equal(np.argwhere(np.array(x)).asnumpy(), onp.argwhere(x))


def test_fallback_results_and_scalars():
    x = onp.array([[1.0, 2.0], [3.0, 5.0]])
    assert bool(np.allclose(np.array(x), np.array(x)))
    assert not np.array_equal(np.array(x), np.array(x + 1))
    mantissa, exponent = np.frexp(np.array(x))
    onp.testing.assert_array_equal(mantissa.asnumpy(), onp.frexp(x)[0])
    onp.testing.assert_array_equal(exponent.asnumpy(), onp.frexp(x)[1])
    hist, edges = np.histogramdd(np.array(x), bins=2)
    expected_hist, expected_edges = onp.histogramdd(x, bins=2)
    onp.testing.assert_array_equal(hist.asnumpy(), expected_hist)
    assert len(edges) == len(expected_edges)
    quotient, remainder = np.polydiv(np.array([1.0, 3.0, 2.0]), np.array([1.0, 1.0]))
    onp.testing.assert_allclose(quotient.asnumpy(), [1.0, 2.0])
    onp.testing.assert_allclose(np.polyfit(np.arange(4.0), np.arange(4.0) * 2 + 1, 1).asnumpy(),
                                [2.0, 1.0], atol=1e-6)
    sel = np.select([np.array(x) > 2], [np.array(x) * 10], default=-1.0)
    onp.testing.assert_array_equal(sel.asnumpy(), onp.select([x > 2], [x * 10], default=-1.0))


def test_fallbacks_have_no_gradient_and_do_not_trace():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record(), pytest.raises(ValueError, match="outside autograd.record"):
        np.cov(x)
    assert float(np.cov(x)) == pytest.approx(0.5)

    x = sym.var("x")
    assert np.isclose(x, x).infer_shape(x=(3,))[1] == [(3,)]
    with pytest.raises(HybridError, match="cannot be traced"):
        np.unique(x).infer_shape(x=(3,))


def test_histogram_windows_logspace_and_metadata():
    x = onp.array([1.0, 2.0, 2.0, 3.0, 5.0])
    counts, edges = np.histogram(np.array(x), bins=3, range=(0.0, 6.0))
    onp.testing.assert_array_equal(counts.asnumpy(), onp.histogram(x, 3, (0.0, 6.0))[0])
    onp.testing.assert_allclose(edges.asnumpy(), onp.histogram(x, 3, (0.0, 6.0))[1])
    with pytest.raises(HybridError, match="range"):
        np.histogram(np.array(x), bins=3)
    for name in ("blackman", "hamming", "hanning"):
        w = getattr(np, name)(6)
        assert w.dtype == onp.float32
        onp.testing.assert_allclose(w.asnumpy(), getattr(onp, name)(6), atol=1e-6)
    onp.testing.assert_allclose(np.logspace(0, 2, 3).asnumpy(), [1.0, 10.0, 100.0], rtol=1e-6)
    a = np.zeros((2, 3))
    assert (np.ndim(a), np.shape(a), np.size(a), np.size(a, 1)) == (2, (2, 3), 6, 3)
    assert np.result_type(a, onp.int64) == onp.result_type(onp.float32, onp.int64)
    assert np.promote_types("float32", "int32") == onp.float64
    assert np.min_scalar_type(10) == onp.uint8
    assert np.shares_memory(a, a) and not np.may_share_memory(a, np.zeros((2, 3)))
    onp.testing.assert_array_equal(np.diag_indices_from(np.zeros((3, 3)))[0].asnumpy(),
                                   onp.diag_indices_from(onp.zeros((3, 3)))[0])
    assert bool(np.alltrue(np.array([1.0, 2.0]))) and bool(np.sometrue(np.array([0.0, 2.0])))
    assert float(np.product(np.array([2.0, 3.0]))) == 6.0


def test_mxnet_result_dtypes_and_constants():
    # Checked against MXNet 1.9.1.
    ints = np.array([[1, 5, 2], [3, 1, 4]], dtype="int32")
    assert np.quantile(ints, 0.5).dtype == onp.float32
    assert float(np.quantile(ints, 0.5)) == 2.5
    assert np.bincount(np.array([0, 2, 2], dtype="int32")).dtype == onp.int32
    assert np.vdot(np.ones((2, 2)), np.ones((2, 2))).shape == ()
    assert np.hstack([np.ones((2, 1)), ints]).dtype == onp.float32
    assert np.nan_to_num(np.array([np.nan, np.inf])).tolist() == [0.0, onp.finfo(
        onp.float32).max]
    assert np.pi == onp.pi and np.newaxis is None and onp.isnan(np.nan) and np.NINF == -onp.inf
    assert np.zeros((1,), dtype=np.float16).dtype == onp.float16 and np.bool_ is onp.bool_
