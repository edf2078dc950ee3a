"""Region proposals of a Faster R-CNN region proposal network: contrib's Proposal (one image)
and MultiProposal (a batch), as MXNet 1.9.1's CPU code computes them.

Per image: anchors (every ratio x scale box centred on each feature-map cell, ``feature_stride``
pixels apart) are moved by ``bbox_pred``, clipped to the image, scored by the foreground half
of ``cls_prob``; cells past the image's real size (``im_info``) and boxes smaller than
``rpn_min_size * scale`` score -1. The best ``rpn_pre_nms_top_n`` go through greedy NMS until
``rpn_post_nms_top_n`` are kept; when fewer survive, the kept ones repeat cyclically. MXNet
gives the inputs zero gradients: the ops are not differentiable here.
"""

from __future__ import annotations

import numpy as np

from ..base import HybridError, ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

__all__: list[str] = []


def anchors(stride: int, ratios: tuple, scales: tuple) -> np.ndarray:
    """The ``(len(ratios) * len(scales), 4)`` base anchors ``[x1, y1, x2, y2]`` around cell 0,
    ratio-major, with MXNet's float32 rounding of widths and heights to whole pixels.
    """
    f = np.float32
    size = f(stride) * f(stride)
    ratio = np.asarray(ratios, f)[:, None]
    scale = np.asarray(scales, f)[None, :]
    new_w = np.floor(np.sqrt(np.floor(size / ratio)) + f(0.5)) * scale
    new_h = np.floor(new_w / scale * ratio + f(0.5)) * scale
    centre = f(0.5) * f(stride - 1)
    half_w, half_h = f(0.5) * (new_w - 1), f(0.5) * (new_h - 1)
    return np.stack([centre - half_w, centre - half_h, centre + half_w, centre + half_h],
                    axis=-1).reshape(-1, 4)


def _decode(boxes: np.ndarray, deltas: np.ndarray, iou_loss: bool) -> np.ndarray:
    """Boxes ``(..., 4)`` moved by ``deltas``: corner offsets (``iou_loss``) or centre/size."""
    if iou_loss:
        return boxes + deltas
    size = boxes[..., 2:] - boxes[..., :2] + 1
    centre = boxes[..., :2] + 0.5 * (size - 1)
    new_centre = deltas[..., :2] * size + centre
    half = 0.5 * (np.exp(deltas[..., 2:]) * size - 1)
    return np.concatenate([new_centre - half, new_centre + half], axis=-1)


