"""SSD's anchor ops from MXNet's contrib: MultiBoxPrior and MultiBoxDetection. Neither has a
gradient in MXNet; here they are not differentiable.
"""

from __future__ import annotations

import ast

import numpy as np

from ..base import AttrError, ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

__all__ = ["prior_boxes"]


def _floats(op: str, name: str, value) -> tuple[float, ...]:
    """A tuple of floats from a number, a sequence, or MXNet's string form ``'(0.1, 0.2)'``."""
    v = ast.literal_eval(value) if isinstance(value, str) else value
    try:
        return tuple(float(x) for x in (v if isinstance(v, (tuple, list)) else (v,)))
    except (TypeError, ValueError):
        raise AttrError(f"{op}: attribute {name}={value!r} is not a tuple of numbers") from None


def prior_boxes(h: int, w: int, sizes, ratios, steps, offsets, clip: bool) -> np.ndarray:
    """(h * w * (len(sizes) + len(ratios) - 1), 4) anchors as MXNet lays them out: per pixel,
    row-major, every size with the first ratio, then the first size with every other ratio.
    """
    sy, sx = (1.0 / h, 1.0 / w) if steps[0] <= 0 or steps[1] <= 0 else steps
    cy = (np.arange(h, dtype=np.float32) + np.float32(offsets[0])) * np.float32(sy)
    cx = (np.arange(w, dtype=np.float32) + np.float32(offsets[1])) * np.float32(sx)
    pairs = [(s, ratios[0]) for s in sizes] + [(sizes[0], r) for r in ratios[1:]]
    r = np.sqrt(np.array([p[1] for p in pairs], np.float32))
    s = np.array([p[0] for p in pairs], np.float32)
    half_w = s * np.float32(h) / np.float32(w) * r / 2  # (K,)
    half_h = s / r / 2
    cy, cx = cy[:, None, None], cx[None, :, None]  # broadcast to (H, W, K)
    out = np.stack(np.broadcast_arrays(cx - half_w, cy - half_h, cx + half_w, cy + half_h), -1)
    out = out.reshape(-1, 4)
    return np.clip(out, 0, 1) if clip else out


@register
class MultiBoxPrior(Op):
    """SSD anchors for a feature map ``data`` ``(batch, channels, H, W)``: output ``(1, H * W *
    (len(sizes) + len(ratios) - 1), 4)`` corners in [0, 1] image units (see ``prior_boxes``).
    At pixel ``(i, j)`` the centre is ``((j + offsets[1]) * steps[1], (i + offsets[0]) *
    steps[0])`` (steps default to ``1 / W``, ``1 / H``); a box of size ``s`` and ratio ``r`` has
    width ``s * H / W * sqrt(r)`` and height ``s / sqrt(r)``. ``clip`` clips to [0, 1]. Only the
    data's shape is read.
    """

    name = "_contrib_MultiBoxPrior"
    differentiable = False
    attrs = (
        Attr("sizes", "any", (1.0,)),
        Attr("ratios", "any", (1.0,)),
        Attr("clip", "bool", False),
        Attr("steps", "any", (-1.0, -1.0)),
        Attr("offsets", "any", (0.5, 0.5)),
    )

    def infer(in_shapes, in_dtypes, sizes, ratios, **attrs):
        data = in_shapes[0]
        if data is not None and len(data) != 4:
            raise ShapeError(f"_contrib_MultiBoxPrior: data has shape {tuple(data)}, expected "
                             "(N, C, H, W)")
        k = len(_floats("", "sizes", sizes)) + len(_floats("", "ratios", ratios)) - 1
        out = None if data is None else (1, data[2] * data[3] * k, 4)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, x, sizes, ratios, clip, steps, offsets):
        op = MultiBoxPrior.name
        a = [_floats(op, n, v) for n, v in (("sizes", sizes), ("ratios", ratios),
                                            ("steps", steps), ("offsets", offsets))]
        return prior_boxes(x.shape[2], x.shape[3], *a, clip)[None].astype(x.dtype)

    def samples(rng):
        x = rng.normal(size=(1, 2, 3, 4))
        return [Sample([x]), Sample([x], {"sizes": (0.5, 0.25), "ratios": (1, 2, 0.5),
                                          "clip": True}),
                Sample([x], {"sizes": "(0.3,)", "steps": (0.2, 0.1), "offsets": (0.2, 0.7)})]


