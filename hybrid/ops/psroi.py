"""Position-sensitive ROI pooling (R-FCN): contrib's PSROIPooling and DeformablePSROIPooling.

The ROI rows are ``[batch_index, x1, y1, x2, y2]`` in input-image pixels, rounded to whole pixels
(halves away from zero) and scaled by ``spatial_scale``. Output channel ``ctop`` of bin
``(ph, pw)`` reads input channel ``(ctop * group_size + gh) * group_size + gw``, where
``(gh, gw)`` is the bin's cell in a ``group_size`` x ``group_size`` grid. ROIs get no gradient.
"""

from __future__ import annotations

import numpy as np

from ..base import HybridError, ShapeError
from .attrs import Attr
from .registry import Op, Sample, register
from .roi import _round

__all__: list[str] = []

_SCALE = Attr("spatial_scale", "float", check=(lambda v: 0 <= v <= 1, "in [0, 1]"))
_POSITIVE = (lambda v: v > 0, "positive")


def _check_shapes(op: str, data, rois, channels_needed: int) -> None:
    if data is not None and len(data) != 4:
        raise ShapeError(f"{op}: data has shape {tuple(data)}, expected (N, C, H, W)")
    if rois is not None and (len(rois) != 2 or rois[1] not in (0, 5)):
        raise ShapeError(f"{op}: rois has shape {tuple(rois)}, expected (num_rois, 5)")
    if data is not None and 0 < data[1] < channels_needed:
        raise ShapeError(f"{op}: data has {data[1]} channels, expected at least output_dim * "
                         f"group_size^2 = {channels_needed}")


def _batch_index(op: str, rois: np.ndarray, n: int) -> np.ndarray:
    batch = rois[:, 0].astype(np.int64)  # C's truncation, as MXNet reads it
    if ((batch < 0) | (batch >= n)).any():
        raise HybridError(f"{op}: rois hold batch indices {sorted(set(batch.tolist()))}, "
                          f"expected indices into a batch of {n} images")
    return batch


def _roi_corners(rois: np.ndarray, spatial_scale: float, shift: float, dtype):
    """Start and size of each ROI on the feature map: ``(R, 2)`` (x, y) arrays, sizes at least
    0.1 (MXNet's guard against empty ROIs).
    """
    corner = _round(rois[:, 1:5]).astype(dtype)
    scale = dtype.type(spatial_scale)
    start = corner[:, :2] * scale - dtype.type(shift)
    end = (corner[:, 2:] + 1) * scale - dtype.type(shift)
    return start, np.maximum(end - start, dtype.type(0.1))


def _group_channels(output_dim: int, pooled: int, group_size: int) -> np.ndarray:
    """Input channel read by each (ctop, ph, pw) output: ``(output_dim, P, P)``."""
    g = np.minimum(np.arange(pooled) * group_size // pooled, group_size - 1)
    ctop = np.arange(output_dim)[:, None, None]
    return (ctop * group_size + g[:, None]) * group_size + g[None, :]


@register
class PSROIPooling(Op):
    """Average pooling of each ROI into a ``pooled_size`` x ``pooled_size`` grid, bin ``(i, j)``
    reading its own channel group. Bins are ``[floor(i * bin + start), ceil((i + 1) * bin +
    start))`` clipped to the map; an empty bin gives 0. ``group_size`` 0 means ``pooled_size``.
    Output ``(num_rois, output_dim, pooled_size, pooled_size)``.

    Bin sums come from a summed-area table, so the cost is one pass over the input plus four
    gathers per output; the backward scatters each bin's gradient to its four corners and
    integrates back.
    """

    name = "_contrib_PSROIPooling"
    inputs = ("data", "rois")
    xfail = {"onnx": "ONNX has no position-sensitive ROI pooling: the lowering raises by design"}
    attrs = (
        _SCALE,
        Attr("output_dim", "int", check=_POSITIVE),
        Attr("pooled_size", "int", check=_POSITIVE),
        Attr("group_size", "int", 0, check=(lambda v: v >= 0, "non-negative")),
    )

    def infer(in_shapes, in_dtypes, spatial_scale, output_dim, pooled_size, group_size):
        data, rois = in_shapes
        gs = group_size or pooled_size
        _check_shapes(PSROIPooling.name, data, rois, output_dim * gs * gs)
        out = None if rois is None else (rois[0], output_dim, pooled_size, pooled_size)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, x, rois, spatial_scale, output_dim, pooled_size, group_size):
        n, c, h, w = x.shape
        p = pooled_size
        batch = _batch_index(PSROIPooling.name, rois, n)
        start, size = _roi_corners(rois, spatial_scale, 0.0, x.dtype)
        step = np.arange(p, dtype=x.dtype)
        binsz = size / x.dtype.type(p)  # (R, 2)
        lo = np.floor(step[:, None] * binsz[:, None, :] + start[:, None, :]).astype(np.int64)
        hi = np.ceil((step[:, None] + 1) * binsz[:, None, :] + start[:, None, :]).astype(np.int64)
        lo, hi = np.clip(lo, 0, [w, h]), np.clip(hi, 0, [w, h])  # (R, P, 2) as (x, y)
        hs, he = lo[:, None, :, None, 1], hi[:, None, :, None, 1]  # (R, 1, P, 1)
        ws, we = lo[:, None, None, :, 0], hi[:, None, None, :, 0]  # (R, 1, 1, P)
        chan = _group_channels(output_dim, p, group_size or p)[None]  # (1, D, P, P)
        b = batch[:, None, None, None]
        table = np.zeros((n, c, h + 1, w + 1))
        np.cumsum(np.cumsum(x, axis=2, dtype=np.float64), axis=3, out=table[:, :, 1:, 1:])
        total = (table[b, chan, he, we] - table[b, chan, hs, we] - table[b, chan, he, ws]
                 + table[b, chan, hs, ws])
        area = (he - hs) * (we - ws)
        ctx.saved = (b, chan, hs, he, ws, we, area, x.shape)
        return np.where(area > 0, total / np.maximum(area, 1), 0).astype(x.dtype)

    def vjp(ctx, gy, **attrs):
        b, chan, hs, he, ws, we, area, (n, c, h, w) = ctx.saved
        share = np.where(area > 0, gy / np.maximum(area, 1), 0)
        base = (b * c + chan) * (h + 1)
        corners = np.stack(np.broadcast_arrays(
            (base + hs) * (w + 1) + ws, (base + hs) * (w + 1) + we,
            (base + he) * (w + 1) + ws, (base + he) * (w + 1) + we))
        signs = np.array([1, -1, -1, 1])[:, None, None, None, None]
        spread = np.bincount(corners.ravel(), (signs * share).ravel(),
                             minlength=n * c * (h + 1) * (w + 1))
        gx = spread.reshape(n, c, h + 1, w + 1).cumsum(axis=2).cumsum(axis=3)[:, :, :h, :w]
        return gx.astype(gy.dtype), None

    def samples(rng):
        x = rng.normal(size=(2, 2 * 9, 6, 7))
        rois = np.array([[0, 0, 0, 12, 10], [1, 2.2, 4.1, 9.7, 11.5], [1, 6, 6, 6, 6],
                         [0, -3, 1, 20, 30]])
        return [
            Sample([x, rois], {"spatial_scale": 0.5, "output_dim": 2, "pooled_size": 3},
                   grad=(0,)),
            Sample([x[:, :8], rois], {"spatial_scale": 0.25, "output_dim": 2, "pooled_size": 3,
                                      "group_size": 2}, grad=(0,)),
        ]
