"""Core mx.np functions and operators against NumPy on float64 inputs of several shapes
(hypothesis), their gradients against finite differences, and tracing on Symbols."""

from __future__ import annotations

import numpy as onp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import hybrid as mx
from hybrid import np

from ._fd import check_grad

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
FLOATS = st.floats(-3, 3, allow_nan=False, width=64)


def _arrays(shape):
    return hnp.arrays(onp.float64, shape, elements=FLOATS)


def _close(got, expected):
    assert type(got) is np.ndarray
    assert got.shape == onp.shape(expected), (got.shape, onp.shape(expected))
    onp.testing.assert_allclose(got.asnumpy(), expected, rtol=1e-10, atol=1e-12)


BINARY = {
    "add": (onp.add, lambda a, b: a + b),
    "subtract": (onp.subtract, lambda a, b: a - b),
    "multiply": (onp.multiply, lambda a, b: a * b),
    "maximum": (onp.maximum, None),
    "minimum": (onp.minimum, None),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=SHAPES)
def test_binary_broadcasting_matches_numpy(name, data, shape):
    a = data.draw(_arrays(shape))
    sub = shape[data.draw(st.integers(0, len(shape))):]
    b = data.draw(_arrays(sub))
    reference, operator = BINARY[name]
    _close(getattr(np, name)(np.array(a), np.array(b)), reference(a, b))
    if operator is not None:
        _close(operator(np.array(a), np.array(b)), reference(a, b))
        _close(operator(np.array(a), 1.5), reference(a, 1.5))
        _close(operator(2.5, np.array(b)), reference(2.5, b))


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=SHAPES)
def test_division_power_and_comparisons_match_numpy(data, shape):
    a = data.draw(_arrays(shape))
    b = data.draw(hnp.arrays(onp.float64, shape, elements=st.floats(0.5, 3, width=64)))
    x, y = np.array(a), np.array(b)
    _close(x / y, a / b)
    _close(1.0 / y, 1.0 / b)
    _close(y ** 1.5, b ** 1.5)
    _close(2.0 ** x, 2.0 ** a)
    _close(y ** y, b ** b)
    _close(x % y, a % b)
    _close(-x, -a)
    _close(abs(x), abs(a))
    for got, expected in [(x < y, a < b), (x >= 0, a >= 0), (x == x, a == a), (x != 1, a != 1)]:
        assert got.dtype == onp.bool_
        onp.testing.assert_array_equal(got.asnumpy(), expected)


AXES = [None, 0, -1, (0, 1)]


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "std", "var"])
@pytest.mark.parametrize("axis", AXES, ids=repr)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(name, axis, keepdims):
    a = onp.random.default_rng(3).normal(size=(2, 3, 4))
    expected = getattr(onp, name)(a, axis=axis, keepdims=keepdims)
    _close(getattr(np, name)(np.array(a), axis=axis, keepdims=keepdims), expected)
    _close(getattr(np.array(a), name)(axis=axis, keepdims=keepdims), expected)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [None, 0, 2])
def test_arg_reductions(name, axis):
    a = onp.random.default_rng(4).normal(size=(2, 3, 4))
    got = getattr(np, name)(np.array(a), axis=axis)
    assert got.dtype == onp.int64
    onp.testing.assert_array_equal(got.asnumpy(), getattr(onp, name)(a, axis=axis))


def test_all_any_cumsum_clip_around():
    a = onp.array([[0.0, 1.5, -2.5], [3.0, 0.5, 0.0]])
    x = np.array(a)
    for axis in (None, 0, 1):
        onp.testing.assert_array_equal(np.all(x, axis=axis).asnumpy(), onp.all(a, axis=axis))
        onp.testing.assert_array_equal(np.any(x, axis=axis).asnumpy(), onp.any(a, axis=axis))
        _close(np.cumsum(x, axis=axis), onp.cumsum(a, axis=axis))
    _close(np.clip(x, -1, 1), onp.clip(a, -1, 1))
    _close(np.clip(x, None, 1), onp.clip(a, None, 1))
    _close(np.around(x), onp.around(a))
    _close(np.round(x * 10.37, 1), onp.round(a * 10.37, 1))
    _close(np.exp(x), onp.exp(a))
    _close(np.sqrt(abs(x)), onp.sqrt(abs(a)))
    _close(np.log(abs(x) + 1), onp.log(abs(a) + 1))


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                                   ((2, 3), (4, 3, 5)), ((), (2, 3))], ids=repr)
def test_dot_matches_numpy(sa, sb):
    rng = onp.random.default_rng(5)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    _close(np.dot(np.array(a), np.array(b)), onp.dot(a, b))


@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 4)), ((5, 2, 3), (3, 4)), ((2, 1, 2, 3), (4, 3, 2)),
                                   ((3,), (2, 3, 4)), ((2, 3, 4), (4,))], ids=repr)
def test_matmul_matches_numpy(sa, sb):
    rng = onp.random.default_rng(6)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    _close(np.matmul(np.array(a), np.array(b)), onp.matmul(a, b))
    _close(np.array(a) @ np.array(b), a @ b)


def test_creation_functions_match_numpy():
    _close(np.zeros((2, 3), dtype="float64"), onp.zeros((2, 3)))
    _close(np.ones(4, dtype="float64"), onp.ones(4))
    _close(np.full((2, 2), 7.5, dtype="float64"), onp.full((2, 2), 7.5))
    _close(np.arange(2, 11, 3, dtype="float64"), onp.arange(2, 11, 3, dtype=onp.float64))
    _close(np.linspace(0, 1, 7, dtype="float64"), onp.linspace(0, 1, 7))
    _close(np.linspace(0, 1, 4, endpoint=False, dtype="float64"),
           onp.linspace(0, 1, 4, endpoint=False))
    _close(np.eye(3, 4, k=1, dtype="float64"), onp.eye(3, 4, k=1))
    _close(np.identity(2, dtype="float64"), onp.identity(2))
    proto = np.array(onp.ones((2, 3)))
    for fn, ref in [(np.zeros_like, onp.zeros_like), (np.ones_like, onp.ones_like)]:
        _close(fn(proto), ref(onp.ones((2, 3))))
    _close(np.full_like(proto, 3), onp.full((2, 3), 3.0))
    assert np.empty((2, 2)).shape == (2, 2) and np.empty_like(proto).dtype == onp.float64


