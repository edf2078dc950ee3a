"""Lowerings of the reordering ops (``hybrid/ops/reorder.py``): Slice with step -1, Gather of
constant flat positions for diag, DepthToSpace/SpaceToDepth, Split, and a broadcast product for
khatri_rao.
"""

from __future__ import annotations

import numpy as np

from hybrid.ops._util import normalize_axes, normalize_axis

from ..builder import Builder, Call
from . import lowering

_INT64_MIN = np.iinfo(np.int64).min


@lowering("reverse")
def _reverse(ctx: Builder, n: Call) -> str:
    axes = normalize_axes("reverse", n.attrs["axis"], len(n.in_shapes[0]))
    k = len(axes)
    return ctx.node("Slice", [n.inputs[0], ctx.ints([-1] * k), ctx.ints([_INT64_MIN] * k),
                              ctx.ints(axes), ctx.ints([-1] * k)])


@lowering("diag")
def _diag(ctx: Builder, n: Call) -> str:
    shape, k = n.in_shapes[0], n.attrs["k"]
    if len(shape) == 1:  # a matrix: every position reads x padded with one zero
        size = n.out_shapes[0][0]
        i = np.arange(shape[0])
        source = np.full(size * size, shape[0], np.int64)
        source[(i + max(-k, 0)) * size + i + max(k, 0)] = i
        padded = ctx.node("Pad", [n.inputs[0], ctx.ints([0, 1])])
        flat = ctx.node("Gather", [padded, ctx.ints(source)], axis=0)
        return ctx.node("Reshape", [flat, ctx.ints([size, size])])
    rank = len(shape)
    a1, a2 = (normalize_axis("diag", n.attrs[a], rank) for a in ("axis1", "axis2"))
    rest = [d for d in range(rank) if d not in (a1, a2)]
    x = ctx.node("Transpose", [n.inputs[0]], perm=rest + [a1, a2])
    n1, n2 = shape[a1], shape[a2]
    x = ctx.node("Reshape", [x, ctx.ints([0] * len(rest) + [n1 * n2])])
    i = np.arange(n.out_shapes[0][-1])
    flat = (i + max(-k, 0)) * n2 + i + max(k, 0)
    return ctx.node("Gather", [x, ctx.ints(flat)], axis=len(rest))


@lowering("depth_to_space")
def _depth_to_space(ctx: Builder, n: Call) -> str:
    return ctx.node("DepthToSpace", n.inputs, blocksize=n.attrs["block_size"], mode="DCR")


@lowering("space_to_depth")
def _space_to_depth(ctx: Builder, n: Call) -> str:
    return ctx.node("SpaceToDepth", n.inputs, blocksize=n.attrs["block_size"])


@lowering("_split_v2")
def _split_v2(ctx: Builder, n: Call) -> list[str]:
    shape = n.in_shapes[0]
    a = normalize_axis("split_v2", n.attrs["axis"], len(shape))
    sizes = [s[a] if len(s) == len(shape) else 1 for s in n.out_shapes]
    parts = ctx.node("Split", [n.inputs[0], ctx.ints(sizes)], outputs=len(sizes), axis=a)
    parts = [parts] if isinstance(parts, str) else parts
    return [p if len(s) == len(shape) else ctx.node("Squeeze", [p, ctx.ints([a])])
            for p, s in zip(parts, n.out_shapes)]


@lowering("khatri_rao")
def _khatri_rao(ctx: Builder, n: Call) -> str:
    m = len(n.inputs)
    y = None
    for i, x in enumerate(n.inputs):
        axes = [j for j in range(m) if j != i]
        x = ctx.node("Unsqueeze", [x, ctx.ints(axes)]) if axes else x
        y = x if y is None else ctx.node("Mul", [y, x])
    return ctx.node("Reshape", [y, ctx.ints([-1, n.in_shapes[0][1]])])
