"""The KServe v2 protocol functions, without a socket: parsing, validation, encoding."""
from __future__ import annotations

import gzip
import json
import zlib

import numpy as np
import pytest
from hybrid.runtime import InvalidInputError, PayloadTooLargeError
from hybrid.runtime.protocol import (
    InferRequest,
    RequestedOutput,
    decode_content,
    encode_infer_response,
    model_metadata,
    parse_infer_request,
)
from hybrid.runtime.spec import Signature, TensorSpec

F32 = np.dtype(np.float32)
SIG = Signature("ew", "1",
                (TensorSpec("a", ("batch", "width"), "FP32", F32),
                 TensorSpec("b", ("batch", "width"), "FP32", F32)),
                (TensorSpec("sum", ("batch", "width"), "FP32", F32),
                 TensorSpec("prod", ("batch", "width"), "FP32", F32)),
                max_batch_size=4)
TYPED = Signature("typed", "1",
                  (TensorSpec("i", ("n",), "INT8", np.dtype(np.int8)),
                   TensorSpec("flag", ("n",), "BOOL", np.dtype(np.bool_))),
                  (TensorSpec("y", ("n",), "INT8", np.dtype(np.int8)),))


def _entry(name, shape, data, datatype="FP32"):
    return {"name": name, "shape": shape, "datatype": datatype, "data": data}


def _json(*inputs, **extra) -> bytes:
    return json.dumps({"inputs": list(inputs), **extra}).encode()


def _binary(arrays: dict[str, np.ndarray], **extra) -> tuple[bytes, str]:
    entries = [{"name": k, "shape": list(v.shape), "datatype": "FP32",
                "parameters": {"binary_data_size": v.nbytes}} for k, v in arrays.items()]
    header = json.dumps({"inputs": entries, **extra}).encode()
    return header + b"".join(v.tobytes() for v in arrays.values()), str(len(header))


def test_json_request_with_flat_and_nested_data():
    body = _json(_entry("a", [2, 2], [1, 2, 3, 4]), _entry("b", [2, 2], [[5, 6], [7, 8]]),
                 id="req-7", outputs=[{"name": "prod"}])
    req = parse_infer_request(body, None, SIG)
    assert req.id == "req-7" and req.batch_size == 2
    np.testing.assert_array_equal(req.inputs["a"], [[1, 2], [3, 4]])
    assert req.inputs["b"].dtype == np.float32 and req.inputs["b"].shape == (2, 2)
    assert [o.name for o in req.outputs] == ["prod"]


def test_binary_request_round_trip():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = -a
    body, header_length = _binary({"a": a, "b": b})
    req = parse_infer_request(body, header_length, SIG)
    np.testing.assert_array_equal(req.inputs["a"], a)
    np.testing.assert_array_equal(req.inputs["b"], b)


@pytest.mark.parametrize("body, message", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"inputs": []}', "non-empty 'inputs' list"),
    (_json({"shape": [1], "datatype": "FP32", "data": [1]}), "string 'name'"),
    (_json(_entry("a", [1, 1], [1]), _entry("a", [1, 1], [1])), "input 'a' given twice"),
    (_json(_entry("a", [1, 1], [1])), "missing input 'b'"),
    (_json(_entry("a", [1, 1], [1]), _entry("c", [1, 1], [1])), "unknown input 'c'"),
    (_json(_entry("a", [1, 1], [1], "FLOAT32"), _entry("b", [1, 1], [1])),
     "unknown datatype 'FLOAT32'"),
    (_json(_entry("a", [1, 1], [1], "FP64"), _entry("b", [1, 1], [1])),
     "datatype FP64, expected FP32"),
    (_json(_entry("a", [2, 2], [1, 2, 3]), _entry("b", [2, 2], [1, 2, 3, 4])),
     "shape needs 4 elements, but 'data' has 3"),
    (_json(_entry("a", [1, -2], [1]), _entry("b", [1, 1], [1])), "non-negative integers"),
    (_json(_entry("a", [1, 2], [[1], [2, 3]]), _entry("b", [1, 2], [1, 2])),
     "not a regular array"),
    (_json(_entry("a", [1, 1], ["x"]), _entry("b", [1, 1], [1])), "do not fit datatype FP32"),
    (_json(_entry("a", [1, 2], [1, 2]), _entry("b", [1, 3], [1, 2, 3])),
     r"dim 1 \('width'\) is 2 in input 'a'"),
    (_json(_entry("a", [2], [1, 2]), _entry("b", [2], [1, 2])), "expected rank 2"),
    (_json(_entry("a", [5, 1], [1] * 5), _entry("b", [5, 1], [1] * 5)),
     "batch size 5 exceeds the model's max_batch_size 4"),
    (_json(_entry("a", [1, 1], [1]), _entry("b", [1, 1], [1]), outputs=[{"name": "diff"}]),
     "unknown output 'diff'"),
    (_json(_entry("a", [1, 1], [1]), _entry("b", [1, 1], [1]), id=5), "'id' must be a string"),
    (_json(_entry("a", [1, 1], [1]), _entry("b", [1, 1], [1]),
           parameters={"binary_data_output": "yes"}), "must be true or false"),
    (_json(_entry("a", [1, 1], [1]), _entry("b", [1, 1], [1]),
           outputs=[{"name": "sum", "parameters": {"class_count": 2}}]), "class_count"),
])
def test_malformed_requests_are_refused_with_400(body, message):
    with pytest.raises(InvalidInputError, match=message) as info:
        parse_infer_request(body, None, SIG)
    assert info.value.status == 400


