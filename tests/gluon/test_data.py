"""gluon.data: datasets, samplers, DataLoader batching, last_batch modes, shuffling under a seed,
and worker threads and processes.
"""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid.base import HybridError
from hybrid.gluon.data import (
    ArrayDataset,
    BatchSampler,
    DataLoader,
    Dataset,
    FilterSampler,
    IntervalSampler,
    RandomSampler,
    SequentialSampler,
    SimpleDataset,
)

X = np.arange(30, dtype=np.float32).reshape(10, 3)
Y = np.arange(10, dtype=np.int64) * 10


def _scale(x, y):
    return x * 2, y


def _batches(loader):
    return [(x.asnumpy(), y.asnumpy()) for x, y in loader]


def test_array_dataset_and_lazy_transforms():
    ds = ArrayDataset(X, mx.nd.array(Y))
    x, y = ds[3]
    np.testing.assert_array_equal(x, X[3])
    assert y == 30 and len(ds) == 10
    first = ds.transform_first(lambda x: x + 1)
    np.testing.assert_array_equal(first[2][0], X[2] + 1)
    assert first[2][1] == 20
    both = ds.transform(_scale, lazy=False)
    assert isinstance(both, SimpleDataset)
    np.testing.assert_array_equal(both[1][0], X[1] * 2)
    assert ArrayDataset(X)[4].tolist() == X[4].tolist()
    with pytest.raises(HybridError, match="same length"):
        ArrayDataset(X, Y[:5])


def test_filter_take_shard_sample():
    ds = SimpleDataset(list(range(10)))
    assert list(ds.filter(lambda v: v % 3 == 0)) == [0, 3, 6, 9]
    assert [ds.take(3)[i] for i in range(3)] == [0, 1, 2]
    assert len(ds.take(None)) == 10 and len(ds.take(50)) == 10
    shards = [[s[i] for i in range(len(s))] for s in (ds.shard(3, k) for k in range(3))]
    assert shards == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert [ds.sample(IntervalSampler(10, 4))[i] for i in range(3)] == [0, 4, 8]
    with pytest.raises(NotImplementedError):
        len(Dataset())


def test_samplers():
    assert list(SequentialSampler(3, start=2)) == [2, 3, 4]
    assert list(IntervalSampler(5, 2)) == [0, 2, 4, 1, 3]
    assert list(IntervalSampler(5, 2, rollover=False)) == [0, 2, 4]
    assert list(FilterSampler(lambda v: v > 1, [0, 5, 1, 7])) == [1, 3]
    mx.random.seed(7)
    a = list(RandomSampler(20))
    mx.random.seed(7)
    assert list(RandomSampler(20)) == a
    assert sorted(a) == list(range(20)) and a != list(range(20))


@pytest.mark.parametrize(
    "last_batch,sizes", [("keep", [4, 4, 2]), ("discard", [4, 4]), ("rollover", [4, 4])]
)
def test_batch_sampler_last_batch_modes(last_batch, sizes):
    sampler = BatchSampler(SequentialSampler(10), 4, last_batch)
    assert len(sampler) == len(sizes)
    batches = list(sampler)
    assert [len(b) for b in batches] == sizes
    if last_batch == "rollover":
        # The two left-over indices start the next pass: 2 + 10 = 12 = three batches.
        assert len(sampler) == 3
        second = list(sampler)
        assert second[0] == [8, 9, 0, 1] and len(second) == 3
    with pytest.raises(HybridError, match="last_batch"):
        BatchSampler(SequentialSampler(3), 2, "drop")


def test_dataloader_batches_and_dtypes():
    loader = DataLoader(ArrayDataset(X, Y), batch_size=4)
    batches = _batches(loader)
    assert len(loader) == 3 and [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), X)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), Y)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64
    nd_loader = DataLoader(SimpleDataset([mx.nd.array(r) for r in X]), 5, last_batch="discard")
    assert [b.shape for b in nd_loader] == [(5, 3), (5, 3)]
    assert len(DataLoader(ArrayDataset(X, Y), 4, last_batch="discard")) == 2


def test_dataloader_shuffle_is_reproducible_under_seed():
    loader = DataLoader(ArrayDataset(X, Y), batch_size=3, shuffle=True)
    mx.random.seed(11)
    first = _batches(loader)
    second = _batches(loader)
    mx.random.seed(11)
    again = _batches(loader)
    labels = np.concatenate([b[1] for b in first])
    assert sorted(labels.tolist()) == Y.tolist() and labels.tolist() != Y.tolist()
    assert [b[1].tolist() for b in first] == [b[1].tolist() for b in again]
    assert [b[1].tolist() for b in first] != [b[1].tolist() for b in second]


@pytest.mark.parametrize("thread_pool", [True, False], ids=["threads", "processes"])
def test_dataloader_workers_match_serial(thread_pool):
    ds = ArrayDataset(X, Y).transform(_scale)
    serial = _batches(DataLoader(ds, batch_size=3, last_batch="keep"))
    loader = DataLoader(ds, batch_size=3, num_workers=2, thread_pool=thread_pool, prefetch=1)
    for _ in range(2):  # the pool is reused across epochs
        parallel = _batches(loader)
        assert len(parallel) == len(serial) == 4
        for (xs, ys), (xp, yp) in zip(serial, parallel):
            np.testing.assert_array_equal(xs, xp)
            np.testing.assert_array_equal(ys, yp)


def test_dataloader_custom_batch_sampler_and_batchify():
    ds = ArrayDataset(X, Y)
    loader = DataLoader(
        ds,
        batch_sampler=BatchSampler(SequentialSampler(10), 5),
        batchify_fn=lambda samples: len(samples),
    )
    assert list(loader) == [5, 5]
    with pytest.raises(HybridError, match="batch_sampler"):
        DataLoader(ds, batch_size=2, batch_sampler=BatchSampler(SequentialSampler(10), 5))
    with pytest.raises(HybridError, match="batch_size"):
        DataLoader(ds)
    with pytest.raises(HybridError, match="shuffle"):
        DataLoader(ds, 2, shuffle=True, sampler=SequentialSampler(10))
