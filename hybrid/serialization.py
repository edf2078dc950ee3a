"""hybrid's pickle-free array files, behind ``nd.save``/``nd.load`` and Gluon's parameter files.

Note [Parameter file format]
----------------------------
A file is a numpy ``.npz`` archive (a zip of ``.npy`` members) read with ``allow_pickle=False``:

- one member per array, named by its key (``0.weight``, ``dense0_bias`` ...) for a dict, or by its
  position (``0``, ``1`` ...) for a list;
- a member ``__hybrid_format__`` holding the string ``hybrid-ndarray-dict-v1`` or
  ``hybrid-ndarray-list-v1``, which says which of the two was saved.

Files are written to a temporary file in the target's directory and renamed into place with
``os.replace``, so a reader never sees a half-written file and a failed save leaves the old file.
Loading reads every member before returning, so a truncated or corrupted file fails at once with an
error naming the file, and nothing is handed to the caller.

Note [Inflation cap]
--------------------
hybrid writes members uncompressed, but ``.npz`` files from elsewhere may be deflated (or use
zip's other methods). A reader trusts neither the zip's nor the ``.npy`` headers' sizes: every
member must declare at most ``max(MAX_INFLATE_RATIO * its compressed size, MAX_INFLATE_FLOOR)``
bytes, and an array's shape must fit in the bytes its member declares, before anything is
allocated; zipfile never inflates a member past its declared size.
"""

from __future__ import annotations

import math
import os
import zipfile
from typing import Any

import numpy as np

from . import mxnet_format
from ._files import ParameterFileError, new_file_mode, write_atomic  # noqa: F401 (re-exported)

__all__ = ["save", "load", "ParameterFileError", "FORMAT_KEY", "MAX_INFLATE_RATIO",
           "MAX_INFLATE_FLOOR"]

FORMAT_KEY = "__hybrid_format__"
#: See Note [Inflation cap].
MAX_INFLATE_RATIO = 200
MAX_INFLATE_FLOOR = 64 << 20
_DICT_FORMAT = "hybrid-ndarray-dict-v1"
_LIST_FORMAT = "hybrid-ndarray-list-v1"


def _as_numpy(name: str, value: Any) -> np.ndarray:
    data = getattr(value, "_data", None)
    if isinstance(data, np.ndarray):
        return data
    if isinstance(value, np.ndarray):
        return value
    raise ParameterFileError(
        f"nd.save: entry {name!r} is a {type(value).__name__}, expected an NDArray"
    )


def save(fname: str | os.PathLike, data: Any, format: str = "hybrid") -> None:
    """Save an NDArray, a list of NDArrays or a dict of str -> NDArray to ``fname``.

    Parameters
    ----------
    fname : str
        Target file; written atomically (see Note [Parameter file format]).
    data : NDArray or list of NDArray or dict of str to NDArray
        What to save. A single NDArray is saved as a one-element list, as in MXNet.
    format : {'hybrid', 'mxnet'}
        hybrid's ``.npz`` file, or MXNet's binary NDArray-list file (which MXNet 1.x's
        ``nd.load`` reads; see :func:`hybrid.mxnet_format.write`). :func:`load` reads both.

    Examples
    --------
    >>> import os, tempfile
    >>> import hybrid as mx
    >>> path = os.path.join(tempfile.mkdtemp(), "x.params")
    >>> mx.nd.save(path, {"w": mx.nd.array([1, 2])})
    >>> mx.nd.load(path)["w"].asnumpy()
    array([1., 2.], dtype=float32)
    """
    if format not in ("hybrid", "mxnet"):
        raise ParameterFileError(f"nd.save: format {format!r}, expected 'hybrid' or 'mxnet'")
    if format == "mxnet":
        if isinstance(data, dict):
            names = list(data)
            values = [_as_numpy(k, v) for k, v in data.items()]
        else:
            items = data if isinstance(data, (list, tuple)) else [data]
            names, values = None, [_as_numpy(str(i), v) for i, v in enumerate(items)]
        mxnet_format.write(fname, values, names)
        return
    if isinstance(data, dict):
        arrays = {}
        for key, value in data.items():
            if not isinstance(key, str) or not key or key == FORMAT_KEY or "/" in key:
                raise ParameterFileError(
                    f"nd.save: key {key!r} cannot name an array (non-empty str without '/')"
                )
            arrays[key] = _as_numpy(key, value)
        fmt = _DICT_FORMAT
    else:
        items = data if isinstance(data, (list, tuple)) else [data]
        arrays = {str(i): _as_numpy(str(i), v) for i, v in enumerate(items)}
        fmt = _LIST_FORMAT
    arrays[FORMAT_KEY] = np.array(fmt)
    write_atomic(fname, lambda f: np.savez(f, **arrays))


