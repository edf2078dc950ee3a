"""Record files (``mx.recordio``): MXNet's ``.rec`` RecordIO format and its ``.idx`` index.

Byte-compatible with MXNet 1.9 (dmlc-core's RecordIO) both ways. See Note [RecordIO layout].
Images inside records are encoded and decoded by :mod:`hybrid.image`'s codec (OpenCV, the
``image`` extra); ``pack_img`` and ``unpack_img`` keep OpenCV's BGR channel order, as MXNet's do.
"""

from __future__ import annotations

import numbers
import os
import struct
from collections import namedtuple
from multiprocessing import current_process
from typing import Any

import numpy as np

from .base import HybridError

__all__ = [
    "MXRecordIO",
    "MXIndexedRecordIO",
    "IRHeader",
    "RecordError",
    "pack",
    "unpack",
    "pack_img",
    "unpack_img",
]


class RecordError(HybridError):
    """A record file is corrupt or truncated; the message names the file and the record."""


# Note [RecordIO layout]
# A record is: uint32 magic 0xced7230a, uint32 lrecord = (cflag << 29) | length, the data, zero
# padding to a multiple of 4 bytes (all little-endian). A payload that contains the magic number at
# a 4-byte aligned offset is split there into parts (cflag 1 first, 2 middle, 3 last; 0 means
# whole): the magic word itself is dropped from the data and the reader puts it back between parts.
# The .idx file holds one line "key\tbyte offset\n" per record.
_MAGIC = 0xCED7230A
_MAGIC_BYTES = struct.pack("<I", _MAGIC)
_MAX_LEN = (1 << 29) - 1


