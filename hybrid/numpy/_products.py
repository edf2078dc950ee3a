"""Products of ``mx.np`` beyond ``dot``/``matmul``: ``einsum`` (the ``_npi_einsum`` op),
``tensordot``, ``inner``, ``outer`` and ``vdot`` (compositions of ``transpose``, ``reshape`` and
``dot``), all with gradients."""

from __future__ import annotations

from typing import Any

import numpy as onp

from ..base import HybridError
from . import _core
from ._dispatch import asarray_like, call

__all__ = ["einsum", "tensordot", "inner", "outer", "vdot"]


def einsum(*operands: Any, **kwargs: Any) -> Any:
    """Einstein summation: ``einsum(subscripts, *arrays, out=None, optimize=False)``."""
    if not operands or not isinstance(operands[0], str):
        raise HybridError("np.einsum: the first argument must be the subscripts string")
    out = kwargs.pop("out", None)
    optimize = bool(kwargs.pop("optimize", False))
    if kwargs:
        raise HybridError(f"np.einsum: unsupported arguments {', '.join(kwargs)}")
    arrays = [asarray_like(a) for a in operands[1:]]
    y = call("_npi_einsum", *arrays, subscripts=operands[0], optimize=int(optimize))
    if out is not None:
        out[...] = y
        return out
    return y


def _axes_pair(axes: Any, a_ndim: int) -> tuple[list, list]:
    if isinstance(axes, (int, onp.integer)):
        n = int(axes)
        return list(range(a_ndim - n, a_ndim)), list(range(n))
    a_axes, b_axes = axes
    a_axes = [a_axes] if isinstance(a_axes, (int, onp.integer)) else list(a_axes)
    b_axes = [b_axes] if isinstance(b_axes, (int, onp.integer)) else list(b_axes)
    return a_axes, b_axes


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """The sum of products over ``axes`` (the last ``axes`` of ``a`` with the first of ``b``,
    or two lists of axes)."""
    a, b = asarray_like(a), asarray_like(b)
    a_axes, b_axes = _axes_pair(axes, a.ndim)
    a_axes = [d % a.ndim for d in a_axes]
    b_axes = [d % b.ndim for d in b_axes]
    if len(a_axes) != len(b_axes) or any(a.shape[i] != b.shape[j]
                                         for i, j in zip(a_axes, b_axes)):
        raise HybridError(f"np.tensordot: axes {a_axes} of {a.shape} do not match axes "
                          f"{b_axes} of {b.shape}")
    a_free = [d for d in range(a.ndim) if d not in a_axes]
    b_free = [d for d in range(b.ndim) if d not in b_axes]
    k = int(onp.prod([a.shape[d] for d in a_axes]))
    at = call("transpose", a, axes=tuple(a_free + a_axes)).reshape((-1, k))
    bt = call("transpose", b, axes=tuple(b_axes + b_free)).reshape((k, -1))
    shape = tuple(a.shape[d] for d in a_free) + tuple(b.shape[d] for d in b_free)
    return call("dot", at, bt).reshape(shape)


def inner(a: Any, b: Any) -> Any:
    """The sum of products over the last axes of ``a`` and ``b``."""
    a, b = asarray_like(a), asarray_like(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a: Any, b: Any) -> Any:
    """``out[i, j] = a.ravel()[i] * b.ravel()[j]``."""
    a, b = asarray_like(a).reshape((-1, 1)), asarray_like(b).reshape((1, -1))
    return a * b


def vdot(a: Any, b: Any) -> Any:
    """The dot product of the flattened arrays."""
    return _core.dot(asarray_like(a).reshape((-1,)), asarray_like(b).reshape((-1,)))
