"""JSON for the protocol: bounded parsing, numeric ``data`` arrays read in chunks, safe output.

Note [Reading large JSON requests]
    ``json.loads`` turns every number into a Python object (about 30 bytes each, plus the list
    slot), and holds the GIL for the whole document: a 60 MB body took about 15x its size in
    memory and stalled the event loop for seconds. Requests up to
    ``protocol.CHUNKED_JSON_BYTES`` (1 MiB) are still read by ``json.loads``, which is the
    fastest reader for them; for larger ones :func:`split_numeric_arrays` first cuts
    every ``"data": [...]`` array out of the body, leaving a small skeleton for ``json.loads``
    with a placeholder per array (an array's end is found from its brackets alone; an array
    holding anything but numbers or booleans fails when it is read). Each array is then
    read by :func:`read_numbers` in chunks of 256 KiB with ``numpy.fromstring`` into the input's
    dtype, so memory stays near the body's size plus the decoded array, and a worker thread
    parsing one gives the GIL back every few milliseconds. Brackets inside such an array only
    group values: they are read as separators, and the total count must match the shape. A
    chunk may hold only the characters its datatype's numbers use, and ``fromstring`` must read
    every comma-separated token of it (a sentinel token after the chunk makes a token it read
    only in part stop the count short). Integers are read as C's ``strtoll`` reads them, so a
    few forms JSON does not allow (``+1``, ``01``) are accepted. With ``orjson`` installed (the
    serve extra), it reads small requests and the chunks of floating-point arrays: it is
    several times faster than ``json`` and ``fromstring``, and strict. The skeleton must stay
    under :data:`MAX_SKELETON_BYTES`.

Note [Non-finite numbers]
    JSON has no NaN or infinity. Inputs sent as JSON must be finite and fit their datatype
    (``1e39`` for FP32 is refused, not turned into infinity); outputs holding NaN or infinity
    are refused with a 400 that names the output and says to ask for it as binary data
    (``"parameters": {"binary_data": true}``), which carries every IEEE value. Triton writes
    bare ``NaN`` tokens, which are not JSON and break strict parsers, so this follows the clear
    error some other KServe v2 servers give instead.
"""
from __future__ import annotations

import json
import re
import reprlib
import secrets
from typing import Any

import numpy as np

from .errors import InvalidInputError, PayloadTooLargeError

try:  # the serve extra's JSON reader: strict, and several times faster than the json module
    import orjson
except ImportError:  # pragma: no cover - the json module and numpy do the same, slower
    orjson = None

__all__ = ["loads", "show", "split_numeric_arrays", "read_numbers", "encode_values",
           "MAX_SKELETON_BYTES"]

#: Largest JSON text left once numeric ``data`` arrays are cut out (see Note [Reading large
#: JSON requests]).
MAX_SKELETON_BYTES = 4 << 20
_CHUNK = 1 << 18
_DATA = re.compile(rb'"data"\s*:\s*\[')
_BRACKETS = bytes.maketrans(b"[]", b"  ")
_SPACE = b" \t\r\n,"
# Characters each datatype kind's numbers may use (booleans are checked word by word).
_ALLOWED = {"f": b"0123456789.eE+-" + _SPACE, "i": b"0123456789+-" + _SPACE,
            "u": b"0123456789+" + _SPACE, "b": b"truefals" + _SPACE}
_LONG_INT = re.compile(rb"[0-9]{19,}")
_ELEMENTS = 1 << 16
_show = reprlib.Repr()
_show.maxstring = _show.maxother = 80


def show(value: Any) -> str:
    """A short repr of client-sent JSON, safe for any nesting depth or size."""
    return _show.repr(value)


