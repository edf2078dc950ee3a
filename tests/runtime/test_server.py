"""The real server over loopback HTTP: every endpoint, JSON and binary tensors, bad input."""
from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from . import models
from .conftest import MAX_REQUEST_BYTES


def _x(rows: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((rows, 4)).astype(np.float32)


def _tensor(name, array, datatype="FP32"):
    return {"name": name, "shape": list(array.shape), "datatype": datatype,
            "data": array.reshape(-1).tolist()}


def _error(response, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    message = response.json()["error"]
    for fragment in fragments:
        assert fragment in message


def test_health_and_server_metadata(http):
    assert http.get("/v2/health/live").json() == {"live": True}
    assert http.get("/v2/health/ready").status_code == 200
    meta = http.get("/v2").json()
    assert meta["name"] == "hybrid"
    assert {"binary_tensor_data", "model_repository", "statistics"} <= set(meta["extensions"])


def test_model_and_version_metadata(http):
    meta = http.get("/v2/models/classifier").json()
    assert meta["versions"] == ["1", "2"] and meta["platform"] == "onnxruntime_onnx"
    assert meta["inputs"] == [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}]
    assert meta["outputs"] == [{"name": "probs", "datatype": "FP32", "shape": [-1, 3]}]
    assert http.get("/v2/models/classifier/versions/1").json()["versions"] == ["1"]
    assert http.get("/v2/models/classifier/ready").status_code == 200
    assert http.get("/v2/models/classifier/versions/2/ready").json()["ready"] is True
    assert http.get("/v2/models/classifier/config").json()["max_batch_size"] == 8


def test_unknown_and_unavailable_models(http):
    _error(http.get("/v2/models/nothing"), 404, "unknown model 'nothing'")
    _error(http.get("/v2/models/classifier/versions/9"), 404, "no version '9'")
    _error(http.get("/v2/models/classifier/versions/9/ready"), 404, "no version '9'")
    _error(http.get("/v2/models/broken"), 400, "model 'broken' is unavailable", "INVALID_PROTOBUF")
    _error(http.get("/v2/models/broken/ready"), 400, "unavailable")
    _error(http.get("/v2/models/badconfig"), 400, "unknown keys ['max_batch_sizes']")
    _error(http.get("/v2/no/such/route"), 404, "Not Found")
    _error(http.get("/v2/models/classifier/infer"), 405, "Method Not Allowed")


def test_json_infer_default_and_specific_version(http):
    x = _x(3)
    body = {"id": "req-1", "inputs": [_tensor("x", x)]}
    newest = http.post("/v2/models/classifier/infer", json=body).json()
    assert (newest["model_version"], newest["id"]) == ("2", "req-1")
    (out,) = newest["outputs"]
    assert (out["name"], out["datatype"], out["shape"]) == ("probs", "FP32", [3, 3])
    np.testing.assert_allclose(np.reshape(out["data"], (3, 3)),
                               models.classifier_reference(x, seed=1), rtol=1e-5, atol=1e-6)
    old = http.post("/v2/models/classifier/versions/1/infer", json=body).json()
    np.testing.assert_allclose(np.reshape(old["outputs"][0]["data"], (3, 3)),
                               models.classifier_reference(x, seed=0), rtol=1e-5, atol=1e-6)


def _binary_body(arrays: dict[str, np.ndarray], **extra) -> tuple[bytes, dict[str, str]]:
    entries = [{"name": k, "shape": list(v.shape), "datatype": "FP32",
                "parameters": {"binary_data_size": v.nbytes}} for k, v in arrays.items()]
    header = json.dumps({"inputs": entries, **extra}).encode()
    body = header + b"".join(v.tobytes() for v in arrays.values())
    return body, {"Inference-Header-Content-Length": str(len(header)),
                  "Content-Type": "application/octet-stream"}


def _split_response(response) -> tuple[dict, bytes]:
    size = int(response.headers["Inference-Header-Content-Length"])
    return json.loads(response.content[:size]), response.content[size:]


def test_binary_inputs_and_binary_outputs(http):
    a, b = _x(2, 1), _x(2, 2)
    body, headers = _binary_body({"a": a, "b": b}, parameters={"binary_data_output": True})
    response = http.post("/v2/models/elementwise/infer", content=body, headers=headers)
    assert response.status_code == 200, response.text
    doc, blob = _split_response(response)
    sizes = [o["parameters"]["binary_data_size"] for o in doc["outputs"]]
    assert sizes == [a.nbytes, a.nbytes]
    np.testing.assert_allclose(np.frombuffer(blob[:sizes[0]], np.float32).reshape(2, 4), a + b)
    np.testing.assert_allclose(np.frombuffer(blob[sizes[0]:], np.float32).reshape(2, 4), a * b)


def test_output_selection_mixes_binary_and_json(http):
    a, b = _x(1, 1), _x(1, 2)
    body, headers = _binary_body({"a": a}, outputs=[
        {"name": "prod", "parameters": {"binary_data": True}}, {"name": "sum"}])
    doc = json.loads(body[:int(headers["Inference-Header-Content-Length"])])
    doc["inputs"].append(_tensor("b", b))
    header = json.dumps(doc).encode()
    headers["Inference-Header-Content-Length"] = str(len(header))
    response = http.post("/v2/models/elementwise/infer", content=header + a.tobytes(),
                         headers=headers)
    out, blob = _split_response(response)
    assert [o["name"] for o in out["outputs"]] == ["prod", "sum"]
    np.testing.assert_allclose(np.frombuffer(blob, np.float32), (a * b).ravel())
    np.testing.assert_allclose(out["outputs"][1]["data"], (a + b).ravel(), rtol=1e-6)


def test_integer_bool_and_half_tensors(http):
    body = {"inputs": [_tensor("i", np.array([1, -7], np.int32), "INT32"),
                       {"name": "flag", "shape": [2], "datatype": "BOOL", "data": [True, False]},
                       _tensor("h", np.array([0.5, 2.0], np.float16), "FP16")]}
    out = {o["name"]: o for o in http.post("/v2/models/typed/infer", json=body).json()["outputs"]}
    assert (out["i2"]["datatype"], out["i2"]["data"]) == ("INT32", [2, -14])
    assert (out["nflag"]["datatype"], out["nflag"]["data"]) == ("BOOL", [False, True])
    assert (out["h2"]["datatype"], out["h2"]["data"]) == ("FP16", [1.0, 4.0])


GOOD = {"inputs": [_tensor("x", np.ones((1, 4), np.float32))]}
BAD_REQUESTS = [
    (b"{not json", 400, "not valid JSON"),
    (json.dumps({"inputs": [{**GOOD["inputs"][0], "datatype": "FLOAT"}]}), 400,
     "unknown datatype 'FLOAT'"),
    (json.dumps({"inputs": [{**GOOD["inputs"][0], "datatype": "INT64"}]}), 400,
     "datatype INT64, expected FP32"),
    (json.dumps({"inputs": [{**GOOD["inputs"][0], "shape": [2, 4]}]}), 400,
     "shape needs 8 elements, but 'data' has 4"),
    (json.dumps({"inputs": [{**GOOD["inputs"][0], "shape": [1, 5], "data": [0] * 5}]}), 400,
     "dim 1 must be 4"),
    (json.dumps({**GOOD, "outputs": [{"name": "logits"}]}), 400, "unknown output 'logits'"),
    (json.dumps({"inputs": [_tensor("x", np.ones((9, 4), np.float32))]}), 400,
     "exceeds the model's max_batch_size 8"),
]


@pytest.mark.parametrize("body, status, fragment", BAD_REQUESTS)
def test_bad_requests_get_protocol_errors(http, body, status, fragment):
    response = http.post("/v2/models/classifier/infer", content=body)
    _error(response, status, fragment, "model 'classifier' version 2")


def test_bad_targets_get_404_or_400(http):
    _error(http.post("/v2/models/nothing/infer", json=GOOD), 404, "unknown model 'nothing'")
    _error(http.post("/v2/models/classifier/versions/3/infer", json=GOOD), 404, "no version '3'")
    _error(http.post("/v2/models/classifier/versions/abc/infer", json=GOOD), 404, "'abc'")
    _error(http.post("/v2/models/broken/infer", json=GOOD), 400, "unavailable")
    _error(http.post("/v2/models/%2E%2E/infer", json=GOOD), 400, "invalid model name")
    _error(http.get("/v2/models/.hidden"), 400, "invalid model name")
    traversal = http.post("/v2/repository/models/%2E%2E%2Fclassifier/load")
    assert traversal.status_code in (400, 404) and "error" in traversal.json()


def test_oversized_bodies_get_413(http):
    big = b"0" * (MAX_REQUEST_BYTES + 1)
    _error(http.post("/v2/models/classifier/infer", content=big), 413, "exceeds the limit")

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(MAX_REQUEST_BYTES // 4096 + 2):
            yield b"0" * 4096

    _error(http.post("/v2/models/classifier/infer", content=chunks()), 413, "exceeds the limit")
    assert http.get("/v2/health/live").status_code == 200


def test_bad_requests_do_not_disturb_concurrent_good_ones(http):
    def call(i: int):
        if i % 2:
            return http.post("/v2/models/classifier/infer", content=b'{"inputs": [')
        x = _x(1 + i % 3, seed=i)
        return x, http.post("/v2/models/classifier/infer", json={"inputs": [_tensor("x", x)]})

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(32)))
    for i, result in enumerate(results):
        if i % 2:
            assert result.status_code == 400
            continue
        x, response = result
        data = response.json()["outputs"][0]["data"]
        np.testing.assert_allclose(np.reshape(data, (len(x), 3)),
                                   models.classifier_reference(x, seed=1), rtol=1e-5, atol=1e-6)


