"""Reader for MXNet 1.x's binary NDArray-list files (``nd.save``, ``save_parameters``, ``export``).

Note [MXNet NDArray-list format]
--------------------------------
Everything is little-endian. A file is::

    uint64 magic = 0x112, uint64 reserved
    uint64 count, then ``count`` arrays
    uint64 count, then ``count`` names, each a uint64 byte length and UTF-8 bytes (no names: a list)

An array (MXNet's ``NDArray::Save``) starts with a uint32 magic saying its version:

- ``0xF993FAC9`` (V2) or ``0xF993FACA`` (V3, written under numpy shape semantics): int32 storage
  type (0 dense; 1 row_sparse and 2 csr carry extra aux data and are not supported here), then the
  shape: int32 ``ndim`` and ``ndim`` int64 dims. ``ndim`` 0 in V2 (-1 in V3) marks an empty
  ``NDArray()`` handle and ends the record; in V3 ``ndim`` 0 is a scalar.
- ``0xF993FAC8`` (V1): the same without the storage type.
- anything else (files older than V1): that word is ``ndim``, followed by uint32 dims.

The shape is followed by the context (int32 device type, int32 device id), an int32 mshadow type
flag (:data:`TYPE_FLAGS`) and the raw elements in C order. Arrays saved from a GPU load on the CPU,
as MXNet does without CUDA.
"""

from __future__ import annotations

import math
import os
import struct

import numpy as np

from ._files import ParameterFileError, write_atomic

__all__ = [
    "LIST_MAGIC", "TYPE_FLAGS", "array_from_bytes", "array_to_bytes", "is_mxnet_file", "read",
    "write",
]

LIST_MAGIC = 0x112
_V1, _V2, _V3 = 0xF993FAC8, 0xF993FAC9, 0xF993FACA
_STORAGE = {0: "default", 1: "row_sparse", 2: "csr"}
# mshadow's device types: cpu, gpu, cpu_pinned, cpu_shared.
_DEVICES = (1, 2, 3, 5)
# mshadow's type flags (mshadow/base.h, MXNet 1.9.1); 12 is bfloat16, which numpy lacks.
TYPE_FLAGS = {
    0: np.dtype("<f4"),
    1: np.dtype("<f8"),
    2: np.dtype("<f2"),
    3: np.dtype("u1"),
    4: np.dtype("<i4"),
    5: np.dtype("i1"),
    6: np.dtype("<i8"),
    7: np.dtype("?"),
    8: np.dtype("<i2"),
    9: np.dtype("<u2"),
    10: np.dtype("<u4"),
    11: np.dtype("<u8"),
}
_TYPE_NAMES = {12: "bfloat16"}
_FLAG_OF = {dtype: flag for flag, dtype in TYPE_FLAGS.items()}


def is_mxnet_file(fname: str | os.PathLike) -> bool:
    """Whether ``fname`` starts with the NDArray-list magic (see Note [MXNet NDArray-list
    format]).
    """
    try:
        with open(fname, "rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return len(head) == 8 and struct.unpack("<Q", head)[0] == LIST_MAGIC


class _Cursor:
    """Reads fields from the file's bytes; every failure names the file and the byte offset."""

    def __init__(self, fname: str, buf: bytes):
        self.fname, self.buf, self.pos = fname, buf, 0

    def fail(self, message: str, at: int | None = None) -> ParameterFileError:
        at = self.pos if at is None else at
        return ParameterFileError(
            f"nd.load: {self.fname!r} is not a valid MXNet NDArray file: {message} "
            f"(at byte offset {at})"
        )

    def take(self, n: int, what: str) -> memoryview:
        left = len(self.buf) - self.pos
        if n > left:
            raise self.fail(f"truncated: {what} needs {n} bytes, only {left} left")
        view = memoryview(self.buf)[self.pos:self.pos + n]
        self.pos += n
        return view

    def scalar(self, fmt: str, what: str) -> int:
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt), what))[0]


