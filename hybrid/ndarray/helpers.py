"""MXNet 1.9.1's Python-level ``nd`` functions that are not ops: compositions of registered ops
(``moveaxis``, ``concatenate``, ``onehot_encode``, ``linspace``, ``split_v2``, ``histogram``),
conversions (``from_numpy``, ``load_frombuffer``) and the indexing helpers MXNet's ``nd`` module
exposes. ``linspace``, ``split_v2`` and ``histogram`` exist in ``sym`` too (built by
:func:`functions` for either front end).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

from ..base import HybridError, ShapeError
from ..ops.registry import get_op
from .random import Frontend, _context

__all__ = [
    "moveaxis",
    "concatenate",
    "onehot_encode",
    "from_numpy",
    "load_frombuffer",
    "get_indexing_dispatch_code",
    "get_oshape_of_gather_nd_op",
    "indexing_key_expand_implicit_axes",
    "reset_arrays",
]

# MXNet's dispatch codes for NDArray indexing.
_BASIC_INDEXING, _ADVANCED_INDEXING, _EMPTY_TUPLE_INDEXING = 0, 1, 2


def functions(front: Frontend) -> dict[str, Callable[..., Any]]:
    """``linspace``, ``split_v2`` and ``histogram`` for ``front`` (nd or sym)."""

    def _call(name: str, inputs: list, **attrs: Any) -> Any:
        op = get_op(name)
        label = attrs.pop("name", None)
        return front.call(op, inputs, op.parse_attrs(attrs), None, label)

    def linspace(start, stop, num, endpoint=True, ctx=None, dtype=np.float32):
        """``num`` evenly spaced values from ``start`` to ``stop`` (included when
        ``endpoint``).

        Examples
        --------
        >>> import hybrid as mx
        >>> mx.nd.linspace(0, 1, 5).asnumpy().tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
        """
        return _call("_linspace", [], start=start, stop=stop, num=num, endpoint=endpoint,
                     ctx=_context(ctx), dtype=dtype)

    def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False):
        """Splits ``ary`` along ``axis`` into ``indices_or_sections`` equal parts (an int), or
        at the given indices (a sequence), as numpy's ``split`` does.

        Examples
        --------
        >>> import hybrid as mx
        >>> [p.shape for p in mx.nd.split_v2(mx.nd.zeros((6, 2)), [1, 4])]
        [(1, 2), (3, 2), (2, 2)]
        """
        if isinstance(indices_or_sections, int):
            return _call("_split_v2", [ary], axis=axis, squeeze_axis=squeeze_axis,
                         sections=indices_or_sections)
        if not isinstance(indices_or_sections, (tuple, list)):
            raise HybridError(f"split_v2: indices_or_sections must be an int or a sequence, got "
                              f"{type(indices_or_sections).__name__}")
        indices = (0, *indices_or_sections)
        return _call("_split_v2", [ary], indices=indices, axis=axis, squeeze_axis=squeeze_axis)

    def histogram(a, bins=10, range=None):
        """``(counts, edges)`` of ``a``: ``bins`` equal bins over ``range`` (required with an
        int ``bins``), or the bins whose edges are the array ``bins``.
        """
        if isinstance(bins, front.array_type):
            return _call("_histogram", [a, bins])
        if isinstance(bins, int):
            if range is None:
                raise HybridError("histogram: range is required when bins is an int")
            return _call("_histogram", [a], bin_cnt=bins, range=tuple(range))
        raise HybridError(f"histogram: bins must be an int or an array, got "
                          f"{type(bins).__name__}")

    return {f.__name__: f for f in (linspace, split_v2, histogram)}


def _axis_list(values: Any, ndim: int, what: str) -> list[int]:
    values = [values] if isinstance(values, (int, np.integer)) else list(values)
    for a in values:
        if not -ndim <= a < ndim:
            raise ShapeError(f"moveaxis: {what} axis {a} is out of range for {ndim} dims")
    axes = [a % ndim for a in values]
    if len(set(axes)) != len(axes):
        raise ShapeError(f"moveaxis: repeated {what} axis in {values}")
    return axes


def moveaxis(tensor: Any, source: Any, destination: Any) -> Any:
    """``tensor`` with its axes ``source`` (an int or a sequence) moved to the positions
    ``destination``, the other axes keeping their order (numpy's ``moveaxis``; a transpose).
    """
    from . import transpose

    ndim = tensor.ndim
    src = _axis_list(source, ndim, "source")
    dst = _axis_list(destination, ndim, "destination")
    if len(src) != len(dst):
        raise ShapeError(f"moveaxis: {len(src)} source axes but {len(dst)} destinations")
    order = [a for a in range(ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(tensor, axes=tuple(order))


def concatenate(arrays: list, axis: int = 0, always_copy: bool = True) -> Any:
    """``concat`` of a list of arrays along ``axis`` (MXNet's deprecated spelling); with
    ``always_copy=False`` a single array is returned as it is.
    """
    from . import concat

    if not isinstance(arrays, list) or not arrays:
        raise HybridError("concatenate: expected a non-empty list of NDArrays")
    if not always_copy and len(arrays) == 1:
        return arrays[0]
    return concat(*arrays, dim=axis)


def onehot_encode(indices: Any, out: Any) -> Any:
    """Writes the one-hot rows of ``indices`` into ``out`` (``(n, depth)``) and returns it."""
    from . import one_hot

    return one_hot(indices, depth=out.shape[1], dtype=out.dtype, out=out)


def from_numpy(ndarray: np.ndarray, zero_copy: bool = True, array_cls: Any = None) -> Any:
    """An NDArray holding ``ndarray``'s values. With ``zero_copy`` (MXNet's default) it shares
    the buffer, which must be C-contiguous (else a ValueError), and the numpy array becomes
    read-only, as MXNet hands its memory over; writes through the NDArray show in it."""
    from .ndarray import NDArray

    if not zero_copy:
        data = np.array(ndarray)
    elif not ndarray.flags.c_contiguous:
        raise ValueError("from_numpy: only C-contiguous arrays are supported for zero-copy")
    else:
        data = _writable_view(ndarray)
        ndarray.flags.writeable = False
    return (array_cls or NDArray)._wrap(data)


def _writable_view(a: np.ndarray) -> np.ndarray:
    """A view of ``a`` that keeps its own write flag; writable even when an earlier
    ``from_numpy`` made ``a`` read-only (MXNet's arrays over the buffer stay writable), unless
    the memory itself is read-only.
    """
    if not a.flags.writeable:
        try:
            a.flags.writeable = True
        except ValueError:
            return a.view()
    return a.view()


def basic_indexing_slice_is_contiguous(slc_key: tuple, shape: tuple) -> bool:
    """Whether ``x[slc_key]`` (slices only, one per leading axis of ``shape``) is C-contiguous:
    every axis longer than 1 must step by the product of the result's later dims (MXNet's
    ``NDArray._basic_indexing_slice_is_contiguous``; such a slice is a view that writes through).
    """
    dims = [len(range(*k.indices(d))) for k, d in zip(slc_key, shape)]
    steps = [k.indices(d)[2] for k, d in zip(slc_key, shape)]
    dims += list(shape[len(slc_key):])
    steps += [1] * (len(shape) - len(slc_key))
    if 0 in dims:
        return True
    expected = base = 1  # in elements
    for i in reversed(range(len(shape))):
        if dims[i] > 1 and steps[i] * base != expected:
            return False
        expected *= dims[i]
        base *= shape[i]
    return True


def load_frombuffer(buf: bytes) -> list | dict:
    """``nd.load`` of a file's bytes already in memory."""
    from ..serialization import load

    fd, path = tempfile.mkstemp(suffix=".params")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buf)
        return load(path)
    finally:
        os.remove(path)


