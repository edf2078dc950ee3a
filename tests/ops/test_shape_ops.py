"""Shape and indexing ops: MXNet's documented examples, and errors that name the op and shapes."""

from __future__ import annotations

import numpy as np
import pytest

from hybrid import autograd, nd
from hybrid.base import AttrError, HybridError, ShapeError


def _a(x, dtype=np.float32):
    return nd.array(np.array(x, dtype=dtype), dtype=dtype)


# MXNet's reshape table: (input shape, shape, reverse, expected output shape).
RESHAPE_TABLE = [
    ((2, 3, 4), (4, 0, 2), False, (4, 3, 2)),
    ((2, 3, 4), (2, 0, 0), False, (2, 3, 4)),
    ((2, 3, 4), (6, 1, -1), False, (6, 1, 4)),
    ((2, 3, 4), (3, -1, 8), False, (3, 1, 8)),
    ((2, 3, 4), (-1,), False, (24,)),
    ((2, 3, 4), (-2,), False, (2, 3, 4)),
    ((2, 3, 4), (2, -2), False, (2, 3, 4)),
    ((2, 3, 4), (-2, 1, 1), False, (2, 3, 4, 1, 1)),
    ((2, 3, 4), (-3, 4), False, (6, 4)),
    ((2, 3, 4, 5), (-3, -3), False, (6, 20)),
    ((2, 3, 4), (0, -3), False, (2, 12)),
    ((2, 3, 4), (-3, -2), False, (6, 4)),
    ((2, 3, 4), (-4, 1, 2, -2), False, (1, 2, 3, 4)),
    ((2, 3, 4), (2, -4, -1, 3, -2), False, (2, 1, 3, 4)),
    ((10, 5, 4), (-1, 0), False, (40, 5)),
    ((10, 5, 4), (-1, 0), True, (50, 4)),
]


@pytest.mark.parametrize("shape,codes,reverse,expected", RESHAPE_TABLE)
def test_reshape_matches_mxnet_table(shape, codes, reverse, expected):
    x = nd.zeros(shape)
    assert x.reshape(codes, reverse=reverse).shape == expected
    assert nd.Reshape(x, shape=codes, reverse=reverse).shape == expected


def test_reshape_size_mismatch_names_op_and_shapes():
    with pytest.raises(ShapeError, match=r"Reshape.*\(2, 3\).*\(4, 2\)"):
        nd.zeros((2, 3)).reshape((4, 2))


def test_reshape_rejects_split_with_reverse():
    with pytest.raises(AttrError, match="Reshape.*-4"):
        nd.reshape(nd.zeros((2, 6)), shape=(0, -4, 2, 3), reverse=True)


def test_concat_mismatch_names_op_and_shapes():
    with pytest.raises(ShapeError, match=r"Concat.*\(2, 3\).*\(3, 3\)"):
        nd.concat(nd.zeros((2, 3)), nd.zeros((3, 3)), dim=1)


def test_bad_axis_is_a_shape_error():
    with pytest.raises(ShapeError, match="expand_dims: axis 4"):
        nd.expand_dims(nd.zeros((2, 3)), axis=4)
    with pytest.raises(ShapeError, match=r"squeeze: axis 0 of \(2, 1\)"):
        nd.squeeze(nd.zeros((2, 1)), axis=0)
    with pytest.raises(AttrError, match="transpose"):
        nd.transpose(nd.zeros((2, 3)), axes=(0, 0))


def test_split_squeeze_axis_example():
    x = _a(np.arange(1, 7).reshape(3, 2, 1))
    y = nd.split(x, axis=1, num_outputs=2)
    assert [p.shape for p in y] == [(3, 1, 1)] * 2
    np.testing.assert_array_equal(y[1].asnumpy().ravel(), [2, 4, 6])
    z = nd.split(x, axis=0, num_outputs=3)
    assert z[0].shape == (1, 2, 1)
    w = nd.SliceChannel(x, axis=0, num_outputs=3, squeeze_axis=True)
    assert [p.shape for p in w] == [(2, 1)] * 3
    np.testing.assert_array_equal(w[2].asnumpy(), [[5], [6]])
    with pytest.raises(ShapeError, match=r"SliceChannel.*\(3, 2, 1\)"):
        nd.split(x, axis=0, num_outputs=2)


def test_slice_examples():
    x = _a(np.arange(1, 13).reshape(3, 4))
    np.testing.assert_array_equal(
        nd.slice(x, begin=(0, 1), end=(2, 4)).asnumpy(), [[2, 3, 4], [6, 7, 8]]
    )
    y = nd.slice(x, begin=(None, 0), end=(None, 3), step=(-1, 2))
    np.testing.assert_array_equal(y.asnumpy(), [[9, 11], [5, 7], [1, 3]])
    z = nd.slice(x, begin="(None, 0)", end="(None, 3)", step="(-1, 2)")
    np.testing.assert_array_equal(z.asnumpy(), y.asnumpy())
    np.testing.assert_array_equal(
        nd.slice_axis(x, axis=1, begin=-2, end=None).asnumpy(), x.asnumpy()[:, -2:]
    )


