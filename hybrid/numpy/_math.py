"""Elementwise math of ``mx.np`` beyond the core: trigonometric, hyperbolic, rounding, logarithms,
the floating-point class tests, bitwise ops and the binary functions ``arctan2``, ``hypot``,
``copysign``, ``ldexp``, ``lcm``.

Every function runs a registered op through ``call``. MXNet 1.9.1's dtype rules (checked against
it): a unary function keeps an integer input's dtype and computes bool input in float32; a Python
scalar in gives a Python float out; a binary function needs both arrays in one dtype and takes a
Python scalar in the array's dtype.
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as onp

from ..base import HybridError
from ._dispatch import asarray_like, call
from ._operators import cast

_FLOAT32 = onp.dtype(onp.float32)
_FLOAT64 = onp.dtype(onp.float64)
_BOOL = onp.dtype(onp.bool_)

# numpy name -> registered op, for unary functions with MXNet's dtype rule above.
_UNARY = {
    "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "arcsin", "arccos": "arccos",
    "arctan": "arctan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "arcsinh": "arcsinh",
    "arccosh": "arccosh", "arctanh": "arctanh", "degrees": "degrees", "rad2deg": "degrees",
    "radians": "radians", "deg2rad": "radians", "expm1": "expm1", "log10": "log10",
    "log1p": "log1p", "log2": "log2", "cbrt": "cbrt", "ceil": "ceil", "floor": "floor",
    "trunc": "trunc", "fix": "fix", "rint": "rint", "sign": "sign", "reciprocal": "reciprocal",
    "fabs": "abs",
}
# numpy name -> op, for the bool-valued class tests.
_CLASS_TESTS = {
    "isnan": "_npi_isnan", "isinf": "_npi_isinf", "isposinf": "_npi_isposinf",
    "isneginf": "_npi_isneginf", "isfinite": "_npi_isfinite",
}
_BINARY = {
    "arctan2": "_npi_arctan2", "hypot": "broadcast_hypot", "copysign": "_npi_copysign",
    "ldexp": "_npi_ldexp", "lcm": "_npi_lcm", "bitwise_and": "_npi_bitwise_and",
    "bitwise_or": "_npi_bitwise_or", "bitwise_xor": "_npi_bitwise_xor",
}
_INTEGER_ONLY = frozenset(("lcm", "bitwise_and", "bitwise_or", "bitwise_xor"))

__all__ = [*_UNARY, *_CLASS_TESTS, *_BINARY, "invert", "bitwise_not", "logical_not", "positive"]


def _write(y: Any, out: Any) -> Any:
    """``y``, or ``out`` holding it when given (MXNet's ``out=``)."""
    if out is None:
        return y
    out[...] = y
    return out


def _scalar_call(op_name: str, *xs: Number) -> Any:
    """A Python number from ``op_name`` on Python numbers (MXNet computes these in float64)."""
    arrays = [asarray_like(onp.asarray(x, dtype=_FLOAT64)) for x in xs]
    return call(op_name, *arrays).item()


def _unary(name: str, op_name: str):
    def fn(x: Any, out: Any = None, **kwargs: Any) -> Any:
        if isinstance(x, Number):
            return _scalar_call(op_name, x)
        x = asarray_like(x)
        dtype = getattr(x, "_data", onp.empty(0, _FLOAT32)).dtype
        if dtype == _BOOL:
            y = call(op_name, cast(x, _FLOAT32))
        elif dtype.kind in "iu":
            # NOTE: MXNet computes integer inputs in floating point and keeps the integer dtype.
            y = cast(call(op_name, cast(x, _FLOAT32)), dtype)
        else:
            y = call(op_name, x)
        return _write(y, out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name}(x)`` elementwise (the ``{op_name}`` op)."
    return fn


def _class_test(name: str, op_name: str):
    def fn(x: Any, out: Any = None, **kwargs: Any) -> Any:
        if isinstance(x, Number):
            return bool(_scalar_call(op_name, x))
        x = asarray_like(x)
        data = getattr(x, "_data", None)
        if data is not None and data.dtype.kind != "f":
            x = cast(x, _FLOAT32)
        return _write(call(op_name, x), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name}(x)``: a bool array, True where the test holds."
    return fn


def _pair(name: str, x1: Any, x2: Any) -> tuple[Any, Any]:
    """Two inputs of one dtype: a Python scalar takes the array's dtype."""
    if isinstance(x1, Number) and not isinstance(x2, Number):
        x2 = asarray_like(x2)
        return asarray_like(x1, dtype=_dtype_of(x2, x1)), x2
    if isinstance(x2, Number):
        x1 = asarray_like(x1)
        return x1, asarray_like(x2, dtype=_dtype_of(x1, x2))
    x1, x2 = asarray_like(x1), asarray_like(x2)
    a, b = getattr(x1, "_data", None), getattr(x2, "_data", None)
    if a is not None and b is not None and a.dtype != b.dtype:
        raise HybridError(f"np.{name}: x1 and x2 must have one dtype (as in MXNet 1.9.1), got "
                          f"{a.dtype} and {b.dtype}")
    return x1, x2


def _dtype_of(array: Any, scalar: Number) -> Any:
    data = getattr(array, "_data", None)
    if data is None:
        return None
    if data.dtype.kind in "iub" and isinstance(scalar, float):
        return _FLOAT32
    return data.dtype


def _binary(name: str, op_name: str):
    def fn(x1: Any, x2: Any, out: Any = None, **kwargs: Any) -> Any:
        if isinstance(x1, Number) and isinstance(x2, Number):
            if name in _INTEGER_ONLY:
                return getattr(onp, name)(x1, x2).item()
            return _scalar_call(op_name, x1, x2)
        x1, x2 = _pair(name, x1, x2)
        data = getattr(x1, "_data", None)
        if name in _INTEGER_ONLY and data is not None and data.dtype.kind not in "iub":
            raise HybridError(f"np.{name}: needs integer or bool arrays, got {data.dtype}")
        if data is not None and data.dtype.kind in "iub" and name not in _INTEGER_ONLY:
            # NOTE: as for unary functions, integer inputs compute in float and keep their dtype.
            y = call(op_name, cast(x1, _FLOAT32), cast(x2, _FLOAT32))
            return _write(cast(y, data.dtype), out)
        return _write(call(op_name, x1, x2), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name}(x1, x2)`` elementwise with broadcasting (the ``{op_name}`` op)."
    return fn


globals().update({n: _unary(n, o) for n, o in _UNARY.items()})
globals().update({n: _class_test(n, o) for n, o in _CLASS_TESTS.items()})
globals().update({n: _binary(n, o) for n, o in _BINARY.items()})


def invert(x: Any, out: Any = None, **kwargs: Any) -> Any:
    """``~x``: bitwise NOT of integer arrays, logical NOT of bool arrays."""
    x = asarray_like(x)
    data = getattr(x, "_data", None)
    if data is not None and data.dtype.kind not in "iub":
        raise HybridError(f"np.invert: needs integer or bool arrays, got {data.dtype}")
    return _write(call("_npi_bitwise_not", x), out)


bitwise_not = invert


def logical_not(x: Any, out: Any = None, **kwargs: Any) -> Any:
    """``not x`` elementwise, as a bool array."""
    if isinstance(x, Number):
        return not x
    return _write(cast(call("logical_not", asarray_like(x)), _BOOL), out)


def positive(x: Any, out: Any = None, **kwargs: Any) -> Any:
    """``+x``: a copy of ``x``."""
    return _write(call("_copy", asarray_like(x)), out)