def _decode(anchors, loc, clip, v):
    """Corners from SSD offsets ``loc`` (B, A, 4) on corner ``anchors`` (A, 4)."""
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    ax, ay = (anchors[:, 0] + anchors[:, 2]) / 2, (anchors[:, 1] + anchors[:, 3]) / 2
    ox, oy = loc[..., 0] * v[0] * aw + ax, loc[..., 1] * v[1] * ah + ay
    ow, oh = np.exp(loc[..., 2] * v[2]) * aw / 2, np.exp(loc[..., 3] * v[3]) * ah / 2
    out = np.stack([ox - ow, oy - oh, ox + ow, oy + oh], -1)
    return np.clip(out, 0, 1) if clip else out


def _overlap(a, b):
    """IoU as MultiBoxDetection computes it (0 where the union is not positive)."""
    w = np.maximum(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0)
    h = np.maximum(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0)
    i = w * h
    u = ((a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
         + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1]) - i)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(u <= 0, 0, i / u)


def _first(mask: np.ndarray) -> np.ndarray:
    """Positions that a stable sort puts first: True entries in order, then the others."""
    return np.argsort(~mask, axis=1, kind="stable")


@register
class MultiBoxDetection(Op):
    """SSD detections from class probabilities ``cls_prob`` ``(B, classes, A)`` (class 0 the
    background), offsets ``loc_pred`` ``(B, A * 4)`` and ``anchor`` ``(1, A, 4)``: output ``(B,
    A, 6)`` rows ``[class - 1, score, xmin, ymin, xmax, ymax]`` as MXNet 1.9.1 lays them out.

    Each anchor takes its best non-background class (-1 when its score is below ``threshold``)
    and its decoded box (``variances``, clipped to [0, 1] with ``clip``). Detected rows move to
    the top in anchor order, the rest are -1. With ``0 < nms_threshold <= 1`` the first
    ``nms_topk`` (all with -1) detected rows are sorted by score and greedy suppression sets
    the class of a row to -1 when its IoU with a kept higher-scoring row is at least
    ``nms_threshold`` (same class, unless ``force_suppress``); detected rows past ``nms_topk``
    keep their place with class -1. ``background_id`` is accepted; MXNet's CPU kernel treats
    class 0 as the background whatever it says, and so does this one.

    The suppression runs as a Python loop over the sorted candidates, each step vectorised over
    the batch and every box.
    """

    name = "_contrib_MultiBoxDetection"
    inputs = ("cls_prob", "loc_pred", "anchor")
    differentiable = False
    xfail = {"onnx": "MXNet's MultiBoxDetection layout is not ONNX's NonMaxSuppression: the "
                     "lowering raises by design"}
    attrs = (
        Attr("clip", "bool", True),
        Attr("threshold", "float", 0.01),
        Attr("background_id", "int", 0),
        Attr("nms_threshold", "float", 0.5),
        Attr("force_suppress", "bool", False),
        Attr("variances", "any", (0.1, 0.1, 0.2, 0.2)),
        Attr("nms_topk", "int", -1),
    )

    def infer(in_shapes, in_dtypes, **attrs):
        cls, loc, anchor = in_shapes
        if cls is not None and len(cls) != 3:
            raise ShapeError(f"{MultiBoxDetection.name}: cls_prob has shape {tuple(cls)}, "
                             "expected (batch, classes, anchors)")
        if cls is not None and loc is not None and tuple(loc) != (cls[0], cls[2] * 4):
            raise ShapeError(f"{MultiBoxDetection.name}: loc_pred has shape {tuple(loc)}, "
                             f"expected {(cls[0], cls[2] * 4)}")
        out = None if cls is None else (cls[0], cls[2], 6)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, cls_prob, loc_pred, anchor, **a):
        v = _floats(MultiBoxDetection.name, "variances", a["variances"])
        b, _, n = cls_prob.shape
        fg = cls_prob[:, 1:]
        cls = fg.argmax(axis=1) + 1  # (B, A): the first best class, as MXNet's strict >
        score = fg.max(axis=1)
        cls = np.where(score < a["threshold"], 0, cls)
        boxes = _decode(anchor.reshape(-1, 4), loc_pred.reshape(b, n, 4), a["clip"], v)
        rows = np.concatenate([(cls - 1)[..., None], score[..., None], boxes], -1)
        valid = cls > 0
        count = valid.sum(axis=1, keepdims=True)  # (B, 1)
        slot = np.arange(n)[None]
        rows = np.take_along_axis(rows, _first(valid)[..., None], axis=1)
        rows = np.where((slot < count)[..., None], rows, -1).astype(cls_prob.dtype)
        if not 0 < a["nms_threshold"] <= 1:
            return rows
        detected = slot < count
        order = np.argsort(np.where(detected, -rows[..., 1], np.inf), axis=1, kind="stable")
        nkeep = np.minimum(count, a["nms_topk"]) if a["nms_topk"] > 0 else count
        head = slot < nkeep
        ranked = np.take_along_axis(rows, order[..., None], 1)
        rows[..., 0] = np.where(detected & ~head, -1, rows[..., 0])
        rows = np.where(head[..., None], ranked, rows)
        ids = rows[..., 0].copy()
        for ref in range(int(nkeep.max(initial=0)) - 1):
            alive = (ids[:, ref] >= 0) & head[:, ref]
            if not alive.any():
                continue
            later = ids[:, ref + 1:]
            hit = _overlap(rows[:, ref: ref + 1, 2:], rows[:, ref + 1:, 2:]) >= a["nms_threshold"]
            if not a["force_suppress"]:
                hit &= later == ids[:, ref: ref + 1]
            ids[:, ref + 1:] = np.where(hit & alive[:, None] & head[:, ref + 1:] & (later >= 0),
                                        -1, later)
        rows[..., 0] = ids
        return rows

    def samples(rng):
        anchors = prior_boxes(2, 3, (0.4, 0.25), (1.0, 2.0), (-1, -1), (0.5, 0.5), False)[None]
        a = anchors.shape[1]
        logits = rng.normal(size=(2, 3, a)) * 2
        prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        loc = rng.normal(size=(2, a * 4)) * 0.3
        return [Sample([prob, loc, anchors]),
                Sample([prob, loc, anchors], {"threshold": 0.3, "nms_topk": 4,
                                              "force_suppress": True, "nms_threshold": 0.3}),
                Sample([prob, loc, anchors], {"clip": False, "nms_threshold": 0})]


