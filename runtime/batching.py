"""The per-model scheduler: a bounded queue, worker threads, and dynamic batching.

Requests are submitted from the server's event loop and answered through asyncio futures
(:meth:`Scheduler.submit_async`) or, from other threads, ``concurrent.futures.Future`` objects
(:meth:`Scheduler.submit`). ONNX Runtime always runs on worker threads (one per model instance)
and never blocks the loop.

Note [Dynamic batching]
    Requests stay in one queue until a worker takes them. Requests are compatible when they have
    the same input names, dtypes and shapes except the first dimension; incompatible ones are
    never merged. A group of compatible requests is ready when its rows reach the smallest
    preferred batch size (or ``max_batch_size``), or when its oldest request has waited
    ``max_queue_delay``. A worker then takes the group's requests in arrival order, up to
    ``max_batch_size`` rows, runs them as one ONNX Runtime call, and splits the outputs back
    along the first axis by each request's row count.

    The submitting thread (the server's event loop) does the bookkeeping and wakes a worker
    only when a group becomes ready or the queue was empty, so a busy loop pays no thread
    switch per request and a worker wakes about once per batch. The way back is batched too: a
    worker answers all the asyncio futures of one execution with a single
    ``call_soon_threadsafe``, one wake-up of the loop per batch rather than per request.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import (
    ExecutionError,
    InvalidInputError,
    SchedulerClosedError,
    ServerBusyError,
)
from .metrics import ModelStats
from .predictor import Predictor
from .spec import format_shape

__all__ = ["Scheduler"]

log = logging.getLogger("hybrid.runtime.batching")


@dataclass
class _Item:
    inputs: dict[str, np.ndarray]
    rows: int
    key: tuple
    future: Future | asyncio.Future
    loop: asyncio.AbstractEventLoop | None = None  # set when ``future`` is an asyncio future
    enqueued_ns: int = field(default_factory=time.perf_counter_ns)

    def claim(self) -> bool:
        """False when the caller gave up (cancelled) before a worker took the request."""
        if self.loop is None:
            return self.future.set_running_or_notify_cancel()
        # Read from the worker thread without the loop: a cancel that races this read is
        # caught again by _settle, which skips futures already done.
        return not self.future.done()


class Scheduler:
    """Queue requests for one model version and run them on its predictor instances.

    Parameters
    ----------
    predictors : list of Predictor
        One worker thread is started per predictor (the model's instance count).
    stats : ModelStats
        Where executions are recorded.
    label : str
        Names the model in errors and thread names, e.g. ``model 'lenet' version 1``.
    max_batch_size : int
        0 when requests are never merged; otherwise the most rows one execution may hold.
    dynamic_batching : bool
        Merge concurrent compatible requests (see Note [Dynamic batching]).
    preferred_batch_size : sequence of int
        Compatible requests run without waiting for the queue delay as soon as their rows reach
        the smallest of these sizes.
    max_queue_delay_us : int
        How long the oldest request may wait for others to join its batch, in microseconds.
    max_queue_size : int
        Requests waiting beyond this are refused with :class:`ServerBusyError` (HTTP 503).
    """

    def __init__(self, predictors: Sequence[Predictor], stats: ModelStats, label: str, *,
                 max_batch_size: int = 0, dynamic_batching: bool = False,
                 preferred_batch_size: Sequence[int] = (), max_queue_delay_us: int = 0,
                 max_queue_size: int = 1024) -> None:
        self.label = label
        self._stats = stats
        self._max_batch = max_batch_size
        self._dynamic = dynamic_batching and max_batch_size > 0
        self._delay_s = max_queue_delay_us / 1e6
        self._max_queue = max_queue_size
        self._queue: deque[_Item] = deque()
        self._rows: dict[tuple, int] = {}  # queued rows per compatibility key
        self._ready: dict[tuple, None] = {}  # keys with enough rows to run now, oldest first
        self._threshold = min((*preferred_batch_size, max_batch_size)) if self._dynamic else 1
        self._cond = threading.Condition()
        self._closing = False
        #: Why the workers stopped, when one died of an unexpected error (then every request
        #: is refused and the repository reports the version unavailable); None while healthy.
        self.failure: str | None = None
        self._workers = [threading.Thread(target=self._work, args=(p,), daemon=True,
                                          name=f"{label} instance {i}")
                         for i, p in enumerate(predictors)]
        for worker in self._workers:
            worker.start()

    @property
    def pending(self) -> int:
        """Requests queued and not yet taken by a worker."""
        return len(self._queue)

    def submit(self, inputs: Mapping[str, np.ndarray]) -> Future:
        """Queue one validated request; the future resolves to a dict of all output arrays."""
        return self._enqueue(inputs, Future(), None)

    def submit_async(self, inputs: Mapping[str, np.ndarray]) -> asyncio.Future:
        """Like :meth:`submit`, from a running event loop: returns an asyncio future of it."""
        loop = asyncio.get_running_loop()
        return self._enqueue(inputs, loop.create_future(), loop)

    def _enqueue(self, inputs: Mapping[str, np.ndarray], future: Any, loop: Any) -> Any:
        first = next(iter(inputs.values()))
        rows = int(first.shape[0]) if self._max_batch and first.ndim else 1
        key = tuple((n, a.dtype.str, a.shape[1:]) for n, a in sorted(inputs.items()))
        if self._dynamic and rows > self._max_batch:
            raise InvalidInputError(f"{self.label}: batch size {rows} exceeds the model's "
                                    f"max_batch_size {self._max_batch}")
        item = _Item(dict(inputs), rows, key, future, loop)
        with self._cond:
            if self.failure:
                raise SchedulerClosedError(f"{self.label} is unavailable: {self.failure}")
            if self._closing:
                raise SchedulerClosedError(f"{self.label} is shutting down")
            if len(self._queue) >= self._max_queue:
                raise ServerBusyError(f"{self.label}: queue is full ({self._max_queue} requests "
                                      "waiting); retry later")
            was_empty = not self._queue
            self._queue.append(item)
            if not self._dynamic:
                self._cond.notify()
                return item.future
            # See Note [Dynamic batching]: wake a worker only when it has something new to do.
            self._rows[key] = self._rows.get(key, 0) + rows
            if self._rows[key] >= self._threshold and key not in self._ready:
                self._ready[key] = None
                self._cond.notify()
            elif was_empty:
                self._cond.notify()
        return item.future

    def close(self, timeout: float | None = None) -> None:
        """Refuse new requests, finish the queued ones, and stop the workers."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for worker in self._workers:
            worker.join(timeout)
        with self._cond:
            left, self._queue = list(self._queue), deque()
        left = [item for item in left if item.claim()]
        _deliver(left, [SchedulerClosedError(f"{self.label} was unloaded")] * len(left))

    def _work(self, predictor: Predictor) -> None:
        try:
            self._serve(predictor)
        except BaseException as err:  # a worker must never die silently: see ``failure``
            with self._cond:
                self.failure = f"its worker thread failed ({type(err).__name__}: {err})"
                left, self._queue = list(self._queue), deque()
                self._rows.clear()
                self._ready.clear()
            log.exception("%s: worker thread failed; the version is now unavailable",
                          self.label)
            left = [item for item in left if item.claim()]
            _deliver(left, [SchedulerClosedError(f"{self.label} is unavailable: "
                                                 f"{self.failure}")] * len(left))

    def _serve(self, predictor: Predictor) -> None:
        names = [s.name for s in predictor.outputs]
        while True:
            group = self._next_group()
            if group is None:
                return
            # Drop requests whose clients went away; the rest can no longer be cancelled.
            group = [it for it in group if it.claim()]
            if group:
                self._execute(predictor, names, group)

    def _next_group(self) -> list[_Item] | None:
        with self._cond:
            while True:
                if self._queue and not self._dynamic:
                    return [self._queue.popleft()]
                if self._queue:
                    key, wait = self._due()
                    if key is not None:
                        group = self._take(key)
                        if self._queue:  # let an idle worker look at what is left
                            self._cond.notify()
                        return group
                    self._cond.wait(wait)
                elif self._closing:
                    return None
                else:
                    self._cond.wait()

    def _due(self) -> tuple[tuple | None, float]:
        """The key to run now, or None and how long the oldest request may still wait."""
        if self._ready:
            return next(iter(self._ready)), 0.0
        head = self._queue[0]
        wait = head.enqueued_ns / 1e9 + self._delay_s - time.perf_counter()
        if wait <= 0 or self._closing:
            return head.key, 0.0
        return None, wait

    def _take(self, key: tuple) -> list[_Item]:
        """Remove the oldest requests of ``key`` that fit in one batch; called with the lock."""
        group, kept, rows, full = [], deque(), 0, False
        for item in self._queue:
            if item.key == key and not full and rows + item.rows <= self._max_batch:
                group.append(item)
                rows += item.rows
            else:
                full = full or item.key == key
                kept.append(item)
        self._queue = kept
        left = self._rows.pop(key) - rows
        if left:
            self._rows[key] = left
        if left < self._threshold:
            self._ready.pop(key, None)
        return group

    def _execute(self, predictor: Predictor, names: list[str], group: list[_Item]) -> None:
        start = time.perf_counter_ns()
        try:
            if len(group) == 1:
                feeds = group[0].inputs
            else:
                feeds = {n: np.concatenate([it.inputs[n] for it in group]) for n in group[0].inputs}
            ready = time.perf_counter_ns()
            results = predictor.run_unchecked(feeds, names)
            ran = time.perf_counter_ns()
            parts = self._split(names, results, group)
        except Exception as err:  # every waiting request must hear about the failure
            _deliver(group, [err] * len(group))
            return
        done = time.perf_counter_ns()
        rows = sum(it.rows for it in group)
        self._stats.record_execution(rows, [start - it.enqueued_ns for it in group],
                                     ready - start, ran - ready, done - ran)
        _deliver(group, parts)

    def _split(self, names: list[str], results: list[np.ndarray],
               group: list[_Item]) -> list[dict[str, np.ndarray]]:
        if len(group) == 1:
            return [dict(zip(names, results))]
        rows = [it.rows for it in group]
        cuts = np.cumsum(rows)[:-1]
        pieces = []
        for name, y in zip(names, results):
            if y.ndim == 0 or y.shape[0] != sum(rows):
                raise ExecutionError(f"{self.label}: output '{name}' has shape "
                                     f"{format_shape(y.shape)} for a batch of {sum(rows)} rows; "
                                     "dynamic batching needs outputs with the batch axis first")
            pieces.append(np.split(y, cuts))
        return [dict(zip(names, parts)) for parts in zip(*pieces)]


def _deliver(items: list[_Item], outcomes: list[Any]) -> None:
    """Answer each item with its outcome (a result dict or an exception).

    See Note [Dynamic batching]: asyncio futures are settled on their loop, one hand-off per loop.
    """
    by_loop: dict[Any, tuple[list[_Item], list[Any]]] = {}
    for item, outcome in zip(items, outcomes):
        if item.loop is None:
            _settle([item], [outcome])
        else:
            pair = by_loop.setdefault(item.loop, ([], []))
            pair[0].append(item)
            pair[1].append(outcome)
    for loop, (some, their) in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, some, their)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass


def _settle(items: list[_Item], outcomes: list[Any]) -> None:
    for item, outcome in zip(items, outcomes):
        if item.future.done():  # cancelled by its caller meanwhile
            continue
        if isinstance(outcome, BaseException):
            item.future.set_exception(outcome)
        else:
            item.future.set_result(outcome)
