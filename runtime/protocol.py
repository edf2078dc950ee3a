"""The KServe v2 / Open Inference Protocol as plain functions: bytes in, arrays out, and back.

Nothing here touches a socket: the HTTP adapter in ``server.py`` reads the body and headers, calls
these functions, and writes what they return. Every malformed request raises an
:class:`~hybrid.runtime.errors.InferenceError` whose ``status`` is the HTTP code to answer with.

Note [Binary tensor data]
    With the binary tensor data extension a body is a JSON header followed by raw tensors. The
    ``Inference-Header-Content-Length`` header gives the JSON part's length; each input with
    ``parameters.binary_data_size`` takes that many bytes, in the order inputs are listed, as
    little-endian row-major values. Outputs are sent the same way when the request asks for it
    per output (``outputs[i].parameters.binary_data``) or for all outputs
    (``parameters.binary_data_output``).
"""
from __future__ import annotations

import json
import math
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import InvalidInputError, PayloadTooLargeError, ResponseTooLargeError
from .jsondata import (
    ResponseTooLarge,
    encode_values,
    loads,
    read_numbers,
    show,
    split_numeric_arrays,
)
from .spec import KSERVE_DTYPES, Signature, check_datatype, check_names, check_shapes

__all__ = [
    "InferRequest",
    "RequestedOutput",
    "decode_content",
    "parse_json",
    "parse_infer_request",
    "encode_infer_response",
    "model_metadata",
    "error_body",
]

_DATATYPE_OF = {dtype: name for name, dtype in KSERVE_DTYPES.items()}
# numpy kinds JSON values may arrive as, per target kind: ints for floats, never floats for ints.
_JSON_KINDS = {"f": "iuf", "i": "iu", "u": "iu", "b": "b"}
#: Longest request ``id`` accepted (it is echoed in the response and written to the access log).
MAX_REQUEST_ID = 256
#: Most dimensions an input shape may have.
MAX_RANK = 32
#: JSON headers larger than this are read in chunks (Note [Reading large JSON requests]).
CHUNKED_JSON_BYTES = 1 << 20


@dataclass
class RequestedOutput:
    """One entry of a request's ``outputs`` list."""

    name: str
    binary: bool | None = None


@dataclass
class InferRequest:
    """A parsed and validated inference request."""

    inputs: dict[str, np.ndarray]
    outputs: list[RequestedOutput] = field(default_factory=list)
    id: str | None = None
    binary_output: bool = False

    @property
    def batch_size(self) -> int:
        """The first dimension shared by the inputs (1 for inputs without one)."""
        first = next(iter(self.inputs.values()))
        return int(first.shape[0]) if first.ndim else 1


def error_body(message: str) -> bytes:
    """The protocol's error body: ``{"error": message}``."""
    return json.dumps({"error": message}).encode()


