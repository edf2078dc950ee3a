"""The scheduler without a server: merging, shape separation, queue limits, draining."""
from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest
from hybrid.runtime import ExecutionError, ModelUnavailableError, Predictor, ServerBusyError
from hybrid.runtime.batching import Scheduler
from hybrid.runtime.metrics import ModelStats
from hybrid.runtime.spec import TensorSpec

from . import models

TIMEOUT = 10.0


class _Gate:
    """A stand-in predictor that doubles ``x`` and blocks until released."""

    outputs = (TensorSpec("y", ("n",), "FP32", np.dtype(np.float32)),)

    def __init__(self, fail: bool = False) -> None:
        self.release, self.started = threading.Event(), threading.Event()
        self.calls: list[np.ndarray] = []
        self.fail = fail

    def run_unchecked(self, feeds, names):
        self.calls.append(feeds["x"].copy())
        self.started.set()
        assert self.release.wait(TIMEOUT)
        if self.fail:
            raise ExecutionError("boom")
        return [feeds["x"] * 2]


@pytest.fixture(scope="module")
def elementwise():
    return Predictor(models.elementwise())


def _pair(rows: int, width: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal((rows, width)).astype(np.float32) for k in "ab"}


def _scheduler(predictor, stats=None, **kwargs) -> Scheduler:
    return Scheduler([predictor], stats or ModelStats("m", "1"), "model 'm' version 1", **kwargs)


def test_full_batch_runs_at_once_and_splits_back(elementwise):
    stats = ModelStats("m", "1")
    sched = _scheduler(elementwise, stats, max_batch_size=8, dynamic_batching=True,
                       max_queue_delay_us=5_000_000)
    try:
        start = time.perf_counter()
        requests = [_pair(2, 3, seed) for seed in range(4)]
        futures = [sched.submit(r) for r in requests]
        results = [f.result(TIMEOUT) for f in futures]
        assert time.perf_counter() - start < 2.0  # did not wait for the 5 s delay
    finally:
        sched.close(TIMEOUT)
    for req, out in zip(requests, results):
        np.testing.assert_allclose(out["sum"], req["a"] + req["b"], rtol=1e-6)
        np.testing.assert_allclose(out["prod"], req["a"] * req["b"], rtol=1e-6)
    doc = stats.to_kserve()
    assert (doc["execution_count"], doc["inference_count"]) == (1, 8)
    assert [b["batch_size"] for b in doc["batch_stats"]] == [8]
    assert doc["inference_stats"]["queue"]["count"] == 4


def test_different_non_batch_shapes_are_never_merged(elementwise):
    stats = ModelStats("m", "1")
    sched = _scheduler(elementwise, stats, max_batch_size=8, dynamic_batching=True,
                       max_queue_delay_us=200_000)
    try:
        requests = [_pair(1, 3 if i % 2 else 5, seed=i) for i in range(6)]
        futures = [sched.submit(r) for r in requests]
        results = [f.result(TIMEOUT) for f in futures]
    finally:
        sched.close(TIMEOUT)
    for req, out in zip(requests, results):
        np.testing.assert_allclose(out["sum"], req["a"] + req["b"], rtol=1e-6)
    doc = stats.to_kserve()
    assert doc["execution_count"] == 2
    assert doc["batch_stats"][0]["batch_size"] == 3


def test_preferred_size_runs_without_waiting_for_the_delay(elementwise):
    sched = _scheduler(elementwise, max_batch_size=8, dynamic_batching=True,
                       preferred_batch_size=[2], max_queue_delay_us=5_000_000)
    try:
        start = time.perf_counter()
        sched.submit(_pair(2, 3, 0)).result(TIMEOUT)
        assert time.perf_counter() - start < 2.5
    finally:
        sched.close(TIMEOUT)


def test_a_lone_request_waits_the_queue_delay(elementwise):
    sched = _scheduler(elementwise, max_batch_size=8, dynamic_batching=True,
                       preferred_batch_size=[2], max_queue_delay_us=300_000)
    try:
        start = time.perf_counter()
        sched.submit(_pair(1, 3, 0)).result(TIMEOUT)
        assert time.perf_counter() - start >= 0.29
    finally:
        sched.close(TIMEOUT)


def test_full_queue_refuses_with_retry_after():
    gate = _Gate()
    sched = _scheduler(gate, max_queue_size=2)
    try:
        futures = [sched.submit({"x": np.array([1.0], np.float32)})]
        assert gate.started.wait(TIMEOUT)  # the worker holds the first request
        futures += [sched.submit({"x": np.array([v], np.float32)}) for v in (2.0, 3.0)]
        assert sched.pending == 2
        with pytest.raises(ServerBusyError, match="queue is full") as info:
            sched.submit({"x": np.array([4.0], np.float32)})
        assert info.value.status == 503 and info.value.retry_after >= 1
        gate.release.set()
        assert [f.result(TIMEOUT)["y"].tolist() for f in futures] == [[2.0], [4.0], [6.0]]
    finally:
        gate.release.set()
        sched.close(TIMEOUT)


