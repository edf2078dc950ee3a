"""mx.np.ndarray: the type, its conversions to and from nd.NDArray, 0-d semantics, printing,
dtypes and the numpy-mode switches. Expected dtypes and reprs were measured on MXNet 1.9.1."""

from __future__ import annotations

import numpy as onp
import pytest

import hybrid as mx
from hybrid import autograd, np
from hybrid.base import HybridError
from hybrid.numpy import _dispatch
from hybrid.numpy._operators import result_type


def test_ndarray_subclasses_ndarray_and_shares_buffer_both_ways():
    x = np.zeros((2, 3))
    assert isinstance(x, mx.nd.NDArray) and type(x) is np.ndarray
    legacy = x.as_nd_ndarray()
    assert type(legacy) is mx.nd.NDArray
    legacy[0, 1] = 5
    assert x.asnumpy()[0, 1] == 5
    back = mx.nd.ones((2,)).as_np_ndarray()
    assert type(back) is np.ndarray
    src = mx.nd.zeros((2,))
    view = src.as_np_ndarray()
    view[1] = 7
    assert src.asnumpy().tolist() == [0, 7]


def test_conversion_keeps_the_autograd_tape():
    x = mx.nd.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = (x * 2).as_np_ndarray()
        z = (y * y).sum().as_nd_ndarray()
    z.backward()
    assert x.grad.asnumpy().tolist() == [8.0, 16.0]


def test_registered_op_results_take_the_input_array_type():
    x = np.array([-1.0, 2.0])
    y = _dispatch.call("relu", x)
    assert type(y) is np.ndarray and y.asnumpy().tolist() == [0.0, 2.0]
    assert type(mx.nd.relu(mx.nd.array([1.0]))) is mx.nd.NDArray
    made = _dispatch.call("_zeros", shape=(2,), dtype="float32")
    assert type(made) is np.ndarray


def test_autograd_gradient_is_np_ndarray():
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    assert type(x.grad) is np.ndarray
    onp.testing.assert_allclose(x.grad.asnumpy(), [2.0, 4.0, 6.0])


def test_zero_dim_arrays():
    a = np.array(3.5)
    assert a.shape == () and a.ndim == 0 and a.size == 1
    assert a.item() == 3.5 and float(a) == 3.5 and int(a) == 3 and bool(a)
    s = np.ones((2, 3)).sum()
    assert s.shape == () and s.item() == 6.0
    assert np.ones((2, 3))[1, 2].shape == ()
    with pytest.raises(TypeError):
        len(a)
    with pytest.raises(TypeError):
        iter(a)
    assert [3, 4, 5][np.array(1, dtype="int32")] == 4
    with pytest.raises(ValueError):
        bool(np.ones(2))


def test_python_protocols():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert len(x) == 2 and [r.shape for r in x] == [(2,), (2,)]
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert onp.asarray(x).dtype == onp.float32
    assert x.T.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert x.reshape(4).shape == (4,) and x.reshape((1, -1)).shape == (1, 4)
    assert x.reshape(1, 4).shape == (1, 4)
    assert x.astype("int32").dtype == onp.int32
    assert x.astype("float32", copy=False) is x
    c = x.copy()
    c[0, 0] = 9
    assert x.item(0) == 1.0
    assert x.ctx == mx.cpu() and x.context == mx.cpu() and x.as_in_ctx(mx.cpu()) is x


@pytest.mark.parametrize(
    "make,text",
    [
        (lambda: np.array([[0, 1, 2], [3, 4, 5]]), "array([[0., 1., 2.],\n       [3., 4., 5.]])"),
        (lambda: np.array(3.5), "array(3.5)"),
        (lambda: np.array([1, 2], dtype="int32"), "array([1, 2], dtype=int32)"),
        (lambda: np.array(1.5, dtype="float64"), "array(1.5, dtype=float64)"),
        (lambda: np.zeros((2, 0)), "array([], shape=(2, 0))"),
        (lambda: np.ones(2) == np.ones(2), "array([ True,  True])"),
        (lambda: np.array([1.0, 3.0, 2.0]).argmax(), "array(1, dtype=int64)"),
    ],
)
def test_repr_as_mxnet(make, text):
    assert repr(make()) == text


@pytest.mark.parametrize(
    "source,dtype",
    [
        ([1, 2], onp.float32),
        ([True, False], onp.float32),
        (3, onp.float32),
        (onp.ones(2), onp.float64),
        (onp.arange(3), onp.int64),
        (onp.float64(2.0), onp.float64),
        (onp.int32(3), onp.int32),
    ],
)
def test_array_dtype_rules(source, dtype):
    assert np.array(source).dtype == dtype