def get_indexing_dispatch_code(key: tuple) -> int:
    """0 for basic indexing (ints, slices, None), 1 for advanced (arrays, lists), 2 for an
    empty tuple inside the key; MXNet's dispatch codes."""
    from .ndarray import NDArray

    for idx in key:
        if isinstance(idx, (NDArray, np.ndarray, list, tuple, range)):
            empty = isinstance(idx, tuple) and len(idx) == 0
            return _EMPTY_TUPLE_INDEXING if empty else _ADVANCED_INDEXING
        if not (isinstance(idx, (slice, int, np.integer)) or idx is None):
            raise ValueError(f"NDArray does not support indexing with {idx!r} of type "
                             f"{type(idx).__name__}")
    return _BASIC_INDEXING


def get_oshape_of_gather_nd_op(dshape: tuple, ishape: tuple) -> tuple:
    """The shape ``gather_nd`` gives for data of shape ``dshape`` and indices ``ishape``."""
    return tuple(ishape[1:]) + tuple(dshape[ishape[0]:])


def indexing_key_expand_implicit_axes(key: Any, shape: tuple) -> tuple[tuple, int]:
    """``key`` with its ellipsis (explicit, or implicit after the last entry) replaced by as many
    ``slice(None)`` as it stands for, and -1 (no 0-d boolean index): MXNet's ``(key, prepend)``.
    """
    key = key if isinstance(key, tuple) else (key,)
    ellipses = [i for i, k in enumerate(key) if k is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError("Cannot use more than one ellipsis (`...`) for indexing")
    rest = tuple(k for k in key if k is not Ellipsis)
    at = ellipses[0] if ellipses else len(rest)
    fill = len(shape) + sum(k is None for k in rest) - len(rest)
    return rest[:at] + (slice(None),) * fill + rest[at:], -1


def reset_arrays(*data: Any, num_arrays: int | None = None, **kwargs: Any) -> list:
    """Sets every array in ``data`` to zero in place (MXNet's Trainer uses it to clear
    gradients); returns an empty list, as MXNet's op with no outputs does.
    """
    if num_arrays is not None and num_arrays != len(data):
        raise HybridError(f"reset_arrays: num_arrays={num_arrays} but {len(data)} arrays")
    for a in data:
        a[:] = 0
    return []
