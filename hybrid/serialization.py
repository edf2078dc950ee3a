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
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from .base import HybridError

__all__ = ["save", "load", "ParameterFileError", "FORMAT_KEY"]

FORMAT_KEY = "__hybrid_format__"
_DICT_FORMAT = "hybrid-ndarray-dict-v1"
_LIST_FORMAT = "hybrid-ndarray-list-v1"


class ParameterFileError(HybridError, ValueError):
    """A file that cannot be written or read as a hybrid array file; the message names it."""


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
        from . import mxnet_format

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


def write_atomic(fname: str | os.PathLike, payload: bytes | Callable[[BinaryIO], None]) -> None:
    """Write ``payload`` (bytes, or a function writing to a binary file) to ``fname`` through a
    temporary file in the same folder and ``os.replace``: readers see the old file or the new one.
    """
    directory = os.path.dirname(os.path.abspath(fname))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(payload):
                payload(f)
            else:
                f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, fname)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(fname: str | os.PathLike) -> list | dict:
    """Load what :func:`save` wrote, or a file written by MXNet 1.x: a list or a dict of NDArrays.

    MXNet's binary files (``nd.save``, ``save_parameters``, ``export``) are told apart by their
    magic and read by :mod:`hybrid.mxnet_format`; as in MXNet, a file with names gives a dict.

    Raises
    ------
    ParameterFileError
        The file is missing, truncated, corrupted or not an array file; names the file.
    """
    from . import mxnet_format
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
    try:
        archive = np.load(fname, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ParameterFileError(
                f"nd.load: {fname!r} holds a single .npy array, expected a hybrid .npz file"
            )
        with archive:
            return {key: archive[key] for key in archive.files}
    except ParameterFileError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as e:
        raise ParameterFileError(
            f"nd.load: {fname!r} is truncated, corrupted or not a hybrid array file ({e})"
        ) from e
