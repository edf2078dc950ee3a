"""Data iterators (``mx.io``): MXNet 1.x's ``DataIter`` protocol and ``NDArrayIter``.

Gluon code reads data through :mod:`hybrid.gluon.data`; this module keeps scripts written for the
older iterator API running: ``for batch in it: batch.data[0], batch.label[0], batch.pad``.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .. import random as _random
from ..base import HybridError
from ..ndarray.ndarray import NDArray

__all__ = ["DataDesc", "DataBatch", "DataIter", "NDArrayIter"]

_LAST_BATCH = ("pad", "discard", "roll_over")


class DataDesc(namedtuple("DataDesc", ["name", "shape"])):
    """Name, shape, dtype and layout of one data or label input."""

    def __new__(cls, name: str, shape: tuple, dtype: Any = np.float32, layout: str = "NCHW"):
        desc = super().__new__(cls, name, tuple(shape))
        desc.dtype, desc.layout = dtype, layout
        return desc

    def __repr__(self) -> str:
        return f"DataDesc[{self.name},{self.shape},{self.dtype},{self.layout}]"


class DataBatch:
    """One batch: lists of data and label arrays; ``pad`` counts the filler samples at its end."""

    def __init__(
        self,
        data: list,
        label: list | None = None,
        pad: int | None = None,
        index: Any = None,
        bucket_key: Any = None,
        provide_data: list | None = None,
        provide_label: list | None = None,
    ):
        for what, value in (("data", data), ("label", label)):
            if value is not None and not isinstance(value, (list, tuple)):
                raise HybridError(
                    f"DataBatch: {what} must be a list of arrays, got {type(value).__name__}"
                )
        self.data, self.label, self.pad, self.index = data, label, pad, index
        self.bucket_key = bucket_key
        self.provide_data, self.provide_label = provide_data, provide_label

    def __str__(self) -> str:
        shapes = [d.shape for d in self.data]
        labels = [lb.shape for lb in self.label] if self.label else None
        return f"DataBatch: data shapes: {shapes} label shapes: {labels}"


class DataIter:
    """Base iterator: subclasses define ``iter_next`` and the ``get*`` methods, or ``next``."""

    def __init__(self, batch_size: int = 0):
        self.batch_size = batch_size

    def __iter__(self) -> DataIter:
        return self

    def __next__(self) -> DataBatch:
        return self.next()

    def reset(self) -> None:
        """Go back to the start of the data."""

    def next(self) -> DataBatch:
        if not self.iter_next():
            raise StopIteration
        return DataBatch(self.getdata(), self.getlabel(), self.getpad(), self.getindex())

    def iter_next(self) -> bool:
        raise NotImplementedError(f"{type(self).__name__} must define iter_next")

    def getdata(self) -> list:
        raise NotImplementedError(f"{type(self).__name__} must define getdata")

    def getlabel(self) -> list | None:
        return None

    def getindex(self) -> Any:
        return None

    def getpad(self) -> int:
        return 0


def _named_arrays(data: Any, default_name: str, what: str) -> list[tuple[str, NDArray]]:
    """MXNet's naming of iterator inputs: one array is ``default_name``, a list of several
    ``_<i>_<default_name>``, a dict keeps its keys.
    """
    if data is None:
        return []
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, (list, tuple)):
        if len(data) == 1:
            items = [(default_name, data[0])]
        else:
            items = [(f"_{i}_{default_name}", d) for i, d in enumerate(data)]
    else:
        items = [(default_name, data)]
    named = []
    for name, value in items:
        array = value._data if isinstance(value, NDArray) else np.asarray(value)
        if array.ndim == 0:
            raise HybridError(f"NDArrayIter: {what} {name!r} is a scalar; it needs a batch axis")
        named.append((name, array))
    return named


class NDArrayIter(DataIter):
    """Batches over arrays held in memory, as ``mx.io.NDArrayIter``.

    Parameters
    ----------
    data : array, list of arrays or dict of name to array
        NDArrays or numpy arrays sharing their first (sample) axis.
    label : same kinds as ``data``, optional
    batch_size : int, default 1
    shuffle : bool, default False
        Draw a new sample order (from ``hybrid.random``) at every ``reset``.
    last_batch_handle : {'pad', 'discard', 'roll_over'}, default 'pad'
        A last batch short of ``batch_size`` is filled up with samples from the start
        (``batch.pad`` says how many), dropped, or carried over to start the next epoch.
    data_name, label_name : str, default 'data', 'softmax_label'
    """

    def __init__(
        self,
        data: Any,
        label: Any = None,
        batch_size: int = 1,
        shuffle: bool = False,
        last_batch_handle: str = "pad",
        data_name: str = "data",
        label_name: str = "softmax_label",
    ):
        super().__init__(batch_size)
        if last_batch_handle not in _LAST_BATCH:
            raise HybridError(
                f"NDArrayIter: last_batch_handle={last_batch_handle!r}, expected one of "
                f"{_LAST_BATCH}"
            )
        if int(batch_size) < 1:
            raise HybridError(f"NDArrayIter: batch_size={batch_size}, expected >= 1")
        self.data = _named_arrays(data, data_name, "data")
        self.label = _named_arrays(label, label_name, "label")
        if not self.data:
            raise HybridError("NDArrayIter: data is empty")
        # The first data array sets the number of samples (as in MXNet); longer arrays are read
        # only that far.
        sizes = {name: a.shape[0] for name, a in self.data + self.label}
        self.num_data = next(iter(sizes.values()))
        if min(sizes.values()) < self.num_data:
            raise HybridError(
                f"NDArrayIter: every input needs the {self.num_data} samples of the first data "
                f"array, got {sizes}"
            )
        self.shuffle, self.last_batch_handle = shuffle, last_batch_handle
        self._order = np.arange(self.num_data)
        self._carried = np.zeros(0, dtype=np.int64)
        self.cursor = -self.batch_size
        self.reset()

    @property
    def provide_data(self) -> list[DataDesc]:
        return [DataDesc(n, (self.batch_size, *a.shape[1:]), a.dtype) for n, a in self.data]

    @property
    def provide_label(self) -> list[DataDesc]:
        return [DataDesc(n, (self.batch_size, *a.shape[1:]), a.dtype) for n, a in self.label]

    def hard_reset(self) -> None:
        """Go back to the start, forgetting samples carried over by 'roll_over'."""
        self._carried = np.zeros(0, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        if self.shuffle:
            self._order = _random.generator().permutation(self.num_data)
        # Samples carried over by 'roll_over' start the epoch; the cursor sits before 0 by
        # their number so that the first batch takes only the rest from the new order.
        self.cursor = -self.batch_size - len(self._carried)

    def iter_next(self) -> bool:
        self.cursor += self.batch_size
        if self.last_batch_handle == "discard":
            return self.cursor + self.batch_size <= self.num_data
        return self.cursor < self.num_data

    def next(self) -> DataBatch:
        if not self.iter_next():
            raise StopIteration
        indices = self._batch_indices()
        if len(indices) < self.batch_size:  # only 'roll_over' leaves a short batch
            self._carried = indices
            raise StopIteration
        if self.cursor < 0:
            self._carried = np.zeros(0, dtype=np.int64)
        return DataBatch(
            self._take(self.data, indices),
            self._take(self.label, indices),
            self.getpad(),
            None,
            provide_data=self.provide_data,
            provide_label=self.provide_label,
        )

    def _batch_indices(self) -> np.ndarray:
        start, stop = max(self.cursor, 0), self.cursor + self.batch_size
        indices = self._order[start:stop]
        if self.cursor < 0:
            indices = np.concatenate([self._carried, indices])
        if self.last_batch_handle == "pad" and stop > self.num_data:
            # Wrap around to the start (several times if the data is smaller than a batch).
            indices = np.concatenate([indices, np.resize(self._order, stop - self.num_data)])
        return indices

    @staticmethod
    def _take(arrays: list, indices: np.ndarray) -> list[NDArray]:
        return [NDArray._wrap(np.ascontiguousarray(a[indices])) for _, a in arrays]

    def getdata(self) -> list[NDArray]:
        return self._take(self.data, self._batch_indices())

    def getlabel(self) -> list[NDArray]:
        return self._take(self.label, self._batch_indices())

    def getpad(self) -> int:
        if self.last_batch_handle == "pad" and self.cursor + self.batch_size > self.num_data:
            return self.cursor + self.batch_size - self.num_data
        if self.cursor < 0:
            return -self.cursor
        return 0
