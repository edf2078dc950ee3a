"""Lowerings of the box ops (``hybrid/ops/detection.py``): box_iou is written out with
broadcasting arithmetic; box_nms is refused (see its rule).
"""

from __future__ import annotations

import numpy as np

from hybrid.base import HybridError

from ..builder import Builder, Call
from . import lowering
from .nn import scalar


def coords(ctx: Builder, b: str, fmt: str, dtype) -> list[str]:
    """[xmin, ymin, xmax, ymax] of boxes ``b`` (..., 4), each (...), from ``fmt``."""
    parts = [ctx.node("Gather", [b, ctx.const(scalar(i, np.int64))], axis=-1) for i in range(4)]
    if fmt == "corner":
        return parts
    half = ctx.const(scalar(0.5, dtype))
    hw, hh = ctx.node("Mul", [parts[2], half]), ctx.node("Mul", [parts[3], half])
    return [ctx.node("Sub", [parts[0], hw]), ctx.node("Sub", [parts[1], hh]),
            ctx.node("Add", [parts[0], hw]), ctx.node("Add", [parts[1], hh])]


def _clamp0(ctx: Builder, v: str, dtype) -> str:
    return ctx.node("Max", [v, ctx.const(scalar(0, dtype))])


def _area(ctx: Builder, c: list[str], dtype) -> str:
    w, h = ctx.node("Sub", [c[2], c[0]]), ctx.node("Sub", [c[3], c[1]])
    negative = ctx.node("Or", [ctx.node("Less", [w, ctx.const(scalar(0, dtype))]),
                               ctx.node("Less", [h, ctx.const(scalar(0, dtype))])])
    return ctx.node("Where", [negative, ctx.const(scalar(0, dtype)), ctx.node("Mul", [w, h])])


@lowering("_contrib_box_iou")
def _box_iou(ctx: Builder, n: Call) -> str:
    lhs, rhs = n.inputs
    dtype, fmt = n.in_dtypes[0], n.attrs["format"]
    extra = len(n.in_shapes[1]) - 1
    rank = len(n.in_shapes[0])
    # (..., 1 x extra, 4) so the components broadcast to lhs.shape[:-1] + rhs.shape[:-1].
    lhs = ctx.node("Unsqueeze", [lhs, ctx.ints(range(rank - 1, rank - 1 + extra))])
    a, b = coords(ctx, lhs, fmt, dtype), coords(ctx, rhs, fmt, dtype)
    w = _clamp0(ctx, ctx.node("Sub", [ctx.node("Min", [a[2], b[2]]),
                                      ctx.node("Max", [a[0], b[0]])]), dtype)
    h = _clamp0(ctx, ctx.node("Sub", [ctx.node("Min", [a[3], b[3]]),
                                      ctx.node("Max", [a[1], b[1]])]), dtype)
    inter = ctx.node("Mul", [w, h])
    union = ctx.node("Sub", [ctx.node("Add", [_area(ctx, a, dtype), _area(ctx, b, dtype)]),
                             inter])
    ratio = ctx.node("Div", [inter, union])
    zero = ctx.const(scalar(0, dtype))
    return ctx.node("Where", [ctx.node("Greater", [inter, zero]), ratio, zero])


@lowering("_contrib_box_nms")
def _box_nms(ctx: Builder, n: Call) -> str:
    raise HybridError(
        "_contrib_box_nms: not lowered to ONNX. ONNX's NonMaxSuppression returns the indices "
        "of selected boxes per class, while MXNet's box_nms returns the data's own rows sorted "
        "by score with suppressed rows set to -1 (and optional topk, valid_thresh, "
        "background_id); export the network up to the box scores and run NMS after ONNX "
        "Runtime, or use the model's ONNX NonMaxSuppression directly"
    )
