"""Samplers, as MXNet 1.9's ``gluon.data.sampler``: which indices, in which order and batches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ... import random
from ...base import HybridError

__all__ = [
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "FilterSampler",
    "BatchSampler",
    "IntervalSampler",
    "SplitSampler",
]


class Sampler:
    """Base class of samplers: an iterable of indices with a length."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """``start, start + 1, ..., start + length - 1``."""

    def __init__(self, length: int, start: int = 0):
        self._length = length
        self._start = start

    def __iter__(self) -> Iterator[int]:
        return iter(range(self._start, self._start + self._length))

    def __len__(self) -> int:
        return self._length


class RandomSampler(Sampler):
    """A fresh random permutation of ``[0, length)`` on each pass, drawn from
    ``hybrid.random.generator()`` (so ``hybrid.random.seed`` makes it reproducible).
    """

    def __init__(self, length: int):
        self._length = length

    def __iter__(self) -> Iterator[int]:
        return iter(random.generator().permutation(self._length).tolist())

    def __len__(self) -> int:
        return self._length


class FilterSampler(Sampler):
    """The indices of the samples of ``dataset`` for which ``fn(sample)`` is true."""

    def __init__(self, fn: Callable[[Any], bool], dataset: Any):
        self._indices = [i for i in range(len(dataset)) if fn(dataset[i])]

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices)

    def __len__(self) -> int:
        return len(self._indices)


class IntervalSampler(Sampler):
    """``0, interval, 2 * interval, ...``, then ``1, 1 + interval, ...`` and so on (only the
    first pass when ``rollover`` is False).
    """

    def __init__(self, length: int, interval: int, rollover: bool = True):
        if interval > length:
            raise HybridError(
                f"IntervalSampler: interval {interval} is larger than the length {length}"
            )
        self._length = length
        self._interval = interval
        self._rollover = rollover

    def __iter__(self) -> Iterator[int]:
        starts = range(self._interval) if self._rollover else range(1)
        for start in starts:
            yield from range(start, self._length, self._interval)

    def __len__(self) -> int:
        if self._rollover:
            return self._length
        return len(range(0, self._length, self._interval))


class SplitSampler(Sampler):
    """The ``part_index``-th of ``num_parts`` equal, contiguous parts of ``[0, length)``, in a
    fresh random order on each pass: each worker of a distributed job reads its own shard.

    Each part holds ``length // num_parts`` indices, ``[part_len * part_index, part_len *
    (part_index + 1))``; the last ``length % num_parts`` indices belong to no part, so every worker
    makes the same number of steps. The order is drawn from ``hybrid.random.generator()``.

    Parameters
    ----------
    length : int
        Number of examples in the dataset.
    num_parts : int
        Number of parts (e.g. ``kv.num_workers``).
    part_index : int
        The part to read (e.g. ``kv.rank``), in ``[0, num_parts)``.

    Examples
    --------
    >>> from hybrid.gluon.data import SplitSampler
    >>> sorted(SplitSampler(10, num_parts=3, part_index=1))
    [3, 4, 5]
    """

    def __init__(self, length: int, num_parts: int = 1, part_index: int = 0):
        if num_parts < 1 or not 0 <= part_index < num_parts:
            raise HybridError(
                f"SplitSampler: part_index must be in [0, num_parts) with num_parts >= 1, got "
                f"part_index={part_index}, num_parts={num_parts}"
            )
        self._part_len = length // num_parts
        self._start = self._part_len * part_index

    def __iter__(self) -> Iterator[int]:
        order = random.generator().permutation(self._part_len) + self._start
        return iter(order.tolist())

    def __len__(self) -> int:
        return self._part_len


_LAST_BATCH = ("keep", "discard", "rollover")


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler``.

    ``last_batch`` says what happens to an incomplete last batch: ``'keep'`` yields it,
    ``'discard'`` drops it, ``'rollover'`` keeps its indices for the start of the next pass.

    Examples
    --------
    >>> from hybrid.gluon.data import BatchSampler, SequentialSampler
    >>> list(BatchSampler(SequentialSampler(5), 2, 'keep'))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Any, batch_size: int, last_batch: str = "keep"):
        if last_batch not in _LAST_BATCH:
            raise HybridError(
                f"BatchSampler: last_batch must be one of 'keep', 'discard', or 'rollover', "
                f"but got {last_batch!r}"
            )
        self._sampler = sampler
        self._batch_size = batch_size
        self._last_batch = last_batch
        self._prev: list = []

    def __iter__(self) -> Iterator[list]:
        batch, self._prev = self._prev, []
        for i in self._sampler:
            batch.append(i)
            if len(batch) == self._batch_size:
                yield batch
                batch = []
        if batch:
            if self._last_batch == "keep":
                yield batch
            elif self._last_batch == "rollover":
                self._prev = batch

    def __len__(self) -> int:
        if self._last_batch == "keep":
            return (len(self._sampler) + self._batch_size - 1) // self._batch_size
        if self._last_batch == "discard":
            return len(self._sampler) // self._batch_size
        return (len(self._prev) + len(self._sampler)) // self._batch_size