def _match(iou: np.ndarray, gt_ok: np.ndarray, threshold: float) -> tuple:
    """MultiBoxTarget's matching: (flag (B, A): 1 positive, -1 undecided; match (B, A); best
    overlap (B, A), -1 where none was computed). First each ground truth takes its best free
    anchor, greedily by overlap (above 1e-6); then, with ``threshold > 0``, every other anchor
    takes its best ground truth and is positive above ``threshold``. The greedy steps loop over
    the ground truths, each vectorised over the batch and every anchor.
    """
    b, a, n = iou.shape
    rows = np.arange(b)
    flag = np.full((b, a), -1)
    match = np.full((b, a), -1)
    best = np.full((b, a), -1.0)
    free_gt = gt_ok.copy()
    for _ in range(n):
        masked = np.where((flag == -1)[:, :, None] & free_gt[:, None, :], iou, -np.inf)
        k = masked.reshape(b, -1).argmax(axis=1)
        hit = masked.reshape(b, -1)[rows, k] > 1e-6
        if not hit.any():
            break
        j, g = k // n, k % n
        flag[rows[hit], j[hit]] = 1
        match[rows[hit], j[hit]] = g[hit]
        best[rows[hit], j[hit]] = masked.reshape(b, -1)[rows, k][hit]
        free_gt[rows[hit], g[hit]] = False
    own = np.where(gt_ok[:, None, :], iou, -np.inf)
    own_gt, own_iou = own.argmax(axis=2), own.max(axis=2)
    rest = (flag == -1) & gt_ok.any(axis=1, keepdims=True)
    if threshold > 0:
        match = np.where(rest, own_gt, match)
        best = np.where(rest, own_iou, best)
        flag = np.where(rest & (own_iou > threshold), 1, flag)
    return flag, match, best, own_gt, own_iou


