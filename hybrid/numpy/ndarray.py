"""``mx.np.ndarray``: the array of MXNet's NumPy interface.

It subclasses ``nd.NDArray`` (as MXNet 1.9's does) and adds no state: the numpy buffer, the
context label, the tape entry and the gradient slots are NDArray's, so ``as_nd_ndarray()`` and
``NDArray.as_np_ndarray()`` are views of one buffer and both kinds share one autograd tape. What
differs is behaviour: NumPy's indexing (0-d results), shapes (``reshape`` without MXNet's codes),
type promotion and printing. Operators are installed by ``_operators.py``, indexing by
``_indexing.py`` and the reduction and shape methods by ``__init__.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as onp

from ..base import HybridError
from ..context import Context
from ..ndarray import namespace as _nd_namespace
from ..ndarray.ndarray import NDArray

__all__ = ["ndarray"]


class ndarray(NDArray):  # noqa: N801 - MXNet's name
    """An n-dimensional array with NumPy semantics on a numpy buffer (``mx.np.ndarray``)."""

    __slots__ = ()

    # -- conversion
    # -------------------------------------------------------------------------------------------
    def as_nd_ndarray(self) -> NDArray:
        """This array as a legacy ``nd.NDArray``: the same buffer and tape place, no copy."""
        return self._view_as(NDArray)

    def as_np_ndarray(self) -> ndarray:
        return self

    def item(self, *args: Any) -> Any:
        """A Python scalar from the array (one element, or the one at the given index)."""
        if not args and self._data.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self._data.item(*args)

    def tolist(self) -> Any:
        return self._data.tolist()

    def astype(  # type: ignore[override]
        self, dtype: Any, order: str = "K", casting: str = "unsafe", subok: bool = True,
        copy: bool = True,
    ) -> ndarray:
        """A copy cast to ``dtype`` (``self`` when ``copy=False`` and the dtype already
        matches)."""
        if order != "K" or casting != "unsafe":
            raise HybridError(f"astype: only order='K', casting='unsafe' are supported, got "
                              f"order={order!r}, casting={casting!r}")
        return super().astype(onp.dtype(dtype), copy=copy)

    def as_in_ctx(self, ctx: Context) -> ndarray:
        return self.as_in_context(ctx)

    def to_device(self, device: Context) -> ndarray:
        return self.as_in_context(device)

    @property
    def dtype(self) -> onp.dtype:  # type: ignore[override]
        """A numpy dtype object (legacy NDArray gives the scalar type), as MXNet's np does."""
        return self._data.dtype

    @property
    def device(self) -> Context:
        return self.context

    # -- Python protocols
    # ---------------------------------------------------------------------------------------
    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of unsized object")
        return self._data.shape[0]

    def __iter__(self) -> Any:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size == 1:
            return bool(self._data.reshape(()))
        if self._data.size == 0:
            raise ValueError("The truth value of an empty ndarray is ambiguous")
        raise ValueError("The truth value of an ndarray with multiple elements is ambiguous.")

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub":
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return int(self.item())

    __hash__ = NDArray.__hash__

    def __repr__(self) -> str:
        """NumPy's ``array(...)`` form; the dtype is shown unless it is float32 (MXNet's
        default) or bool."""
        text = onp.array2string(self._data, separator=", ", prefix="array(")
        if self._data.size == 0:
            text = f"[], shape={self.shape}"
        dtype = self._data.dtype
        if dtype in (onp.float32, onp.bool_):
            return f"array({text})"
        return f"array({text}, dtype={dtype.name})"

    def __str__(self) -> str:
        return str(self._data)


# The legacy ``nd`` functions refuse this type: see Note [Legacy operators refuse np.ndarray].
_nd_namespace.numpy_array_type = ndarray
