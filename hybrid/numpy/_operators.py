"""Arithmetic and comparison operators of ``np.ndarray`` with MXNet's NumPy type promotion.

Note [MXNet NumPy type promotion] (measured on MXNet 1.9.1):
- array with array: equal dtypes stay; bool gives way to the other; a float beats an integer (the
  float's own width: int64 + float16 is float16); two floats or two integers take the wider, and
  int8 with uint8 gives int32 (MXNet has no int16 result). ``/`` of two integer arrays is float32.
- array with a Python or numpy scalar: the array's dtype wins (int32 + 1.5 is int32, the scalar
  cast to int first), except that a bool array computes in int64 and ``/`` of an integer or bool
  array gives float32.
- comparisons give bool arrays.
Each operand is cast (a taped ``Cast``) to the result dtype before the op runs, so the op's numpy
forward already produces it.
"""

from __future__ import annotations

from typing import Any

import numpy as onp

from ..base import HybridError, legacy_array_expected, numeric_types, numpy_array_expected
from ..ndarray.ndarray import NDArray
from ..ops.registry import get_op, invoke
from ._dispatch import _as_input
from .ndarray import ndarray

__all__ = ["binary", "result_type", "cast"]

# method: (array-array op, array-scalar op, scalar-array op)
_TABLE = {
    "add": ("broadcast_add", "_plus_scalar", "_plus_scalar"),
    "sub": ("broadcast_sub", "_minus_scalar", "_rminus_scalar"),
    "mul": ("broadcast_mul", "_mul_scalar", "_mul_scalar"),
    "truediv": ("broadcast_div", "_div_scalar", "_rdiv_scalar"),
    "mod": ("broadcast_mod", "_mod_scalar", "_rmod_scalar"),
    "pow": ("broadcast_power", "_power_scalar", "_rpower_scalar"),
    "maximum": ("broadcast_maximum", "_maximum_scalar", "_maximum_scalar"),
    "minimum": ("broadcast_minimum", "_minimum_scalar", "_minimum_scalar"),
    "eq": ("broadcast_equal", "_equal_scalar", "_equal_scalar"),
    "ne": ("broadcast_not_equal", "_not_equal_scalar", "_not_equal_scalar"),
    "gt": ("broadcast_greater", "_greater_scalar", "_lesser_scalar"),
    "ge": ("broadcast_greater_equal", "_greater_equal_scalar", "_lesser_equal_scalar"),
    "lt": ("broadcast_lesser", "_lesser_scalar", "_greater_scalar"),
    "le": ("broadcast_lesser_equal", "_lesser_equal_scalar", "_greater_equal_scalar"),
}
_OPS = {method: tuple(get_op(name) for name in names) for method, names in _TABLE.items()}
_COMPARISONS = frozenset(("eq", "ne", "gt", "ge", "lt", "le"))
_NO_ATTRS: dict = {}
_CAST = get_op("Cast")
_BOOL = onp.dtype(onp.bool_)
_FLOAT32 = onp.dtype(onp.float32)
_INT64 = onp.dtype(onp.int64)


def result_type(a: onp.dtype, b: onp.dtype) -> onp.dtype:
    """The dtype MXNet's NumPy ops compute two arrays of dtypes ``a`` and ``b`` in (see Note
    [MXNet NumPy type promotion])."""
    if a == b or b == _BOOL:
        return a
    if a == _BOOL:
        return b
    a_float, b_float = a.kind == "f", b.kind == "f"
    if a_float != b_float:
        return a if a_float else b
    if a_float:
        return a if a.itemsize >= b.itemsize else b
    out = onp.promote_types(a, b)
    return onp.dtype(onp.int32) if out.itemsize < 4 and out != a and out != b else out


def cast(x: Any, dtype: onp.dtype) -> Any:
    """``x`` cast to ``dtype`` on the tape (``x`` itself when it already has it, or is a
    Symbol)."""
    data = getattr(x, "_data", None)
    if data is None or data.dtype == dtype:
        return x
    return invoke(_CAST, (x,), {"dtype": dtype})


