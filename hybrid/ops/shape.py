"""Shape ops: Reshape and its relatives, axis moves, concatenation and splitting, casting.

These ops move data without arithmetic, so each VJP moves the output gradient back the same way
(a reshape, the inverse transpose, a concatenation of the pieces, a cast to the input's dtype).
The ops that repeat data (tile, repeat, broadcast_*, Pad) live in :mod:`hybrid.ops.expand`, the
ones that join and split arrays (Concat, stack, SliceChannel) in :mod:`hybrid.ops.join`.

Note [Reshape codes]
MXNet's ``Reshape`` reads ``shape`` left to right with a cursor into the input's dims:

- ``d > 0``: the output dim is ``d``; the cursor moves past one input dim.
- ``0``: copy the input dim under the cursor.
- ``-1``: infer this dim from the total size (at most one); the cursor moves past one input dim.
- ``-2``: copy every remaining input dim.
- ``-3``: merge the two input dims under the cursor into their product.
- ``-4, d1, d2``: split the input dim under the cursor into ``(d1, d2)``; one may be -1.

With ``reverse=True`` the input dims and the codes are both read right to left and the result is
reversed back: ``(10, 5, 4)`` with ``(-1, 0)`` gives ``(40, 5)``, and ``(50, 4)`` reversed.
MXNet's parser cannot place a ``-4`` group read backwards, so ``-4`` with ``reverse`` is an error.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..base import AttrError, ShapeError
from ._util import normalize_axes, normalize_axis, split_terms, term_value
from .attrs import Attr
from .registry import Op, Sample, register

__all__ = ["reshape_target", "reshape_terms", "permutation", "legacy_shape", "known"]


def known(shape: Any) -> bool:
    """Whether a shape is fully known (not None, no 0 = unknown dims)."""
    return shape is not None and all(d > 0 for d in shape)


def legacy_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """MXNet 1.x has no 0-d arrays: a result with no dims has shape ``(1,)``."""
    return tuple(shape) if len(shape) else (1,)


def reshape_terms(
    op: str, codes: tuple[int, ...], ndim: int, reverse: bool = False
) -> tuple[list, list[tuple[int, int, int]]]:
    """MXNet's reshape ``codes`` read against ``ndim`` input dims (see Note [Reshape codes]), as
    output terms that need no concrete shape, so that eager reshapes and the ONNX lowering (which
    computes run-time dims) share one reading.

    A term is ``d > 0`` (a fixed dim), ``-1`` (inferred from the size), ``("dim", j)`` (input dim
    j), ``("prod", j)`` (input dims j and j+1 merged) or ``("div", j, c)`` (input dim j divided by
    c). The second result lists the ``-4`` splits ``(j, d1, d2)`` whose halves the input dim j must
    match (a -1 half is the other one's quotient).
    """
    if reverse and -4 in codes:
        raise AttrError(f"{op}: shape={codes} uses -4, which MXNet cannot read with reverse=True")
    seq = list(codes[::-1] if reverse else codes)
    out: list = []
    splits: list[tuple[int, int, int]] = []
    j = i = 0

    def take(k: int) -> list[int]:
        nonlocal j
        if j + k > ndim:
            raise ShapeError(f"{op}: shape={codes} reads more dims than the input's {ndim}")
        j += k
        return [ndim - 1 - d if reverse else d for d in range(j - k, j)]

    while i < len(seq):
        c = seq[i]
        if c > 0 or c == -1:
            if c == -1 and -1 in out:
                raise AttrError(f"{op}: shape={codes} has more than one -1")
            out.append(c)
            j += 1
        elif c == 0:
            out += [("dim", d) for d in take(1)]
        elif c == -2:
            out += [("dim", d) for d in take(ndim - j)]
        elif c == -3:
            out.append(("prod", min(take(2))))
        elif c == -4 and i + 2 < len(seq):
            d1, d2 = seq[i + 1 : i + 3]
            if (d1, d2) == (-1, -1) or not all(d > 0 or d == -1 for d in (d1, d2)):
                raise AttrError(
                    f"{op}: shape={codes}: -4 must be followed by two dims > 0, one may be -1"
                )
            (d0,) = take(1)
            splits.append((d0, d1, d2))
            out += split_terms(d0, d1, d2)
            i += 2
        else:
            raise AttrError(f"{op}: shape={codes} has an invalid code at position {i}")
        i += 1
    return (out[::-1] if reverse else out), splits


def reshape_target(
    op: str, codes: tuple[int, ...], shape: tuple[int, ...], reverse: bool = False
) -> tuple[int, ...]:
    """The output shape of MXNet's reshape ``codes`` on ``shape`` (see Note [Reshape codes]).

    Unknown input dims (0) give unknown output dims where they matter.
    """
    terms, splits = reshape_terms(op, codes, len(shape), reverse)
    for j, d1, d2 in splits:
        d0, given = shape[j], d1 if d2 == -1 else d2
        if d0 and (d0 % given if -1 in (d1, d2) else d1 * d2 != d0):
            raise ShapeError(f"{op}: -4 cannot split dim {d0} of {shape} into ({d1}, {d2})")

    out = [term_value(t, shape) for t in terms]
    infer_at = terms.index(-1) if -1 in terms else None
    return _infer_minus_one(op, codes, shape, out, reverse, infer_at)


def _infer_minus_one(op, codes, shape, out, reverse, infer_at):
    size = math.prod(shape)
    if infer_at is not None:
        rest = math.prod(d for j, d in enumerate(out) if j != infer_at)
        if size and rest and size % rest:
            raise ShapeError(f"{op}: cannot infer -1 in shape={codes} for an input of {shape}")
        out[infer_at] = size // rest if size and rest else 0
    elif size and all(out) and math.prod(out) != size:
        raise ShapeError(
            f"{op}: cannot reshape {tuple(shape)} (size {size}) into {tuple(out)} "
            f"(shape={codes}, reverse={reverse})"
        )
    return tuple(out)


class _Move(Op):
    """Family base: one input, output in the input's dtype, gradient reshaped back."""

    def vjp(ctx, gy, **attrs):
        return (gy.reshape(ctx.shape),)


@register
class Reshape(_Move):
    """``y = x`` with a new shape, written in MXNet's reshape codes.

    Parameters
    ----------
    shape : tuple of int
        The target shape, with codes 0, -1, -2, -3, -4 (see Note [Reshape codes] in
        ``hybrid/ops/shape.py``); the total size must not change.
    reverse : bool, default False
        Read the codes and the input dims right to left.
    """

    name = "Reshape"
    aliases = ("reshape",)
    attrs = (Attr("shape", "shape", ()), Attr("reverse", "bool", False))

    def infer(in_shapes, in_dtypes, shape, reverse):
        if not shape:
            raise AttrError("Reshape: attribute shape is required")
        x = in_shapes[0]
        out = None if x is None else reshape_target("Reshape", shape, tuple(x), reverse)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, x, shape, reverse):
        ctx.shape = x.shape
        return x.reshape(reshape_target("Reshape", shape, x.shape, reverse))

    def samples(rng):
        x = rng.normal(size=(2, 3, 4))
        return [
            Sample([x], {"shape": (0, -1)}),
            Sample([x], {"shape": (-3, 2, 2)}),
            Sample([x], {"shape": (-4, 1, 2, -2)}),
            Sample([rng.normal(size=(10, 5, 4))], {"shape": (-1, 0), "reverse": True}),
        ]


