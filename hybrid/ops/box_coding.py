"""Training-target ops of MXNet's contrib for detectors: box_encode, box_decode and
bipartite_matching. MXNet defines their gradients as zero; here they are not differentiable.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .detection import _FORMATS, _random_boxes, to_corner
from .registry import Op, Sample, register

__all__: list[str] = []


def _center(b: np.ndarray) -> tuple:
    """(x, y, width, height) of corner boxes ``b`` (..., 4)."""
    w, h = b[..., 2] - b[..., 0], b[..., 3] - b[..., 1]
    return b[..., 0] + w * 0.5, b[..., 1] + h * 0.5, w, h


@register
class BoxEncode(Op):
    """Regression targets of anchors towards their matched references (Faster R-CNN's): for
    anchor ``(ax, ay, aw, ah)`` (centre form of corner ``anchors`` ``(B, N, 4)``) and reference
    ``refs[b, matches[b, n]]`` (``refs`` ``(B, M, 4)``), ``((rx - ax) / aw - means[0]) /
    stds[0]``, the same for y, ``(log(rw / aw) - means[2]) / stds[2]`` and for h. Anchors with
    ``samples <= 0.5`` get target 0. Outputs: targets and masks (1 where ``samples > 0.5``), both
    ``(B, N, 4)``.
    """

    name = "_contrib_box_encode"
    inputs = ("samples", "matches", "anchors", "refs", "means", "stds")
    differentiable = False
    completes = (4, 5)

    def num_outputs(attrs):
        return 2

    def infer(in_shapes, in_dtypes):
        anchors = in_shapes[2]
        if anchors is not None and (len(anchors) != 3 or anchors[-1] != 4):
            raise ShapeError(f"_contrib_box_encode: anchors has shape {tuple(anchors)}, "
                             "expected (batch, num_anchors, 4)")
        shapes = list(in_shapes[:4]) + [(4,), (4,)]
        return shapes, [anchors, anchors], [in_dtypes[2]] * 2

    def forward(ctx, samples, matches, anchors, refs, means, stds):
        ref = np.take_along_axis(refs, matches.astype(np.int64)[:, :, None], axis=1)
        rx, ry, rw, rh = _center(ref)
        ax, ay, aw, ah = _center(anchors)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.stack([(rx - ax) / aw, (ry - ay) / ah, np.log(rw / aw), np.log(rh / ah)], -1)
        valid = (samples > 0.5)[:, :, None]
        targets = np.where(valid, (t - means) / stds, 0).astype(anchors.dtype)
        return targets, np.broadcast_to(valid, targets.shape).astype(anchors.dtype)

    def samples(rng):
        anchors = _random_boxes(rng, (2, 5))
        refs = _random_boxes(rng, (2, 3))
        samples = np.array([[1, 0, 1, -1, 1], [0, 1, 1, 1, 0]], float)
        matches = rng.integers(0, 3, (2, 5)).astype(float)
        return [Sample([samples, matches, anchors, refs, np.array([0, 0, 0, 0.0]),
                        np.array([0.1, 0.1, 0.2, 0.2])])]


@register
class BoxDecode(Op):
    """Boxes from regression outputs ``data`` ``(B, N, 4)`` and ``anchors`` ``(1, N, 4)`` (in
    ``format``, default ``center``): ``x = data[0] * std0 * aw + ax``, likewise y, ``w =
    exp(data[2] * std2) * aw`` (the exponent capped at ``clip`` when ``clip > 0``), likewise h;
    output corners ``(B, N, 4)``.
    """

    name = "_contrib_box_decode"
    inputs = ("data", "anchors")
    differentiable = False
    attrs = (
        Attr("std0", "float", 1.0),
        Attr("std1", "float", 1.0),
        Attr("std2", "float", 1.0),
        Attr("std3", "float", 1.0),
        Attr("clip", "float", -1.0),
        Attr("format", "str", "center", choices=_FORMATS),
    )

    def infer(in_shapes, in_dtypes, **attrs):
        data = in_shapes[0]
        if data is not None and (len(data) != 3 or data[-1] != 4):
            raise ShapeError(f"_contrib_box_decode: data has shape {tuple(data)}, expected "
                             "(batch, num_boxes, 4)")
        return in_shapes, [data], [in_dtypes[0]]

    def forward(ctx, x, anchors, std0, std1, std2, std3, clip, format):
        a = anchors.reshape(-1, 4)[: x.shape[1]]
        ax, ay, aw, ah = _center(to_corner(a, format))
        ox, oy = x[..., 0] * std0 * aw + ax, x[..., 1] * std1 * ah + ay
        dw, dh = x[..., 2] * std2, x[..., 3] * std3
        if clip > 0:
            dw, dh = np.minimum(dw, clip), np.minimum(dh, clip)
        hw, hh = np.exp(dw) * aw * 0.5, np.exp(dh) * ah * 0.5
        return np.stack([ox - hw, oy - hh, ox + hw, oy + hh], axis=-1).astype(x.dtype)

    def samples(rng):
        x = rng.normal(size=(2, 5, 4)) * 0.5
        anchors = _random_boxes(rng, (1, 5))
        return [Sample([x, anchors], {"format": "corner", "std0": 0.1, "std2": 0.2}),
                Sample([x, anchors], {"clip": 0.3})]


@register
class BipartiteMatching(Op):
    """Greedy bipartite matching on score matrices ``data`` ``(..., rows, cols)``: entries are
    visited from the best score (highest, or lowest with ``is_ascend``); one whose row and
    column are both free is matched if its score passes ``threshold`` (``> threshold``, or
    ``<`` with ``is_ascend``), else matching stops. ``topk > 0`` stops after ``topk + 1``
    matches, as MXNet 1.9.1 does. Outputs: each row's matched column and each column's matched
    row (-1 when none), ``(..., rows)`` and ``(..., cols)``.

    The greedy steps run as a Python loop over at most ``min(rows, cols)`` matches; each step
    is vectorised over the batch and every entry.
    """

    name = "_contrib_bipartite_matching"
    xfail = {"onnx": "ONNX has no matching operator: the lowering raises by design"}
    differentiable = False
    attrs = (
        Attr("is_ascend", "bool", False),
        Attr("threshold", "float"),
        Attr("topk", "int", -1),
    )

    def num_outputs(attrs):
        return 2

    def infer(in_shapes, in_dtypes, **attrs):
        data = in_shapes[0]
        if data is not None and len(data) < 2:
            raise ShapeError(f"_contrib_bipartite_matching: data has shape {tuple(data)}, "
                             "expected (..., rows, cols)")
        outs = [None, None] if data is None else [tuple(data[:-1]),
                                                 tuple(data[:-2]) + (data[-1],)]
        return in_shapes, outs, [in_dtypes[0]] * 2

    def forward(ctx, x, is_ascend, threshold, topk):
        r, c = x.shape[-2:]
        s = x.reshape(-1, r * c)
        s = -s if is_ascend else s
        limit = -threshold if is_ascend else threshold
        b = np.arange(s.shape[0])
        row = np.full((s.shape[0], r), -1, np.int64)
        col = np.full((s.shape[0], c), -1, np.int64)
        free = np.ones(s.shape, bool)
        active = np.ones(s.shape[0], bool)
        for count in range(min(r, c)):
            best = np.where(free, s, -np.inf).argmax(axis=1)
            active &= free[b, best] & (s[b, best] > limit)
            if not active.any():
                break
            i, j = best // c, best % c
            row[b[active], i[active]] = j[active]
            col[b[active], j[active]] = i[active]
            taken = (np.arange(r * c) // c == i[:, None]) | (np.arange(r * c) % c == j[:, None])
            free &= ~(taken & active[:, None])
            if topk > 0 and count + 1 > topk:
                break
        return (row.reshape(x.shape[:-1]).astype(x.dtype),
                col.reshape(x.shape[:-2] + (c,)).astype(x.dtype))

    def samples(rng):
        x = rng.permutation(24).reshape(2, 3, 4) / 24
        return [Sample([x], {"threshold": 0.2}), Sample([x], {"threshold": 0.6,
                                                              "is_ascend": True}),
                Sample([x], {"threshold": 0.0, "topk": 1})]