def test_json_integers_are_range_checked_and_floats_refused():
    ok = _json(_entry("i", [2], [-128, 127], "INT8"), _entry("flag", [2], [True, False], "BOOL"))
    req = parse_infer_request(ok, None, TYPED)
    assert req.inputs["i"].dtype == np.int8 and req.inputs["flag"].tolist() == [True, False]
    for data, message in (([300, 1], r"outside the range of INT8 \[-128, 127\]"),
                          ([1.5, 2], "float64 values, which do not fit datatype INT8")):
        bad = _json(_entry("i", [2], data, "INT8"), _entry("flag", [2], [True, True], "BOOL"))
        with pytest.raises(InvalidInputError, match=message):
            parse_infer_request(bad, None, TYPED)


@pytest.mark.parametrize("mutate, message", [
    (lambda body, n: (body, "abc"), "Inference-Header-Content-Length 'abc'"),
    (lambda body, n: (body, str(len(body) + 1)), "between 0 and the body length"),
    (lambda body, n: (body[:-4], n), "runs past the end of the body"),
    (lambda body, n: (body + b"\0" * 4, n), "20 bytes of binary data but its inputs declare 16"),
])
def test_binary_length_mismatches_are_refused(mutate, message):
    body, header_length = _binary({"a": np.ones((1, 2), np.float32),
                                   "b": np.ones((1, 2), np.float32)})
    body, header_length = mutate(body, header_length)
    with pytest.raises(InvalidInputError, match=message):
        parse_infer_request(body, header_length, SIG)


def test_binary_size_must_match_the_shape():
    header = json.dumps({"inputs": [
        {"name": "a", "shape": [1, 2], "datatype": "FP32", "parameters": {"binary_data_size": 4}},
        {"name": "b", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]}]}).encode()
    with pytest.raises(InvalidInputError, match="needs 8 bytes, but binary_data_size is 4"):
        parse_infer_request(header + b"\0" * 4, str(len(header)), SIG)


def _request(outputs=(), binary_output=False) -> InferRequest:
    return InferRequest({"a": np.zeros((1, 2), np.float32)}, list(outputs), "r1", binary_output)


RESULTS = {"sum": np.array([[1.5, 2.5]], np.float32), "prod": np.array([[3.0, 4.0]], np.float32)}


def test_json_response_lists_every_output_and_echoes_id():
    body, header_length = encode_infer_response(SIG, _request(), RESULTS)
    assert header_length is None
    doc = json.loads(body)
    assert doc["model_name"] == "ew" and doc["model_version"] == "1" and doc["id"] == "r1"
    assert [(o["name"], o["shape"], o["data"]) for o in doc["outputs"]] == [
        ("sum", [1, 2], [1.5, 2.5]), ("prod", [1, 2], [3.0, 4.0])]


def test_binary_response_per_output_and_for_all_outputs():
    body, size = encode_infer_response(SIG, _request([RequestedOutput("prod", True)]), RESULTS)
    doc = json.loads(body[:size])
    assert [o["name"] for o in doc["outputs"]] == ["prod"]
    assert doc["outputs"][0]["parameters"] == {"binary_data_size": 8}
    np.testing.assert_array_equal(np.frombuffer(body[size:], np.float32), [3.0, 4.0])
    body, size = encode_infer_response(SIG, _request(binary_output=True), RESULTS)
    assert len(body) - size == 16
    body, size = encode_infer_response(
        SIG, _request([RequestedOutput("sum", False)], binary_output=True), RESULTS)
    assert size is None and json.loads(body)["outputs"][0]["data"] == [1.5, 2.5]


def test_model_metadata_reports_dynamic_dims_as_minus_one():
    doc = model_metadata(SIG, ["1", "2"])
    assert doc["versions"] == ["1", "2"] and doc["platform"] == "onnxruntime_onnx"
    assert doc["inputs"][0] == {"name": "a", "datatype": "FP32", "shape": [-1, -1]}


def test_content_encodings_and_their_limits():
    raw = b'{"inputs": []}' * 10
    assert decode_content(gzip.compress(raw), "gzip", 1000) == raw
    assert decode_content(zlib.compress(raw), "deflate", 1000) == raw
    assert decode_content(raw, None, 1000) == raw
    with pytest.raises(PayloadTooLargeError):
        decode_content(gzip.compress(b"\0" * 10_000), "gzip", 1000)
    with pytest.raises(InvalidInputError, match="not valid gzip"):
        decode_content(b"plain", "gzip", 1000)
    with pytest.raises(InvalidInputError, match="unsupported Content-Encoding 'br'"):
        decode_content(raw, "br", 1000)
