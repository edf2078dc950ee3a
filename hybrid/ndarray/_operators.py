"""MXNet's binary arithmetic and comparison operators, shared by NDArray and Symbol: the op table
(_BINARY, and _IN_PLACE for the NDArray ``__i<op>__`` forms), ``binary`` and ``add_operators``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base import HybridError, numeric_types
from ..ops.registry import get_op, invoke
from ..util import is_np_array

# Binary operators: (method, array-array op, array-scalar op, scalar-array op for the reflected
# form).
_BINARY = [
    ("add", "broadcast_add", "_plus_scalar", "_plus_scalar"),
    ("sub", "broadcast_sub", "_minus_scalar", "_rminus_scalar"),
    ("mul", "broadcast_mul", "_mul_scalar", "_mul_scalar"),
    ("truediv", "broadcast_div", "_div_scalar", "_rdiv_scalar"),
    ("mod", "broadcast_mod", "_mod_scalar", "_rmod_scalar"),
    ("pow", "broadcast_power", "_power_scalar", "_rpower_scalar"),
    ("eq", "broadcast_equal", "_equal_scalar", "_equal_scalar"),
    ("ne", "broadcast_not_equal", "_not_equal_scalar", "_not_equal_scalar"),
    ("gt", "broadcast_greater", "_greater_scalar", "_lesser_scalar"),
    ("ge", "broadcast_greater_equal", "_greater_equal_scalar", "_lesser_equal_scalar"),
    ("lt", "broadcast_lesser", "_lesser_scalar", "_greater_scalar"),
    ("le", "broadcast_lesser_equal", "_lesser_equal_scalar", "_greater_equal_scalar"),
]
_IN_PLACE = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "truediv": np.true_divide,
    "mod": np.mod,
    "pow": np.power,
}


def binary(lhs: Any, rhs: Any, array_op: str, scalar_op: str, rscalar_op: str) -> Any:
    """``lhs <op> rhs`` where either side may be a Python number (MXNet's nd.add, nd.subtract,
    ...).
    """
    if isinstance(rhs, numeric_types):
        if isinstance(lhs, numeric_types):
            raise HybridError(f"{array_op}: at least one operand must be an array")
        return invoke(get_op(scalar_op), (lhs,), {"scalar": float(rhs), "is_int": True})
    if isinstance(lhs, numeric_types):
        return invoke(get_op(rscalar_op), (rhs,), {"scalar": float(lhs), "is_int": True})
    if isinstance(rhs, np.ndarray) or isinstance(lhs, np.ndarray):
        raise HybridError(f"{array_op}: got a numpy array; wrap it with nd.array() first")
    return invoke(get_op(array_op), (lhs, rhs), {})


def add_operators(cls: type, legacy_ops: dict | None = None) -> None:
    """Give ``cls`` (NDArray, Symbol) MXNet's arithmetic and comparison operators from _BINARY.
    ``legacy_ops`` replaces some array-array ops outside numpy mode: MXNet's Symbol ``+ - * /``
    are its ``elemwise_*`` ops, which do not broadcast, while numpy-mode symbols broadcast.
    """
    for method, array_op, scalar_op, rscalar_op in _BINARY:
        legacy_op = (legacy_ops or {}).get(array_op, array_op)
        _add_operator(cls, method, array_op, legacy_op, scalar_op, rscalar_op)
    cls.__div__ = cls.__truediv__
    cls.__rdiv__ = cls.__rtruediv__


def _add_operator(cls: type, method: str, array_op: str, legacy_op: str, scalar_op: str,
                  rscalar_op: str) -> None:
    mode_aware = legacy_op != array_op  # only then is the mode looked up, once per call

    def forward_fn(self: Any, other: Any) -> Any:
        op = legacy_op if mode_aware and not is_np_array() else array_op
        return binary(self, other, op, scalar_op, rscalar_op)

    def reflected_fn(self: Any, other: Any) -> Any:
        op = legacy_op if mode_aware and not is_np_array() else array_op
        return binary(other, self, op, scalar_op, rscalar_op)

    forward_fn.__name__ = f"__{method}__"
    setattr(cls, forward_fn.__name__, forward_fn)
    if method not in ("eq", "ne", "gt", "ge", "lt", "le"):
        reflected_fn.__name__ = f"__r{method}__"
        setattr(cls, reflected_fn.__name__, reflected_fn)
