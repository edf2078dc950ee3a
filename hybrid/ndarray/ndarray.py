"""NDArray: an eager array on a numpy buffer, with MXNet's methods, operators and autograd hooks."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import autograd
from ..base import HybridError, ShapeError, default_dtype, legacy_array_expected
from ..context import Context, cpu
from ..ops import registry
from ..ops.registry import get_op, invoke
from ._operators import _IN_PLACE, add_operators

__all__ = ["NDArray", "array", "empty", "waitall"]

# MXNet's storage-type codes, which code written for MXNet imports from here. hybrid's arrays are
# always dense ('default'); the sparse names exist so such code imports and gets a clear error
# where it asks for sparse storage.
_STORAGE_TYPE_UNDEFINED, _STORAGE_TYPE_DEFAULT = -1, 0
_STORAGE_TYPE_ROW_SPARSE, _STORAGE_TYPE_CSR = 1, 2
_STORAGE_TYPE_STR_TO_ID = {"_undefined": -1, "default": 0, "row_sparse": 1, "csr": 2}
_STORAGE_TYPE_ID_TO_STR = {v: k for k, v in _STORAGE_TYPE_STR_TO_ID.items()}

_CPU = cpu()
py_slice = slice  # MXNet's ndarray module name for the builtin (its indexing code shadows slice)


class NDArray:
    """An n-dimensional array on the CPU, MXNet-style.

    Operations run at once on the numpy buffer; inside ``autograd.record()`` they are also taped for
    ``backward()``. Slicing with basic indices returns a view that shares the buffer, so
    ``p.data()[:] -= lr * g`` updates a parameter in place.
    """

    # ``_ctx``: the Context the array is placed on, None for the default cpu(0). Placement is a
    # label (every array lives in host memory); op outputs take their first input's, so a layer
    # finds a parameter's copy for the input's context (Parameter.data(x.context)).
    __slots__ = (
        "_data", "_grad", "_grad_req", "_entry", "_out_index", "_ctx", "_fresh", "__weakref__"
    )
    # Makes numpy defer to NDArray's reflected operators (np.float32(2) * x stays an NDArray).
    __array_priority__ = 1000.0

    def __init__(self, data: Any, ctx: Context | None = None, dtype: Any = None):
        self._data = np.asarray(data, dtype=dtype)
        self._grad = None
        self._grad_req = "null"
        self._entry = None
        self._out_index = 0
        self._ctx = _placement(ctx)

    @classmethod
    def _wrap(cls, data: np.ndarray) -> NDArray:
        """An NDArray that owns ``data`` (no copy)."""
        a = object.__new__(cls)
        a._data = data
        a._grad = None
        a._grad_req = "null"
        a._entry = None
        a._out_index = 0
        a._ctx = None
        return a

    # Pickling keeps MXNet's state: the array's raw bytes in MXNet's record layout.
    def __getstate__(self) -> dict:
        from ..mxnet_format import array_to_bytes

        return {"handle": bytearray(array_to_bytes(self._data))}

    def __setstate__(self, state: dict) -> None:
        from ..mxnet_format import array_from_bytes

        NDArray.__init__(self, array_from_bytes(state["handle"], "NDArray state"))

    # -- properties
    # -------------------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> type:
        return self._data.dtype.type

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def context(self) -> Context:
        return self._ctx or _CPU

    ctx = context

    @property
    def stype(self) -> str:
        return "default"

    @property
    def grad(self) -> NDArray | None:
        return self._grad

    @property
    def _fresh_grad(self) -> bool:
        """Whether ``backward`` wrote this variable's gradient since the flag was last reset
        (MXNet's ``NDArray._fresh_grad``; the slot is left unset until then).
        """
        return getattr(self, "_fresh", False)

    @_fresh_grad.setter
    def _fresh_grad(self, value: bool) -> None:
        self._fresh = bool(value)

    @property
    def T(self) -> NDArray:
        return self.transpose()

    # -- conversion
    # -------------------------------------------------------------------------------------------
    def asnumpy(self) -> np.ndarray:
        """A numpy copy of the data."""
        return self._data.copy()

    def asscalar(self) -> Any:
        if self._data.size != 1:
            raise HybridError(
                f"asscalar: the array has shape {self.shape}, expected a single element"
            )
        return (
            self._data.reshape(()).item()
            if self._data.dtype.kind != "f"
            else self._data.dtype.type(self._data.reshape(()))
        )

    def astype(self, dtype: Any, copy: bool = True) -> NDArray:
        if not copy and np.dtype(dtype) == self._data.dtype:
            return self
        return invoke(get_op("Cast"), (self,), {"dtype": np.dtype(dtype)})

    def copy(self) -> NDArray:
        return invoke(get_op("_copy"), (self,), {})

    def copyto(self, other: NDArray | Context) -> NDArray:
        """Copy into ``other`` (an NDArray of the same shape) or onto a context."""
        if isinstance(other, Context):
            copy = self.copy()
            copy._ctx = _placement(other)
            return copy
        if other.shape != self.shape:
            raise HybridError(
                f"copyto: target shape {other.shape} differs from source {self.shape}"
            )
        other._data[...] = self._data
        return other

    def as_in_context(self, context: Context) -> NDArray:
        """This array if it is on ``context``, else a copy placed there (as MXNet's)."""
        if self.context == Context(context):
            return self
        return self.copyto(Context(context))

    as_in_ctx = as_in_context

    def as_np_ndarray(self) -> Any:
        """This array as an ``mx.np.ndarray``: the same buffer (no copy) and the same place on the
        autograd tape, so gradients flow through the conversion as in MXNet."""
        from ..numpy import ndarray

        return self._view_as(ndarray)

    def _view_as(self, cls: type) -> Any:
        """An array of class ``cls`` sharing this one's buffer, tape entry and gradient."""
        a = cls._wrap(self._data)
        a._ctx, a._entry, a._out_index = self._ctx, self._entry, self._out_index
        a._grad, a._grad_req = self._grad, self._grad_req
        return a

    def detach(self) -> NDArray:
        """The same data, cut from the autograd graph."""
        return self._like(self._data)

    def wait_to_read(self) -> None:
        """Computation is synchronous on numpy: nothing to wait for."""

    def tostype(self, stype: str) -> NDArray:
        if stype != "default":
            raise HybridError(f"tostype: storage type {stype!r} is not supported (dense only)")
        return self

    # -- autograd
    # ---------------------------------------------------------------------------------------------
    def attach_grad(self, grad_req: str = "write", stype: str | None = None) -> None:
        """Allocate a gradient buffer and mark this array as a variable for ``backward()``."""
        autograd.mark_variables(self, self._like(np.zeros_like(self._data)), grad_req)

    def _like(self, data: np.ndarray) -> NDArray:
        """An array of this one's type owning ``data`` on this array's context."""
        a = self._wrap(data)
        a._ctx = self._ctx
        return a

    def backward(
        self, out_grad: NDArray | None = None, retain_graph: bool = False, train_mode: bool = True
    ) -> None:
        autograd.backward(self, None if out_grad is None else [out_grad], retain_graph, train_mode)

    # -- shape methods
    # ----------------------------------------------------------------------------------------
    def reshape(self, *shape: Any, **kwargs: Any) -> NDArray:
        """Reshape with MXNet's special codes (0 copy, -1 infer, -2 copy rest, -3 merge, -4
        split).
        """
        if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
            shape = tuple(shape[0])
        if "shape" in kwargs:
            shape = kwargs.pop("shape")
        op = get_op("Reshape")
        return invoke(op, (self,), op.parse_attrs({"shape": shape, **kwargs}))

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d NDArray")
        return self._data.shape[0]

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    # -- indexing
    # ---------------------------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> NDArray:
        key = _index_key(key)
        if autograd._state.recording and (self._entry is not None or self._grad is not None):
            op = get_op("_getitem")
            return invoke(op, (self,), {"key": key})
        return self._like(_basic_view(self._data, key))

    def __setitem__(self, key: Any, value: Any) -> None:
        _check_in_place(self, value, "x[key] = value")
        if isinstance(value, NDArray):
            value = value._data
        elif isinstance(value, (list, tuple)):
            value = np.asarray(value)
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(())  # MXNet takes a one-element array for one element
        self._data[_index_key(key)] = value

    # -- printing
    # ---------------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        shape = "x".join(map(str, self.shape)) if self.shape else "scalar"
        return f"\n{self._data}\n<NDArray {shape} @{self.context}>"

    def __bool__(self) -> bool:
        # MXNet's rule: an empty array is False, one element its value, more are ambiguous.
        if self._data.size == 0:
            return False
        if self._data.size != 1:
            raise ShapeError(
                f"The truth value of an NDArray with shape {self.shape} is ambiguous"
            )
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        return float(self.asscalar())

    def __int__(self) -> int:
        return int(self.asscalar())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub":
            raise TypeError("only integer NDArrays can be used as an index")
        return int(self.asscalar())

    __hash__ = object.__hash__

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)

    # -- arithmetic
    # -------------------------------------------------------------------------------------------
    def __neg__(self) -> NDArray:
        return invoke(get_op("negative"), (self,), {})

    def __abs__(self) -> NDArray:
        return invoke(get_op("abs"), (self,), {})

    def __pos__(self) -> NDArray:
        return self


def _basic_view(x: np.ndarray, key: Any) -> np.ndarray:
    """``x[key]`` as MXNet 1.x gives it: a single element keeps shape ``(1,)`` and, for an
    integer-only key, stays a view of ``x`` (``a[0][:] = 1`` writes into ``a``, as in MXNet).
    """
    y = x[key]
    if isinstance(y, np.ndarray) and y.ndim:
        return y
    parts = key if isinstance(key, tuple) else (key,)
    if all(isinstance(k, (int, np.integer)) or k is Ellipsis for k in parts):
        rows = tuple(k if k is Ellipsis else slice(k, k + 1 or None) for k in parts)
        return x[rows].reshape(1)
    return np.array(y, ndmin=1)


def _index_key(key: Any) -> Any:
    """NDArray indices become numpy ones."""
    if isinstance(key, NDArray):
        return key._data.astype(np.int64) if key._data.dtype.kind == "f" else key._data
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    return key


def _check_in_place(x: NDArray, value: Any, what: str) -> None:
    """Writing into ``x`` while autograd records ``x`` or ``value`` would lose the gradient:
    MXNet refuses it with this message, and so does hybrid. A legacy ``x`` takes no
    ``np.ndarray`` (see Note [Legacy operators refuse np.ndarray] in ``namespace.py``).
    """
    if value.__class__ is not NDArray and x.__class__ is NDArray and isinstance(value, NDArray):
        from .namespace import numpy_array_type  # the module above this one

        if value.__class__ is numpy_array_type:
            raise legacy_array_expected(f"NDArray {what}")
    if not autograd._state.recording:
        return
    tracked = [a for a in (x, value) if isinstance(a, NDArray)]
    if any(a._entry is not None or a._grad is not None for a in tracked):
        raise HybridError(
            f"{what}: Inplace operations (+=, -=, x[:]=, etc) are not supported when recording "
            "with autograd; write y = f(x) instead"
        )


def _add_in_place_operator(method: str, ufunc: np.ufunc) -> None:
    def in_place_fn(self: NDArray, other: Any) -> NDArray:
        _check_in_place(self, other, f"__i{method}__")
        ufunc(
            self._data,
            other._data if isinstance(other, NDArray) else other,
            out=self._data,
            casting="unsafe",
        )
        return self

    in_place_fn.__name__ = f"__i{method}__"
    setattr(NDArray, in_place_fn.__name__, in_place_fn)


add_operators(NDArray)
for _method, _ufunc in _IN_PLACE.items():
    _add_in_place_operator(_method, _ufunc)
NDArray.__idiv__ = NDArray.__itruediv__

registry.array_type = NDArray


def array(source_array: Any, ctx: Context | None = None, dtype: Any = None) -> NDArray:
    """An NDArray copied from ``source_array`` (not an ``np.ndarray``, which MXNet refuses too).
    The dtype is ``dtype`` if given, else the source's when it is an NDArray, else float32 (MXNet's
    rule, which also turns float64 numpy arrays into float32)."""
    where = _placement(ctx)
    if isinstance(source_array, NDArray):
        if source_array.__class__ is not NDArray:
            raise legacy_array_expected("nd.array")
        dtype = dtype or source_array.dtype
        source_array = source_array._data
    a = NDArray._wrap(np.array(source_array, dtype=dtype or default_dtype))
    a._ctx = where
    return a


def empty(shape: Any, ctx: Context | None = None, dtype: Any = None) -> NDArray:
    where = _placement(ctx)
    a = NDArray._wrap(np.empty(shape, dtype=dtype or default_dtype))
    a._ctx = where
    return a


def _placement(ctx: Any) -> Context | None:
    """The ``_ctx`` label for ``ctx`` (None for the default cpu(0)); a GPU raises."""
    if ctx is None:
        return None
    ctx = Context(ctx)
    ctx.check_backend()
    return None if ctx == _CPU else ctx


def waitall() -> None:
    """Wait until all pending computation finishes. Every hybrid op completes before it returns
    (numpy runs synchronously), so there is never anything to wait for.
    """