def load(fname: str | os.PathLike) -> list | dict:
    """Load what :func:`save` wrote, or a file written by MXNet 1.x: a list or a dict of NDArrays.

    MXNet's binary files (``nd.save``, ``save_parameters``, ``export``) are told apart by their
    magic and read by :mod:`hybrid.mxnet_format`; as in MXNet, a file with names gives a dict.

    Raises
    ------
    ParameterFileError
        The file is missing, truncated, corrupted or not an array file; names the file.
    """
    from .ndarray.ndarray import NDArray

    fname = os.fspath(fname)
    if mxnet_format.is_mxnet_file(fname):
        values, names = mxnet_format.read(fname)
        if names:
            return {k: NDArray._wrap(v) for k, v in zip(names, values)}
        return [NDArray._wrap(v) for v in values]
    arrays = _read_all(fname)
    fmt = arrays.pop(FORMAT_KEY, None)
    fmt = None if fmt is None or fmt.dtype.kind != "U" else str(fmt)
    if fmt == _DICT_FORMAT:
        return {k: NDArray._wrap(v) for k, v in arrays.items()}
    if fmt == _LIST_FORMAT and sorted(arrays) == sorted(str(i) for i in range(len(arrays))):
        return [NDArray._wrap(arrays[str(i)]) for i in range(len(arrays))]
    raise ParameterFileError(
        f"nd.load: {fname!r} is a .npz archive without a valid {FORMAT_KEY} entry, "
        f"so it was not written by hybrid's nd.save"
    )


def _read_all(fname: str) -> dict[str, np.ndarray]:
    """Every member of the archive, fully read (so damage anywhere shows up here)."""
    if not os.path.isfile(fname):
        raise ParameterFileError(f"nd.load: no such file {fname!r}")
    with open(fname, "rb") as f:
        if f.read(6) == b"\x93NUMPY":
            raise ParameterFileError(
                f"nd.load: {fname!r} holds a single .npy array, expected a hybrid .npz file"
            )
    try:
        with zipfile.ZipFile(fname) as archive:
            infos = archive.infolist()
            for info in infos:
                _check_inflation(fname, info)
            return {info.filename[:-4]: _read_member(fname, archive, info) for info in infos}
    except ParameterFileError:
        raise
    except Exception as e:  # whatever the bytes make zipfile or numpy raise, it is this file's
        raise ParameterFileError(
            f"nd.load: {fname!r} is truncated, corrupted or not a hybrid array file "
            f"({type(e).__name__}: {e})"
        ) from e


def _check_inflation(fname: str, info: zipfile.ZipInfo) -> None:
    cap = max(MAX_INFLATE_RATIO * info.compress_size, MAX_INFLATE_FLOOR)
    if info.file_size > cap:
        raise ParameterFileError(
            f"nd.load: {fname!r} member {info.filename!r} would inflate from "
            f"{info.compress_size} to {info.file_size} bytes, above the loaders' cap "
            f"(MAX_INFLATE_RATIO {MAX_INFLATE_RATIO})"
        )
    if not info.filename.endswith(".npy"):
        raise ParameterFileError(f"nd.load: {fname!r} has a member {info.filename!r} that is "
                                 "not a .npy array")


def _read_member(fname: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """One ``.npy`` member, its shape checked against its declared size before reading."""
    fmt = np.lib.format
    with archive.open(info) as f:
        version = fmt.read_magic(f)
        read_header = fmt.read_array_header_1_0 if version == (1, 0) else \
            fmt.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
        if dtype.hasobject:
            raise ParameterFileError(f"nd.load: {fname!r} member {info.filename!r} holds "
                                     "Python objects, which are never unpickled")
        size = math.prod(shape) * dtype.itemsize
        if size > info.file_size:
            raise ParameterFileError(f"nd.load: {fname!r} member {info.filename!r} declares "
                                     f"shape {shape} ({size} bytes) in {info.file_size} bytes")
        data = f.read(size)
    if len(data) != size:
        raise ParameterFileError(f"nd.load: {fname!r} member {info.filename!r} is truncated")
    order = "F" if fortran else "C"
    return np.frombuffer(data, dtype).reshape(shape, order=order).copy(order="K")