def binary(lhs: Any, rhs: Any, method: str) -> Any:
    """``lhs <method> rhs`` for arrays or scalars on either side, with MXNet's promotion."""
    array_op, scalar_op, rscalar_op = _OPS[method]
    if (lhs.__class__ is ndarray and rhs.__class__ is ndarray and method != "truediv"
            and lhs._data.dtype == rhs._data.dtype):  # the common case: nothing to promote
        y = invoke(array_op, (lhs, rhs), _NO_ATTRS)
        return cast(y, _BOOL) if method in _COMPARISONS else y
    if isinstance(rhs, numeric_types):
        if isinstance(lhs, numeric_types):
            raise HybridError(f"{method}: at least one operand must be an array")
        return _with_scalar(_operand(method, lhs), rhs, method, scalar_op)
    if isinstance(lhs, numeric_types):
        return _with_scalar(_operand(method, rhs), lhs, method, rscalar_op)
    for operand in (lhs, rhs):
        if not isinstance(operand, NDArray) and not hasattr(operand, "_is_symbol"):
            # MXNet's rule: no implicit conversion of lists, numpy arrays or None.
            raise TypeError(f"{method}: type {type(operand)} not supported")
    lhs, rhs = _as_input(method, lhs), _as_input(method, rhs)
    a, b = getattr(lhs, "_data", None), getattr(rhs, "_data", None)
    if a is not None and b is not None and a.dtype != b.dtype or method == "truediv":
        dtype = result_type(a.dtype, b.dtype) if a is not None and b is not None else None
        if method == "truediv" and dtype is not None and dtype.kind in "biu":
            dtype = _FLOAT32
        if dtype is not None:
            lhs, rhs = cast(lhs, dtype), cast(rhs, dtype)
    y = invoke(array_op, (lhs, rhs), _NO_ATTRS)
    return cast(y, _BOOL) if method in _COMPARISONS else y


def _operand(method: str, x: Any) -> Any:
    if x.__class__ is ndarray or hasattr(x, "_is_symbol"):
        return x
    if isinstance(x, NDArray):
        return _as_input(method, x)  # refuses a legacy NDArray with the set_np advice
    raise TypeError(f"{method}: type {type(x)} not supported")


def _with_scalar(x: Any, scalar: Any, method: str, op: Any) -> Any:
    data = getattr(x, "_data", None)
    if data is not None and method not in _COMPARISONS:
        if method == "truediv" and data.dtype.kind in "biu":
            x = cast(x, _FLOAT32)
        elif data.dtype == _BOOL:
            x = cast(x, _INT64)
    y = invoke(op, (x,), {"scalar": float(scalar), "is_int": True})
    return cast(y, _BOOL) if method in _COMPARISONS else y


def _install() -> None:
    for method in _TABLE:
        if method in ("maximum", "minimum"):
            continue

        def forward(self: Any, other: Any, method: str = method) -> Any:
            return binary(self, other, method)

        def reflected(self: Any, other: Any, method: str = method) -> Any:
            if other.__class__ is NDArray:  # ``nd_array + np_array``: the legacy operator's error
                raise legacy_array_expected(f"NDArray.__{method}__ (operator {_TABLE[method][0]})")
            return binary(other, self, method)

        forward.__name__ = f"__{method}__"
        setattr(ndarray, forward.__name__, forward)
        if method not in _COMPARISONS:
            reflected.__name__ = f"__r{method}__"
            setattr(ndarray, reflected.__name__, reflected)
    for method in ("add", "sub", "mul", "truediv", "mod", "pow"):
        _refuse_legacy_in_place(f"__i{method}__")
    negative = get_op("negative")
    ndarray.__neg__ = lambda self: invoke(negative, (self,), _NO_ATTRS)
    ndarray.__matmul__ = lambda self, other: _matmul(self, other)
    ndarray.__rmatmul__ = lambda self, other: _matmul(other, self)
    ndarray.__hash__ = object.__hash__


def _refuse_legacy_in_place(name: str) -> None:
    """``x += legacy_array`` raises MXNet's TypeError; otherwise NDArray's in-place form runs."""
    in_place = getattr(NDArray, name)

    def method(self: Any, other: Any) -> Any:
        if other.__class__ is NDArray:
            raise numpy_array_expected(f"np.ndarray.{name}")
        return in_place(self, other)

    method.__name__ = name
    setattr(ndarray, name, method)


def _matmul(a: Any, b: Any) -> Any:
    from ._core import matmul

    return matmul(a, b)


_install()