@register
class ReshapeLike(_Move):
    """``y = x`` reshaped so that ``lhs.shape[lhs_begin:lhs_end]`` becomes
    ``rhs.shape[rhs_begin:rhs_end]`` (the whole shapes by default); sizes must agree.
    """

    name = "reshape_like"
    inputs = ("lhs", "rhs")
    attrs = tuple(Attr(n, "int?", None) for n in ("lhs_begin", "lhs_end", "rhs_begin", "rhs_end"))

    def infer(in_shapes, in_dtypes, **attrs):
        lhs, rhs = in_shapes
        if lhs is None or rhs is None:
            return in_shapes, [None], [in_dtypes[0]]
        l0, l1 = slice(attrs["lhs_begin"], attrs["lhs_end"]).indices(len(lhs))[:2]
        r0, r1 = slice(attrs["rhs_begin"], attrs["rhs_end"]).indices(len(rhs))[:2]
        out = tuple(lhs[:l0]) + tuple(rhs[r0:r1]) + tuple(lhs[l1:])
        if known(lhs) and known(out) and math.prod(out) != math.prod(lhs):
            raise ShapeError(f"reshape_like: lhs {tuple(lhs)} cannot take the shape {out}")
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, lhs, rhs, **attrs):
        ctx.shape = lhs.shape
        out = ReshapeLike.infer([lhs.shape, rhs.shape], [lhs.dtype, rhs.dtype], **attrs)[1][0]
        return lhs.reshape(out)

    def vjp(ctx, gy, **attrs):
        return gy.reshape(ctx.shape), None

    def samples(rng):
        return [
            Sample([rng.normal(size=(2, 6)), rng.normal(size=(3, 4))], grad=(0,)),
            Sample(
                [rng.normal(size=(30, 7)), rng.normal(size=(15, 2, 4))],
                {"lhs_begin": 0, "lhs_end": 1, "rhs_begin": 0, "rhs_end": 2},
                grad=(0,),
            ),
        ]


@register
class Flatten(_Move):
    """``y = x.reshape(d0, d1 * d2 * ...)``: keep the first axis, merge the others
    (``(n,)`` becomes ``(n, 1)``).
    """

    name = "Flatten"
    aliases = ("flatten",)

    def infer(in_shapes, in_dtypes):
        x = in_shapes[0]
        out = None if x is None else (x[0], math.prod(x[1:]))
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, x):
        ctx.shape = x.shape
        return x.reshape(x.shape[0], math.prod(x.shape[1:]))

    def samples(rng):
        return [Sample([rng.normal(size=(2, 3, 4))]), Sample([rng.normal(size=(5,))])]


