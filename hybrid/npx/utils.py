"""``npx.save`` and ``npx.load``: array files holding ``np.ndarray`` values, in numpy mode only
(MXNet refuses them in legacy mode with the message kept here)."""

from __future__ import annotations

import os
from typing import Any

from .. import serialization
from ..numpy.ndarray import ndarray
from ..util import is_np_array, is_np_shape

__all__ = ["save", "load"]


def _require_np_mode(action: str) -> None:
    if not (is_np_shape() and is_np_array()):
        raise ValueError(f"Cannot {action} `mxnet.numpy.ndarray` in legacy mode. Please activate"
                         " numpy semantics by calling `npx.set_np()` in the global scope"
                         " before calling this function.")


def save(file: str | os.PathLike, arr: Any) -> None:
    """Write an ``np.ndarray``, a list of them or a dict ``str -> np.ndarray`` to ``file``
    (hybrid's array file format, read back by :func:`load` and ``nd.load``)."""
    _require_np_mode("save")
    if isinstance(arr, ndarray):
        arr = [arr]
    if isinstance(arr, dict):
        if any(not isinstance(k, str) or not isinstance(v, ndarray) for k, v in arr.items()):
            raise TypeError("Only accepts dict str->ndarray or list of ndarrays")
    elif isinstance(arr, list):
        if any(not isinstance(v, ndarray) for v in arr):
            raise TypeError("Only accepts dict str->ndarray or list of ndarrays")
    else:
        raise ValueError("data needs to either be a ndarray, dict of (str, ndarray) pairs "
                         "or a list of ndarrays.")
    serialization.save(file, arr)


def load(file: str | os.PathLike) -> list | dict:
    """The arrays in ``file`` (written by :func:`save`, ``nd.save`` or MXNet) as ``np.ndarray``:
    a list, or a dict when the file names them."""
    _require_np_mode("load")
    if not isinstance(file, (str, os.PathLike)):
        raise TypeError("file required to be a string")
    data = serialization.load(file)
    if isinstance(data, dict):
        return {k: v.as_np_ndarray() for k, v in data.items()}
    return [v.as_np_ndarray() for v in data]
