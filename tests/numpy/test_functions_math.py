"""Elementwise math of mx.np (``hybrid/numpy/_math.py``) against NumPy on float64 arrays of
several shapes, MXNet 1.9.1's dtype rules, and gradients against finite differences."""

from __future__ import annotations

import numpy as onp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hybrid import np
from hybrid.base import HybridError

from ._fd import check_grad

# name -> (NumPy reference, input domain, differentiable)
UNARY = {
    "sin": (onp.sin, (-3, 3), True), "cos": (onp.cos, (-3, 3), True),
    "tan": (onp.tan, (-1.2, 1.2), True), "arcsin": (onp.arcsin, (-0.9, 0.9), True),
    "arccos": (onp.arccos, (-0.9, 0.9), True), "arctan": (onp.arctan, (-3, 3), True),
    "sinh": (onp.sinh, (-3, 3), True), "cosh": (onp.cosh, (-3, 3), True),
    "tanh": (onp.tanh, (-3, 3), True), "arcsinh": (onp.arcsinh, (-3, 3), True),
    "arccosh": (onp.arccosh, (1.1, 4), True), "arctanh": (onp.arctanh, (-0.9, 0.9), True),
    "degrees": (onp.degrees, (-3, 3), True), "rad2deg": (onp.rad2deg, (-3, 3), True),
    "radians": (onp.radians, (-90, 90), True), "deg2rad": (onp.deg2rad, (-90, 90), True),
    "expm1": (onp.expm1, (-3, 3), True), "log10": (onp.log10, (0.1, 9), True),
    "log1p": (onp.log1p, (-0.9, 9), True), "log2": (onp.log2, (0.1, 9), True),
    "cbrt": (onp.cbrt, (0.1, 9), True), "reciprocal": (onp.reciprocal, (0.5, 4), True),
    "fabs": (onp.fabs, (-3, 3), True),
    "ceil": (onp.ceil, (-3, 3), False), "floor": (onp.floor, (-3, 3), False),
    "trunc": (onp.trunc, (-3, 3), False), "fix": (onp.fix, (-3, 3), False),
    "sign": (onp.sign, (-3, 3), False), "positive": (onp.positive, (-3, 3), True),
}
BINARY = {
    "arctan2": (onp.arctan2, True), "hypot": (onp.hypot, True),
    "copysign": (onp.copysign, True), "ldexp": (lambda a, b: a * onp.exp2(b), True),
}
CLASS_TESTS = {"isnan": onp.isnan, "isinf": onp.isinf, "isposinf": onp.isposinf,
               "isneginf": onp.isneginf, "isfinite": onp.isfinite}
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


def _values(lo, hi, shape):
    return hnp.arrays(onp.float64, shape, elements=st.floats(lo, hi, width=64))


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_unary_matches_numpy(name, data):
    ref, (lo, hi), _ = UNARY[name]
    x = data.draw(_values(lo, hi, data.draw(SHAPES)))
    y = getattr(np, name)(np.array(x))
    assert type(y) is np.ndarray and y.dtype == onp.float64 and y.shape == x.shape
    onp.testing.assert_allclose(y.asnumpy(), ref(x), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(n for n, (_, _, d) in UNARY.items() if d))
def test_unary_gradient(name):
    _, (lo, hi), _ = UNARY[name]
    x = onp.random.default_rng(1).uniform(lo, hi, (2, 3))
    check_grad(getattr(np, name), x)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_binary_matches_numpy_with_broadcasting(name, data):
    ref = BINARY[name][0]
    shape_a, shape_b = data.draw(hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=3, max_side=3)).input_shapes
    a = data.draw(_values(-3, 3, shape_a))
    b = data.draw(_values(-3, 3, shape_b))
    if name == "arctan2":
        b = onp.where(onp.abs(b) < 1e-3, 1.0, b)
    y = getattr(np, name)(np.array(a), np.array(b))
    onp.testing.assert_allclose(y.asnumpy(), ref(a, b), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradient(name):
    rng = onp.random.default_rng(2)
    a = rng.uniform(0.5, 2, (2, 3)) * onp.array([1, -1, 1])
    b = rng.uniform(0.5, 2, (3,)) * onp.array([-1, 1, 1])
    if name == "copysign":  # the sign argument has no gradient
        check_grad(lambda x: np.copysign(x, np.array(b)), a)
    else:
        check_grad(getattr(np, name), a, b)


@pytest.mark.parametrize("name", sorted(CLASS_TESTS))
def test_class_tests_return_bool(name):
    x = onp.array([[onp.nan, onp.inf, -onp.inf], [0.0, -1.5, 2.0]])
    y = getattr(np, name)(np.array(x))
    assert y.dtype == onp.bool_
    onp.testing.assert_array_equal(y.asnumpy(), CLASS_TESTS[name](x))
    assert getattr(np, name)(float("inf")) is bool(CLASS_TESTS[name](onp.inf))


@pytest.mark.parametrize("name,ref", [("lcm", onp.lcm), ("bitwise_and", onp.bitwise_and),
                                      ("bitwise_or", onp.bitwise_or),
                                      ("bitwise_xor", onp.bitwise_xor)])
def test_integer_binary_ops(name, ref):
    rng = onp.random.default_rng(3)
    a, b = rng.integers(1, 40, (3, 4)).astype(onp.int32), rng.integers(1, 40, (4,)).astype(
        onp.int32)
    y = getattr(np, name)(np.array(a), np.array(b))
    assert y.dtype == onp.int32
    onp.testing.assert_array_equal(y.asnumpy(), ref(a, b))
    with pytest.raises(HybridError, match="integer"):
        getattr(np, name)(np.array(a, dtype="float32"), 2.0)


def test_invert_and_logical_not():
    a = onp.array([-3, 0, 7], dtype=onp.int32)
    onp.testing.assert_array_equal(np.invert(np.array(a)).asnumpy(), ~a)
    onp.testing.assert_array_equal(np.bitwise_not(np.array(a > 0)).asnumpy(), ~(a > 0))
    y = np.logical_not(np.array([0.0, 2.0]))
    assert y.dtype == onp.bool_ and y.tolist() == [True, False]


def test_mxnet_dtype_rules():
    # Checked against MXNet 1.9.1: integer inputs keep their dtype, bool computes in float32,
    # Python scalars give Python floats; binary functions need one dtype for two arrays.
    ints = np.array([1, 2, 3], dtype="int32")
    assert np.sin(ints).dtype == onp.int32
    onp.testing.assert_array_equal(np.floor(ints).asnumpy(), [1, 2, 3])
    assert np.cbrt(np.array([True])).dtype == onp.float32
    assert isinstance(np.sin(2.0), float) and abs(np.sin(2.0) - onp.sin(2.0)) < 1e-12
    assert np.arctan2(np.array([1.0, 2.0]), 2.0).dtype == onp.float32
    assert np.arctan2(ints, 2).dtype == onp.int32
    with pytest.raises(HybridError, match="one dtype"):
        np.arctan2(ints, np.array([1.0, 2.0, 3.0]))


def test_out_argument_receives_the_result():
    out = np.zeros((3,))
    res = np.sin(np.array([0.0, 1.0, 2.0]), out=out)
    assert res is out
    onp.testing.assert_allclose(out.asnumpy(), onp.sin([0.0, 1.0, 2.0]), rtol=1e-6)
