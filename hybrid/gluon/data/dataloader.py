"""``DataLoader``, as MXNet 1.9's ``gluon.data.DataLoader``: batches from a dataset, optionally
loaded by worker threads or processes ahead of use.
"""

from __future__ import annotations

import multiprocessing
import random as _random_module
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ... import random as hybrid_random
from ...base import HybridError
from ...ndarray import NDArray
from ...util import is_np_array, np_array
from .._np_mode import array_class
from . import sampler as _sampler
from ._shm import from_shared, to_shared

__all__ = ["DataLoader", "default_batchify_fn", "default_mp_batchify_fn"]


def default_batchify_fn(data: list) -> Any:
    """Stack a list of samples into a batch.

    NDArrays and numpy arrays or numbers are stacked along a new first axis into one NDArray
    (an ``np.ndarray`` in numpy mode), keeping their dtype; tuples are batched element-wise into
    a list of batches.
    """
    first = data[0]
    if isinstance(first, NDArray):
        return array_class()._wrap(np.stack([d._data for d in data]))
    if isinstance(first, tuple):
        return [default_batchify_fn(list(field)) for field in zip(*data)]
    stacked = np.asarray(data)
    return array_class()._wrap(stacked)


# Worker processes hand their batches back through shared memory (see ``_shm``).
default_mp_batchify_fn = default_batchify_fn


def _load_batch(dataset: Any, batchify_fn: Callable, indices: list, np_mode: bool) -> Any:
    # Numpy mode is per thread: a worker thread batches in the mode of the loop that asked.
    with np_array(np_mode):
        return batchify_fn([dataset[i] for i in indices])


# Each worker process keeps the dataset and batchify function it was started with.
_worker_state: dict[str, Any] = {}


def _worker_init(dataset: Any, batchify_fn: Callable, seed: int) -> None:
    _worker_state["dataset"] = dataset
    _worker_state["batchify_fn"] = batchify_fn
    # Forked workers start with the parent's random states: without a reseed every worker would
    # draw the same augmentations. Each gets its own seed, derived from hybrid's random state.
    worker_seed = seed + multiprocessing.current_process()._identity[0]
    _random_module.seed(worker_seed)
    np.random.seed(worker_seed % 2**32)
    hybrid_random.seed(worker_seed)


def _worker_load(indices: list) -> Any:
    batch = _load_batch(
        _worker_state["dataset"], _worker_state["batchify_fn"], indices, is_np_array()
    )
    return to_shared(batch)