def test_close_finishes_queued_requests_then_refuses_new_ones():
    gate = _Gate()
    sched = _scheduler(gate)
    futures = [sched.submit({"x": np.array([v], np.float32)}) for v in (1.0, 2.0, 3.0)]
    closer = threading.Thread(target=sched.close, args=(TIMEOUT,))
    closer.start()
    gate.release.set()
    closer.join(TIMEOUT)
    assert not closer.is_alive()
    assert [f.result(0)["y"].tolist() for f in futures] == [[2.0], [4.0], [6.0]]
    with pytest.raises(ModelUnavailableError, match="shutting down"):
        sched.submit({"x": np.array([1.0], np.float32)})


def test_a_failed_execution_fails_every_merged_request():
    gate = _Gate(fail=True)
    gate.release.set()
    sched = _scheduler(gate, max_batch_size=4, dynamic_batching=True, max_queue_delay_us=500_000)
    try:
        futures = [sched.submit({"x": np.ones(2, np.float32)}) for _ in range(2)]
        for future in futures:
            with pytest.raises(ExecutionError, match="boom"):
                future.result(TIMEOUT)
        assert len(gate.calls) == 1 and gate.calls[0].shape == (4,)
    finally:
        sched.close(TIMEOUT)


def test_cancelled_requests_are_not_run():
    gate = _Gate()
    sched = _scheduler(gate)
    try:
        first = sched.submit({"x": np.array([1.0], np.float32)})
        assert gate.started.wait(TIMEOUT)
        dropped = sched.submit({"x": np.array([2.0], np.float32)})
        kept = sched.submit({"x": np.array([3.0], np.float32)})
        assert dropped.cancel()
        gate.release.set()
        assert kept.result(TIMEOUT)["y"].tolist() == [6.0] and first.result(TIMEOUT)
        assert [c.tolist() for c in gate.calls] == [[1.0], [3.0]]
    finally:
        gate.release.set()
        sched.close(TIMEOUT)


class _CountingLoop:
    """Counts the worker's hand-offs to the event loop (``call_soon_threadsafe`` calls)."""

    def __init__(self, loop) -> None:
        self.loop, self.calls = loop, 0

    def call_soon_threadsafe(self, *args):
        self.calls += 1
        return self.loop.call_soon_threadsafe(*args)

    def __getattr__(self, name):
        return getattr(self.loop, name)


def test_async_requests_are_merged_and_answered_in_one_hand_off(elementwise, monkeypatch):
    stats = ModelStats("m", "1")
    sched = _scheduler(elementwise, stats, max_batch_size=8, dynamic_batching=True,
                       max_queue_delay_us=5_000_000)
    requests = [_pair(2, 3, seed) for seed in range(4)]

    async def send_all():
        counting = _CountingLoop(asyncio.get_running_loop())
        monkeypatch.setattr(asyncio, "get_running_loop", lambda: counting)
        futures = [sched.submit_async(r) for r in requests]
        monkeypatch.undo()
        return await asyncio.wait_for(asyncio.gather(*futures), TIMEOUT), counting.calls

    try:
        results, hand_offs = asyncio.run(send_all())
    finally:
        sched.close(TIMEOUT)
    for req, out in zip(requests, results):
        np.testing.assert_allclose(out["prod"], req["a"] * req["b"], rtol=1e-6)
    assert stats.to_kserve()["execution_count"] == 1
    assert hand_offs == 1


def test_async_errors_and_cancellations():
    gate = _Gate(fail=True)
    sched = _scheduler(gate)

    async def scenario():
        first = sched.submit_async({"x": np.array([1.0], np.float32)})
        while not gate.started.is_set():
            await asyncio.sleep(0.01)
        dropped = sched.submit_async({"x": np.array([2.0], np.float32)})
        dropped.cancel()
        gate.release.set()
        with pytest.raises(ExecutionError, match="boom"):
            await asyncio.wait_for(first, TIMEOUT)

    try:
        asyncio.run(scenario())
    finally:
        gate.release.set()
        sched.close(TIMEOUT)
    assert [c.tolist() for c in gate.calls] == [[1.0]]


def test_a_dead_worker_marks_the_scheduler_failed(elementwise, monkeypatch):
    # What a config delay of 1e16 us once did (OverflowError in Condition.wait), by hand.
    sched = _scheduler(elementwise, max_batch_size=8, dynamic_batching=True,
                       max_queue_delay_us=5_000_000)
    try:
        waiting = sched.submit(_pair(1, 2, 0))
        original = sched._due

        def broken():
            original()
            raise OverflowError("timeout value is too large")

        monkeypatch.setattr(sched, "_due", broken)
        sched.submit(_pair(1, 2, 1))  # wakes the worker, which now dies
        with pytest.raises(ModelUnavailableError, match="worker thread failed.*OverflowError"):
            waiting.result(timeout=5)
        assert "OverflowError" in sched.failure
        with pytest.raises(ModelUnavailableError) as info:
            sched.submit(_pair(1, 2, 2))
        assert info.value.status == 503
    finally:
        sched.close(timeout=1)
