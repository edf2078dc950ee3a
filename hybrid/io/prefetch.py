"""``PrefetchingIter``: batches of one or more iterators, read ahead in background threads."""

from __future__ import annotations

import threading
from queue import Queue
from typing import Any

from ..base import HybridError
from .io import DataBatch, DataIter

__all__ = ["PrefetchingIter"]

_END = object()


class PrefetchingIter(DataIter):
    """Reads the next batch of each iterator in ``iters`` while the current one is used; the
    batches of several iterators are joined (data after data, label after label).

    Parameters
    ----------
    iters : DataIter or list of DataIter
        The iterators, all with the same number of batches.
    rename_data, rename_label : list of dict, optional
        Per iterator, new names for its ``provide_data`` / ``provide_label`` entries.
    """

    def __init__(self, iters: Any, rename_data: list | None = None,
                 rename_label: list | None = None):
        self.iters = list(iters) if isinstance(iters, (list, tuple)) else [iters]
        super().__init__(self.iters[0].batch_size)
        self.rename_data, self.rename_label = rename_data, rename_label
        self._queues: list[Queue] = []
        self._threads: list[threading.Thread] = []
        self._start()

    def _provide(self, attr: str, renames: list | None) -> list:
        out = []
        for i, it in enumerate(self.iters):
            for desc in getattr(it, attr, None) or []:
                name, shape = desc[0], desc[1]
                new = renames[i].get(name, name) if renames else name
                out.append((new, shape))
        return out

    @property
    def provide_data(self) -> list:
        return self._provide("provide_data", self.rename_data)

    @property
    def provide_label(self) -> list:
        return self._provide("provide_label", self.rename_label)

    def _start(self) -> None:
        self._queues = [Queue(maxsize=1) for _ in self.iters]
        self._threads = [threading.Thread(target=self._fill, args=(it, q), daemon=True)
                         for it, q in zip(self.iters, self._queues)]
        for t in self._threads:
            t.start()

    @staticmethod
    def _fill(it: DataIter, q: Queue) -> None:
        try:
            for batch in it:
                q.put(batch)
        except Exception as e:  # handed to the consumer, which raises it
            q.put(e)
        q.put(_END)

    def _stop(self) -> None:
        for q, t in zip(self._queues, self._threads):
            while t.is_alive():
                if q.get() is _END:
                    break
            t.join()

    def reset(self) -> None:
        self._stop()
        for it in self.iters:
            it.reset()
        self._start()

    def next(self) -> DataBatch:
        batches = [q.get() for q in self._queues]
        for b in batches:
            if isinstance(b, Exception):
                raise b
        ended = [b is _END for b in batches]
        if all(ended):
            for q in self._queues:
                q.put(_END)
            raise StopIteration
        if any(ended):
            raise HybridError("PrefetchingIter: the iterators have different numbers of batches")
        data = [d for b in batches for d in b.data]
        label = [lb for b in batches for lb in (b.label or [])]
        return DataBatch(data, label, pad=batches[0].pad, index=batches[0].index)
