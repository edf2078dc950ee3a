"""Fuzzed inference request bodies: every one is answered, and never with a 5xx.

The parser is fuzzed in process (many examples, fast), then the real server over HTTP with
fewer examples: JSON documents of any shape, damaged valid requests, and binary-data requests
with damaged lengths. The server must answer each with a 2xx or a 4xx carrying a JSON error.
"""
from __future__ import annotations

import json

import httpx
import numpy as np
import pytest
from hybrid.runtime import InferenceError, protocol
from hybrid.runtime.protocol import parse_infer_request
from hybrid.runtime.spec import Signature, TensorSpec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SIG = Signature("ew", "1", (TensorSpec("a", ("batch", "width"), "FP32", np.dtype(np.float32)),
                            TensorSpec("b", ("batch", "width"), "FP32", np.dtype(np.float32))),
                (TensorSpec("sum", ("batch", "width"), "FP32", np.dtype(np.float32)),),
                max_batch_size=4)
VALID = json.dumps({"id": "r1", "inputs": [
    {"name": n, "shape": [1, 2], "datatype": "FP32", "data": [[1.5, -2]]} for n in ("a", "b")],
    "outputs": [{"name": "sum", "parameters": {"binary_data": False}}]}).encode()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["inputs", "name", "shape", "datatype", "data", "parameters", "id",
                         "outputs", "binary_data_size", "binary_data", "a", "b"]),
        inner, max_size=5),
    max_leaves=20)


@st.composite
def requests(draw) -> tuple[bytes, str | None]:
    kind = draw(st.sampled_from(["json", "damaged", "binary", "entries"]))
    if kind == "json":
        return json.dumps(draw(json_values)).encode(), None
    if kind == "entries":
        entry = st.fixed_dictionaries({
            "name": st.sampled_from(["a", "b", "c"]),
            "shape": st.lists(st.integers(-2, 5), max_size=3) | json_values,
            "datatype": st.sampled_from(["FP32", "FP64", "BOOL", "BYTES"]) | json_values,
            "data": st.lists(st.integers(-300, 300) | st.floats(allow_nan=False)
                             | st.booleans(), max_size=12) | json_values})
        return json.dumps({"inputs": draw(st.lists(entry, max_size=3))}).encode(), None
    if kind == "damaged":
        data = bytearray(VALID)
        for _ in range(draw(st.integers(1, 6))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data), None
    header = json.dumps({"inputs": [
        {"name": n, "shape": [1, 2], "datatype": "FP32",
         "parameters": {"binary_data_size": draw(st.integers(-1, 12))}} for n in ("a", "b")]})
    tail = draw(st.binary(max_size=24))
    length = draw(st.integers(-1, len(header) + len(tail) + 1).map(str) | st.text(max_size=4))
    return header.encode() + tail, length


@pytest.mark.parametrize("chunked", [False, True])
def test_the_parser_answers_every_body_with_a_client_error_or_a_request(chunked):
    @settings(max_examples=150, deadline=None)
    @given(request=requests())
    def fuzz(request):
        body, header_length = request
        try:
            parse_infer_request(body, header_length, SIG)
        except InferenceError as err:
            assert 400 <= err.status < 500, err

    # Small bodies go to json.loads; the chunked reader of large ones is fuzzed by lowering
    # the threshold to nothing.
    saved = protocol.CHUNKED_JSON_BYTES
    protocol.CHUNKED_JSON_BYTES = 0 if chunked else saved
    try:
        fuzz()
    finally:
        protocol.CHUNKED_JSON_BYTES = saved


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=requests())
def test_the_server_never_answers_a_fuzzed_body_with_5xx(server, request):
    body, header_length = request
    headers = {}
    if (header_length is not None and header_length.isascii() and header_length.isprintable()
            and header_length == header_length.strip() and header_length):
        headers["Inference-Header-Content-Length"] = header_length
    response = httpx.post(f"{server.url}/v2/models/elementwise/infer", content=body,
                          headers=headers, timeout=10.0)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert isinstance(response.json()["error"], str)
