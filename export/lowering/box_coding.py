"""Lowerings of box_encode and box_decode (``hybrid/ops/box_coding.py``), written out with
arithmetic; bipartite_matching is refused (see its rule).
"""

from __future__ import annotations

import numpy as np

from hybrid.base import HybridError

from ..builder import Builder, Call
from . import lowering
from .detection import coords
from .nn import scalar


def _center(ctx: Builder, c: list[str], dtype) -> list[str]:
    half = ctx.const(scalar(0.5, dtype))
    w, h = ctx.node("Sub", [c[2], c[0]]), ctx.node("Sub", [c[3], c[1]])
    return [ctx.node("Add", [c[0], ctx.node("Mul", [w, half])]),
            ctx.node("Add", [c[1], ctx.node("Mul", [h, half])]), w, h]


@lowering("_contrib_box_encode")
def _box_encode(ctx: Builder, n: Call) -> list[str]:
    samples, matches, anchors, refs, means, stds = n.inputs
    dtype = n.in_dtypes[2]
    index = ctx.node("Cast", [matches], to=7)  # int64
    index = ctx.node("Expand", [ctx.node("Unsqueeze", [index, ctx.ints([2])]),
                                ctx.ints([1, 1, 4])])
    ref = ctx.node("GatherElements", [refs, index], axis=1)  # (B, N, 4)
    rx, ry, rw, rh = _center(ctx, coords(ctx, ref, "corner", dtype), dtype)
    ax, ay, aw, ah = _center(ctx, coords(ctx, anchors, "corner", dtype), dtype)
    t = [ctx.node("Div", [ctx.node("Sub", [rx, ax]), aw]),
         ctx.node("Div", [ctx.node("Sub", [ry, ay]), ah]),
         ctx.node("Log", [ctx.node("Div", [rw, aw])]),
         ctx.node("Log", [ctx.node("Div", [rh, ah])])]
    t = ctx.node("Concat", [ctx.node("Unsqueeze", [v, ctx.ints([-1])]) for v in t], axis=-1)
    t = ctx.node("Div", [ctx.node("Sub", [t, means]), stds])
    valid = ctx.node("Unsqueeze", [ctx.node("Greater", [samples, ctx.const(
        scalar(0.5, n.in_dtypes[0]))]), ctx.ints([2])])
    zero = ctx.const(scalar(0, dtype))
    targets = ctx.node("Where", [valid, t, zero])
    masks = ctx.node("Where", [valid, ctx.node("Add", [zero, ctx.const(np.ones(4, dtype))]),
                               zero])
    return [targets, ctx.node("Expand", [masks, ctx.node("Shape", [anchors])])]


@lowering("_contrib_box_decode")
def _box_decode(ctx: Builder, n: Call) -> str:
    a, (x, anchors), dtype = n.attrs, n.inputs, n.in_dtypes[0]
    anchors = ctx.node("Reshape", [anchors, ctx.ints([-1, 4])])
    ax, ay, aw, ah = _center(ctx, coords(ctx, anchors, a["format"], dtype), dtype)
    d = coords(ctx, x, "corner", dtype)  # the four raw components

    def times(v, s):
        return ctx.node("Mul", [v, ctx.const(scalar(s, dtype))])

    ox = ctx.node("Add", [ctx.node("Mul", [times(d[0], a["std0"]), aw]), ax])
    oy = ctx.node("Add", [ctx.node("Mul", [times(d[1], a["std1"]), ah]), ay])
    dw, dh = times(d[2], a["std2"]), times(d[3], a["std3"])
    if a["clip"] > 0:
        cap = ctx.const(scalar(a["clip"], dtype))
        dw, dh = ctx.node("Min", [dw, cap]), ctx.node("Min", [dh, cap])
    hw = times(ctx.node("Mul", [ctx.node("Exp", [dw]), aw]), 0.5)
    hh = times(ctx.node("Mul", [ctx.node("Exp", [dh]), ah]), 0.5)
    out = [ctx.node("Sub", [ox, hw]), ctx.node("Sub", [oy, hh]), ctx.node("Add", [ox, hw]),
           ctx.node("Add", [oy, hh])]
    return ctx.node("Concat", [ctx.node("Unsqueeze", [v, ctx.ints([-1])]) for v in out], axis=-1)


@lowering("_contrib_bipartite_matching")
def _bipartite_matching(ctx: Builder, n: Call) -> str:
    raise HybridError(
        "_contrib_bipartite_matching: not lowered to ONNX, which has no matching operator; "
        "the greedy matching is a data-dependent loop (one step per match), a training-time "
        "target computation that an inference model does not need"
    )
