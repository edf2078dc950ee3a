"""Box ops of MXNet's contrib for object detection: box_iou, box_nms, box_encode, box_decode and
bipartite_matching.

Boxes are ``corner`` ``[xmin, ymin, xmax, ymax]`` or ``center`` ``[x, y, width, height]``.
MXNet defines the gradients of box_iou, box_encode, box_decode and bipartite_matching as zero;
here they are not differentiable (no gradient flows through them, which is the same). box_nms
passes the gradient of each kept row back to the row it came from.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

__all__ = ["iou", "to_corner"]

_FORMATS = ("corner", "center")


def to_corner(b: np.ndarray, fmt: str) -> np.ndarray:
    """``b[..., :4]`` as corners."""
    if fmt == "corner":
        return b[..., :4]
    half = b[..., 2:4] / 2
    return np.concatenate([b[..., :2] - half, b[..., :2] + half], axis=-1)


def _corner_to_center(b: np.ndarray) -> np.ndarray:
    return np.concatenate([(b[..., :2] + b[..., 2:4]) / 2, b[..., 2:4] - b[..., :2]], axis=-1)


def iou(a: np.ndarray, b: np.ndarray, fmt: str) -> np.ndarray:
    """Pairwise IoU of boxes ``a`` (..., 4) and ``b`` (..., 4) broadcast against each other; 0
    where they do not overlap, areas of negative-size boxes taken as 0 (as MXNet).
    """
    ca, cb = to_corner(a, fmt), to_corner(b, fmt)
    w = np.maximum(np.minimum(ca[..., 2], cb[..., 2]) - np.maximum(ca[..., 0], cb[..., 0]), 0)
    h = np.maximum(np.minimum(ca[..., 3], cb[..., 3]) - np.maximum(ca[..., 1], cb[..., 1]), 0)
    inter = w * h

    def area(c):
        bw, bh = c[..., 2] - c[..., 0], c[..., 3] - c[..., 1]
        return np.where((bw < 0) | (bh < 0), 0, bw * bh)

    with np.errstate(divide="ignore", invalid="ignore"):
        out = inter / (area(ca) + area(cb) - inter)
    return np.where(inter > 0, out, 0).astype(a.dtype, copy=False)


@register
class BoxIou(Op):
    """Pairwise IoU of ``lhs`` ``(..., 4)`` and ``rhs`` ``(..., 4)`` boxes in ``format``:
    output ``lhs.shape[:-1] + rhs.shape[:-1]``, 0 where boxes do not overlap.
    """

    name = "_contrib_box_iou"
    inputs = ("lhs", "rhs")
    differentiable = False
    attrs = (Attr("format", "str", "corner", choices=_FORMATS),)

    def infer(in_shapes, in_dtypes, format):
        lhs, rhs = in_shapes
        for name, s in (("lhs", lhs), ("rhs", rhs)):
            if s is not None and s[-1] not in (0, 4):
                raise ShapeError(f"_contrib_box_iou: {name} has shape {tuple(s)}, expected "
                                 "(..., 4)")
        out = None if lhs is None or rhs is None else tuple(lhs[:-1]) + tuple(rhs[:-1])
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, lhs, rhs, format):
        a = lhs.reshape(lhs.shape[:-1] + (1,) * (rhs.ndim - 1) + (4,))
        return iou(a, rhs, format)

    def samples(rng):
        a = _random_boxes(rng, (3,))
        return [Sample([a, _random_boxes(rng, (2, 4))]),
                Sample([_corner_to_center(a), _corner_to_center(_random_boxes(rng, (5,)))],
                       {"format": "center"})]


def _random_boxes(rng, lead: tuple) -> np.ndarray:
    xy = rng.uniform(0, 8, lead + (2,))
    return np.concatenate([xy, xy + rng.uniform(1, 6, lead + (2,))], axis=-1)


@register
class BoxNms(Op):
    """Greedy non-maximum suppression over the boxes of ``data`` ``(..., num_boxes, width)``.

    Each row holds a score at ``score_index``, 4 coordinates from ``coord_start`` (``in_format``)
    and, with ``id_index >= 0``, a class id. Rows with ``score > valid_thresh`` (and id not
    ``background_id``) are sorted by score, descending, and the first ``topk`` (all with -1) go
    through greedy suppression: a row is dropped when its IoU with a kept higher-scoring row
    exceeds ``overlap_thresh`` (same class only, unless ``force_suppress``). The output has the
    data's shape: the kept rows in score order at the top (coordinates in ``out_format``), then
    rows of -1. The gradient of each kept row goes back unchanged to its source row (as
    MXNet's, even when ``out_format`` converted it).

    The greedy steps run as a Python loop over the at most ``topk`` sorted candidates; each step
    is vectorised over the batch and every box, and steps whose candidate is suppressed in every
    batch item are skipped.
    """

    name = "_contrib_box_nms"
    xfail = {"onnx-1": "per-class suppression has no ONNX form here: the lowering raises by "
                       "design",
             "onnx-2": "out_format conversion is not lowered: the lowering raises by design",
             "grad-2": "as MXNet, a kept row's gradient goes back unchanged, ignoring the "
                       "out_format conversion"}
    aliases = ("_contrib_box_non_maximum_suppression",)
    attrs = (
        Attr("overlap_thresh", "float", 0.5),
        Attr("valid_thresh", "float", 0.0),
        Attr("topk", "int", -1),
        Attr("coord_start", "int", 2),
        Attr("score_index", "int", 1),
        Attr("id_index", "int", -1),
        Attr("background_id", "int", -1),
        Attr("force_suppress", "bool", False),
        Attr("in_format", "str", "corner", choices=_FORMATS),
        Attr("out_format", "str", "corner", choices=_FORMATS),
    )

    def infer(in_shapes, in_dtypes, coord_start, score_index, id_index, **attrs):
        data = in_shapes[0]
        if data is not None:
            width = data[-1]
            if len(data) < 2 or width < (6 if id_index >= 0 else 5):
                raise ShapeError(f"_contrib_box_nms: data has shape {tuple(data)}, expected "
                                 "(..., num_boxes, width) with a score and 4 coordinates")
            coords = range(coord_start, coord_start + 4)
            if coord_start < 0 or coord_start + 3 >= width or score_index in coords or not (
                    0 <= score_index < width) or id_index in coords or (
                    id_index >= 0 and (id_index >= width or id_index == score_index)):
                raise ShapeError(f"_contrib_box_nms: score_index={score_index}, coord_start="
                                 f"{coord_start}, id_index={id_index} overlap or fall outside "
                                 f"rows of width {width}")
        return in_shapes, [data], [in_dtypes[0]]

    def forward(ctx, x, **a):
        width = x.shape[-1]
        rows = x.reshape(-1, x.shape[-2], width)  # (B, N, width)
        b, n = rows.shape[:2]
        topk = n if a["topk"] < 0 else min(n, a["topk"])
        if topk < 1:
            ctx.source = np.broadcast_to(np.arange(n), (b, n))
            return x.copy()
        score = rows[:, :, a["score_index"]]
        valid = score > a["valid_thresh"]
        if a["id_index"] >= 0:
            valid &= rows[:, :, a["id_index"]] != a["background_id"]
        order = np.argsort(np.where(valid, -score, np.inf), axis=1, kind="stable")[:, :topk]
        cand = np.take_along_axis(rows, order[:, :, None], axis=1)  # (B, K, width)
        keep = np.take_along_axis(valid, order, axis=1)  # (B, K)
        boxes = cand[:, :, a["coord_start"]: a["coord_start"] + 4]
        ids = cand[:, :, a["id_index"]] if a["id_index"] >= 0 and not a["force_suppress"] else None
        for ref in range(topk - 1):
            alive = keep[:, ref]
            if not alive.any():
                continue
            overlap = iou(boxes[:, ref: ref + 1], boxes[:, ref + 1:], a["in_format"])
            hit = overlap > a["overlap_thresh"]
            if ids is not None:
                hit &= ids[:, ref + 1:].astype(np.int64) == ids[:, ref: ref + 1].astype(np.int64)
            keep[:, ref + 1:] &= ~(hit & alive[:, None])
        # Kept rows move to the top in score order: a stable sort on "not kept".
        pos = np.argsort(~keep, axis=1, kind="stable")
        kept = np.take_along_axis(keep, pos, axis=1)
        source = np.where(kept, np.take_along_axis(order, pos, axis=1), -1)  # (B, K)
        out = np.full(rows.shape, -1, x.dtype)
        out[:, :topk] = np.where(kept[:, :, None],
                                 np.take_along_axis(rows, np.maximum(source, 0)[:, :, None], 1),
                                 -1)
        if a["in_format"] != a["out_format"]:
            c = out[:, :, a["coord_start"]: a["coord_start"] + 4]
            conv = _corner_to_center(c) if a["out_format"] == "center" else to_corner(c,
                                                                                     "center")
            # NOTE: MXNet converts only rows whose first coordinate is not negative.
            out[:, :, a["coord_start"]: a["coord_start"] + 4] = np.where(
                c[:, :, :1] >= 0, conv, c)
        ctx.source = np.concatenate([source, np.full((b, n - topk), -1)], axis=1)
        return out.reshape(x.shape)

    def vjp(ctx, gy, **attrs):
        g = gy.reshape(-1, gy.shape[-2], gy.shape[-1])
        b, n, width = g.shape
        src = ctx.source
        flat = np.where(src >= 0, src + np.arange(b)[:, None] * n, b * n)  # dropped rows -> spare
        gx = np.zeros((b * n + 1, width), gy.dtype)
        gx[flat.ravel()] = g.reshape(-1, width)
        return (gx[:-1].reshape(gy.shape),)

    def samples(rng):
        boxes = _random_boxes(rng, (2, 6))
        score = rng.permutation(12).reshape(2, 6, 1) / 12 + 0.02
        # Class ids are truncated to integers, so they sit mid-way for finite differences.
        cls = rng.integers(0, 2, (2, 6, 1)) + 0.5
        data = np.concatenate([cls, score, boxes], axis=-1)
        return [
            Sample([data]),
            Sample([data], {"id_index": 0, "topk": 4, "valid_thresh": 0.2, "overlap_thresh": 0.3}),
            Sample([data], {"id_index": 0, "force_suppress": True, "out_format": "center"}),
            Sample([data], {"id_index": 0, "force_suppress": True, "valid_thresh": 0.3,
                            "background_id": 1, "overlap_thresh": 0.2}),
            Sample([data[..., [2, 3, 4, 5, 1, 0]]], {"coord_start": 0, "score_index": 4,
                                                    "in_format": "center",
                                                    "out_format": "center"}),
        ]
