"""NDArray: creation dtypes, printing, views and in-place updates, operators, nd functions."""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid.base import HybridError
from hybrid.ndarray.namespace import FLUENT


def test_array_defaults_to_float32_like_mxnet():
    assert mx.nd.array(np.zeros(3, dtype=np.float64)).dtype == np.float32
    assert mx.nd.array([1, 2]).dtype == np.float32
    assert mx.nd.array([1, 2], dtype="int32").dtype == np.int32
    assert mx.nd.array(mx.nd.array([1], dtype="int64")).dtype == np.int64


def test_repr_shows_values_shape_and_context():
    text = repr(mx.nd.array([[1, 2], [3, 4]]))
    assert "<NDArray 2x2 @cpu(0)>" in text and "[[1. 2.]" in text


def test_slice_is_a_view_so_parameter_updates_happen_in_place():
    p = mx.nd.array([1.0, 2.0, 3.0])
    g = mx.nd.array([1.0, 1.0, 1.0])
    p[:] -= 0.5 * g
    np.testing.assert_allclose(p.asnumpy(), [0.5, 1.5, 2.5])
    p[1] = 7
    assert p.asnumpy()[1] == 7


def test_scalar_operators_keep_integer_dtype():
    x = mx.nd.array([1, 2, 3], dtype="int32")
    assert (x + 1).dtype == np.int32
    assert (x * 2).asnumpy().tolist() == [2, 4, 6]


def test_reflected_operators():
    x = mx.nd.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose((1 - x).asnumpy(), [0, -1, -3])
    np.testing.assert_allclose((8 / x).asnumpy(), [8, 4, 2])
    np.testing.assert_allclose((2**x).asnumpy(), [2, 4, 16])
    np.testing.assert_allclose((np.float32(3) * x).asnumpy(), [3, 6, 12])


def test_comparisons_return_zero_one_in_input_dtype():
    x = mx.nd.array([1.0, 2.0, 3.0])
    y = x > 1.5
    assert y.dtype == np.float32
    assert y.asnumpy().tolist() == [0.0, 1.0, 1.0]
    assert (2 < x).asnumpy().tolist() == [0.0, 0.0, 1.0]


def test_broadcasting_between_arrays():
    a = mx.nd.ones((2, 3))
    b = mx.nd.array([[1.0], [2.0]])
    np.testing.assert_allclose((a * b).asnumpy(), [[1, 1, 1], [2, 2, 2]])


def test_incompatible_shapes_name_the_op_and_shapes():
    with pytest.raises(HybridError, match=r"broadcast.*\(2, 3\).*\(1, 4\)"):
        mx.nd.ones((2, 3)) + mx.nd.ones((4,))


def test_numpy_inputs_are_refused_with_a_hint():
    with pytest.raises(HybridError, match="nd.array"):
        mx.nd.ones((2,)) + np.ones(2)
    with pytest.raises(HybridError, match="NDArray"):
        mx.nd.relu(np.ones(2))


def test_truth_value_and_scalars():
    assert bool(mx.nd.array([1.0]))
    with pytest.raises(HybridError, match="ambiguous"):
        bool(mx.nd.array([1.0, 2.0]))
    assert mx.nd.array([2.5]).asscalar() == pytest.approx(2.5)
    with pytest.raises(HybridError, match="single element"):
        mx.nd.ones((2,)).asscalar()


def test_attributes_given_positionally_like_mxnet():
    x = mx.nd.array([-2.0, 0.5, 2.0])
    np.testing.assert_allclose(mx.nd.clip(x, -1, 1).asnumpy(), [-1, 0.5, 1])
    np.testing.assert_allclose(mx.nd.clip(x, a_min=0, a_max=1).asnumpy(), [0, 0.5, 1])


def test_unknown_and_missing_attributes_are_named():
    with pytest.raises(HybridError, match="clip: attribute a_min is required"):
        mx.nd.clip(mx.nd.ones((2,)), a_max=1)
    with pytest.raises(HybridError, match="clip: unknown attribute bogus"):
        mx.nd.clip(mx.nd.ones((2,)), 0, 1, bogus=3)


def test_out_argument_writes_into_the_given_array():
    x = mx.nd.array([1.0, -1.0])
    out = mx.nd.zeros((2,))
    res = mx.nd.relu(x, out=out)
    assert res is out
    np.testing.assert_allclose(out.asnumpy(), [1.0, 0.0])


def test_every_fluent_method_exists():
    missing = [name for name in FLUENT if not hasattr(mx.nd.NDArray, name)]
    assert not missing, f"NDArray lacks fluent methods {missing}"


def test_gpu_context_is_refused_clearly():
    with pytest.raises(HybridError, match="no GPU backend"):
        mx.nd.array([1.0], ctx=mx.gpu(0))
    for make in (mx.nd.zeros, mx.nd.ones):
        with pytest.raises(HybridError, match="ctx=gpu\\(0\\), expected a CPU context"):
            make((2,), ctx=mx.gpu(0))


