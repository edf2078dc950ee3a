"""Datasets, as MXNet 1.9's ``gluon.data.dataset``: the ``Dataset`` interface with lazy transforms,
``SimpleDataset`` and ``ArrayDataset``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...base import HybridError
from ...ndarray import NDArray

__all__ = ["Dataset", "SimpleDataset", "ArrayDataset", "RecordFileDataset"]


class Dataset:
    """Abstract dataset: anything with ``__getitem__`` and ``__len__``.

    ``transform``, ``transform_first``, ``filter``, ``take`` and ``sample`` return new datasets
    that read from this one.
    """

    def __getitem__(self, idx: int) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def transform(self, fn: Callable[..., Any], lazy: bool = True) -> Dataset:
        """A dataset whose samples are ``fn(*sample)`` (tuples are unpacked) or ``fn(sample)``.

        With ``lazy=False`` every sample is transformed at once and kept in memory.
        """
        trans = _LazyTransformDataset(self, fn)
        if lazy:
            return trans
        return SimpleDataset([trans[i] for i in range(len(trans))])

    def transform_first(self, fn: Callable[[Any], Any], lazy: bool = True) -> Dataset:
        """Like ``transform`` but only the first element of each sample (the data) is
        transformed; the label passes through unchanged.
        """
        return self.transform(_TransformFirstClosure(fn), lazy)

    def filter(self, fn: Callable[[Any], bool]) -> Dataset:
        """The samples for which ``fn(sample)`` is true."""
        from .sampler import FilterSampler

        return _SampledDataset(self, FilterSampler(fn, self))

    def take(self, count: int | None) -> Dataset:
        """The first ``count`` samples (all of them when ``count`` is None or too large)."""
        from .sampler import SequentialSampler

        if count is None or count > len(self):
            count = len(self)
        return _SampledDataset(self, SequentialSampler(count))

    def sample(self, sampler: Any) -> Dataset:
        """The samples at the indices ``sampler`` yields."""
        return _SampledDataset(self, sampler)

    def shard(self, num_shards: int, index: int) -> Dataset:
        """Shard ``index`` of ``num_shards`` contiguous parts (the first ones one sample longer
        when the length does not divide).
        """
        from .sampler import SequentialSampler

        if not 0 <= index < num_shards:
            raise HybridError(f"Dataset.shard: index {index} is not in [0, {num_shards})")
        each, extra = divmod(len(self), num_shards)
        start = index * each + min(index, extra)
        length = each + (index < extra)
        return _SampledDataset(self, SequentialSampler(length, start))


class SimpleDataset(Dataset):
    """A dataset over any indexable sequence (list, numpy array, ...).

    Examples
    --------
    >>> from hybrid.gluon.data import SimpleDataset
    >>> ds = SimpleDataset([1, 2, 3]).transform(lambda x: x * 10)
    >>> [ds[i] for i in range(len(ds))]
    [10, 20, 30]
    """

    def __init__(self, data: Any):
        self._data = data

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, idx: int) -> Any:
        return self._data[idx]


class ArrayDataset(Dataset):
    """A dataset combining several arrays (or lists) of equal length: sample ``i`` is the tuple of
    their ``i``-th elements (the element itself when there is one array).

    One-dimensional NDArrays are kept as numpy so that a sample is a number, as in MXNet.
    """

    def __init__(self, *args: Any):
        if not args:
            raise HybridError("ArrayDataset: needs at least one array")
        self._length = len(args[0])
        self._data = []
        for i, data in enumerate(args):
            if len(data) != self._length:
                raise HybridError(
                    f"ArrayDataset: all arrays must have the same length; array 0 has "
                    f"{self._length} items, array {i} has {len(data)}"
                )
            if isinstance(data, NDArray) and data.ndim == 1:
                data = data.asnumpy()
            self._data.append(data)

    def __getitem__(self, idx: int) -> Any:
        if len(self._data) == 1:
            return self._data[0][idx]
        return tuple(data[idx] for data in self._data)

    def __len__(self) -> int:
        return self._length


class _LazyTransformDataset(Dataset):
    def __init__(self, data: Dataset, fn: Callable[..., Any]):
        self._data = data
        self._fn = fn

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, idx: int) -> Any:
        item = self._data[idx]
        if isinstance(item, tuple):
            return self._fn(*item)
        return self._fn(item)


class _TransformFirstClosure:
    """A picklable ``lambda x, *rest: (fn(x), *rest)`` (process workers pickle transforms)."""

    def __init__(self, fn: Callable[[Any], Any]):
        self._fn = fn

    def __call__(self, x: Any, *args: Any) -> Any:
        if args:
            return (self._fn(x), *args)
        return self._fn(x)


class _SampledDataset(Dataset):
    def __init__(self, dataset: Dataset, sampler: Any):
        self._dataset = dataset
        self._indices = list(sampler)

    def __len__(self) -> int:
        return len(self._indices)

    def __getitem__(self, idx: int) -> Any:
        return self._dataset[self._indices[idx]]


class RecordFileDataset(Dataset):
    """The records of a RecordIO file (``filename``, with its ``.idx`` beside it) as bytes."""

    def __init__(self, filename: str):
        import os

        from ... import recordio

        self.idx_file = os.path.splitext(filename)[0] + ".idx"
        self.filename = filename
        self._record = recordio.MXIndexedRecordIO(self.idx_file, self.filename, "r")

    def __getitem__(self, idx: int) -> bytes:
        return self._record.read_idx(self._record.keys[idx])

    def __len__(self) -> int:
        return len(self._record.keys)