# (lhs dtype, rhs dtype, MXNet 1.9.1's result dtype of lhs + rhs)
PROMOTION = [
    ("bool", "bool", "bool"), ("bool", "int8", "int8"), ("int8", "uint8", "int32"),
    ("uint8", "int32", "int32"), ("int32", "int64", "int64"), ("int32", "float16", "float16"),
    ("int64", "float32", "float32"), ("float16", "float32", "float32"),
    ("float32", "float64", "float64"), ("bool", "float64", "float64"),
]


@pytest.mark.parametrize("a,b,expected", PROMOTION)
def test_array_promotion_table(a, b, expected):
    assert result_type(onp.dtype(a), onp.dtype(b)) == onp.dtype(expected)
    assert (np.ones(2, dtype=a) + np.ones(2, dtype=b)).dtype == onp.dtype(expected)
    assert (np.ones(2, dtype=b) * np.ones(2, dtype=a)).dtype == onp.dtype(expected)


@pytest.mark.parametrize(
    "compute,dtype",
    [
        (lambda: np.ones(2, dtype="int32") + 1.5, onp.int32),
        (lambda: 1 - np.ones(2, dtype="int32"), onp.int32),
        (lambda: np.ones(2, dtype="bool") + 1, onp.int64),
        (lambda: np.ones(2, dtype="int32") / 2, onp.float32),
        (lambda: np.ones(2, dtype="int32") / np.ones(2, dtype="int32"), onp.float32),
        (lambda: np.ones(2, dtype="float16") * 2, onp.float16),
        (lambda: np.ones(2) < 1, onp.bool_),
        (lambda: np.ones(3, dtype="bool").sum(), onp.int64),
        (lambda: np.ones(3, dtype="int32").sum(), onp.int32),
        (lambda: np.ones(3, dtype="int32").mean(), onp.float32),
        (lambda: np.arange(5), onp.float32),
        (lambda: np.zeros(3, dtype=int), onp.int64),
        (lambda: np.full((2,), 3), onp.float32),
    ],
)
def test_scalar_and_function_dtypes(compute, dtype):
    assert compute().dtype == dtype


def test_int_array_with_float_scalar_casts_the_scalar_first():
    assert (np.array([1, 2], dtype="int32") + 1.5).tolist() == [2, 3]


def test_operators_refuse_lists_and_numpy_arrays_as_mxnet():
    for other in ([1.0, 2.0], onp.ones(2), None, "a"):
        with pytest.raises(TypeError):
            _ = np.ones(2) + other
        with pytest.raises(TypeError):
            _ = other * np.ones(2)
    with pytest.raises(HybridError, match="not supported"):
        np.sum(np.ones(2), initial=3)


def test_var_and_std_of_integers_keep_the_dtype_as_mxnet():
    x = np.array([0, 1, 2, 3], dtype="int32")
    assert np.var(x).dtype == onp.int32 and np.var(x).item() == 1
    assert np.std(np.arange(4), ddof=1).dtype == onp.float32


def test_legacy_ndarray_is_refused_with_the_set_np_hint():
    with pytest.raises(HybridError, match="as_np_ndarray"):
        np.add(mx.nd.ones(2), np.ones(2))
    with pytest.raises(HybridError, match="set_np"):
        np.ones(2) + mx.nd.ones(2)
    with pytest.raises(TypeError):
        _ = np.ones(2) == None  # noqa: E711 - MXNet refuses it


def test_set_np_reset_np_and_decorators():
    assert not mx.util.is_np_array()
    mx.util.set_np()
    try:
        assert mx.util.is_np_array() and mx.util.is_np_shape()
    finally:
        mx.util.reset_np()
    assert not mx.util.is_np_array() and not mx.util.is_np_shape()
    with pytest.raises(ValueError):
        mx.util.set_np(shape=False, array=True)

    @mx.util.use_np
    def inside():
        return mx.util.is_np_array(), mx.util.is_np_shape()

    assert inside() == (True, True) and not mx.util.is_np_array()


def test_mxnet_alias_exposes_numpy_module():
    import importlib

    assert mx.np is np and importlib.import_module("hybrid.np") is np
    from hybrid.mxnet import _target

    assert _target("mxnet.numpy") == "hybrid.numpy" and _target("mxnet.np") == "hybrid.np"


def test_call_traces_symbols():
    x = mx.sym.var("x")
    y = _dispatch.call("relu", x)
    assert hasattr(y, "_is_symbol") and "relu" in y.tojson()


def test_autograd_grad_and_function_keep_the_np_type():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = (x * x).sum()
    (gx,) = autograd.grad(y, [x])
    assert type(gx) is np.ndarray and gx.tolist() == [2.0, 4.0]

    class Double(autograd.Function):
        def forward(self, a):
            return a * 2

        def backward(self, gy):
            assert type(gy) is np.ndarray
            return gy * 2

    z = np.array([3.0])
    z.attach_grad()
    with autograd.record():
        w = Double()(z)
    w.backward()
    assert type(w) is np.ndarray and z.grad.tolist() == [2.0]