@register
class ExpandDims(_Move):
    """``y = x`` with a new axis of size 1 at position ``axis`` (``-ndim-1 <= axis <= ndim``)."""

    name = "expand_dims"
    attrs = (Attr("axis", "int"),)

    def infer(in_shapes, in_dtypes, axis):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        a = normalize_axis("expand_dims", axis, len(x) + 1)
        return in_shapes, [tuple(x[:a]) + (1,) + tuple(x[a:])], [in_dtypes[0]]

    def forward(ctx, x, axis):
        ctx.shape = x.shape
        return np.expand_dims(x, normalize_axis("expand_dims", axis, x.ndim + 1))

    def samples(rng):
        return [Sample([rng.normal(size=(2, 3))], {"axis": a}) for a in (0, 2, -1)]


@register
class Squeeze(_Move):
    """``y = x`` without the size-1 axes ``axis`` (all of them by default); a result with no
    axes has shape ``(1,)``, as MXNet 1.x arrays always have at least one dim.
    """

    name = "squeeze"
    attrs = (Attr("axis", "axis", None),)

    def infer(in_shapes, in_dtypes, axis):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        if axis is None:
            axes = [i for i, d in enumerate(x) if d == 1]
        else:
            axes = normalize_axes("squeeze", axis, len(x))
            bad = [a for a in axes if x[a] not in (0, 1)]
            if bad:
                raise ShapeError(
                    f"squeeze: axis {bad[0]} of {tuple(x)} has size {x[bad[0]]}, not 1"
                )
        out = legacy_shape(tuple(d for i, d in enumerate(x) if i not in axes))
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, x, axis):
        ctx.shape = x.shape
        return x.reshape(Squeeze.infer([x.shape], [x.dtype], axis)[1][0])

    def samples(rng):
        return [
            Sample([rng.normal(size=(2, 1, 3, 1))]),
            Sample([rng.normal(size=(2, 1, 3, 1))], {"axis": (1,)}),
            Sample([rng.normal(size=(1, 1))]),
        ]


@register
class Transpose(Op):
    """``y = x`` with axes permuted: ``y.shape[i] = x.shape[axes[i]]``; reversed by default."""

    name = "transpose"
    attrs = (Attr("axes", "shape", ()),)

    def infer(in_shapes, in_dtypes, axes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        perm = permutation(axes, len(x))
        return in_shapes, [tuple(x[a] for a in perm)], [in_dtypes[0]]

    def forward(ctx, x, axes):
        ctx.perm = permutation(axes, x.ndim)
        return np.transpose(x, ctx.perm)

    def vjp(ctx, gy, axes):
        return (np.transpose(gy, np.argsort(ctx.perm)),)

    def samples(rng):
        x = rng.normal(size=(2, 3, 4))
        return [Sample([x]), Sample([x], {"axes": (1, 0, 2)}), Sample([x], {"axes": (2, 0, 1)})]


def permutation(axes: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    if not axes:
        return tuple(range(ndim))[::-1]
    perm = tuple(normalize_axis("transpose", a, ndim) for a in axes)
    if sorted(perm) != list(range(ndim)):
        raise AttrError(f"transpose: axes={axes} is not a permutation of {ndim} axes")
    return perm


@register
class SwapAxis(Op):
    """``y = x`` with axes ``dim1`` and ``dim2`` exchanged."""

    name = "SwapAxis"
    aliases = ("swapaxes",)
    attrs = (Attr("dim1", "int", 0), Attr("dim2", "int", 0))

    def infer(in_shapes, in_dtypes, dim1, dim2):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        a, b = (normalize_axis("SwapAxis", d, len(x)) for d in (dim1, dim2))
        out = list(x)
        out[a], out[b] = out[b], out[a]
        return in_shapes, [tuple(out)], [in_dtypes[0]]

    def forward(ctx, x, dim1, dim2):
        return np.swapaxes(x, dim1, dim2)

    def vjp(ctx, gy, dim1, dim2):
        return (np.swapaxes(gy, dim1, dim2),)

    def samples(rng):
        x = rng.normal(size=(2, 3, 4))
        return [Sample([x], {"dim1": 0, "dim2": 2}), Sample([x], {"dim1": 1, "dim2": -1})]


@register
class Cast(Op):
    """``y = x.astype(dtype)``; the gradient is cast back to the input's dtype."""

    name = "Cast"
    aliases = ("cast",)
    attrs = (Attr("dtype", "dtype"),)

    def infer(in_shapes, in_dtypes, dtype):
        return in_shapes, [in_shapes[0]], [dtype]

    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    def vjp(ctx, gy, dtype):
        return (gy.astype(ctx.dtype),)

    def samples(rng):
        # Only float64 results keep the precision a float64 difference check needs; the other
        # dtypes are covered in tests/ops/test_shape_ops.py.
        return [Sample([rng.normal(size=(3, 4))], {"dtype": "float64"})]


from . import expand, join  # noqa: E402, F401  (register the ops they declare)
