"""``mx.io.NDArrayIter``: MXNet 1.x's batching, padding, discarding and rolling over."""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid.base import HybridError

DATA = np.arange(40, dtype=np.float32).reshape(10, 2, 2)
LABEL = np.arange(10, dtype=np.float32).reshape(10, 1)


def _firsts(batch) -> list[int]:
    """Sample numbers of a batch (each sample's first value is 4 * its index)."""
    return (batch.data[0].asnumpy()[:, 0, 0] // 4).astype(int).tolist()


def test_pad_fills_the_last_batch_from_the_start_and_says_how_many():
    it = mx.io.NDArrayIter(DATA, LABEL, batch_size=3)
    batches = list(it)
    assert [_firsts(b) for b in batches] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 0, 1]]
    assert [b.pad for b in batches] == [0, 0, 0, 2]
    np.testing.assert_array_equal(batches[3].label[0].asnumpy().ravel(), [9, 0, 1])
    it.reset()
    assert _firsts(next(it)) == [0, 1, 2]


def test_pad_wraps_several_times_when_the_data_is_smaller_than_a_batch():
    (batch,) = list(mx.io.NDArrayIter(DATA[:2], batch_size=5))
    assert _firsts(batch) == [0, 1, 0, 1, 0] and batch.pad == 3


def test_discard_drops_the_short_batch():
    batches = list(mx.io.NDArrayIter(DATA, LABEL, 3, last_batch_handle="discard"))
    assert [_firsts(b) for b in batches] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_roll_over_starts_the_next_epoch_with_the_leftovers():
    it = mx.io.NDArrayIter(DATA, LABEL, 3, last_batch_handle="roll_over")
    assert len(list(it)) == 3
    it.reset()
    first = next(it)
    assert _firsts(first) == [9, 0, 1] and first.pad == 1
    assert [_firsts(b) for b in it] == [[2, 3, 4], [5, 6, 7]]
    it.hard_reset()
    assert _firsts(next(it)) == [0, 1, 2]


def test_shuffle_permutes_data_and_labels_together_reproducibly():
    mx.random.seed(3)
    first = [_firsts(b) for b in mx.io.NDArrayIter(DATA, LABEL, 5, shuffle=True)]
    mx.random.seed(3)
    it = mx.io.NDArrayIter(DATA, LABEL, 5, shuffle=True)
    batch = next(it)
    assert _firsts(batch) == first[0] and sorted(sum(first, [])) == list(range(10))
    np.testing.assert_array_equal(batch.label[0].asnumpy().ravel(), first[0])


def test_names_and_descriptions_follow_mxnet():
    it = mx.io.NDArrayIter([DATA, DATA], {"y": LABEL}, batch_size=4)
    assert [d.name for d in it.provide_data] == ["_0_data", "_1_data"]
    assert it.provide_data[0].shape == (4, 2, 2) and it.provide_label[0].name == "y"
    single = mx.io.NDArrayIter(mx.nd.array(DATA), LABEL, 4)
    assert single.provide_data[0].name == "data"
    assert single.provide_label[0] == ("softmax_label", (4, 1))


def test_bad_input_is_named():
    with pytest.raises(HybridError, match="last_batch_handle='wrap'"):
        mx.io.NDArrayIter(DATA, last_batch_handle="wrap")
    with pytest.raises(HybridError, match="needs the 10 samples.*'softmax_label': 9"):
        mx.io.NDArrayIter(DATA, LABEL[:9])
    with pytest.raises(HybridError, match="batch_size=0"):
        mx.io.NDArrayIter(DATA, batch_size=0)


def test_ndarray_iter_counts_samples_of_the_first_data_array():
    # MXNet reads only as many label rows as the data has; fewer is an error.
    data = np.arange(8, dtype=np.float32).reshape(4, 2)
    it = mx.io.NDArrayIter(data, {"label": np.arange(6), "w": np.arange(10)}, batch_size=2)
    batches = list(it)
    assert it.num_data == 4 and len(batches) == 2
    np.testing.assert_array_equal(batches[1].label[0].asnumpy(), [2, 3])
    np.testing.assert_array_equal(batches[1].label[1].asnumpy(), [2, 3])
    with pytest.raises(HybridError, match="needs the 4 samples"):
        mx.io.NDArrayIter(data, np.arange(3), batch_size=2)
