"""Lowerings of the shape ops (``hybrid/ops/shape.py``), and the run-time shape helpers that the
other tensor-manipulation lowerings share.

Note [Dynamic dims in lowerings]
The exporter gives graph inputs a symbolic batch axis, while ``Call`` carries the traced shapes.
Wherever an op's output copies a dim from an input (MXNet's reshape codes 0, -1, -2, -3,
``reshape_like``, ``*_like`` ops, the length of a whole axis), the lowering reads that dim at run
time with ``Shape`` instead of baking the traced value into a constant; constants are only used
for dims the op's attributes fix.
"""

from __future__ import annotations

import math

import numpy as np

from hybrid.ops._util import normalize_axis
from hybrid.ops.shape import permutation, reshape_terms

from ..builder import Builder, Call, onnx_type
from . import lowering

INT_MAX = np.iinfo(np.int64).max
INT_MIN = np.iinfo(np.int64).min


def shape_of(ctx: Builder, x: str, start: int = 0, end: int | None = None) -> str:
    """``x.shape[start:end]`` at run time, as an int64 1-D tensor."""
    if ctx.opset >= 15:
        # Shape takes start/end from opset 15 on; before it, slice the whole shape.
        return ctx.node("Shape", [x], start=start or None, end=end)
    s = ctx.node("Shape", [x])
    if start == 0 and end is None:
        return s
    return ctx.node("Slice", [s, ctx.ints([start]), ctx.ints([INT_MAX if end is None else end])])


def dims_at(ctx: Builder, x: str, axes: list[int]) -> str:
    """``[x.shape[a] for a in axes]`` at run time, as an int64 1-D tensor."""
    if len(axes) == 1:
        return shape_of(ctx, x, axes[0], axes[0] + 1)
    return ctx.node("Gather", [ctx.node("Shape", [x]), ctx.ints(axes)])


def dim_scalar(ctx: Builder, x: str, axis: int) -> str:
    """``x.shape[axis]`` at run time, as an int64 0-d tensor (for Clip/Mod bounds)."""
    return ctx.node("Gather", [ctx.node("Shape", [x]), ctx.const(np.int64(axis))])