def loads(text: bytes | bytearray | str, what: str) -> Any:
    """Parse JSON strictly (no NaN or Infinity tokens); nesting deeper than ``json``'s recursion
    limit (about 1000 levels) is a 400. Nothing else recurses over what a client sent: errors
    show it through :func:`show`, which cuts depth and length."""
    if orjson is not None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as err:
            raise InvalidInputError(f"{what} is not valid JSON: {err}") from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise InvalidInputError(f"{what} is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise InvalidInputError(f"{what} is not valid JSON: {err}") from None
    return value


def _no_constant(token: str) -> None:
    raise ValueError(f"{token} is not a JSON number (send non-finite values as binary data)")


def split_numeric_arrays(body: bytes | bytearray) -> tuple[bytes, str, list[memoryview]]:
    """Cut numeric ``"data"`` arrays out of a JSON body.

    Returns ``(skeleton, marker, arrays)``: the JSON text with array ``i`` replaced by the
    string ``marker + str(i)``, the per-request random marker, and the arrays' raw text (from
    ``[`` to the matching ``]``). See Note [Reading large JSON requests].
    """
    marker = "\x00" + secrets.token_hex(8) + ":"
    view = memoryview(body)
    pieces, arrays, pos = [], [], 0
    for match in _DATA.finditer(body):
        start = match.end() - 1
        if start < pos:
            continue
        end = _array_end(body, start)
        if end is None:
            continue
        pieces.append(view[pos:start])
        pieces.append(json.dumps(marker + str(len(arrays))).encode())
        arrays.append(view[start:end])
        pos = end
    pieces.append(view[pos:])
    skeleton = b"".join(pieces)
    if len(skeleton) > MAX_SKELETON_BYTES:
        raise PayloadTooLargeError(f"the request's JSON apart from numeric 'data' arrays is "
                                   f"{len(skeleton)} bytes, above the limit of "
                                   f"{MAX_SKELETON_BYTES}; send large tensors as numbers or "
                                   "as binary data")
    return skeleton, marker, arrays


def _array_end(body: bytes | bytearray, start: int) -> int | None:
    """One past the ``]`` closing the array opening at ``start`` (None if it never closes).

    Only brackets are looked at (with ``find`` and ``count``, at memchr speed): what lies
    between them is checked when the values are read, and anything but numbers fails there.
    """
    depth, pos = 0, start
    while True:
        close = body.find(b"]", pos)
        if close < 0:
            return None
        depth += body.count(b"[", pos, close) - 1
        if depth <= 0:
            return close + 1
        pos = close + 1


def read_numbers(text: memoryview, dtype: np.dtype, count: int, where: str) -> np.ndarray:
    """The values of one numeric array's text as a flat array of ``dtype`` with ``count``
    elements, read in chunks; raises a 400 naming ``where`` for anything that does not fit."""
    out = np.empty(count, dtype)
    filled, pos, size = 0, 0, len(text)
    while pos < size:
        stop = size if size - pos <= _CHUNK else _comma_before(text, pos + _CHUNK, pos)
        chunk = bytes(text[pos:stop]).translate(_BRACKETS)
        pos = stop + 1
        values = _parse_chunk(chunk, dtype, where)
        if filled + values.size > count:
            raise InvalidInputError(f"{where}: 'data' has more than the {count} elements the "
                                    "shape needs")
        out[filled:filled + values.size] = values
        filled += values.size
    if filled != count:
        raise InvalidInputError(f"{where}: shape needs {count} elements, but 'data' has {filled}")
    return out


def _comma_before(text: memoryview, at: int, floor: int) -> int:
    found = bytes(text[floor:at]).rfind(b",")
    if found < 0:  # a single token over 1 MiB is not a number
        return len(text)
    return floor + found


def _parse_chunk(chunk: bytes, dtype: np.dtype, where: str) -> np.ndarray:
    kind = dtype.kind
    name = _dtype_name(dtype)
    if chunk.translate(None, _ALLOWED[kind]):
        raise InvalidInputError(f"{where}: 'data' holds values that do not fit datatype {name}")
    if kind == "b":
        chunk = chunk.replace(b"true", b" 1 ").replace(b"false", b" 0 ")
    tokens = chunk.count(b",") + 1 if chunk.strip(_SPACE) else 0
    if not tokens:
        return np.empty(0, dtype)
    if kind == "f" and orjson is not None:
        try:
            values = np.asarray(orjson.loads(b"[" + chunk + b"]"), np.float64)
        except (orjson.JSONDecodeError, TypeError, ValueError):
            raise InvalidInputError(f"{where}: 'data' must be JSON numbers separated by "
                                    "commas") from None
    elif kind in "iu" and _LONG_INT.search(chunk):
        values = _exact_ints(chunk, where, name)
    else:
        wide = {"f": np.float64, "i": np.int64, "u": np.uint64, "b": np.int8}[kind]
        try:
            values = np.fromstring(chunk + b",0", wide, sep=",")
        except ValueError:  # numpy's future behaviour for text it cannot read to its end
            values = np.empty(0, wide)
        if values.size != tokens + 1:  # stopped early: a token it could not read (all of)
            raise InvalidInputError(f"{where}: 'data' must be numbers separated by commas")
        values = values[:-1]
    return _narrow(values, dtype, kind, where, name)


def _exact_ints(chunk: bytes, where: str, name: str) -> np.ndarray:
    try:
        values = [int(t) for t in chunk.split(b",")]
    except ValueError:
        raise InvalidInputError(f"{where}: 'data' must be numbers separated by commas") from None
    if any(v < -(1 << 63) or v >= (1 << 64) for v in values):
        raise InvalidInputError(f"{where}: 'data' has values outside the range of {name}")
    if any(v < 0 for v in values):
        if any(v >= (1 << 63) for v in values):
            raise InvalidInputError(f"{where}: 'data' has values outside the range of {name}")
        return np.array(values, np.int64)
    return np.array(values, np.uint64)


def _narrow(values: np.ndarray, dtype: np.dtype, kind: str, where: str,
            name: str) -> np.ndarray:
    if kind == "b":
        return values.astype(np.bool_)
    if kind == "f":
        with np.errstate(over="ignore"):  # overflow is refused just below
            cast = values.astype(dtype)
        if not np.isfinite(cast).all():
            raise InvalidInputError(f"{where}: 'data' has values outside the finite range of "
                                    f"{name}")
        return cast
    if values.size:
        info = np.iinfo(dtype)
        if int(values.min()) < info.min or int(values.max()) > info.max:
            raise InvalidInputError(f"{where}: 'data' has values outside the range of {name} "
                                    f"[{info.min}, {info.max}]")
    return values.astype(dtype)


def encode_values(array: np.ndarray, name: str, budget: int) -> bytes:
    """An output's values as a JSON list, refusing NaN and infinity (Note [Non-finite numbers])
    and stopping once the text would pass ``budget`` bytes (then raises, see the caller)."""
    flat = array.reshape(-1)
    if flat.dtype.kind == "f" and not np.isfinite(flat).all():
        raise InvalidInputError(f"output '{name}' holds NaN or infinite values, which JSON "
                                "cannot represent; ask for it as binary data (\"parameters\": "
                                "{\"binary_data\": true})")
    if flat.size <= _ELEMENTS:
        return json.dumps(flat.tolist(), separators=(",", ":")).encode()
    pieces, used = [b"["], 1
    for start in range(0, flat.size, _ELEMENTS):
        text = json.dumps(flat[start:start + _ELEMENTS].tolist(), separators=(",", ":"))
        piece = (b"," if start else b"") + text[1:-1].encode()
        used += len(piece)
        if used > budget:
            raise ResponseTooLarge(used)
        pieces.append(piece)
    pieces.append(b"]")
    return b"".join(pieces)


class ResponseTooLarge(Exception):
    """Raised by :func:`encode_values` once its output passes the budget (``size`` so far)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _dtype_name(dtype: np.dtype) -> str:
    from .spec import KSERVE_DTYPES  # the reverse table, without an import cycle at load
    return next((k for k, d in KSERVE_DTYPES.items() if d == dtype), str(dtype))
