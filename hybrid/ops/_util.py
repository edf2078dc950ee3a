"""Helpers shared by op rules: gradient unbroadcasting, axis normalisation, broadcast shapes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..base import ShapeError

__all__ = ["unbroadcast", "normalize_axis", "broadcast_shapes", "same_dtype", "complete_shape"]


# Note [Broadcast gradients]
# A broadcasting op's output can be larger than an input: numpy repeated the input along the axes
# it lacked or
# had as size 1. Each repeated element contributed once, so the input's gradient is the output
# gradient summed
# over exactly those axes, then reshaped to the input's shape. `unbroadcast` is the one place this
# is written.
def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` down to ``shape`` (see Note [Broadcast gradients])."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, d in enumerate(shape) if d == 1 and g.shape[i + lead] != 1
    )
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


def normalize_axis(op: str, axis: int, ndim: int) -> int:
    """``axis`` in ``[0, ndim)``, accepting negative values; a clear error otherwise."""
    if not -ndim <= axis < ndim:
        raise ShapeError(f"{op}: axis {axis} is out of range for an input with {ndim} dimensions")
    return axis % ndim


def normalize_axes(op: str, axis: Any, ndim: int) -> tuple[int, ...]:
    """A sorted tuple of axes from None (all), an int or a sequence."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    axes = tuple(sorted({normalize_axis(op, a, ndim) for a in axis}))
    if len(axes) != len(tuple(axis)):
        raise ShapeError(f"{op}: repeated axis in {axis}")
    return axes


def broadcast_shapes(
    op: str, a: Sequence[int] | None, b: Sequence[int] | None
) -> tuple[int, ...] | None:
    """numpy's broadcast of two shapes, where 0 is an unknown dim; a clear error when they clash."""
    if a is None or b is None:
        return None
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + tuple(a)
    b = (1,) * (n - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        elif x == 0 or y == 0:
            out.append(max(x, y))
        else:
            raise ShapeError(f"{op}: shapes {tuple(a)} and {tuple(b)} do not broadcast")
    return tuple(out)


def same_dtype(op: str, dtypes: Sequence[Any]) -> Any:
    """The common dtype of inputs that must agree (None entries are unknown)."""
    known = [np.dtype(d) for d in dtypes if d is not None]
    if any(d != known[0] for d in known[1:]):
        names = ", ".join(str(d) for d in known)
        raise ShapeError(f"{op}: inputs must have one dtype, got {names}")
    return known[0] if known else None


def complete_shape(
    op: str, name: str, given: Sequence[int] | None, expected: Sequence[int], source: str
) -> tuple[int, ...]:
    """The shape of input ``name``: ``given`` with its unknown (0) dims filled from ``expected``
    (whose own 0 dims are unknown too), or ``expected`` when ``given`` is None. A ShapeError
    names the op, the input, both shapes and where the expectation comes from (``source``) when
    a known dim or the rank disagrees.
    """
    if given is None:
        return tuple(expected)
    given = tuple(given)
    if len(given) != len(expected) or any(g and e and g != e for g, e in zip(given, expected)):
        raise ShapeError(
            f"{op}: {name} has shape {given}, expected {tuple(expected)} from {source}"
        )
    return tuple(g or e for g, e in zip(given, expected))


def split_terms(j: int, d1: int, d2: int) -> list:
    """The two output terms of input dim ``j`` split into ``(d1, d2)``, one of which may be -1."""
    div = ("div", j, d2 if d1 == -1 else d1)
    return [div, d2] if d1 == -1 else [d1, div if d2 == -1 else d2]


def term_value(t: Any, shape: tuple) -> int:
    """The output dim a term of :func:`hybrid.ops.shape.reshape_terms` gives on ``shape``."""
    if isinstance(t, int):
        return t
    if t[0] == "dim":
        return shape[t[1]]
    if t[0] == "prod":
        return shape[t[1]] * shape[t[1] + 1]
    return shape[t[1]] // t[2]


def round_half_away(x: np.ndarray) -> np.ndarray:
    """``x`` rounded half away from zero (MXNet's rule, unlike numpy's half to even)."""
    return np.copysign(np.floor(np.abs(x) + 0.5), x).astype(x.dtype, copy=False)
