"""NumPy indexing of np.ndarray against NumPy on float64, views, __setitem__ (refused while the
tape holds the array, as in MXNet), and getitem gradients against finite differences."""

from __future__ import annotations

import numpy as onp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hybrid import autograd, np
from hybrid.base import HybridError

from ._fd import check_grad

KEYS = [
    1, -1, (1, 2), (0, -1, 3), slice(1, 3), slice(None, None, -1), (slice(None), slice(0, 4, 2)),
    (Ellipsis, 1), (None, 1), (1, None, Ellipsis), (slice(None), None, 2),
    [0, 2], ([0, 2], [1, 3]), (slice(None), [3, 0, 3]), (1, [0, 1]), ([[0], [2]], [1, 2]),
    (Ellipsis, onp.int64(2)),
]


def _as_np_key(key):
    if isinstance(key, tuple):
        return tuple(_as_np_key(k) for k in key)
    if isinstance(key, list):
        return np.array(key, dtype="int64")
    return key


@pytest.mark.parametrize("key", KEYS, ids=[repr(k) for k in KEYS])
def test_getitem_matches_numpy(key):
    x = onp.arange(60, dtype=onp.float64).reshape(3, 4, 5)
    expected = x[key]
    for k in (key, _as_np_key(key)):
        y = np.array(x)[k]
        assert type(y) is np.ndarray and y.dtype == onp.float64
        assert y.shape == expected.shape
        onp.testing.assert_array_equal(y.asnumpy(), expected)


def test_boolean_mask_and_mixed():
    x = onp.arange(12, dtype=onp.float64).reshape(3, 4)
    a = np.array(x)
    onp.testing.assert_array_equal(a[a > 5].asnumpy(), x[x > 5])
    rows = onp.array([True, False, True])
    onp.testing.assert_array_equal(a[np.array(rows)].asnumpy(), x[rows])
    onp.testing.assert_array_equal(a[np.array(rows), 1:3].asnumpy(), x[rows, 1:3])


def test_basic_slice_is_a_view_and_advanced_is_a_copy():
    a = np.zeros((3, 4))
    a[1:3][0, 1] = 5
    assert a.asnumpy()[1, 1] == 5
    a[[0, 1]][0, 0] = 7
    assert a.asnumpy()[0, 0] == 0


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    data=st.data(),
)
def test_random_basic_keys_match_numpy(shape, data):
    x = onp.random.default_rng(0).normal(size=shape)
    key = tuple(
        data.draw(st.one_of(
            st.integers(-d, d - 1),
            st.builds(slice, st.integers(-d, d) | st.none(), st.integers(-d, d) | st.none(),
                      st.sampled_from([None, 1, 2, -1, -2])),
        ))
        for d in shape
    )
    onp.testing.assert_array_equal(np.array(x)[key].asnumpy(), x[key])


SET_CASES = [
    (1, 5.0), ((slice(None), 0), onp.array([7.0, 8.0, 9.0])), ((Ellipsis, 1), onp.ones((3,))),
    (slice(0, 2), onp.array([1.0, 2.0, 3.0, 4.0])), (([0, 2], [1, 3]), onp.array([4.0, 5.0])),
    ((slice(None), slice(None, None, 2)), onp.array([[1.0], [2.0], [3.0]])),
]


@pytest.mark.parametrize("key,value", SET_CASES, ids=[repr(k) for k, _ in SET_CASES])
def test_setitem_matches_numpy(key, value):
    x = onp.arange(12, dtype=onp.float64).reshape(3, 4)
    expected = x.copy()
    expected[key] = value
    for v in (value, np.array(value) if isinstance(value, onp.ndarray) else value):
        a = np.array(x)
        a[_as_np_key(key)] = v
        onp.testing.assert_array_equal(a.asnumpy(), expected)


def test_setitem_with_boolean_mask_and_shape_error():
    a = np.arange(4) - 1
    a[a > 0] = 7
    assert a.tolist() == [-1.0, 0.0, 7.0, 7.0]
    with pytest.raises(HybridError):
        a[0:2] = np.ones(3)


@pytest.mark.parametrize("key", [1, (1, 2), (slice(None), slice(1, None, 2)), (Ellipsis, 0),
                                 ([0, 2, 0], slice(1, 3)), (None, 2)],
                         ids=repr)
def test_getitem_gradient(key):
    x = onp.random.default_rng(1).normal(size=(3, 4))
    check_grad(lambda a: a[key] * a[key], x)


def test_pick_by_range_and_label_array_with_gradient():
    scores = onp.random.default_rng(3).uniform(0.1, 1, size=(4, 3))
    labels = np.array([2, 0, 1, 2])  # float32, as np.array makes lists
    picked = np.array(scores)[range(4), labels]
    onp.testing.assert_array_equal(picked.asnumpy(), scores[range(4), [2, 0, 1, 2]])
    check_grad(lambda s: np.log(s[range(4), labels]), scores)


def test_getitem_of_full_integer_key_is_zero_dim_while_recording():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    a.attach_grad()
    with autograd.record():
        y = a[1, 0]
    assert y.shape == ()
    y.backward()
    assert a.grad.tolist() == [[0.0, 0.0], [1.0, 0.0]]


def test_setitem_while_recording_is_refused_as_in_mxnet():
    a = np.ones(3)
    a.attach_grad()
    with autograd.record():
        y = a * 2
        with pytest.raises(HybridError, match="already in a computational graph"):
            y[0] = 2.0
        with pytest.raises(HybridError, match="already in a computational graph"):
            a[0] = 2.0
        with pytest.raises(HybridError, match="Inplace operations"):
            np.zeros(3)[0:2] = a[1:] * 2
        fresh = np.zeros(3)
        fresh[1] = 4.0  # nothing on the tape: allowed
    assert fresh.tolist() == [0.0, 4.0, 0.0]
