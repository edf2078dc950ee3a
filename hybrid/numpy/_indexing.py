"""NumPy indexing of ``np.ndarray``: ``x[key]`` and ``x[key] = value``.

Keys are NumPy's: integers (a full integer key gives a 0-d array, not legacy NDArray's ``(1,)``),
slices with steps, None, Ellipsis, boolean masks and integer arrays, mixed. Outside
``autograd.record()`` a basic key gives a view sharing the buffer (as MXNet's does); while
recording, ``x[key]`` is the ``_getitem`` op, so gradients flow through it. Writes are refused
while recording when the array or the value is on the tape, with MXNet 1.9.1's messages: an
in-place write would change values the tape has saved.
"""

from __future__ import annotations

from typing import Any

import numpy as onp

from .. import autograd
from ..base import HybridError, numpy_array_expected
from ..ndarray.ndarray import NDArray, _check_in_place
from ..ops.registry import get_op, invoke
from .ndarray import ndarray

__all__ = ["getitem", "setitem", "index_key"]

_GETITEM, _RESHAPE = get_op("_getitem"), get_op("_np_reshape")


def index_key(key: Any) -> Any:
    """``key`` with arrays and lists as numpy arrays (integer or bool) and numpy ints as ints."""
    if isinstance(key, tuple):
        return tuple(index_key(k) for k in key)
    if isinstance(key, NDArray):
        key = key._data
    elif isinstance(key, (list, range)):
        key = onp.asarray(key)
    elif isinstance(key, onp.integer):
        return int(key)
    if isinstance(key, onp.ndarray):
        if key.dtype.kind == "f":
            if not onp.all(key == onp.floor(key)):
                raise IndexError("only integers, slices, None, Ellipsis and integer or boolean "
                                 "arrays are valid indices")
            return key.astype(onp.int64)
        if key.dtype.kind not in "biu":
            raise IndexError(f"arrays used as indices must be of integer or boolean type, "
                             f"got {key.dtype}")
    return key


def _tracked(*arrays: Any) -> bool:
    return autograd._state.recording and any(
        isinstance(a, NDArray) and (a._entry is not None or a._grad is not None) for a in arrays
    )


def getitem(x: ndarray, key: Any) -> ndarray:
    key = index_key(key)
    if _tracked(x):
        y = invoke(_GETITEM, (x,), {"key": key})
        if y._data.shape == (1,) and onp.empty(x.shape, onp.bool_)[key].ndim == 0:
            y = invoke(_RESHAPE, (y,), {"newshape": (), "order": "C"})
        return y
    y = x._data[key]
    if not isinstance(y, onp.ndarray):  # a full integer key: a 0-d view, not a numpy scalar
        y = x._data[(*key, Ellipsis) if isinstance(key, tuple) else (key, Ellipsis)]
    return x._like(y)


def setitem(x: ndarray, key: Any, value: Any) -> None:
    key = index_key(key)
    if _tracked(x):
        raise HybridError(
            "np.ndarray.__setitem__: Assigning to NDArrays that are already in a computational "
            "graph will cause undefined behavior when evaluating gradients. Please call backward "
            "first to clear the graph or do this out of a record section."
        )
    _check_in_place(x, value, "np.ndarray.__setitem__")
    if value.__class__ is NDArray:  # MXNet refuses a legacy array here too
        raise numpy_array_expected("np.ndarray.__setitem__")
    if isinstance(value, NDArray):
        value = value._data
    try:
        x._data[key] = value
    except ValueError as e:
        raise HybridError(f"np.ndarray.__setitem__: {e}") from None


ndarray.__getitem__ = getitem
ndarray.__setitem__ = setitem