def test_shape_functions_match_numpy():
    a = onp.random.default_rng(7).normal(size=(2, 3, 4))
    x = np.array(a)
    _close(np.reshape(x, (4, -1)), a.reshape(4, -1))
    _close(np.ravel(x), a.ravel())
    _close(np.transpose(x), a.transpose())
    _close(np.transpose(x, (1, 0, 2)), a.transpose(1, 0, 2))
    _close(x.transpose(2, 0, 1), a.transpose(2, 0, 1))
    _close(np.swapaxes(x, 0, 2), onp.swapaxes(a, 0, 2))
    _close(np.moveaxis(x, 0, -1), onp.moveaxis(a, 0, -1))
    _close(np.expand_dims(x, 1), onp.expand_dims(a, 1))
    _close(np.squeeze(np.array(a[:1])), onp.squeeze(a[:1]))
    _close(np.broadcast_to(np.array(a[0, 0]), (2, 3, 4)), onp.broadcast_to(a[0, 0], (2, 3, 4)))
    _close(np.concatenate([x, x], axis=1), onp.concatenate([a, a], axis=1))
    _close(np.concatenate([x, x], axis=None), onp.concatenate([a, a], axis=None))
    _close(np.stack([x, x], axis=-1), onp.stack([a, a], axis=-1))
    for got, expected in zip(np.split(x, 2, axis=2), onp.split(a, 2, axis=2)):
        _close(got, expected)
    for got, expected in zip(np.array_split(x, 3, axis=2), onp.array_split(a, 3, axis=2)):
        _close(got, expected)
    for got, expected in zip(np.split(x, [1, 3], axis=1), onp.split(a, [1, 3], axis=1)):
        _close(got, expected)
    _close(np.tile(x, (1, 2, 1)), onp.tile(a, (1, 2, 1)))
    _close(np.repeat(x, 2, axis=1), onp.repeat(a, 2, axis=1))
    _close(np.flip(x, 1), onp.flip(a, 1))
    _close(np.sort(x, axis=1), onp.sort(a, axis=1))
    onp.testing.assert_array_equal(np.argsort(x).asnumpy(), onp.argsort(a))
    _close(np.where(x > 0, x, 0.0), onp.where(a > 0, a, 0.0))
    _close(np.copy(x), a)


GRAD_CASES = {
    "sum": lambda x: np.sum(x * x),
    "mean-axis": lambda x: np.mean(x * x, axis=0),
    "std": lambda x: np.std(x, axis=1),
    "max": lambda x: np.max(x, axis=1),
    "matmul": lambda x: np.matmul(x, x.T),
    "dot": lambda x: np.dot(x, x[0]),
    "divide-power": lambda x: x / (x * x + 1) ** 1.5,
    "reshape-transpose": lambda x: np.transpose(np.reshape(x, (4, 3))) * 2,
    "concatenate-stack": lambda x: np.stack([np.concatenate([x, x * 2], 1),
                                             np.concatenate([x * x, x], 1)], 0),
    "where": lambda x: np.where(x > 0, x * 3, x * x),
    "broadcast-add": lambda x: x + np.sum(x, axis=0),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients_against_finite_differences(name):
    x = onp.random.default_rng(8).normal(size=(3, 4))
    check_grad(GRAD_CASES[name], x)


def test_np_functions_trace_on_symbols():
    x = mx.sym.var("x")
    y = np.sum(np.exp(x) * 2, axis=1)
    assert hasattr(y, "_is_symbol")
    ops = [n["op"] for n in __import__("json").loads(y.tojson())["nodes"]]
    assert {"exp", "_mul_scalar", "_np_sum"} <= set(ops)


def _np_network(x, w):
    h = np.maximum(np.matmul(x, w * 0.5), 0.0)
    z = np.concatenate([h, np.around(h * 3) / 3], axis=1) - np.mean(h, axis=1, keepdims=True)
    return np.reshape(np.transpose(z), (-1,)) * np.max(z) + np.argmax(z, axis=1).astype(
        "float32").sum()


def test_traced_np_network_equals_eager_and_exports_to_onnx():
    import onnxruntime as ort
    from hybrid.export import to_onnx

    rng = onp.random.default_rng(9)
    data = rng.normal(size=(2, 4)).astype(onp.float32)
    weight = rng.normal(size=(4, 3)).astype(onp.float32)
    eager = _np_network(np.array(data), np.array(weight))
    with mx.util.np_shape(True), mx.util.np_array(True):  # numpy mode: symbols broadcast
        sym = _np_network(mx.sym.var("data", shape=(2, 4)), mx.sym.var("w", shape=(4, 3)))
    traced = sym.eval(data=np.array(data), w=np.array(weight))[0]
    onp.testing.assert_allclose(traced.asnumpy(), eager.asnumpy(), rtol=1e-6)
    model = to_onnx(sym, input_shapes=[(2, 4), (4, 3)], dynamic_batch=False)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = dict(zip([i.name for i in session.get_inputs()], (data, weight)))
    (onnx_out,) = session.run(None, feeds)
    onp.testing.assert_allclose(onnx_out, eager.asnumpy(), rtol=1e-5, atol=1e-6)
