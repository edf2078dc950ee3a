"""A standard KServe v2 client, Triton's HTTP client, used unchanged against the server."""
from __future__ import annotations

import numpy as np
import pytest
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

from . import models


@pytest.fixture
def client(server):
    connection = triton.InferenceServerClient(f"127.0.0.1:{server.port}", concurrency=4,
                                              connection_timeout=10.0, network_timeout=10.0)
    try:
        yield connection
    finally:
        connection.close()


def _input(name: str, array: np.ndarray, binary: bool = True) -> triton.InferInput:
    tensor = triton.InferInput(name, list(array.shape), "FP32")
    tensor.set_data_from_numpy(array, binary_data=binary)
    return tensor


def test_health_and_metadata(client):
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready("classifier") and not client.is_model_ready("broken")
    assert client.get_server_metadata()["name"] == "hybrid"
    meta = client.get_model_metadata("classifier", "1")
    assert meta["versions"] == ["1"] and meta["inputs"][0]["shape"] == [-1, 4]
    assert client.get_model_config("classifier")["max_batch_size"] == 8


@pytest.mark.parametrize("binary", [True, False])
def test_infer_binary_and_json(client, binary):
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    outputs = [triton.InferRequestedOutput("probs", binary_data=binary)]
    result = client.infer("classifier", [_input("x", x, binary)], outputs=outputs,
                          request_id="triton-1")
    assert result.get_response()["id"] == "triton-1"
    np.testing.assert_allclose(result.as_numpy("probs"), models.classifier_reference(x, 1),
                               rtol=1e-5, atol=1e-6)


def test_all_outputs_without_selection_and_gzip_request(client):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    result = client.infer("elementwise", [_input("a", a), _input("b", a, binary=False)],
                          request_compression_algorithm="gzip")
    np.testing.assert_array_equal(result.as_numpy("sum"), a + a)
    np.testing.assert_array_equal(result.as_numpy("prod"), a * a)


def test_async_requests_are_merged(client):
    before = client.get_inference_statistics("batched")["model_stats"][0]["execution_count"]
    pairs = [np.full((2, 3), i, np.float32) for i in range(4)]
    pending = [client.async_infer("batched", [_input("a", p), _input("b", p)]) for p in pairs]
    results = [p.get_result(timeout=10) for p in pending]
    for pair, result in zip(pairs, results):
        np.testing.assert_array_equal(result.as_numpy("prod"), pair * pair)
    stats = client.get_inference_statistics("batched")["model_stats"][0]
    assert stats["execution_count"] == before + 1


def test_errors_carry_status_and_message(client):
    x = np.zeros((1, 5), np.float32)
    with pytest.raises(InferenceServerException, match="dim 1 must be 4") as info:
        client.infer("classifier", [_input("x", x)])
    assert info.value.status() == "400"
    with pytest.raises(InferenceServerException, match="unknown model 'nothing'") as info:
        client.infer("nothing", [_input("x", x)])
    assert info.value.status() == "404"


def test_repository_index_and_statistics(client):
    index = client.get_model_repository_index()
    assert {"name": "classifier", "version": "1", "state": "READY", "reason": ""} in index
    stats = client.get_inference_statistics("classifier", "2")["model_stats"]
    assert [(s["name"], s["version"]) for s in stats] == [("classifier", "2")]
