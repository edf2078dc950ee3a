"""Dynamic batching through the real server: merges, separation by shape, the queue limit."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np


def _pair(rows: int, width: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal((rows, width)).astype(np.float32) for k in "ab"}


def _infer(url: str, model: str, pair: dict[str, np.ndarray]) -> httpx.Response:
    body = {"inputs": [{"name": k, "shape": list(v.shape), "datatype": "FP32",
                        "data": v.ravel().tolist()} for k, v in pair.items()]}
    with httpx.Client(base_url=url, timeout=10.0) as client:
        return client.post(f"/v2/models/{model}/infer", json=body)


def _check(response: httpx.Response, pair: dict[str, np.ndarray]) -> None:
    assert response.status_code == 200, response.text
    out = {o["name"]: np.reshape(o["data"], o["shape"]) for o in response.json()["outputs"]}
    np.testing.assert_allclose(out["sum"], pair["a"] + pair["b"], rtol=1e-6)
    np.testing.assert_allclose(out["prod"], pair["a"] * pair["b"], rtol=1e-6)


def _stats(http, model: str) -> dict:
    doc = http.get(f"/v2/models/{model}/stats").json()["model_stats"][0]
    doc["by_size"] = {b["batch_size"]: b["compute_infer"]["count"] for b in doc["batch_stats"]}
    return doc


def _metric(http, name: str, model: str) -> float:
    prefix = f'{name}{{model="{model}",version="1"}} '
    (line,) = [ln for ln in http.get("/metrics").text.splitlines() if ln.startswith(prefix)]
    return float(line[len(prefix):])


def test_concurrent_requests_are_merged_into_one_execution(server, http):
    before = _stats(http, "batched")
    pairs = [_pair(2, 3, seed) for seed in range(4)]
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda p: _infer(server.url, "batched", p), pairs))
    for response, pair in zip(responses, pairs):
        _check(response, pair)
    after = _stats(http, "batched")
    assert after["execution_count"] == before["execution_count"] + 1
    assert after["inference_count"] == before["inference_count"] + 8
    assert after["by_size"].get(8, 0) == before["by_size"].get(8, 0) + 1
    assert _metric(http, "hybrid_inference_executions_total", "batched") == \
        after["execution_count"]
    assert _metric(http, "hybrid_batch_size_sum", "batched") == after["inference_count"]


def test_requests_with_different_shapes_are_never_merged(server, http):
    before = _stats(http, "batched")
    pairs = [_pair(2, 3 if i % 2 else 5, seed=10 + i) for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda p: _infer(server.url, "batched", p), pairs))
    for response, pair in zip(responses, pairs):
        _check(response, pair)
    after = _stats(http, "batched")
    # Two batches of 4 rows, one per width; a mixed batch would fail or be counted as 8.
    assert after["execution_count"] == before["execution_count"] + 2
    assert after["by_size"].get(4, 0) == before["by_size"].get(4, 0) + 2


def test_full_queue_answers_503_with_retry_after(server, http):
    # "queued" waits 2 s for batch partners and holds at most 2 waiting requests. Requests of
    # different widths cannot be merged, so the first two wait and the third finds the queue full.
    results: dict[int, httpx.Response] = {}

    def send(width: int) -> None:
        results[width] = _infer(server.url, "queued", _pair(1, width, width))

    waiting = [threading.Thread(target=send, args=(w,)) for w in (3, 4)]
    for thread in waiting:
        thread.start()
        time.sleep(0.2)
    refused = _infer(server.url, "queued", _pair(1, 6, 6))
    for thread in waiting:
        thread.join(10)
    assert refused.status_code == 503, refused.text
    assert int(refused.headers["Retry-After"]) >= 1
    assert "queue is full (2 requests waiting)" in refused.json()["error"]
    for width in (3, 4):
        _check(results[width], _pair(1, width, width))
    assert _stats(http, "queued")["inference_stats"]["fail"]["count"] >= 1
