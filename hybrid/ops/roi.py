"""Region-of-interest pooling for two-stage detectors: ROIPooling (Fast R-CNN) and contrib's
ROIAlign (Mask R-CNN).

``rois`` is ``(num_rois, 5)``, each row ``[batch_index, x1, y1, x2, y2]`` in input-image pixels,
scaled to the feature map by ``spatial_scale``. ROIs get no gradient.
"""

from __future__ import annotations

import numpy as np

from ..base import HybridError, ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

__all__: list[str] = []


def _infer_roi(op: str, in_shapes: list, in_dtypes: list, pooled_size: tuple, channels_div=1):
    data, rois = in_shapes
    if data is not None and len(data) != 4:
        raise ShapeError(f"{op}: data has shape {tuple(data)}, expected (N, C, H, W)")
    if rois is not None and (len(rois) != 2 or rois[1] not in (0, 5)):
        raise ShapeError(f"{op}: rois has shape {tuple(rois)}, expected (num_rois, 5)")
    if len(pooled_size) != 2:
        raise ShapeError(f"{op}: pooled_size={pooled_size}, expected (height, width)")
    if data is None or rois is None:
        return in_shapes, [None], [in_dtypes[0]]
    if data[1] % channels_div:
        raise ShapeError(f"{op}: data has {data[1]} channels, expected a multiple of "
                         f"{channels_div} for position_sensitive")
    return in_shapes, [(rois[0], data[1] // channels_div) + tuple(pooled_size)], [in_dtypes[0]]


def _round(x: np.ndarray) -> np.ndarray:
    """C's round: halves away from zero (numpy's rounds them to even)."""
    return (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype(np.int64)


def _pool_bins(start, end, pooled: int, size: int, dtype):
    """ROIPooling's bins along one axis: (R, pooled) clipped [begin, stop) pixel ranges."""
    length = np.maximum(end - start + 1, 1).astype(dtype)
    bin_size = length / dtype.type(pooled)
    p = np.arange(pooled, dtype=dtype)
    lo = np.floor(p * bin_size[:, None]).astype(np.int64) + start[:, None]
    hi = np.ceil((p + 1) * bin_size[:, None]).astype(np.int64) + start[:, None]
    return np.clip(lo, 0, size), np.clip(hi, 0, size)


@register
class ROIPooling(Op):
    """Max pooling of each ROI into a ``pooled_size`` grid (Fast R-CNN). The ROI corners are
    rounded to pixels (halves away from zero), the ROI spans ``round(x2) - round(x1) + 1``
    pixels split into bins ``[floor(i * bin), ceil((i + 1) * bin))``; empty bins and ROIs with
    an invalid batch index give 0. Output ``(num_rois, channels, pooled_h, pooled_w)``.

    Each bin's pixels are gathered into a window of the largest bin's size (masked), so memory
    is ``num_rois * channels * pooled_h * pooled_w * max_bin_h * max_bin_w``; no Python loop
    runs over ROIs or bins.
    """

    name = "ROIPooling"
    inputs = ("data", "rois")
    attrs = (Attr("pooled_size", "shape"), Attr("spatial_scale", "float"))

    def infer(in_shapes, in_dtypes, pooled_size, spatial_scale):
        return _infer_roi("ROIPooling", in_shapes, in_dtypes, pooled_size)

    def forward(ctx, x, rois, pooled_size, spatial_scale):
        n, c, h, w = x.shape
        ph, pw = pooled_size
        corner = _round(rois[:, 1:5] * rois.dtype.type(spatial_scale))  # (R, 4)
        hs, he = _pool_bins(corner[:, 1], corner[:, 3], ph, h, x.dtype)  # (R, PH)
        ws, we = _pool_bins(corner[:, 0], corner[:, 2], pw, w, x.dtype)  # (R, PW)
        kh, kw = max(int((he - hs).max(initial=1)), 1), max(int((we - ws).max(initial=1)), 1)
        rows = hs[:, :, None] + np.arange(kh)  # (R, PH, KH)
        cols = ws[:, :, None] + np.arange(kw)  # (R, PW, KW)
        batch = rois[:, 0].astype(np.int64)
        ok_batch = (batch >= 0) & (batch < n)
        valid = ((rows < he[:, :, None])[:, :, None, :, None]
                 & (cols < we[:, :, None])[:, None, :, None, :])  # (R, PH, PW, KH, KW)
        b = np.where(ok_batch, batch, 0)[:, None, None, None, None]
        r = np.minimum(rows, h - 1)[:, :, None, :, None]
        q = np.minimum(cols, w - 1)[:, None, :, None, :]
        vals = x[b, :, r, q]  # (R, PH, PW, KH, KW, C)
        vals = np.where(valid[..., None], vals, -np.inf).reshape(len(rois), ph, pw, -1, c)
        arg = vals.argmax(axis=3)  # (R, PH, PW, C), the first maximum in row-major order
        y = np.take_along_axis(vals, arg[:, :, :, None], axis=3)[:, :, :, 0]
        keep = valid.reshape(len(rois), ph, pw, -1).any(axis=3) & ok_batch[:, None, None]
        y = np.where(keep[..., None], y, 0).transpose(0, 3, 1, 2)  # (R, C, PH, PW)
        flat_hw = (np.take_along_axis(np.broadcast_to(r * w + q, valid.shape).reshape(
            len(rois), ph, pw, -1), arg.reshape(len(rois), ph, pw, c), axis=3))
        ctx.index = (b[:, 0, 0, 0, 0, None, None, None] * c
                     + np.arange(c)[None, :, None, None]) * (h * w) + flat_hw.transpose(0, 3, 1, 2)
        ctx.keep, ctx.shape = keep[:, None], x.shape
        return y.astype(x.dtype, copy=False)

    def vjp(ctx, gy, pooled_size, spatial_scale):
        weights = np.where(ctx.keep, gy, 0)
        gx = np.bincount(ctx.index.ravel(), weights.ravel(), minlength=int(np.prod(ctx.shape)))
        return gx.reshape(ctx.shape).astype(gy.dtype, copy=False), None

    def samples(rng):
        x = rng.permutation(2 * 3 * 6 * 7).reshape(2, 3, 6, 7) / 10.0  # distinct: unique max
        rois = np.array([[0, 0, 0, 12, 10], [1, 2.2, 4.1, 9.7, 11.5], [1, 6, 6, 6, 6],
                         [0, -3, 1, 20, 30]])
        return [Sample([x, rois], {"pooled_size": (2, 3), "spatial_scale": 0.5}, grad=(0,))]


def _align_axis(start, length, pooled: int, size: int, grid, dtype) -> np.ndarray:
    """ROIAlign's bilinear sampling along one axis, averaged over the ``grid`` samples of each
    bin: (R, pooled, size) weights (see Note [Separable ROIAlign]).
    """
    gmax = int(grid.max(initial=1))
    binsz = length / dtype.type(pooled)
    p = np.arange(pooled, dtype=dtype)[None, :, None]
    i = np.arange(gmax, dtype=dtype)[None, None, :]
    pos = (start[:, None, None] + p * binsz[:, None, None]
           + (i + dtype.type(0.5)) * binsz[:, None, None] / grid[:, None, None].astype(dtype))
    used = (i < grid[:, None, None]) & (pos >= -1) & (pos <= size)
    pos = np.maximum(pos, 0)
    low = np.minimum(pos.astype(np.int64), size - 1)
    frac = np.where(low >= size - 1, 0, pos - low).astype(dtype)
    high = np.minimum(low + 1, size - 1)
    cells = np.arange(size)
    wts = ((1 - frac)[..., None] * (cells == low[..., None])
           + frac[..., None] * (cells == high[..., None]))  # (R, P, G, size)
    wts = (wts * used[..., None]).sum(axis=2)
    return (wts / grid[:, None, None].astype(dtype)).astype(dtype)


# Note [Separable ROIAlign]
# ROIAlign averages bilinear samples on a grid inside each bin. Both the bilinear weights and the
# out-of-range test (a sample more than one pixel outside gives 0) split into a row factor and a
# column factor, so the average is ``A_y[r] @ x[batch_r, c] @ A_x[r]^T`` with A_y (R, PH, H) and
# A_x (R, PW, W) summing each bin's sample weights over the grid. The products with A_x run for
# every image at once as one GEMM (N, C, H, W) @ (W, R * PW) and each ROI keeps its own image.
def _align_matrices(rois, x_shape, pooled_size, spatial_scale, sample_ratio, aligned, dtype):
    h, w = x_shape[2:]
    ph, pw = pooled_size
    boxes = rois[:, -4:].astype(dtype) * dtype.type(spatial_scale) - dtype.type(
        0.5 if aligned else 0)
    width, height = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    if not aligned:
        width, height = np.maximum(width, 1), np.maximum(height, 1)
    elif (width <= 0).any() or (height <= 0).any():
        raise HybridError("_contrib_ROIAlign: with aligned=True every ROI needs a positive "
                          "width and height (x2 > x1, y2 > y1), as in MXNet")
    if sample_ratio > 0:
        gh = gw = np.full(len(rois), sample_ratio)
    else:
        gh, gw = np.ceil(height / ph).astype(np.int64), np.ceil(width / pw).astype(np.int64)
    ay = _align_axis(boxes[:, 1], height, ph, h, gh, dtype)
    ax = _align_axis(boxes[:, 0], width, pw, w, gw, dtype)
    batch = rois[:, 0].astype(np.int64)
    ay = ay * (batch >= 0)[:, None, None]
    return ay, ax, np.maximum(batch, 0)


@register
class ROIAlign(Op):
    """Average of bilinear samples per bin of each ROI (Mask R-CNN), see Note [Separable
    ROIAlign]. Bins are ``roi_size / pooled_size`` (the ROI at least 1x1 unless ``aligned``,
    which also shifts the ROI by -0.5 pixel); each holds ``sample_ratio`` x ``sample_ratio``
    samples, or ``ceil(bin size)`` per axis when ``sample_ratio <= 0``. A negative batch index
    gives zeros. With ``position_sensitive`` the
    output channel ``c`` of bin ``(i, j)`` reads input channel ``(c * PH + i) * PW + j``, and
    the output has ``channels / (PH * PW)`` channels. Output ``(num_rois, channels, PH, PW)``.
    """

    name = "_contrib_ROIAlign"
    xfail = {"onnx-2": "position_sensitive has no ONNX form: the lowering raises by design"}
    inputs = ("data", "rois")
    attrs = (
        Attr("pooled_size", "shape"),
        Attr("spatial_scale", "float"),
        Attr("sample_ratio", "int", -1),
        Attr("position_sensitive", "bool", False),
        Attr("aligned", "bool", False),
    )

    def infer(in_shapes, in_dtypes, pooled_size, spatial_scale, sample_ratio,
              position_sensitive, aligned):
        div = int(np.prod(pooled_size)) if position_sensitive else 1
        return _infer_roi(ROIAlign.name, in_shapes, in_dtypes, pooled_size, div)

    def forward(ctx, x, rois, pooled_size, spatial_scale, sample_ratio, position_sensitive,
                aligned):
        n, c, h, w = x.shape
        ay, ax, batch = _align_matrices(rois, x.shape, pooled_size, spatial_scale,
                                        sample_ratio, aligned, x.dtype)
        r, ph, pw = len(rois), pooled_size[0], pooled_size[1]
        cols = ax.transpose(2, 0, 1).reshape(w, r * pw)  # (W, R*PW)
        t = (x.reshape(-1, w) @ cols).reshape(n, c, h, r, pw)  # one GEMM for every image
        t = t[batch, :, :, np.arange(r)]  # (R, C, H, PW): each ROI keeps its own image
        t = t.transpose(0, 2, 1, 3).reshape(r, h, c * pw)
        full = np.matmul(ay, t).reshape(r, ph, c, pw).transpose(0, 2, 1, 3)  # (R, C, PH, PW)
        ctx.saved = (ay, cols, batch, x.shape)
        if not position_sensitive:
            return full
        return np.einsum("rcijij->rcij", full.reshape(r, -1, ph, pw, ph, pw)).copy()

    def vjp(ctx, gy, pooled_size, position_sensitive, **attrs):
        ay, cols, batch, (n, c, h, w) = ctx.saved
        r, ph, pw = gy.shape[0], pooled_size[0], pooled_size[1]
        if position_sensitive:
            full = np.zeros((r, gy.shape[1], ph, pw, ph, pw), gy.dtype)
            i, j = np.meshgrid(np.arange(ph), np.arange(pw), indexing="ij")
            full[:, :, i, j, i, j] = gy
            gy = full.reshape(r, c, ph, pw)
        g = gy.transpose(0, 2, 1, 3).reshape(r, ph, c * pw)
        gt = np.matmul(ay.transpose(0, 2, 1), g).reshape(r, h, c, pw)  # (R, H, C, PW)
        spread = np.zeros((n, c, h, r, pw), gy.dtype)
        spread[batch, :, :, np.arange(r)] = gt.transpose(0, 2, 1, 3)
        gx = spread.reshape(n * c * h, r * pw) @ cols.T
        return gx.reshape(n, c, h, w), None

    def samples(rng):
        x = rng.normal(size=(2, 8, 6, 7))
        rois = np.array([[0, 0.5, 0.4, 9.7, 8.2], [1, 2.2, 4.1, 9.1, 11.5], [1, 6, 6, 6.5, 7],
                         [0, -3, 1, 16, 14]])
        attrs = {"pooled_size": (2, 2), "spatial_scale": 0.5}
        return [
            Sample([x, rois], attrs, grad=(0,)),
            Sample([x, rois], {**attrs, "sample_ratio": 2, "aligned": True}, grad=(0,)),
            Sample([x, rois], {**attrs, "position_sensitive": True}, grad=(0,)),
            Sample([x, rois], {"pooled_size": (3, 2), "spatial_scale": 0.25, "sample_ratio": 3},
                   grad=(0,)),
        ]