def reshape(ctx: Builder, x: str, in_shape: tuple, target: list[int]) -> str:
    """``Reshape(x, target)`` with fixed dims and at most one -1, or ``x`` when the shape stays
    the same.
    """
    fixed = math.prod(d for d in target if d != -1)
    resolved = [math.prod(in_shape) // fixed if d == -1 and fixed else d for d in target]
    if tuple(in_shape) == tuple(resolved):
        return x
    return ctx.node("Reshape", [x, ctx.ints(target)])


def cast(ctx: Builder, x: str, from_dtype: np.dtype, to_dtype: np.dtype) -> str:
    """``Cast(x)``, or ``x`` when the dtype does not change."""
    if np.dtype(from_dtype) == np.dtype(to_dtype):
        return x
    return ctx.node("Cast", [x], to=onnx_type(to_dtype))


def _term_tensor(ctx: Builder, x: str, term: tuple) -> str:
    """One run-time output dim of a reshape, as an int64 1-D tensor of one element."""
    if term[0] == "dim":
        return dims_at(ctx, x, [term[1]])
    if term[0] == "prod":
        return ctx.node("ReduceProd", [shape_of(ctx, x, term[1], term[1] + 2)], keepdims=1)
    return ctx.node("Div", [dims_at(ctx, x, [term[1]]), ctx.ints([term[2]])])


@lowering("Reshape")
def _reshape(ctx: Builder, n: Call) -> str:
    x, shape = n.inputs[0], n.in_shapes[0]
    if tuple(shape) == tuple(n.out_shapes[0]):
        return x
    terms, _ = reshape_terms("Reshape", n.attrs["shape"], len(shape), n.attrs["reverse"])
    return reshape_by_terms(ctx, x, terms)


def reshape_by_terms(ctx: Builder, x: str, terms: list) -> str:
    """``Reshape(x)`` to the output dims ``terms`` of :func:`hybrid.ops.shape.reshape_terms`,
    reading the dims that copy input dims at run time."""
    # ONNX's Reshape copies the input dim at the same position for a 0 and infers one -1: a dim
    # MXNet copies in place becomes 0, and the first run-time dim left, if no -1 is taken, -1.
    terms = [0 if t == ("dim", i) else t for i, t in enumerate(terms)]
    runtime = [i for i, t in enumerate(terms) if isinstance(t, tuple)]
    if runtime and -1 not in terms:
        terms[runtime[0]] = -1
    if all(isinstance(t, int) for t in terms):
        return ctx.node("Reshape", [x, ctx.ints(terms)])
    pieces, fixed = [], []
    for t in terms:
        if isinstance(t, int):
            fixed.append(t)
            continue
        if fixed:
            pieces.append(ctx.ints(fixed))
            fixed = []
        pieces.append(_term_tensor(ctx, x, t))
    if fixed:
        pieces.append(ctx.ints(fixed))
    return ctx.node("Reshape", [x, ctx.node("Concat", pieces, axis=0)])


@lowering("reshape_like")
def _reshape_like(ctx: Builder, n: Call) -> str:
    (lhs, rhs), (ls, rs) = n.inputs, n.in_shapes
    if tuple(ls) == tuple(n.out_shapes[0]):
        return lhs
    a = n.attrs
    l0, l1 = slice(a["lhs_begin"], a["lhs_end"]).indices(len(ls))[:2]
    r0, r1 = slice(a["rhs_begin"], a["rhs_end"]).indices(len(rs))[:2]
    parts = [(lhs, 0, l0, len(ls)), (rhs, r0, r1, len(rs)), (lhs, l1, len(ls), len(ls))]
    pieces = [shape_of(ctx, t, b, None if e == nd else e) for t, b, e, nd in parts if e > b]
    target = pieces[0] if len(pieces) == 1 else ctx.node("Concat", pieces, axis=0)
    return ctx.node("Reshape", [lhs, target])


@lowering("Flatten")
def _flatten(ctx: Builder, n: Call) -> str:
    if len(n.in_shapes[0]) == 2:
        return n.inputs[0]
    return ctx.node("Flatten", n.inputs, axis=1)


@lowering("expand_dims")
def _expand_dims(ctx: Builder, n: Call) -> str:
    axis = normalize_axis("expand_dims", n.attrs["axis"], len(n.in_shapes[0]) + 1)
    return ctx.node("Unsqueeze", [n.inputs[0], ctx.ints([axis])])


@lowering("squeeze")
def _squeeze(ctx: Builder, n: Call) -> str:
    x, shape, axis = n.inputs[0], n.in_shapes[0], n.attrs["axis"]
    if axis is None:
        axes = [i for i, d in enumerate(shape) if d == 1]
    else:
        axes = sorted({normalize_axis("squeeze", a, len(shape)) for a in np.atleast_1d(axis)})
    if not axes:
        return x
    if len(axes) == len(shape):
        # Every axis goes: MXNet keeps one, so the result is (1,) rather than a 0-d tensor (-1,
        # not 1, so that a traced batch of 1 still flattens a larger run-time batch).
        return reshape(ctx, x, shape, [-1])
    return ctx.node("Squeeze", [x, ctx.ints(axes)])


def transpose(ctx: Builder, x: str, perm: list[int]) -> str:
    """``Transpose(x, perm)``, or ``x`` for the identity permutation."""
    if list(perm) == sorted(perm):
        return x
    return ctx.node("Transpose", [x], perm=list(perm))


@lowering("transpose")
def _transpose(ctx: Builder, n: Call) -> str:
    return transpose(ctx, n.inputs[0], list(permutation(n.attrs["axes"], len(n.in_shapes[0]))))


@lowering("SwapAxis")
def _swap_axis(ctx: Builder, n: Call) -> str:
    ndim = len(n.in_shapes[0])
    a, b = (normalize_axis("SwapAxis", n.attrs[k], ndim) for k in ("dim1", "dim2"))
    perm = list(range(ndim))
    perm[a], perm[b] = b, a
    return transpose(ctx, n.inputs[0], perm)


@lowering("Cast")
def _cast(ctx: Builder, n: Call) -> str:
    return cast(ctx, n.inputs[0], n.in_dtypes[0], n.attrs["dtype"])