def test_take_modes_examples():
    x = _a([4.0, 5.0, 6.0])
    np.testing.assert_array_equal(nd.take(x, _a([1])).asnumpy(), [5])
    np.testing.assert_array_equal(nd.take(x, _a([3]), axis=-1, mode="clip").asnumpy(), [6])
    m = _a([[1, 2], [3, 4], [5, 6]])
    got = nd.take(m, _a([[0, 1], [1, 2]]))
    np.testing.assert_array_equal(got.asnumpy(), [[[1, 2], [3, 4]], [[3, 4], [5, 6]]])
    got = nd.take(m, _a([[0, 3], [-1, -2]]), axis=1, mode="wrap")
    expected = [[[1, 2], [2, 1]], [[3, 4], [4, 3]], [[5, 6], [6, 5]]]
    np.testing.assert_array_equal(got.asnumpy(), expected)
    with pytest.raises(HybridError, match="take: index out of range"):
        nd.take(x, _a([3]), mode="raise")


def test_take_gradient_sums_repeated_indices():
    x = _a([[1, 2], [3, 4]])
    x.attach_grad()
    with autograd.record():
        y = nd.take(x, _a([1, 1, 0]))
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [[1, 1], [2, 2]])


def test_pick_examples():
    x = _a([[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(nd.pick(x, _a([0, 1]), 0).asnumpy(), [1, 4])
    np.testing.assert_array_equal(nd.pick(x, _a([0, 1, 0]), 1).asnumpy(), [1, 4, 5])
    wrapped = nd.pick(x, _a([2, -1, -2]), 1, mode="wrap")
    np.testing.assert_array_equal(wrapped.asnumpy(), [1, 4, 5])
    kept = nd.pick(x, _a([[1], [0], [2]]), 1, keepdims=True)
    np.testing.assert_array_equal(kept.asnumpy(), [[2], [3], [6]])


def test_one_hot_examples():
    idx = _a([1, 0, 2, 0])
    np.testing.assert_array_equal(nd.one_hot(idx, 3).asnumpy(), np.eye(3)[[1, 0, 2, 0]])
    got = nd.one_hot(idx, 3, on_value=8, off_value=1, dtype="int32")
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got.asnumpy(), [[1, 8, 1], [8, 1, 1], [1, 1, 8], [8, 1, 1]])
    assert nd.one_hot(_a([[1, 0], [1, 0], [2, 0]]), 3).shape == (3, 2, 3)
    with pytest.raises(AttrError, match="one_hot: attribute depth"):
        nd.one_hot(idx, 0)


def test_gather_nd_example():
    data = _a([[0, 1], [2, 3]])
    np.testing.assert_array_equal(
        nd.gather_nd(data, _a([[1, 1, 0], [0, 1, 0]])).asnumpy(), [2, 3, 0]
    )


def test_getitem_records_basic_and_advanced_keys():
    x = _a(np.arange(12).reshape(3, 4))
    x.attach_grad()
    with autograd.record():
        y = x[1:, 2].sum() + x[[0, 0], 1].sum()
    y.backward()
    expected = np.zeros((3, 4))
    expected[1:, 2] = 1
    expected[0, 1] = 2
    np.testing.assert_array_equal(x.grad.asnumpy(), expected)


def test_broadcast_and_tile_family():
    x = _a([[1], [2]])
    np.testing.assert_array_equal(nd.broadcast_to(x, shape=(0, 3)).asnumpy(), [[1] * 3, [2] * 3])
    assert nd.broadcast_axes(x, axis=1, size=4).shape == (2, 4)
    assert nd.broadcast_like(x, nd.zeros((2, 5))).shape == (2, 5)
    assert nd.tile(x, reps=(2, 2)).shape == (4, 2)
    np.testing.assert_array_equal(nd.repeat(x, repeats=2).asnumpy(), [1, 1, 2, 2])
    with pytest.raises(ShapeError, match=r"broadcast_to.*\(2, 1\).*\(3, 3\)"):
        nd.broadcast_to(x, shape=(3, 3))


def test_pad_modes_match_numpy():
    x = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4)
    pw = (0, 0, 0, 0, 1, 2, 2, 1)
    widths = [(0, 0), (0, 0), (1, 2), (2, 1)]
    for mode in ("constant", "edge", "reflect"):
        got = nd.pad(_a(x), mode=mode, pad_width=pw)
        np.testing.assert_array_equal(got.asnumpy(), np.pad(x, widths, mode))
    with pytest.raises(AttrError, match="Pad: pad_width"):
        nd.Pad(_a(x), pad_width=(1, 1, 0, 0, 0, 0, 0, 0))
    with pytest.raises(ShapeError, match=r"Pad.*\(2, 3\)"):
        nd.Pad(_a(np.zeros((2, 3))), pad_width=(0, 0, 1, 1))


def test_cast_dtypes_and_gradient():
    x = _a([1.7, -2.2])
    assert nd.cast(x, dtype="int32").dtype == np.int32
    np.testing.assert_array_equal(nd.Cast(x, dtype="int32").asnumpy(), [1, -2])
    x.attach_grad()
    with autograd.record():
        y = nd.Cast(x, dtype="float64")
    y.backward()
    assert y.dtype == np.float64 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.asnumpy(), [1, 1])