def test_statistics_extension(http):
    before = http.get("/v2/models/elementwise/stats").json()["model_stats"][0]
    body = {"inputs": [_tensor("a", _x(3)), _tensor("b", _x(3))]}
    assert http.post("/v2/models/elementwise/infer", json=body).status_code == 200
    http.post("/v2/models/elementwise/infer", content=b"[]")
    after = http.get("/v2/models/elementwise/versions/1/stats").json()["model_stats"][0]
    assert after["inference_stats"]["success"]["count"] == \
        before["inference_stats"]["success"]["count"] + 1
    assert after["inference_stats"]["fail"]["count"] == \
        before["inference_stats"]["fail"]["count"] + 1
    assert after["execution_count"] == before["execution_count"] + 1
    every = http.get("/v2/models/stats").json()["model_stats"]
    assert {("classifier", "1"), ("classifier", "2"), ("elementwise", "1")} <= \
        {(s["name"], s["version"]) for s in every}
    _error(http.get("/v2/models/nothing/stats"), 404, "unknown model")


def test_prometheus_metrics(http):
    http.post("/v2/models/classifier/versions/1/infer", json=GOOD)
    http.post("/v2/models/classifier/versions/1/infer", content=b"{")
    response = http.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    labels = '{model="classifier",version="1"}'
    success = [ln for ln in lines if ln.startswith("hybrid_inference_requests_success_total" +
                                                  labels)]
    assert len(success) == 1 and int(success[0].split()[-1]) >= 1
    assert any(ln.startswith('hybrid_inference_requests_failure_total{model="classifier",'
                             'version="1",code="400"}') for ln in lines)
    for name in ("hybrid_queue_duration_seconds", "hybrid_compute_duration_seconds",
                 "hybrid_batch_size"):
        assert f"# TYPE {name} histogram" in lines
        assert any(ln.startswith(f'{name}_bucket{{model="classifier",version="1",le="+Inf"}}')
                   for ln in lines)