@register
class MultiBoxTarget(Op):
    """SSD training targets for ``anchor`` ``(1, A, 4)``, padded ground truths ``label`` ``(B,
    L, >=5)`` (rows ``[class, xmin, ymin, xmax, ymax]``, padding rows of -1 after the real
    ones) and ``cls_pred`` ``(B, classes, A)``: outputs ``loc_target`` and ``loc_mask`` ``(B, A *
    4)`` and ``cls_target`` ``(B, A)``, as MXNet 1.9.1 computes them.

    Matching: see ``_match``. Positive anchors get class ``label + 1``, mask 1 and offsets
    ``((gx - ax) / aw / v0, (gy - ay) / ah / v1, log(gw / aw) / v2, log(gh / ah) / v3)``. With
    ``negative_mining_ratio > 0``, ``ratio * positives`` (at most the rest) of the undecided
    anchors whose best overlap is below ``negative_mining_thresh`` and whose background
    probability (softmax of ``cls_pred``) is lowest become negatives (class 0); otherwise every
    non-positive anchor is negative. The others get ``ignore_label``; images without ground
    truth get it everywhere. ``minimum_negative_samples`` is accepted and, as in MXNet's CPU
    kernel, unused.
    """

    name = "_contrib_MultiBoxTarget"
    inputs = ("anchor", "label", "cls_pred")
    differentiable = False
    xfail = {"onnx": "a training-target computation with data-dependent matching loops: the "
                     "lowering raises by design"}
    attrs = (
        Attr("overlap_threshold", "float", 0.5),
        Attr("ignore_label", "float", -1.0),
        Attr("negative_mining_ratio", "float", -1.0),
        Attr("negative_mining_thresh", "float", 0.5),
        Attr("minimum_negative_samples", "int", 0),
        Attr("variances", "any", (0.1, 0.1, 0.2, 0.2)),
    )

    def num_outputs(attrs):
        return 3

    def infer(in_shapes, in_dtypes, **attrs):
        anchor, label, pred = in_shapes
        if anchor is not None and (len(anchor) != 3 or anchor[0] != 1 or anchor[2] != 4):
            raise ShapeError(f"{MultiBoxTarget.name}: anchor has shape {tuple(anchor)}, "
                             "expected (1, num_anchors, 4)")
        if label is not None and (len(label) != 3 or label[2] < 5):
            raise ShapeError(f"{MultiBoxTarget.name}: label has shape {tuple(label)}, expected "
                             "(batch, num_labels, >= 5)")
        if anchor is None or label is None:
            return in_shapes, [None] * 3, [in_dtypes[0]] * 3
        loc = (label[0], anchor[1] * 4)
        return in_shapes, [loc, loc, (label[0], anchor[1])], [in_dtypes[0]] * 3

    def forward(ctx, anchor, label, cls_pred, **p):
        v = _floats(MultiBoxTarget.name, "variances", p["variances"])
        anchors = anchor.reshape(-1, 4)
        b, a = label.shape[0], anchors.shape[0]
        gt_ok = np.cumprod(label[:, :, 0] != -1, axis=1).astype(bool)  # (B, L)
        iou = _overlap(anchors[None, :, None], label[:, None, :, 1:5]).astype(np.float32)
        flag, match, best, own_gt, own_iou = _match(iou, gt_ok, p["overlap_threshold"])
        has_gt = gt_ok.any(axis=1, keepdims=True)
        if p["negative_mining_ratio"] > 0:
            positives = (flag == 1).sum(axis=1, keepdims=True)
            wanted = np.minimum((positives * p["negative_mining_ratio"]).astype(np.int64),
                                a - positives)
            best = np.where((flag == -1) & (best < 0), own_iou, best)
            z = cls_pred - cls_pred.max(axis=1, keepdims=True)
            background = np.exp(z[:, 0]) / np.exp(z).sum(axis=1)  # (B, A)
            candidate = (flag == -1) & (best < p["negative_mining_thresh"]) & has_gt
            order = np.argsort(np.where(candidate, background, np.inf), axis=1, kind="stable")
            rank = np.empty_like(order)
            np.put_along_axis(rank, order, np.arange(a)[None].repeat(b, 0), axis=1)
            flag = np.where(candidate & (rank < wanted), 0, flag)
        else:
            flag = np.where((flag != 1) & has_gt, 0, flag)
        gt = np.take_along_axis(label, np.maximum(match, 0)[:, :, None], axis=1)  # (B, A, W)
        pos = flag == 1
        cls_target = np.where(pos, gt[:, :, 0] + 1, np.where(flag == 0, 0, p["ignore_label"]))
        aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
        ax, ay = (anchors[:, 0] + anchors[:, 2]) * 0.5, (anchors[:, 1] + anchors[:, 3]) * 0.5
        gw, gh = gt[..., 3] - gt[..., 1], gt[..., 4] - gt[..., 2]
        gx, gy = (gt[..., 1] + gt[..., 3]) * 0.5, (gt[..., 2] + gt[..., 4]) * 0.5
        with np.errstate(divide="ignore", invalid="ignore"):
            loc = np.stack([(gx - ax) / aw / v[0], (gy - ay) / ah / v[1],
                            np.log(gw / aw) / v[2], np.log(gh / ah) / v[3]], -1)
        loc = np.where(pos[..., None], loc, 0).reshape(b, -1)
        mask = np.repeat(pos, 4, axis=1)
        dtype = anchor.dtype
        return loc.astype(dtype), mask.astype(dtype), cls_target.astype(dtype)

    def samples(rng):
        anchors = prior_boxes(3, 3, (0.4, 0.25), (1.0, 2.0), (-1, -1), (0.5, 0.5), False)[None]
        label = np.full((2, 3, 5), -1.0)
        label[0, :2] = [[1, 0.1, 0.1, 0.5, 0.45], [0, 0.5, 0.4, 0.95, 0.9]]
        label[1, :1] = [[2, 0.3, 0.2, 0.7, 0.8]]
        pred = rng.normal(size=(2, 4, anchors.shape[1]))
        return [Sample([anchors, label, pred]),
                Sample([anchors, label, pred], {"negative_mining_ratio": 2.0,
                                                "overlap_threshold": 0.3})]
