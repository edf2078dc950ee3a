"""``nd.sparse``: MXNet's sparse namespace over hybrid's dense arrays.

hybrid stores every array dense (sparse storage is out of scope, see ``hybrid.api_coverage``).
What MXNet's ``nd.sparse`` offers on default storage is here as the same objects ``nd`` has: the
ops (``nd.sparse.dot`` is ``nd.dot``), the arithmetic helpers, and ``zeros``/``empty`` with
``stype='default'``. What needs CSR or row-sparse storage (``csr_matrix``, ``row_sparse_array``,
``retain``, a sparse ``stype``) raises an error saying so, so a script importing this module runs
up to the first sparse array it really makes.
"""

from __future__ import annotations

import builtins
from typing import Any

from ..base import HybridError, check_call  # noqa: F401  (MXNet's module re-exports it)
from ..context import current_context  # noqa: F401  (MXNet's module re-exports it)
from .ndarray import NDArray

py_sum = builtins.sum  # MXNet's module keeps the builtin under this name


class BaseSparseNDArray(NDArray):
    """MXNet's base of the sparse array types; never instantiated in hybrid (dense only)."""

    def __init__(self, *args: Any, **kwargs: Any):
        _refuse(type(self).__name__)


class CSRNDArray(BaseSparseNDArray):
    """MXNet's compressed-sparse-row array type; hybrid has no CSR storage."""


class RowSparseNDArray(BaseSparseNDArray):
    """MXNet's row-sparse array type; hybrid has no row-sparse storage."""


def _refuse(what: str) -> None:
    raise HybridError(
        f"nd.sparse.{what}: sparse (CSR/row_sparse) storage is not supported; hybrid's arrays "
        "are dense (use nd.array on the dense values, or tostype('default') in MXNet first)"
    )


def csr_matrix(arg1: Any, shape: Any = None, ctx: Any = None, dtype: Any = None) -> NDArray:
    """MXNet's CSR constructor: refused, hybrid has no CSR storage."""
    _refuse("csr_matrix")


def row_sparse_array(arg1: Any, shape: Any = None, ctx: Any = None, dtype: Any = None) -> NDArray:
    """MXNet's row-sparse constructor: refused, hybrid has no row-sparse storage."""
    _refuse("row_sparse_array")


def retain(data: Any, indices: Any, out: Any = None, name: Any = None) -> NDArray:
    """MXNet's row-sparse ``retain``: refused, its input is always row-sparse."""
    _refuse("retain")


def gs_retain(*args: Any, **kwargs: Any) -> NDArray:
    """MXNet's multi-device row-sparse ``retain``: refused, its input is always row-sparse."""
    _refuse("gs_retain")


def adagrad_update(*args: Any, **kwargs: Any) -> NDArray:
    """MXNet's row-sparse AdaGrad kernel (``_sparse_adagrad_update``): refused, it takes a
    row-sparse gradient; ``optimizer.AdaGrad`` updates dense weights.
    """
    _refuse("adagrad_update")


def zeros(stype: str, shape: Any, ctx: Any = None, dtype: Any = None, **kwargs: Any) -> NDArray:
    """Zeros of storage ``stype``: ``'default'`` is ``nd.zeros``; sparse types are refused."""
    if stype != "default":
        _refuse(f"zeros(stype={stype!r})")
    from . import zeros as dense_zeros

    return dense_zeros(shape, ctx=ctx, dtype=dtype, **kwargs)


def empty(stype: str, shape: Any, ctx: Any = None, dtype: Any = None) -> NDArray:
    """An array of storage ``stype``; MXNet's accepts only the sparse types, refused here."""
    _refuse(f"empty(stype={stype!r})")


def array(source_array: Any, ctx: Any = None, dtype: Any = None) -> NDArray:
    """MXNet's sparse ``array`` (from a sparse source only): refused, hybrid has no sparse
    storage; ``nd.array`` makes the dense array.
    """
    _refuse("array")


def __getattr__(name: str) -> Any:
    # The ops and helpers MXNet's nd.sparse shares with nd (dot, add, elemwise_mul, ...) on dense
    # storage: the nd objects themselves.
    from .. import ndarray as nd

    if not name.startswith("_") and name in nd.__all__:
        return getattr(nd, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
