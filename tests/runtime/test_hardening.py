"""hybrid-serve as an attacker and an operator try it: one test (or more) per hardening item.

Every test talks to the real server (``python -m hybrid.runtime``) on a loopback port.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
from hybrid.runtime import cli
from onnx import TensorProto

from . import models
from .serving import HOST, put_model, running_server, slow_batching

BIG_REQUEST = 64 << 20
RESPONSE_LIMIT = 8 << 20


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("hardening")
    put_model(repo, "model..bak", 1, models.classifier(0))
    put_model(repo, "bad name", 1, models.classifier(0))
    put_model(repo, "deep", 1, models.classifier(0))
    (repo / "deep" / "config.json").write_text("[" * 5000 + "]" * 5000)
    put_model(repo, "slowdelay", 1, models.classifier(0),
              {"max_batch_size": 4, "dynamic_batching": {"max_queue_delay_microseconds": 1e16}})
    put_model(repo, "transposed", 1, models.transposed(), slow_batching(0.2))
    put_model(repo, "mislabelled", 1, models.mislabelled_transpose(), slow_batching(0.2))
    put_model(repo, "zeros", 1, models.zeros_of_shape())
    put_model(repo, "strings", 1, models.cast_to(TensorProto.STRING, "strings"))
    put_model(repo, "bf16", 1, models.cast_to(TensorProto.BFLOAT16, "bf16"))
    put_model(repo, "sequence", 1, models.sequence_output())
    put_model(repo, "anyrank", 1, models.unknown_rank())
    put_model(repo, "elementwise", 1, models.elementwise())
    put_model(repo, "spare", 1, models.classifier(0))
    put_model(repo, "batched", 1, models.elementwise(), slow_batching(1.0))
    return repo


@pytest.fixture(scope="module")
def server(repo, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("hardening-log") / "server.log"
    with running_server(repo, log_path, "--model-control-mode", "explicit",
                        "--max-request-bytes", str(BIG_REQUEST),
                        "--max-response-bytes", str(RESPONSE_LIMIT),
                        "--request-timeout", "5") as running:
        yield running


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url, timeout=30.0) as client:
        yield client


def _index(http) -> dict[str, dict]:
    return {row["name"]: row for row in http.post("/v2/repository/index", json={}).json()}


def _infer(http, model, *inputs, **extra):
    body = {"inputs": [{"name": n, "shape": list(np.shape(d)), "datatype": t,
                        "data": np.asarray(d).reshape(-1).tolist()} for n, d, t in inputs]}
    return http.post(f"/v2/models/{model}/infer", json={**body, **extra})


def _assert_client_error(response, *patterns):
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    message = response.json()["error"]
    for pattern in patterns:
        assert re.search(pattern, message), message


# 1. A bad folder or config fails that model alone.
def test_bad_folders_and_configs_fail_only_their_model(http, server):
    index = _index(http)
    assert index["model..bak"]["state"] == "READY"
    # json's words for it are "nested too deeply", orjson's (the serve extra) "depth limit".
    deep = "nested too deeply|depth limit"
    assert index["deep"]["state"] == "UNAVAILABLE" and re.search(deep, index["deep"]["reason"])
    assert "invalid model name" in index["bad name"]["reason"]
    _assert_client_error(http.get("/v2/models/deep/ready"), deep)
    assert "model 'deep' UNAVAILABLE" in server.log_after("model 'deep'")
    x = np.ones((1, 4), np.float32)
    assert _infer(http, "model..bak", ("x", x, "FP32")).status_code == 200


# 2. An absurd queue delay is refused, and a dead worker marks its model unavailable.
def test_queue_delay_is_bounded(http):
    assert "max_queue_delay_microseconds" in _index(http)["slowdelay"]["reason"]
    config = {"max_batch_size": 4, "dynamic_batching": {"max_queue_delay_microseconds": 10**16}}
    response = http.post("/v2/repository/models/spare/load",
                         json={"parameters": {"config": json.dumps(config)}})
    _assert_client_error(response, "'max_queue_delay_microseconds' must be an integer from 0")
    assert _infer(http, "spare", ("x", np.ones((1, 4)), "FP32")).status_code == 200


# 3. Thread counts are bounded.
@pytest.mark.parametrize("key, value", [("instance_count", 1000), ("intra_op_threads", 1000),
                                        ("inter_op_threads", 65)])
def test_thread_counts_are_bounded(http, key, value):
    response = http.post("/v2/repository/models/spare/load",
                         json={"parameters": {"config": json.dumps({key: value})}})
    _assert_client_error(response, f"'{key}' must be an integer from 1 to")
    assert threading.active_count() < 50  # nothing started here either


# 4. Model control: modes, token, and a failed reload keeping the old version.
def test_failed_reload_keeps_the_old_version(http, repo):
    x = np.ones((1, 4), np.float32)
    before = _infer(http, "spare", ("x", x, "FP32")).json()["outputs"][0]["data"]
    model_file = repo / "spare" / "1" / "model.onnx"
    good = model_file.read_bytes()
    model_file.write_bytes(models.BROKEN)
    try:
        response = http.post("/v2/repository/models/spare/load", json={})
        _assert_client_error(response, "previous versions keep serving")
        assert str(repo) not in response.text
    finally:
        model_file.write_bytes(good)
    after = _infer(http, "spare", ("x", x, "FP32"))
    assert after.status_code == 200 and after.json()["outputs"][0]["data"] == before
    assert _index(http)["spare"]["state"] == "READY"


# 5. Batching only when the batch dim is proved; otherwise unbatched and still right.
@pytest.mark.parametrize("model", ["transposed", "mislabelled"])
def test_unprovable_batch_dims_serve_unbatched(http, server, model):
    config = http.get(f"/v2/models/{model}/config").json()
    assert config["max_batch_size"] == 8  # the configuration as written ...
    assert f"model '{model}'" in server.log_after("served unbatched")
    text = server.log()
    assert "served unbatched" in text.split(f"model '{model}'")[1].splitlines()[0]
    inputs = [np.arange(4, dtype=np.float32).reshape(2, 2) + 10 * i for i in range(8)]

    def ask(x):
        response = _infer(http, model, ("x", x, "FP32"))
        return np.asarray(response.json()["outputs"][0]["data"]).reshape(2, 2)

    with ThreadPoolExecutor(8) as pool:  # ... but clients never see each other's values
        for x, y in zip(inputs, pool.map(ask, inputs)):
            np.testing.assert_array_equal(y, x.T)


# 6. A large JSON body: health keeps answering, memory stays under 3x the body.
def _peak_rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


def test_large_json_bodies_do_not_stall_health_or_memory(http, server):
    width = 1 << 18
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, width)).astype(np.float32)
    body = json.dumps({"inputs": [
        {"name": n, "shape": [2, width], "datatype": "FP32", "data": a.tolist()}
        for n in ("a", "b")], "outputs": [{"name": "sum", "parameters": {"binary_data": True}}]
    }).encode()
    assert len(body) > 15e6
    before = _peak_rss(server.process.pid)
    result, latencies = {}, []

    def send():
        result["response"] = httpx.post(f"{server.url}/v2/models/elementwise/infer",
                                        content=body, timeout=60.0)

    sender = threading.Thread(target=send)
    with httpx.Client(base_url=server.url) as health:
        health.get("/v2/health/live")  # connected before the clock starts
        sender.start()
        while sender.is_alive():
            start = time.perf_counter()
            assert health.get("/v2/health/live").status_code == 200
            latencies.append(time.perf_counter() - start)
            time.sleep(0.01)
    sender.join()
    response = result["response"]
    assert response.status_code == 200, response.text
    size = int(response.headers["inference-header-content-length"])
    got = np.frombuffer(response.content[size:], np.float32).reshape(2, width)
    np.testing.assert_array_equal(got, a + a)
    # The bound is 100 ms; the max gets slack for a CI machine whose other processes can take
    # the CPU for longer than that (before the fix, health stalled for seconds).
    assert len(latencies) > 5 and np.percentile(latencies, 95) < 0.1, sorted(latencies)[-5:]
    assert max(latencies) < 0.5
    assert _peak_rss(server.process.pid) - before < 3 * len(body)


# 7. Responses have a size limit.
def test_responses_have_a_size_limit(http):
    small = _infer(http, "zeros", ("shape", [2, 3], "INT64"))
    assert small.status_code == 200 and small.json()["outputs"][0]["data"] == [0] * 6
    response = _infer(http, "zeros", ("shape", [4000, 4000], "INT64"))
    _assert_client_error(response, f"limit of {RESPONSE_LIMIT} bytes", "--max-response-bytes")
    binary = _infer(http, "zeros", ("shape", [4000, 4000], "INT64"),
                    parameters={"binary_data_output": True})
    _assert_client_error(binary, "64000000")


# 8. Non-finite numbers: valid JSON or a clear error, never a bare NaN; no silent inf.
def test_non_finite_outputs_need_binary_data(http):
    a = np.array([[np.nan, np.inf, 1.0]], np.float32)
    header = json.dumps({"inputs": [
        {"name": n, "shape": [1, 3], "datatype": "FP32",
         "parameters": {"binary_data_size": 12}} for n in ("a", "b")],
        "outputs": [{"name": "sum"}]}).encode()
    headers = {"Inference-Header-Content-Length": str(len(header))}
    response = http.post("/v2/models/elementwise/infer", headers=headers,
                         content=header + a.tobytes() + a.tobytes())
    _assert_client_error(response, "output 'sum' holds NaN or infinite values", "binary_data")
    binary = json.loads(header)
    binary["outputs"][0]["parameters"] = {"binary_data": True}
    header = json.dumps(binary).encode()
    headers = {"Inference-Header-Content-Length": str(len(header))}
    response = http.post("/v2/models/elementwise/infer", headers=headers,
                         content=header + a.tobytes() + a.tobytes())
    assert response.status_code == 200
    got = np.frombuffer(response.content[int(response.headers[
        "inference-header-content-length"]):], np.float32)
    np.testing.assert_array_equal(got, a.reshape(-1) * 2)


@pytest.mark.parametrize("text, words", [
    ("1e39", ["outside the finite range of FP32"]),
    ("1e400", ["outside the finite range of FP32|infinity"]),
    ("NaN", ["not valid JSON"]),
    ("-Infinity", ["not valid JSON"]),
])
def test_non_finite_or_too_large_json_inputs_are_refused(http, text, words):
    body = ('{"inputs": [{"name": "a", "shape": [1, 1], "datatype": "FP32", "data": ['
            + text + ']}, {"name": "b", "shape": [1, 1], "datatype": "FP32", "data": [1]}]}')
    _assert_client_error(http.post("/v2/models/elementwise/infer", content=body), *words)


# 9. Outputs the protocol cannot carry fail the model at load, not every request.
@pytest.mark.parametrize("model, kind", [("strings", "BYTES"), ("bf16", "BF16"),
                                         ("sequence", r"seq\(tensor\(float\)\)")])
def test_unsupported_output_types_fail_at_load(http, model, kind):
    row = _index(http)[model]
    assert row["state"] == "UNAVAILABLE" and re.search(kind, row["reason"])
    response = _infer(http, model, ("x", [1.0], "FP32"))
    _assert_client_error(response, "unavailable", kind)


# 10. Reloads under load lose no request.
def test_reload_under_load_loses_no_request(http):
    x = np.ones((1, 4), np.float32)
    stop, statuses = threading.Event(), []

    def client():
        with httpx.Client(base_url=http.base_url, timeout=30.0) as own:
            while not stop.is_set():
                statuses.append(_infer(own, "spare", ("x", x, "FP32")).status_code)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for _ in range(4):
            time.sleep(0.2)
            assert http.post("/v2/repository/models/spare/load", json={}).status_code == 200
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert len(statuses) > 20 and set(statuses) == {200}


# 11. Odd JSON: 4xx with a JSON body, no traceback in the log.
@pytest.mark.parametrize("body", [
    '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": ["FP32"], "data": [1,2,3,4]}]}',
    '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": {"a": 1}, "data": [1,2,3,4]}]}',
    '{"inputs": ' + "[" * 1000 + "]" * 1000 + "}",
    '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": '
    + "[" * 1000 + "1" + "]" * 1000 + "}]}",
    '{"id": ' + "{\"a\": " * 1000 + "1" + "}" * 1000 + "}",
])
def test_odd_json_is_a_client_error(http, server, body):
    response = http.post("/v2/models/spare/infer", content=body)
    assert 400 <= response.status_code < 500 and "error" in response.json()
    assert "Traceback" not in server.log()


# 12. Inputs of unknown rank take any shape.
def test_unknown_rank_inputs_take_any_shape(http):
    meta = http.get("/v2/models/anyrank").json()
    assert meta["inputs"][0]["shape"] == [-1]
    x = np.array([[-1.0, 2.0, -3.0], [4.0, -5.0, 6.0]], np.float32)
    response = _infer(http, "anyrank", ("x", x, "FP32"))
    assert response.status_code == 200, response.text
    out = response.json()["outputs"][0]
    assert out["shape"] == [2, 3] and out["data"] == np.maximum(x, 0).reshape(-1).tolist()


# 13. Slow clients time out, departed clients are cancelled, SIGTERM ends within 15 s.
def _partial_request(port: int, path: str, declared: int, sent: bytes) -> socket.socket:
    sock = socket.create_connection((HOST, port))
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {declared}\r\n\r\n".encode() + sent)
    return sock


def test_slow_clients_get_408(server):
    sock = _partial_request(server.port, "/v2/models/spare/infer", 100, b'{"inputs"')
    sock.settimeout(10)
    start = time.monotonic()
    answer = sock.recv(4096)
    elapsed = time.monotonic() - start
    # The server may send the head and the body in separate writes: read until it closes.
    while chunk := sock.recv(4096):
        answer += chunk
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408") and b"request timeout of 5 s" in answer
    assert 4.5 < elapsed < 9


def test_departed_clients_are_cancelled(http, server):
    body = json.dumps({"inputs": [{"name": n, "shape": [1, 1], "datatype": "FP32",
                                   "data": [1]} for n in ("a", "b")]}).encode()
    stats = http.get("/v2/models/batched/stats").json()["model_stats"][0]
    sock = _partial_request(server.port, "/v2/models/batched/infer", len(body), body)
    time.sleep(0.3)  # queued, waiting 1 s for partners
    sock.close()
    time.sleep(1.5)
    after = http.get("/v2/models/batched/stats").json()["model_stats"][0]
    assert after["inference_count"] == stats["inference_count"]  # it never ran
    failures = [s["inference_stats"]["fail"]["count"] for s in (stats, after)]
    assert failures[1] == failures[0] + 1


def test_sigterm_exits_within_15_s_whatever_clients_do(repo, tmp_path):
    # With the default --drain-timeout of 10 s the same takes 10 s; 2 s keeps the test short.
    assert cli.build_parser().parse_args(["--model-repository", "."]).drain_timeout == 10
    with running_server(repo, tmp_path / "term.log", "--request-timeout", "600",
                        "--drain-timeout", "2") as running:
        stuck = [_partial_request(running.port, "/v2/models/spare/infer", 1000, b"{")
                 for _ in range(3)]
        idle = socket.create_connection((HOST, running.port))
        idle.sendall(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n")  # headers never end
        time.sleep(0.5)
        start = time.monotonic()
        running.process.send_signal(signal.SIGTERM)
        running.process.wait(timeout=20)
        assert time.monotonic() - start < 2 + 4
        for sock in (*stuck, idle):
            sock.close()


# 14. Error bodies never show the server's absolute paths.
def test_error_bodies_hide_absolute_paths(http, repo):
    texts = [http.get(f"/v2/models/{m}").text for m in ("deep", "strings", "nothing")]
    texts.append(http.post("/v2/repository/index", json={}).text)
    texts.append(http.post("/v2/repository/models/nothing/load", json={}).text)
    for text in texts:
        assert str(repo) not in text and str(repo.resolve()) not in text
    assert "strings/1/model.onnx" in texts[1]


# 15. Request ids are capped; saved files follow the umask.
def test_request_ids_are_capped(http, server):
    x = np.ones((1, 4), np.float32)
    ok = _infer(http, "spare", ("x", x, "FP32"), id="r" * 256)
    assert ok.status_code == 200 and ok.json()["id"] == "r" * 256
    _assert_client_error(_infer(http, "spare", ("x", x, "FP32"), id="q" * 10**6),
                         "at most 256 characters")
    assert "q" * 300 not in server.log()


def test_saved_files_follow_the_umask(tmp_path):
    import hybrid as mx

    old = os.umask(0o027)
    try:
        mx.nd.save(str(tmp_path / "x.params"), {"w": mx.nd.ones((2,))})
    finally:
        os.umask(old)
    assert (tmp_path / "x.params").stat().st_mode & 0o777 == 0o640