def read(fname: str | os.PathLike) -> tuple[list[np.ndarray], list[str]]:
    """The arrays and names (empty for a saved list) in an MXNet NDArray-list file.

    Raises
    ------
    ParameterFileError
        The file is missing, truncated or corrupted, or holds something hybrid cannot represent
        (sparse storage, bfloat16); the message names the file and the byte offset.
    """
    fname = os.fspath(fname)
    try:
        with open(fname, "rb") as f:
            cur = _Cursor(fname, f.read())
    except OSError as e:
        raise ParameterFileError(f"nd.load: cannot read {fname!r} ({e})") from e
    magic = cur.scalar("Q", "the file magic")
    if magic != LIST_MAGIC:
        raise cur.fail(f"file magic is {magic:#x}, expected {LIST_MAGIC:#x}", 0)
    cur.scalar("Q", "the reserved word")
    count = _count(cur, 20, "array count")
    arrays = [_array(cur, i) for i in range(count)]
    n_names = _count(cur, 8, "name count")
    names = [_name(cur, i) for i in range(n_names)]
    if names and len(names) != len(arrays):
        raise cur.fail(f"{len(names)} names for {len(arrays)} arrays")
    if cur.pos != len(cur.buf):
        raise cur.fail(f"{len(cur.buf) - cur.pos} unexpected bytes after the names")
    return arrays, names


def _count(cur: _Cursor, min_item_size: int, what: str) -> int:
    """A uint64 count, checked against the bytes left so corruption fails before allocating."""
    at = cur.pos
    count = cur.scalar("Q", what)
    if count * min_item_size > len(cur.buf) - cur.pos:
        left = len(cur.buf) - cur.pos
        raise cur.fail(f"truncated or corrupted: {what} {count} does not fit in {left} bytes", at)
    return count


def _name(cur: _Cursor, i: int) -> str:
    length = cur.scalar("Q", f"the length of name {i}")
    at = cur.pos
    raw = cur.take(length, f"name {i}")
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise cur.fail(f"name {i} is not UTF-8", at) from None


def _array(cur: _Cursor, i: int) -> np.ndarray:
    """Array ``i`` of the list: header, then its elements."""
    start = cur.pos
    magic = cur.scalar("I", f"the magic of array {i}")
    if magic in (_V2, _V3):
        at = cur.pos
        stype = cur.scalar("i", f"the storage type of array {i}")
        if stype != 0:
            kind = _STORAGE.get(stype, f"unknown ({stype})")
            raise cur.fail(f"array {i} has {kind} storage; only dense arrays are supported", at)
    shape = _shape(cur, i, magic)
    if shape is None:
        raise cur.fail(f"array {i} is an empty NDArray() handle, which has no value", start)
    at = cur.pos
    device = cur.scalar("i", f"the device type of array {i}")
    cur.scalar("i", f"the device id of array {i}")
    if device not in _DEVICES:
        raise cur.fail(f"array {i} has device type {device}, expected one of {_DEVICES}", at)
    at = cur.pos
    flag = cur.scalar("i", f"the type flag of array {i}")
    dtype = TYPE_FLAGS.get(flag)
    if dtype is None:
        kind = _TYPE_NAMES.get(flag, "an unknown type")
        raise cur.fail(f"array {i} has type flag {flag} ({kind}), which is not supported", at)
    size = math.prod(shape)  # exact: a corrupted shape must fail in take(), not overflow
    data = cur.take(size * dtype.itemsize, f"the {size} elements of array {i} {shape}")
    # frombuffer views the file's bytes; copy so the array is writable and owns its memory.
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _shape(cur: _Cursor, i: int, magic: int) -> tuple[int, ...] | None:
    """The shape after the array magic (None: an empty handle); see Note [MXNet NDArray-list
    format] for the three layouts.
    """
    at = cur.pos
    if magic in (_V1, _V2, _V3):
        ndim = cur.scalar("i", f"the ndim of array {i}")
        dim_fmt = "q"
    else:
        ndim, dim_fmt, at = magic, "I", at - 4
    if ndim == (-1 if magic == _V3 else 0):
        return None
    if not 0 <= ndim <= 32:
        raise cur.fail(f"array {i} has ndim {ndim} (bad magic {magic:#x}?)", at)
    shape = struct.unpack(f"<{ndim}{dim_fmt}", cur.take(ndim * struct.calcsize(dim_fmt),
                                                       f"the shape of array {i}"))
    if any(d < 0 or d >= 1 << 48 for d in shape):
        raise cur.fail(f"array {i} has impossible dims {shape}", at)
    return tuple(int(d) for d in shape)