class DataLoader:
    """Loads batches from a dataset.

    Parameters
    ----------
    dataset : Dataset
        Source of samples (``dataset[i]``).
    batch_size : int
        Samples per batch (required unless ``batch_sampler`` is given).
    shuffle : bool, default False
        Whether to visit samples in a new random order each epoch (``RandomSampler``).
    sampler : Sampler
        Which sample indices to visit, in which order (excludes ``shuffle``).
    last_batch : {'keep', 'discard', 'rollover'}, default 'keep'
        What to do with an incomplete last batch (see :class:`BatchSampler`).
    batch_sampler : Sampler
        Yields whole batches of indices (excludes ``batch_size``, ``shuffle``, ``sampler`` and
        ``last_batch``).
    batchify_fn : callable
        Turns a list of samples into a batch (default: :func:`default_batchify_fn`).
    num_workers : int, default 0
        Number of workers loading batches in the background; 0 loads in the calling thread.
    pin_memory, pin_device_id : ignored
        Accepted for MXNet compatibility (there is no device memory to pin).
    prefetch : int, default 2 * num_workers
        Number of batches requested ahead.
    thread_pool : bool, default True
        Workers are threads (True) or processes from ``multiprocessing`` (False). Unlike
        MXNet, threads are the default: numpy and OpenCV release the GIL in the heavy work and
        threads share the dataset without copying. Worker processes hand batches back through
        shared memory, not by pickling the arrays.
    timeout : int, default 120
        Seconds to wait for a worker's batch before raising.

    Examples
    --------
    >>> import numpy as np
    >>> from hybrid.gluon.data import ArrayDataset, DataLoader
    >>> ds = ArrayDataset(np.zeros((5, 2), np.float32), np.arange(5))
    >>> [(x.shape, y.shape) for x, y in DataLoader(ds, batch_size=2, last_batch='discard')]
    [((2, 2), (2,)), ((2, 2), (2,))]
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = None,
        shuffle: bool = False,
        sampler: Any = None,
        last_batch: str | None = None,
        batch_sampler: Any = None,
        batchify_fn: Callable | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        pin_device_id: int = 0,
        prefetch: int | None = None,
        thread_pool: bool = True,
        timeout: int = 120,
        try_nopython: bool | None = None,
    ):
        self._dataset = dataset
        self._batch_sampler = self._make_batch_sampler(
            dataset, batch_size, shuffle, sampler, last_batch, batch_sampler
        )
        self._batchify_fn = default_batchify_fn if batchify_fn is None else batchify_fn
        self._num_workers = max(int(num_workers), 0)
        self._prefetch = max(0, int(prefetch) if prefetch is not None else 2 * self._num_workers)
        self._thread_pool = thread_pool
        self._timeout = timeout
        self._pool: Any = None

    @staticmethod
    def _make_batch_sampler(dataset, batch_size, shuffle, sampler, last_batch, batch_sampler):
        if batch_sampler is not None:
            if batch_size is not None or shuffle or sampler is not None or last_batch is not None:
                raise HybridError(
                    "DataLoader: batch_size, shuffle, sampler and last_batch must not be "
                    "specified if batch_sampler is specified."
                )
            return batch_sampler
        if batch_size is None:
            raise HybridError("DataLoader: batch_size must be specified unless batch_sampler is")
        if sampler is None:
            length = len(dataset)
            sampler = (
                _sampler.RandomSampler(length) if shuffle else _sampler.SequentialSampler(length)
            )
        elif shuffle:
            raise HybridError("DataLoader: shuffle must not be specified if sampler is specified")
        return _sampler.BatchSampler(sampler, batch_size, last_batch or "keep")

    def __len__(self) -> int:
        return len(self._batch_sampler)

    def __iter__(self) -> Iterator[Any]:
        np_mode = is_np_array()
        if self._num_workers == 0:
            for indices in self._batch_sampler:
                yield _load_batch(self._dataset, self._batchify_fn, indices, np_mode)
            return
        submit, fetch = self._worker_calls(np_mode)
        pending: deque = deque()
        batches = iter(self._batch_sampler)
        for indices in batches:
            pending.append(submit(indices))
            if len(pending) > self._prefetch:
                yield fetch(pending.popleft())
        while pending:
            yield fetch(pending.popleft())

    def _worker_calls(self, np_mode: bool) -> tuple[Callable, Callable]:
        """``submit(indices) -> handle`` and ``fetch(handle) -> batch`` for the worker pool."""
        if self._pool is None:
            if self._thread_pool:
                self._pool = ThreadPoolExecutor(self._num_workers)
            else:
                self._pool = multiprocessing.Pool(
                    self._num_workers,
                    _worker_init,
                    (self._dataset, self._batchify_fn,
                     int(hybrid_random.generator().integers(2**31))),
                )
        if self._thread_pool:
            return (
                lambda idx: self._pool.submit(
                    _load_batch, self._dataset, self._batchify_fn, idx, np_mode
                ),
                lambda fut: fut.result(self._timeout),
            )
        return (
            lambda idx: self._pool.apply_async(_worker_load, (idx,)),
            lambda res: from_shared(res.get(self._timeout), array_class()),
        )

    def __del__(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is None:
            return
        if self._thread_pool:
            pool.shutdown(wait=False)
        else:
            pool.terminate()