def _nms(boxes: np.ndarray, threshold: float, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Greedy NMS over score-sorted ``boxes`` ``(B, K, 4)`` (pixel-inclusive areas): indices of
    the first ``limit`` kept boxes ``(B, limit)`` and how many were kept ``(B,)``. One step per
    kept box, each vectorised over the batch and the candidates.
    """
    b = boxes.shape[0]
    x1, y1, x2, y2 = (np.ascontiguousarray(boxes[..., i]) for i in range(4))
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    image = np.arange(b)
    # Kept or suppressed. Every box before the next pick is done, so the first box not done is
    # the next kept one, and suppression needs no "later than the pick" test.
    done = np.zeros(boxes.shape[:2], bool)
    keep = np.zeros((b, limit), np.int64)
    count = np.zeros(b, np.int64)
    for step in range(limit):
        pick = (~done).argmax(axis=1)
        found = ~done[image, pick]
        if not found.any():
            break
        keep[:, step] = pick
        count += found
        done[image, pick] = True
        w = np.minimum(x2[image, pick][:, None], x2) - np.maximum(x1[image, pick][:, None], x1)
        h = np.minimum(y2[image, pick][:, None], y2) - np.maximum(y1[image, pick][:, None], y1)
        inter = np.maximum(w + 1, 0) * np.maximum(h + 1, 0)
        overlap = inter / (area[image, pick][:, None] + area - inter)
        done |= (overlap > threshold) & found[:, None]
    return keep, count


def propose(op: str, cls_prob, bbox_pred, im_info, a: dict) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``(B * rpn_post_nms_top_n, 5)`` ``[image, x1, y1, x2, y2]`` and their scores."""
    b, two_a, h, w = cls_prob.shape
    dt, stride = cls_prob.dtype, a["feature_stride"]
    base = anchors(stride, a["ratios"], a["scales"])
    na = len(base)
    if two_a != 2 * na:
        raise HybridError(f"{op}: cls_prob has {two_a} channels, expected 2 * len(ratios) * "
                          f"len(scales) = {2 * na}")
    shift = np.stack(np.meshgrid(np.arange(w), np.arange(h)), axis=-1) * stride  # (H, W, 2)
    shift = np.concatenate([shift, shift], axis=-1)[:, :, None, :]
    boxes = (base.astype(dt) + shift).reshape(1, -1, 4)  # (1, H * W * A, 4), anchor fastest
    score = cls_prob[:, na:].transpose(0, 2, 3, 1).reshape(b, -1)
    deltas = bbox_pred.reshape(b, na, 4, h, w).transpose(0, 3, 4, 1, 2).reshape(b, -1, 4)
    boxes = _decode(boxes, deltas, a["iou_loss"])
    limit = im_info[:, None, 1::-1] - 1  # (B, 1, 2): x then y
    boxes = np.maximum(np.minimum(boxes, np.concatenate([limit, limit], axis=-1)), 0)
    real = (im_info[:, :2] / dt.type(stride)).astype(np.int64)  # (B, 2): height, width
    if (real > [h, w]).any():
        raise HybridError(f"{op}: im_info {im_info[:, :2].tolist()} describes images larger "
                          f"than the {h}x{w} feature map times feature_stride={stride}")
    rows, cols = np.divmod(np.arange(h * w * na) // na, w)
    padded = (rows >= real[:, :1]) | (cols >= real[:, 1:])
    min_size = (a["rpn_min_size"] * im_info[:, 2])[:, None]
    size = boxes[..., 2:] - boxes[..., :2] + 1
    small = (size < min_size[..., None]).any(axis=-1)
    grow = np.where(small, min_size / 2, 0)[..., None]
    boxes = boxes + np.concatenate([-grow, -grow, grow, grow], axis=-1)
    score = np.where(padded | small, -1, score)
    pre = a["rpn_pre_nms_top_n"]
    pre = h * w * na if pre <= 0 else min(pre, h * w * na)
    order = np.argsort(-score, axis=1, kind="stable")[:, :pre]
    boxes = np.take_along_axis(boxes, order[..., None], axis=1)
    score = np.take_along_axis(score, order, axis=1)
    post = a["rpn_post_nms_top_n"]
    keep, count = _nms(boxes, a["threshold"], min(post, pre))
    slot = np.arange(post)
    pick = np.take_along_axis(keep, np.where(slot < count[:, None], slot,
                                             slot % count[:, None]), axis=1)  # (B, post)
    image = np.broadcast_to(np.arange(b, dtype=dt)[:, None, None], (b, post, 1))
    out = np.concatenate([image, np.take_along_axis(boxes, pick[..., None], axis=1)], axis=-1)
    top = np.take_along_axis(score, pick, axis=1)
    return out.reshape(-1, 5).astype(dt), top.reshape(-1, 1).astype(dt)


_POSITIVE = (lambda v: v > 0, "positive")
_ATTRS = (
    Attr("rpn_pre_nms_top_n", "int", 6000),
    Attr("rpn_post_nms_top_n", "int", 300, check=_POSITIVE),
    Attr("threshold", "float", 0.7),
    Attr("rpn_min_size", "int", 16),
    Attr("scales", "floats", (4.0, 8.0, 16.0, 32.0)),
    Attr("ratios", "floats", (0.5, 1.0, 2.0)),
    Attr("feature_stride", "int", 16, check=_POSITIVE),
    Attr("output_score", "bool", False),
    Attr("iou_loss", "bool", False),
)


def _infer(op: str, in_shapes: list, in_dtypes: list, a: dict, one_image: bool):
    cls, bbox, info = in_shapes
    if cls is None:
        return in_shapes, [None] * (1 + a["output_score"]), [in_dtypes[0]] * (
            1 + a["output_score"])
    if len(cls) != 4:
        raise ShapeError(f"{op}: cls_prob has shape {tuple(cls)}, expected (batch, "
                         "2 * anchors, height, width)")
    if one_image and cls[0] not in (0, 1):
        raise ShapeError(f"{op}: cls_prob has batch size {cls[0]}; Proposal handles one image "
                         "(as MXNet's), use MultiProposal for a batch")
    want = {"bbox_pred": (cls[0], cls[1] * 2, cls[2], cls[3]), "im_info": (cls[0], 3)}
    for name, given in (("bbox_pred", bbox), ("im_info", info)):
        if given is not None and (len(given) != len(want[name]) or any(
                g and e and g != e for g, e in zip(given, want[name]))):
            raise ShapeError(f"{op}: {name} has shape {tuple(given)}, expected {want[name]} "
                             f"from cls_prob {tuple(cls)}")
    rows = cls[0] * a["rpn_post_nms_top_n"]
    outs = [(rows, 5), (rows, 1)][: 1 + a["output_score"]]
    return [tuple(cls), want["bbox_pred"], want["im_info"]], outs, [in_dtypes[0]] * len(outs)


def _samples(rng, batch: int) -> list:
    stride, ratios, scales = 4, (0.5, 1.0, 2.0), (1.0, 2.0)
    na, h, w = 6, 4, 5
    logits = rng.normal(size=(batch, 2, na, h, w))
    prob = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).reshape(batch, -1, h, w)
    deltas = rng.normal(size=(batch, na * 4, h, w)) * 0.2
    info = np.array([[16, 20, 1.0], [13, 17, 0.5]])[:batch]
    a = {"feature_stride": stride, "ratios": ratios, "scales": scales, "rpn_min_size": 3,
         "rpn_pre_nms_top_n": 40, "rpn_post_nms_top_n": 12, "threshold": 0.5}
    return [
        Sample([prob, deltas, info], a),
        Sample([prob, deltas, info], {**a, "output_score": True, "rpn_pre_nms_top_n": -1,
                                      "threshold": 0.3}),
        Sample([prob, deltas, info], {**a, "iou_loss": True, "output_score": True}),
    ]


class _ProposalOp(Op):
    """What Proposal and MultiProposal share: inputs, attributes, and the optional scores."""

    inputs = ("cls_prob", "bbox_pred", "im_info")
    attrs = _ATTRS
    differentiable = False
    completes = (1, 2)
    xfail = {"onnx": "MXNet's proposal layer (cyclic padding of the kept boxes, -1 scores) is not "
                     "ONNX's NonMaxSuppression: the lowering raises by design"}

    def num_outputs(attrs):
        return 1 + attrs["output_score"]


@register
class Proposal(_ProposalOp):
    """Region proposals for one image (see the module docstring). Inputs ``cls_prob`` ``(1, 2 *
    A, H, W)`` (background then foreground scores of the ``A = len(ratios) * len(scales)``
    anchors), ``bbox_pred`` ``(1, 4 * A, H, W)``, ``im_info`` ``(1, 3)`` ``[height, width,
    scale]``. Outputs ``rois`` ``(rpn_post_nms_top_n, 5)`` ``[0, x1, y1, x2, y2]`` and, with
    ``output_score``, ``scores`` ``(rpn_post_nms_top_n, 1)``.
    """

    name = "_contrib_Proposal"

    def infer(in_shapes, in_dtypes, **a):
        return _infer(Proposal.name, in_shapes, in_dtypes, a, one_image=True)

    def forward(ctx, cls_prob, bbox_pred, im_info, **a):
        rois, scores = propose(Proposal.name, cls_prob, bbox_pred, im_info, a)
        return (rois, scores) if a["output_score"] else rois

    def samples(rng):
        return _samples(rng, 1)


@register
class MultiProposal(_ProposalOp):
    """Region proposals for a batch (see the module docstring): Proposal per image, outputs
    ``(batch * rpn_post_nms_top_n, 5)`` rows ``[image, x1, y1, x2, y2]`` and, with
    ``output_score``, ``(batch * rpn_post_nms_top_n, 1)`` scores.
    """

    name = "_contrib_MultiProposal"

    def infer(in_shapes, in_dtypes, **a):
        return _infer(MultiProposal.name, in_shapes, in_dtypes, a, one_image=False)

    def forward(ctx, cls_prob, bbox_pred, im_info, **a):
        rois, scores = propose(MultiProposal.name, cls_prob, bbox_pred, im_info, a)
        return (rois, scores) if a["output_score"] else rois

    def samples(rng):
        return _samples(rng, 2)