def test_start_log_and_access_log(server, http):
    http.get("/v2/health/live")
    body = {"id": "logged-7", "inputs": [_tensor("x", _x(1))]}
    http.post("/v2/models/classifier/infer", json=body)
    http.post("/v2/models/classifier/infer", content=b"{")
    http.get("/v2/models/last-of-test-log")
    log = server.log_after("/v2/models/last-of-test-log")
    # One line per model at start: versions, inputs and outputs with shapes and dtypes.
    assert ("model 'classifier' versions [1, 2] READY; inputs: x FP32 (batch, 4); "
            "outputs: probs FP32 (batch, 3)") in log
    assert "model 'broken' UNAVAILABLE: version 1:" in log
    # One line per request: client, method, path, status, duration, request id when given.
    line = r'INFO hybrid.runtime.access: 127\.0\.0\.1:\d+ "{}" {} \d+\.\d\dms{}$'
    assert re.search(line.format("GET /v2/health/live", 200, ""), log, re.M), log
    assert re.search(line.format("POST /v2/models/classifier/infer", 200, " id=logged-7"), log,
                     re.M), log
    assert re.search(line.format("POST /v2/models/classifier/infer", 400, ""), log, re.M), log


def test_access_log_escapes_control_characters(server, http):
    body = {"id": "forged\nINFO hybrid.runtime.access: fake", "inputs": [_tensor("x", _x(1))]}
    assert http.post("/v2/models/classifier/infer", json=body).status_code == 200
    log = server.log_after("id='forged\\nINFO hybrid.runtime.access: fake'")
    assert "id='forged\\nINFO hybrid.runtime.access: fake'" in log
    assert not re.search(r"^INFO hybrid\.runtime\.access: fake", log, re.M)
