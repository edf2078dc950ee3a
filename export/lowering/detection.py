"""Lowerings of the box ops (``hybrid/ops/detection.py``): box_iou is written out with
broadcasting arithmetic; box_nms becomes NonMaxSuppression where their meanings agree and is
refused with the reason elsewhere.
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


def _nms_refusal(n: Call) -> str | None:
    """Why box_nms cannot become ONNX NonMaxSuppression here, or None when it can."""
    a, rows = n.attrs, n.in_shapes[0][-2]
    if a["id_index"] >= 0 and not a["force_suppress"]:
        return ("per-class suppression needs the number of classes, which MXNet reads from the "
                "data's values")
    if 0 <= a["topk"] < rows:
        return ("topk limits the candidates before suppression in MXNet, while ONNX limits the "
                "boxes kept after it")
    if a["in_format"] != a["out_format"]:
        return "in_format and out_format differ"
    if len(n.in_shapes[0]) != 3:
        return "the data is not (batch, num_boxes, width)"
    return None


@lowering("_contrib_box_nms", since=14)
def _box_nms(ctx: Builder, n: Call) -> str:
    # Note: one class (id_index < 0 or force_suppress) and no candidate limit: ONNX's
    # NonMaxSuppression selects the same boxes (score > valid_thresh, IoU > overlap_thresh),
    # listed per batch item in score order; each selected row is scattered to the next free row
    # of its item in an output of -1s, which is MXNet's layout.
    reason = _nms_refusal(n)
    if reason is not None:
        raise HybridError(
            f"_contrib_box_nms: not lowered to ONNX: {reason}. Export the network up to the box "
            "scores and run the suppression after ONNX Runtime")
    a, x, dtype = n.attrs, n.inputs[0], n.in_dtypes[0]
    c = a["coord_start"]
    boxes = ctx.node("Slice", [x, ctx.ints([c]), ctx.ints([c + 4]), ctx.ints([2])])
    score = ctx.node("Gather", [x, ctx.ints([a["score_index"]])], axis=2)  # (B, N, 1)
    if a["id_index"] >= 0:  # background rows never survive
        ids = ctx.node("Gather", [x, ctx.ints([a["id_index"]])], axis=2)
        background = ctx.node("Equal", [ids, ctx.const(scalar(a["background_id"], dtype))])
        score = ctx.node("Where", [background, ctx.const(scalar(-np.inf, dtype)), score])
    scores = ctx.node("Transpose", [score], perm=[0, 2, 1])  # (B, 1, N)
    rows = ctx.node("Gather", [ctx.node("Shape", [x]), ctx.ints([1])])
    picked = ctx.node("NonMaxSuppression", [
        boxes, scores, rows, ctx.const(np.array([a["overlap_thresh"]], np.float32)),
        ctx.const(np.array([a["valid_thresh"]], np.float32))],
        center_point_box=int(a["in_format"] == "center"))  # (K, 3): batch, class, box
    batch = ctx.node("Gather", [picked, ctx.ints([0])], axis=1)  # (K, 1)
    source = ctx.node("Concat", [batch, ctx.node("Gather", [picked, ctx.ints([2])], axis=1)],
                      axis=1)
    # The slot of each pick: how many earlier picks share its batch item.
    same = ctx.node("Equal", [batch, ctx.node("Transpose", [batch], perm=[1, 0])])  # (K, K)
    earlier = ctx.node("Trilu", [ctx.node("Cast", [same], to=7), ctx.const(scalar(-1, np.int64))],
                       upper=0)
    slot = ctx.node("ReduceSum", [earlier, ctx.ints([1])], keepdims=1)  # (K, 1)
    target = ctx.node("Concat", [batch, slot], axis=1)
    fill = ctx.node("Expand", [ctx.const(scalar(-1, dtype)), ctx.node("Shape", [x])])
    return ctx.node("ScatterND", [fill, target, ctx.node("GatherND", [x, source])])
