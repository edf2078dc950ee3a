"""DataLoader worker processes: batches come back through shared memory, workers draw their own
random numbers, and no shared-memory segment is left behind.
"""

from __future__ import annotations

import gc
import mmap
import os
import random

import numpy as np

from hybrid.gluon.data import ArrayDataset, DataLoader, SimpleDataset


def _shm_names() -> set:
    return set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()


def _base(a: np.ndarray):
    while isinstance(a, np.ndarray) and a.base is not None:
        a = a.base
    return a.obj if isinstance(a, memoryview) else a


def test_batches_arrive_in_shared_memory():
    before = _shm_names()
    data = np.arange(60, dtype=np.float32).reshape(10, 6)
    loader = DataLoader(ArrayDataset(data, np.arange(10)), batch_size=4, num_workers=2,
                        thread_pool=False)
    batches = list(loader)
    np.testing.assert_array_equal(np.concatenate([x.asnumpy() for x, _ in batches]), data)
    assert [y.asnumpy().tolist() for _, y in batches][-1] == [8, 9]
    assert isinstance(_base(batches[0][0]._data), mmap.mmap)
    del batches, loader
    gc.collect()
    assert _shm_names() - before == set()


def test_workers_draw_different_random_numbers():
    ds = SimpleDataset(list(range(8))).transform(lambda i: np.float32(random.random()))
    loader = DataLoader(ds, batch_size=1, num_workers=2, thread_pool=False)
    draws = [float(x.asnumpy()[0]) for x in loader]
    assert len(set(draws)) == len(draws)