def write(
    fname: str | os.PathLike, arrays: list[np.ndarray], names: list[str] | None = None
) -> None:
    """Write ``arrays`` (and their ``names``; None saves a list) as MXNet's ``nd.save`` does, so
    that MXNet 1.x loads the file; atomically (see Note [MXNet NDArray-list format]).

    Arrays are written as V2 records on the CPU. A 0-d array has no V2 form (ndim 0 marks an
    empty handle there), so a list holding one is written as V3 records throughout, which MXNet
    reads under ``npx.set_np()`` only (it refuses files mixing the two).

    Raises
    ------
    ParameterFileError
        An array's dtype has no MXNet type flag, or names and arrays differ in number.
    """
    names = [] if names is None else list(names)
    if names and len(names) != len(arrays):
        raise ParameterFileError(
            f"nd.save: {os.fspath(fname)!r}: {len(names)} names for {len(arrays)} arrays"
        )
    arrays = [np.asarray(a) for a in arrays]
    magic = _V3 if any(a.ndim == 0 for a in arrays) else _V2
    parts = [struct.pack("<QQQ", LIST_MAGIC, 0, len(arrays))]
    for i, arr in enumerate(arrays):
        parts.append(_record(fname, names[i] if names else str(i), arr, magic))
    parts.append(struct.pack("<Q", len(names)))
    for name in names:
        raw = name.encode("utf-8")
        parts.append(struct.pack("<Q", len(raw)) + raw)
    write_atomic(fname, b"".join(parts))


def _record(fname: str | os.PathLike, name: str, arr: np.ndarray, magic: int) -> bytes:
    """One dense CPU array as ``NDArray::Save`` lays it out."""
    dtype = arr.dtype.newbyteorder("<") if arr.dtype.itemsize > 1 else arr.dtype
    flag = _FLAG_OF.get(dtype)
    if flag is None:
        raise ParameterFileError(
            f"nd.save: {os.fspath(fname)!r}: array {name!r} has dtype {arr.dtype}, which MXNet "
            f"cannot store (supported: {', '.join(str(d) for d in TYPE_FLAGS.values())})"
        )
    head = struct.pack(f"<Iii{arr.ndim}q", magic, 0, arr.ndim, *arr.shape)
    return head + struct.pack("<iii", 1, 0, flag) + np.ascontiguousarray(arr, dtype).tobytes()


def array_to_bytes(arr: np.ndarray) -> bytes:
    """One array as MXNet's ``MXNDArraySaveRawBytes`` lays it out (a single record, as in a
    list file); what ``NDArray.__getstate__`` holds.
    """
    arr = np.asarray(arr)
    return _record("<pickle>", "array", arr, _V3 if arr.ndim == 0 else _V2)


def array_from_bytes(buf: bytes, what: str) -> np.ndarray:
    """The array of one raw record (``array_to_bytes``, or MXNet's pickled NDArray state, which
    may name a GPU: hybrid places it on the CPU). ``what`` names the source in errors.
    """
    cur = _Cursor(what, bytes(buf))
    arr = _array(cur, 0)
    if cur.pos != len(cur.buf):
        raise cur.fail(f"{len(cur.buf) - cur.pos} unexpected bytes after the array")
    return arr