def test_copy_astype_and_detach():
    x = mx.nd.array([1.5, 2.5])
    y = x.copy()
    y[0] = 0
    assert x.asnumpy()[0] == 1.5
    assert x.astype("int32").dtype == np.int32
    assert x.detach()._entry is None


@pytest.mark.parametrize(
    "shape, key",
    [((6,), 0), ((6,), -1), ((2, 3), (1, 2)), ((2, 3, 4), (1, -1, 3)), ((2, 3), (1, Ellipsis, 2))],
)
def test_integer_only_index_gives_shape_1_view_as_mxnet(shape, key):
    base = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    a = mx.nd.array(base)
    got = a[key]
    assert got.shape == (1,)
    assert got.asnumpy()[0] == base[key]
    got[:] = -7  # MXNet 1.x returns a view: writing it writes the array
    assert a.asnumpy()[key] == -7


def test_integer_index_while_recording_gives_shape_1_and_its_gradient():
    x = mx.nd.array(np.arange(6.0).reshape(2, 3))
    x.attach_grad()
    with mx.autograd.record():
        y = x[1, 2] * 3
    assert y.shape == (1,)
    y.backward()
    expected = np.zeros((2, 3))
    expected[1, 2] = 3
    np.testing.assert_array_equal(x.grad.asnumpy(), expected)


def test_integer_index_hybridized_and_in_onnx_gives_shape_1():
    import onnxruntime as ort
    from hybrid.export import to_onnx

    class Pick(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return x[1, 2]

    net = Pick()
    x = mx.nd.array(np.arange(6.0).reshape(2, 3))
    eager = net(x)
    net.hybridize()
    assert eager.shape == net(x).shape == (1,)
    model = to_onnx(net, example_inputs=[x], dynamic_batch=False)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {sess.get_inputs()[0].name: x.asnumpy()})
    np.testing.assert_array_equal(got, eager.asnumpy())


def test_ops_without_attributes_ignore_unknown_ones_as_mxnet():
    a = mx.nd.array([1.0, -2.0])
    np.testing.assert_array_equal(mx.nd.broadcast_maximum(a, a * 0, axis=1).asnumpy(), [1, 0])
    np.testing.assert_array_equal(mx.nd.relu(a, foo=1).asnumpy(), [1, 0])
    assert mx.nd.ones((2, 1)).squeeze(inplace=True).shape == (2,)


def test_selu_rounds_like_mxnet_kernel():
    x = np.array([-0.1, -1.5, 0.3], dtype=np.float32)
    scale, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    neg = (alpha * np.expm1(x).astype(np.float64)).astype(np.float32)
    expected = np.float32(scale) * np.where(x > 0, x, neg)
    got = mx.nd.LeakyReLU(mx.nd.array(x), act_type="selu").asnumpy()
    np.testing.assert_array_equal(got, expected)


def test_truth_value_follows_mxnet():
    assert not bool(mx.nd.array([]))
    assert not bool(mx.nd.zeros((1,)))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(mx.nd.ones((2, 3)))


@pytest.mark.parametrize(
    "method, kwargs, shape",
    [
        ("squeeze", {"axis": 1}, (2, 1, 3)),
        ("flatten", {}, (2, 3, 2)),
        ("expand_dims", {"axis": 0}, (2, 3)),
    ],
)
def test_inplace_methods_share_memory_others_copy(method, kwargs, shape):
    x = mx.nd.ones(shape)
    view = getattr(x, method)(inplace=True, **kwargs)
    copy = getattr(x, method)(**kwargs)
    x[:] = 5
    assert view.asnumpy().min() == 5 and copy.asnumpy().max() == 1


def test_one_element_numpy_value_sets_one_element():
    b = mx.nd.zeros(1)
    b[0] = np.array([47.84], dtype=np.float32)
    assert b.asnumpy()[0] == np.float32(47.84)


def test_integer_division_truncates_and_keeps_the_dtype():
    # MXNet divides integer arrays as C does: toward zero, in the arrays' dtype.
    a = mx.nd.array([-7, 7, 5, -6], dtype="int32")
    b = mx.nd.array([2, -2, 3, 3], dtype="int32")
    got = a / b
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got.asnumpy(), [-3, -3, 1, -2])
    np.testing.assert_array_equal((a / 2).asnumpy(), [-3, 3, 2, -3])
    u = mx.nd.array([250, 7], dtype="uint8") / mx.nd.array([3, 2], dtype="uint8")
    assert u.dtype == np.uint8 and u.asnumpy().tolist() == [83, 3]
    np.testing.assert_allclose((mx.nd.array([1.0, 3.0]) / 2).asnumpy(), [0.5, 1.5])


def test_shape_attributes_accept_an_integer_array():
    x = mx.nd.ones((1, 3))
    assert x.broadcast_to(shape=np.array([4, 3])).shape == (4, 3)


def test_relu_gradient_passes_nan_through():
    x = mx.nd.array([np.nan, -1.0, 2.0])
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.relu(x)
    y.backward()
    g = x.grad.asnumpy()
    assert np.isnan(g[0]) and g[1:].tolist() == [0.0, 1.0]