def _encode(buf: bytes) -> bytes:
    """One payload as the bytes of its record parts (see Note [RecordIO layout])."""
    if len(buf) > _MAX_LEN:
        raise HybridError(f"MXRecordIO: a record holds at most 2^29 - 1 bytes, got {len(buf)}")
    words = np.frombuffer(buf, "<u4", len(buf) // 4)
    splits = (np.flatnonzero(words == _MAGIC) * 4).tolist()
    out, start = [], 0
    for i in splits:
        out += [_MAGIC_BYTES, struct.pack("<I", (1 if start == 0 else 2) << 29 | (i - start))]
        out.append(buf[start:i])
        start = i + 4
    cflag = 3 if splits else 0
    out += [_MAGIC_BYTES, struct.pack("<I", cflag << 29 | (len(buf) - start)), buf[start:]]
    out.append(b"\0" * (-len(buf) % 4))
    return b"".join(out)


class MXRecordIO:
    """Reads or writes a RecordIO file one record after another.

    Parameters
    ----------
    uri : str
        Path of the record file.
    flag : {'r', 'w'}
        Read, or write (a new file, which appears under ``uri`` when closed).

    Examples
    --------
    >>> import os, tempfile
    >>> from hybrid import recordio
    >>> path = os.path.join(tempfile.mkdtemp(), 'a.rec')
    >>> w = recordio.MXRecordIO(path, 'w')
    >>> for i in range(3):
    ...     w.write(b'record_%d' % i)
    >>> w.close()
    >>> r = recordio.MXRecordIO(path, 'r')
    >>> r.read(), r.read(), r.read(), r.read()
    (b'record_0', b'record_1', b'record_2', None)
    """

    def __init__(self, uri: str, flag: str):
        self.uri = str(uri)
        self.flag = flag
        self.pid: int | None = None
        self.is_open = False
        self._file: Any = None
        self._count = 0
        self.open()

    def open(self) -> None:
        """Open the file (for writing: a temporary file beside it, renamed on close)."""
        if self.flag == "w":
            self._file = open(self._tmp_path(), "wb")
            self.writable = True
        elif self.flag == "r":
            try:
                self._file = open(self.uri, "rb")
            except FileNotFoundError:
                raise HybridError(f"MXRecordIO: no record file {self.uri}") from None
            self.writable = False
        else:
            raise HybridError(f"MXRecordIO: flag must be 'r' or 'w', got {self.flag!r}")
        self._count = 0
        self.pid = current_process().pid
        self.is_open = True

    def _tmp_path(self) -> str:
        return f"{self.uri}.tmp-{os.getpid()}"

    def close(self) -> None:
        """Close the file; a written file is moved into place."""
        if not self.is_open:
            return
        self._file.close()
        if self.writable:
            os.replace(self._tmp_path(), self.uri)
        self.is_open = False
        self.pid = None

    def __del__(self) -> None:
        if getattr(self, "is_open", False):
            self.close()

    def __getstate__(self) -> dict:
        """Pickled (e.g. sent to a worker process) closed; reopened on arrival if it was open."""
        d = dict(self.__dict__)
        d["_file"], d["pid"] = None, None
        return d

    def __setstate__(self, d: dict) -> None:
        self.__dict__ = d
        if d["is_open"]:
            self.is_open = False
            self.open()

    def _check_pid(self, allow_reset: bool) -> None:
        if self.pid != current_process().pid:
            if not allow_reset:
                raise HybridError("MXRecordIO: a record file opened in another process")
            self.reset()

    def reset(self) -> None:
        """Back to the first record (a file open for writing starts over, empty)."""
        self.close()
        self.open()

    def write(self, buf: bytes) -> None:
        """Append ``buf`` as one record."""
        if not self.writable:
            raise HybridError(f"MXRecordIO: {self.uri} is open for reading")
        self._check_pid(allow_reset=False)
        self._file.write(_encode(bytes(buf)))

    def read(self) -> bytes | None:
        """The next record, or None at the end of the file."""
        if self.writable:
            raise HybridError(f"MXRecordIO: {self.uri} is open for writing")
        self._check_pid(allow_reset=False)
        parts, start = [], self._file.tell()
        while True:
            head = self._file.read(8)
            if not head and not parts:
                return None
            if len(head) < 8:
                raise self._error(start, "ends inside a record header (truncated file)")
            magic, lrec = struct.unpack("<II", head)
            if magic != _MAGIC:
                raise self._error(start, f"has no record magic at byte {self._file.tell() - 8}")
            cflag, length = lrec >> 29, lrec & _MAX_LEN
            data = self._file.read(length)
            if len(data) < length:
                raise self._error(start, f"ends inside a record ({len(data)} of {length} bytes)")
            self._file.read(-length % 4)
            parts.append(data)
            if cflag in (0, 3):
                break
            parts.append(_MAGIC_BYTES)
        self._count += 1
        return b"".join(parts)

    def _error(self, offset: int, what: str) -> RecordError:
        where = f"record {self._count} from the start" if self._count >= 0 else "a record"
        return RecordError(f"MXRecordIO: {self.uri} {what}: {where}, at byte offset {offset}")


class MXIndexedRecordIO(MXRecordIO):
    """A record file with its ``.idx`` index, for reading records by key.

    Parameters
    ----------
    idx_path : str
        Path of the index file (``key\\tbyte offset`` lines).
    uri : str
        Path of the record file.
    flag : {'r', 'w'}
        Read or write.
    key_type : type, default int
        Type of the keys.
    """

    def __init__(self, idx_path: str, uri: str, flag: str, key_type: type = int):
        self.idx_path = str(idx_path)
        self.idx: dict = {}
        self.keys: list = []
        self.key_type = key_type
        self.fidx: Any = None
        super().__init__(uri, flag)

    def open(self) -> None:
        super().open()
        self.idx, self.keys = {}, []
        if self.writable:
            self.fidx = open(f"{self.idx_path}.tmp-{os.getpid()}", "w")
            return
        try:
            self.fidx = open(self.idx_path)
        except FileNotFoundError:
            raise HybridError(f"MXIndexedRecordIO: no index file {self.idx_path}") from None
        for n, line in enumerate(self.fidx):
            fields = line.strip().split("\t")
            if len(fields) < 2:
                raise RecordError(
                    f"MXIndexedRecordIO: {self.idx_path} line {n + 1}: expected 'key<TAB>offset', "
                    f"got {line.strip()!r}"
                )
            key = self.key_type(fields[0])
            self.idx[key] = int(fields[1])
            self.keys.append(key)

    def close(self) -> None:
        if not self.is_open:
            return
        writable = self.writable
        super().close()
        self.fidx.close()
        if writable:
            os.replace(f"{self.idx_path}.tmp-{os.getpid()}", self.idx_path)

    def __getstate__(self) -> dict:
        d = super().__getstate__()
        d["fidx"] = None
        return d

    def seek(self, idx: Any) -> None:
        """Move the read position to the record with key ``idx``."""
        if self.writable:
            raise HybridError(f"MXIndexedRecordIO: {self.uri} is open for writing")
        self._check_pid(allow_reset=True)
        try:
            self._file.seek(self.idx[idx])
            self._count = -1  # reached by key: its position in the file is not counted
        except KeyError:
            raise HybridError(f"MXIndexedRecordIO: {self.idx_path} has no key {idx!r}") from None

    def tell(self) -> int:
        """Byte offset the next record is written at."""
        if not self.writable:
            raise HybridError(f"MXIndexedRecordIO: {self.uri} is open for reading")
        return self._file.tell()

    def read_idx(self, idx: Any) -> bytes:
        """The record with key ``idx``."""
        self.seek(idx)
        try:
            return self.read()
        except RecordError as e:
            raise RecordError(f"{e} (key {idx!r} of {self.idx_path})") from None

    def write_idx(self, idx: Any, buf: bytes) -> None:
        """Append ``buf`` as the record with key ``idx``."""
        key = self.key_type(idx)
        pos = self.tell()
        self.write(buf)
        self.fidx.write(f"{key}\t{pos}\n")
        self.idx[key] = pos
        self.keys.append(key)


IRHeader = namedtuple("HEADER", ["flag", "label", "id", "id2"])
IRHeader.__doc__ = """Header of an image record: ``flag`` (the number of float32 labels stored after
the header, or 0 when ``label`` holds the one label), ``label``, ``id`` and ``id2``."""

_IR_FORMAT = "IfQQ"
_IR_SIZE = struct.calcsize(_IR_FORMAT)


def pack(header: Any, s: bytes) -> bytes:
    """A record from an :class:`IRHeader` (or a 4-tuple) and payload bytes ``s``; an array
    label is stored as float32 values after the header, with ``flag`` set to their count.
    """
    header = IRHeader(*header)
    if isinstance(header.label, numbers.Number):
        header = header._replace(flag=0)
    else:
        label = np.asarray(header.label, dtype=np.float32)
        header = header._replace(flag=label.size, label=0)
        s = label.tobytes() + s
    return struct.pack(_IR_FORMAT, *header) + s


def unpack(s: bytes) -> tuple[Any, bytes]:
    """``(header, payload)`` of a record written by :func:`pack`."""
    if len(s) < _IR_SIZE:
        raise RecordError(f"unpack: a record has {len(s)} bytes, fewer than its {_IR_SIZE}-byte "
                          f"header")
    header = IRHeader(*struct.unpack(_IR_FORMAT, s[:_IR_SIZE]))
    s = s[_IR_SIZE:]
    if header.flag > 0:
        if len(s) < 4 * header.flag:
            raise RecordError(f"unpack: a record announces {header.flag} labels but holds "
                              f"{len(s)} bytes after its header")
        header = header._replace(label=np.frombuffer(s, np.float32, header.flag))
        s = s[header.flag * 4 :]
    return header, s


def unpack_img(s: bytes, iscolor: int = -1) -> tuple[Any, np.ndarray]:
    """``(header, image)`` of an image record; the image is decoded by OpenCV (BGR order, as
    MXNet's) with ``iscolor`` as OpenCV's imread flag (-1 unchanged, 0 gray, 1 colour).
    """
    from .image._codec import cv2_decode

    header, s = unpack(s)
    return header, cv2_decode(s, iscolor, "unpack_img")


def pack_img(header: Any, img: np.ndarray, quality: int = 95, img_fmt: str = ".jpg") -> bytes:
    """A record from a header and an image (``(H, W[, C])`` uint8, BGR as OpenCV's), encoded as
    ``img_fmt`` (``.jpg``: ``quality`` 0-100; ``.png``: ``quality`` is the compression 0-9).
    """
    from .image._codec import cv2_encode

    return pack(header, cv2_encode(np.asarray(img), img_fmt, quality))