def decode_content(body: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo a gzip or deflate ``Content-Encoding``, refusing output larger than ``limit`` bytes."""
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}.get(encoding)
    if wbits is None:
        raise InvalidInputError(f"unsupported Content-Encoding {encoding!r}; "
                                "use gzip, deflate or none")
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as err:
        raise InvalidInputError(f"request body is not valid {encoding} data: {err}") from err
    if len(out) > limit:
        raise PayloadTooLargeError(f"decompressed request body exceeds the limit of {limit} bytes")
    if not inflater.eof:
        raise InvalidInputError(f"request body is truncated {encoding} data")
    return out


def parse_json(body: bytes, what: str = "request") -> dict[str, Any]:
    """Parse a JSON object, raising a 400 error that says what was wrong."""
    value = loads(body, f"{what} body") if body.strip() else {}
    if not isinstance(value, dict):
        raise InvalidInputError(f"{what} body must be a JSON object, got {type(value).__name__}")
    return value


def parse_infer_request(body: bytes, header_length: str | None, sig: Signature) -> InferRequest:
    """Parse an inference request body and validate it against the model's signature.

    Parameters
    ----------
    body : bytes
        The whole (decoded) request body.
    header_length : str or None
        The ``Inference-Header-Content-Length`` header, present when binary data follows the JSON.
    sig : Signature
        The model version the request is for.
    """
    header, binary = _split_body(body, header_length)
    label = sig.label
    if len(header) > CHUNKED_JSON_BYTES:  # see Note [Reading large JSON requests]
        skeleton, marker, arrays = split_numeric_arrays(header)
    else:
        skeleton, marker, arrays = header, None, []
    doc = parse_json(skeleton, f"{label}: inference request")
    request_id = doc.get("id")
    if request_id is not None and (not isinstance(request_id, str)
                                   or len(request_id) > MAX_REQUEST_ID):
        raise InvalidInputError(f"{label}: request 'id' must be a string of at most "
                                f"{MAX_REQUEST_ID} characters, got {show(request_id)}")
    params = _params(label, doc, "request")
    entries = doc.get("inputs")
    if not isinstance(entries, list) or not entries:
        raise InvalidInputError(f"{label}: request needs a non-empty 'inputs' list")
    specs = {s.name: s for s in sig.inputs}
    names = [_entry_name(label, e, "input") for e in entries]
    _no_duplicates(label, names, "input")
    check_names(label, sig.inputs, names)
    inputs, offset = {}, 0
    numbers = (marker, arrays)
    for name, entry in zip(names, entries):
        inputs[name], offset = _decode_input(label, specs[name], entry, binary, offset, numbers)
    if offset != len(binary):
        raise InvalidInputError(f"{label}: request carries {len(binary)} bytes of binary data "
                                f"but its inputs declare {offset}")
    check_shapes(label, sig.inputs, {k: v.shape for k, v in inputs.items()})
    _check_batch(sig, inputs)
    return InferRequest(inputs, _requested_outputs(sig, doc.get("outputs")), request_id,
                        _flag(label, params, "binary_data_output"))


def encode_infer_response(sig: Signature, request: InferRequest, results: dict[str, np.ndarray],
                          limit: int = 1 << 62) -> tuple[bytes, int | None]:
    """Build the response body; returns ``(body, json_header_length or None)``.

    The header length is not ``None`` exactly when binary output follows the JSON header and
    must be sent as ``Inference-Header-Content-Length``. A body that would pass ``limit`` bytes
    raises :class:`ResponseTooLargeError` before it is built; outputs with NaN or infinity
    asked for as JSON raise :class:`InvalidInputError` (Note [Non-finite numbers]).
    """
    wanted = request.outputs or [RequestedOutput(s.name) for s in sig.outputs]
    arrays = [np.asarray(results[out.name]) for out in wanted]
    binary = [request.binary_output if out.binary is None else out.binary for out in wanted]
    # JSON needs at least one byte per element: refuse hopeless responses before encoding them.
    least = sum(a.nbytes if b else a.size for a, b in zip(arrays, binary))
    if least > limit:
        raise _too_large(sig, least, limit)
    outputs, blobs, texts, used = [], [], {}, 0
    marker = "\x00" + secrets.token_hex(8)
    for out, array, as_binary in zip(wanted, arrays, binary):
        entry = {"name": out.name, "datatype": _DATATYPE_OF[array.dtype],
                 "shape": list(array.shape)}
        if as_binary:
            blob = np.ascontiguousarray(array, array.dtype.newbyteorder("<")).tobytes()
            entry["parameters"] = {"binary_data_size": len(blob)}
            blobs.append(blob)
            used += len(blob)
        else:
            try:
                text = encode_values(array, out.name, limit - used)
            except ResponseTooLarge as err:
                raise _too_large(sig, used + err.size, limit) from None
            except InvalidInputError as err:
                raise InvalidInputError(f"{sig.label}: {err}") from None
            used += len(text)
            entry["data"] = f"{marker}{len(texts)}"
            texts[json.dumps(entry["data"]).encode()] = text
        outputs.append(entry)
    doc = {"model_name": sig.name, "model_version": sig.version, "outputs": outputs}
    if request.id is not None:
        doc["id"] = request.id
    header = json.dumps(doc, separators=(",", ":")).encode()
    for placeholder, text in texts.items():
        header = header.replace(placeholder, text, 1)
    if len(header) + sum(len(b) for b in blobs) > limit:
        raise _too_large(sig, len(header) + sum(len(b) for b in blobs), limit)
    if not blobs:
        return header, None
    return header + b"".join(blobs), len(header)


def _too_large(sig: Signature, size: int, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(f"{sig.label}: the response would be at least {size} bytes, "
                                 f"above the server's limit of {limit} bytes "
                                 "(--max-response-bytes)")


def model_metadata(sig: Signature, versions: list[str]) -> dict[str, Any]:
    """The model metadata response for ``GET /v2/models/{name}[/versions/{v}]``."""
    def tensors(specs):
        return [{"name": s.name, "datatype": s.datatype, "shape": s.kserve_shape} for s in specs]
    return {"name": sig.name, "versions": versions, "platform": "onnxruntime_onnx",
            "inputs": tensors(sig.inputs), "outputs": tensors(sig.outputs)}


def _split_body(body: bytes, header_length: str | None) -> tuple[bytes, memoryview]:
    if header_length is None:
        return body, memoryview(b"")
    try:
        size = int(header_length)
    except ValueError:
        size = -1
    if not 0 <= size <= len(body):
        raise InvalidInputError(f"Inference-Header-Content-Length {header_length!r} must be an "
                                f"integer between 0 and the body length {len(body)}")
    view = memoryview(body)
    return bytes(view[:size]), view[size:]


def _decode_input(label: str, spec, entry: dict, binary: memoryview, offset: int,
                  numbers: tuple[str | None, list[memoryview]]) -> tuple[np.ndarray, int]:
    where = f"{label}: input '{spec.name}'"
    shape = entry.get("shape")
    if (not isinstance(shape, list) or len(shape) > MAX_RANK
            or not all(_is_count(d) for d in shape)):
        raise InvalidInputError(f"{where}: 'shape' must be a list of at most {MAX_RANK} "
                                f"non-negative integers, got {show(shape)}")
    dtype = check_datatype(label, spec, entry.get("datatype"))
    count = math.prod(shape)  # Python ints: exact, and far cheaper than numpy on a short list
    size = _params(label, entry, f"input '{spec.name}'").get("binary_data_size")
    if size is None:
        if "data" not in entry:
            raise InvalidInputError(f"{where}: needs 'data' or parameters.binary_data_size")
        data = entry["data"]
        marker, arrays = numbers
        if marker is not None and isinstance(data, str) and data.startswith(marker):
            text = arrays[int(data[len(marker):])]
            if count > len(text):  # every element takes at least one byte
                raise InvalidInputError(f"{where}: shape {shape} needs {count} elements, but "
                                        f"'data' has fewer")
            return read_numbers(text, dtype, count, where).reshape(shape), offset
        return _from_json(where, data, dtype, count).reshape(shape), offset
    want = count * dtype.itemsize
    if not _is_count(size) or size != want:
        raise InvalidInputError(f"{where}: shape {shape} of {entry['datatype']} needs {want} "
                                f"bytes, but binary_data_size is {show(size)}")
    if offset + size > len(binary):
        raise InvalidInputError(f"{where}: binary_data_size {size} runs past the end of the "
                                f"body ({len(binary) - offset} bytes left)")
    raw = np.frombuffer(binary, dtype.newbyteorder("<"), count, offset)
    return raw.astype(dtype, copy=False).reshape(shape), offset + size


def _from_json(where: str, data: Any, dtype: np.dtype, count: int) -> np.ndarray:
    """``data`` as ``json.loads`` made it (a small request's, or one the chunked reader left)."""
    if not isinstance(data, list):
        raise InvalidInputError(f"{where}: 'data' must be a list, got {show(data)}")
    try:
        values = np.asarray(data)
    except (ValueError, TypeError, OverflowError) as err:  # ragged nesting, huge ints
        raise InvalidInputError(f"{where}: 'data' is not a regular array: {err}") from err
    if values.size == 0:
        values = values.astype(dtype)
    if values.dtype.kind not in _JSON_KINDS.get(dtype.kind, ""):
        raise InvalidInputError(f"{where}: 'data' holds {values.dtype} values, which do not fit "
                                f"datatype {_DATATYPE_OF[dtype]}")
    if values.size != count:
        raise InvalidInputError(f"{where}: shape needs {count} elements, but 'data' has "
                                f"{values.size}")
    if dtype.kind in "iu" and values.size:
        info = np.iinfo(dtype)
        if values.min() < info.min or values.max() > info.max:
            raise InvalidInputError(f"{where}: 'data' has values outside the range of "
                                    f"{_DATATYPE_OF[dtype]} [{info.min}, {info.max}]")
    with np.errstate(over="ignore"):  # overflow is refused just below
        cast = values.astype(dtype).reshape(-1)
    if dtype.kind == "f" and not np.isfinite(cast).all():
        raise InvalidInputError(f"{where}: 'data' has values outside the finite range of "
                                f"{_DATATYPE_OF[dtype]}")
    return cast


def _check_batch(sig: Signature, inputs: dict[str, np.ndarray]) -> None:
    if sig.max_batch_size <= 0:
        return
    sizes = {name: (a.shape[0] if a.ndim else None) for name, a in inputs.items()}
    if None in sizes.values() or len(set(sizes.values())) != 1:
        raise InvalidInputError(f"{sig.label}: inputs must share the batch dimension, got "
                                f"first dims {sizes}")
    batch = next(iter(sizes.values()))
    if batch > sig.max_batch_size:
        raise InvalidInputError(f"{sig.label}: batch size {batch} exceeds the model's "
                                f"max_batch_size {sig.max_batch_size}")


def _requested_outputs(sig: Signature, entries: Any) -> list[RequestedOutput]:
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise InvalidInputError(f"{sig.label}: 'outputs' must be a list, got {show(entries)}")
    wanted = []
    for entry in entries:
        name = _entry_name(sig.label, entry, "output")
        params = _params(sig.label, entry, f"output '{name}'")
        if params.get("class_count"):
            raise InvalidInputError(f"{sig.label}: output '{name}': the classification "
                                    "extension (class_count) is not supported")
        binary = _flag(sig.label, params, "binary_data") if "binary_data" in params else None
        wanted.append(RequestedOutput(name, binary))
    names = [w.name for w in wanted]
    _no_duplicates(sig.label, names, "output")
    check_names(sig.label, sig.outputs, names, kind="output", require_all=False)
    return wanted


def _entry_name(label: str, entry: Any, kind: str) -> str:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise InvalidInputError(f"{label}: each {kind} must be an object with a string 'name', "
                                f"got {show(entry)}")
    return entry["name"]


def _params(label: str, doc: dict, where: str) -> dict:
    params = doc.get("parameters", {})
    if not isinstance(params, dict):
        raise InvalidInputError(f"{label}: {where} 'parameters' must be an object")
    return params


def _flag(label: str, params: dict, key: str) -> bool:
    value = params.get(key, False)
    if not isinstance(value, bool):
        raise InvalidInputError(f"{label}: parameter '{key}' must be true or false, "
                                f"got {show(value)}")
    return value


def _no_duplicates(label: str, names: list[str], kind: str) -> None:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidInputError(f"{label}: {kind} {', '.join(map(repr, repeated))} given twice")


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