def test_split_v2_is_a_fluent_method():
    x = mx.nd.array(np.arange(12).reshape(2, 6))
    parts = x.split_v2((1, 4), axis=1)
    assert [p.shape for p in parts] == [(2, 1), (2, 3), (2, 2)]
    np.testing.assert_array_equal(parts[2].asnumpy(), [[4, 5], [10, 11]])
    assert [p.shape for p in x.split_v2(2, squeeze_axis=True)] == [(6,), (6,)]


def test_dlpack_round_trip_shares_memory():
    a = mx.nd.array(np.arange(6, dtype=np.float32).reshape(2, 3))
    read = mx.nd.from_dlpack(a.to_dlpack_for_read())
    np.testing.assert_array_equal(read.asnumpy(), a.asnumpy())
    assert not np.from_dlpack(a.to_dlpack_for_read()).flags.writeable
    write = mx.nd.from_dlpack(mx.nd.to_dlpack_for_write(a))
    write[0, 0] = 42
    assert a.asnumpy()[0, 0] == 42
    assert np.from_dlpack(mx.nd.to_dlpack_for_read(a)).shape == (2, 3)


def test_from_numpy_zero_copy_takes_the_buffer():
    src = np.array([[1, 2], [3, 4]], dtype=np.float32)
    arr = mx.nd.from_numpy(src)
    with pytest.raises(ValueError):
        src[0, 0] = 0  # MXNet makes the numpy array read-only
    arr[1, 1] = 100
    assert src[1, 1] == 100
    with pytest.raises(ValueError, match="C-contiguous"):
        mx.nd.from_numpy(np.ones((2, 3)).T)
    copied = mx.nd.from_numpy(np.ones((2, 3)).T, zero_copy=False)
    assert copied.shape == (3, 2)


def test_from_numpy_twice_gives_writable_arrays_over_one_buffer():
    src = np.zeros(3, dtype=np.float32)
    first, second = mx.nd.from_numpy(src), mx.nd.from_numpy(src)
    second[0] = 7
    assert first.asnumpy()[0] == 7 and src[0] == 7 and not src.flags.writeable


def test_broadcast_like_refuses_empty_axes():
    lhs, rhs = mx.nd.ones((1, 3)), mx.nd.ones((4, 3))
    assert mx.nd.broadcast_like(lhs, rhs, lhs_axes=(0,), rhs_axes=(0,)).shape == (4, 3)
    with pytest.raises(HybridError, match="empty"):
        mx.nd.broadcast_like(lhs, rhs, lhs_axes=(), rhs_axes=())


def test_setitem_takes_a_one_element_list_for_one_element():
    x = mx.nd.zeros((2, 3))
    x[1, 2] = [5]
    x[0] = [1, 2, 3]
    np.testing.assert_array_equal(x.asnumpy(), [[1, 2, 3], [0, 0, 5]])


def test_pickle_state_is_mxnets_raw_array_bytes():
    import pickle

    a = mx.nd.array([[1, 2], [3, 4]])
    # MXNet 1.9.1's __getstate__()['handle'] of the same array, byte for byte.
    assert bytes(a.__getstate__()["handle"]).hex() == (
        "c9fa93f9000000000200000002000000000000000200000000000000010000000000000000000000"
        "0000803f000000400000404000008040"
    )
    b = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(b.asnumpy(), a.asnumpy())
    # A state written on a GPU loads onto the CPU.
    gpu_state = bytes.fromhex(
        "c9fa93f900000000010000000100000000000000020000000000000000000000" "00000040"
    )
    c = mx.nd.zeros((3,))
    c.__setstate__({"handle": bytearray(gpu_state)})
    assert c.shape == (1,) and c.asnumpy().tolist() == [2.0]


def test_crop_assign_writes_a_region_in_place_with_out():
    x = mx.nd.ones((2, 3, 4))
    mx.nd._internal._crop_assign(x, mx.nd.zeros((2, 1, 3)), begin=(0, 0, 0), end=(2, 1, 3), out=x)
    want = np.ones((2, 3, 4), np.float32)
    want[:, :1, :3] = 0
    np.testing.assert_array_equal(x.asnumpy(), want)
    y = mx.nd._internal._slice_assign_scalar(x, scalar=5, begin=(1,), end=(2,))
    want[1] = 5
    np.testing.assert_array_equal(y.asnumpy(), want)
    with pytest.raises(HybridError, match="expected \\(1, 3, 4\\)"):
        mx.nd._internal._slice_assign(x, mx.nd.zeros((2, 3, 4)), begin=(0,), end=(1,))


def test_slice_contiguity_matches_numpy():
    from itertools import product

    from hybrid.ndarray.helpers import basic_indexing_slice_is_contiguous

    shape = (4, 3, 5)
    base = np.empty(shape)
    choices = [slice(None), slice(1, 2), slice(None, None, 2), slice(0, 3), slice(None, None, -1)]
    for key in product(choices, repeat=3):
        assert basic_indexing_slice_is_contiguous(key, shape) == base[key].flags.c_contiguous, key
    x = mx.nd.zeros(shape)
    x[1:2][:] = 1  # a contiguous slice is a view
    assert x.asnumpy()[1].sum() == 15
