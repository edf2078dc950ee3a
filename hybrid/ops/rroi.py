"""Rotated ROI align (text detection, RRPN): contrib's RROIAlign.

``rois`` is ``(num_rois, 6)``, each row ``[batch_index, center_x, center_y, width, height,
angle]`` in input-image pixels (scaled by ``spatial_scale``) and degrees. MXNet 1.9.1 has no
backward for it (its backward raises), so the op is not differentiable here.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

__all__: list[str] = []


def _pixel_weights(y: np.ndarray, x: np.ndarray, h: int, w: int):
    """Bilinear neighbours of positions already known to lie in ``[-1, h] x [-1, w]``, as
    MXNet's ROIAlign family reads them (clamped to the border, no slope past the last pixel):
    four flat pixel indices and weights, each shaped like ``y``.
    """
    corners = []
    for pos, size in ((y, h), (x, w)):
        pos = np.maximum(pos, 0)
        low = pos.astype(np.int64)
        edge = low >= size - 1
        low = np.where(edge, size - 1, low)
        high = np.where(edge, size - 1, low + 1)
        frac = np.where(edge, 0, pos - low).astype(pos.dtype)
        corners.append((low, high, frac))
    (y0, y1, fy), (x0, x1, fx) = corners
    index = (y0 * w + x0, y0 * w + x1, y1 * w + x0, y1 * w + x1)
    weight = ((1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx)
    return index, weight


@register
class RROIAlign(Op):
    """Average of bilinear samples per bin of each rotated ROI. The ROI (at least 1x1 after
    scaling) is split into ``pooled_size`` bins of ``sampling_ratio`` x ``sampling_ratio``
    samples (``ceil(bin size)`` per axis when ``sampling_ratio <= 0``), laid out in the ROI's
    frame and rotated by ``angle`` (counter-clockwise in image coordinates) about its centre.
    A sample more than one pixel outside the map adds 0 but still counts in the average.
    Output ``(num_rois, channels, pooled_h, pooled_w)``.

    The samples of one grid position run for every ROI, bin and channel at once; the Python
    loop is over the at most ``sampling_ratio``\\ :sup:`2` grid positions of a bin.
    """

    name = "_contrib_RROIAlign"
    inputs = ("data", "rois")
    differentiable = False
    xfail = {"onnx": "ONNX's RoiAlign has no rotation: the lowering raises by design"}
    attrs = (
        Attr("pooled_size", "shape", check=(lambda v: len(v) == 2 and min(v) > 0,
                                            "two positive sizes (height, width)")),
        Attr("spatial_scale", "float", check=(lambda v: 0 <= v <= 1, "in [0, 1]")),
        Attr("sampling_ratio", "int", -1),
    )

    def infer(in_shapes, in_dtypes, pooled_size, **attrs):
        data, rois = in_shapes
        if data is not None and len(data) != 4:
            raise ShapeError(f"{RROIAlign.name}: data has shape {tuple(data)}, expected "
                             "(N, C, H, W)")
        if rois is not None and (len(rois) != 2 or rois[1] not in (0, 6)):
            raise ShapeError(f"{RROIAlign.name}: rois has shape {tuple(rois)}, expected "
                             "(num_rois, 6)")
        if data is None or rois is None:
            return in_shapes, [None], [in_dtypes[0]]
        return in_shapes, [(rois[0], data[1], *pooled_size)], [in_dtypes[0]]

    def forward(ctx, x, rois, pooled_size, spatial_scale, sampling_ratio):
        n, c, h, w = x.shape
        ph, pw = pooled_size
        dt = x.dtype
        scale = dt.type(spatial_scale)
        rois = rois.astype(dt, copy=False)
        centre_x, centre_y = rois[:, 1] * scale, rois[:, 2] * scale
        width = np.maximum(rois[:, 3] * scale, 1)
        height = np.maximum(rois[:, 4] * scale, 1)
        theta = (rois[:, 5].astype(np.float64) * np.pi / 180.0).astype(dt)
        cos, sin = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
        bin_h, bin_w = height / dt.type(ph), width / dt.type(pw)
        if sampling_ratio > 0:
            grid_h = grid_w = np.full(len(rois), sampling_ratio, dt)
        else:
            grid_h, grid_w = np.ceil(height / dt.type(ph)), np.ceil(width / dt.type(pw))
        # Bin origins in the ROI's frame: (R, PH, 1) rows and (R, 1, PW) columns.
        step_h, step_w = np.arange(ph, dtype=dt)[:, None], np.arange(pw, dtype=dt)[None, :]
        rows = (-height / 2)[:, None, None] + step_h * bin_h[:, None, None]
        cols = (-width / 2)[:, None, None] + step_w * bin_w[:, None, None]
        batch = rois[:, 0].astype(np.int64)[:, None, None]
        planes = x.reshape(n, c, h * w).transpose(0, 2, 1)  # (N, H*W, C)
        total = np.zeros((len(rois), ph, pw, c), dt)
        for iy in range(int(grid_h.max(initial=1))):
            yy = rows + ((iy + dt.type(0.5)) * bin_h / grid_h)[:, None, None]
            for ix in range(int(grid_w.max(initial=1))):
                xx = cols + ((ix + dt.type(0.5)) * bin_w / grid_w)[:, None, None]
                px = xx * cos + yy * sin + centre_x[:, None, None]  # (R, PH, PW)
                py = yy * cos - xx * sin + centre_y[:, None, None]
                used = ((iy < grid_h) & (ix < grid_w))[:, None, None] & (
                    (py >= -1) & (py <= h) & (px >= -1) & (px <= w))
                index, weight = _pixel_weights(py, px, h, w)
                for at, wt in zip(index, weight):
                    total += (wt * used)[..., None] * planes[batch, at]
        count = (grid_h * grid_w)[:, None, None, None]
        return (total / count).transpose(0, 3, 1, 2).astype(dt, copy=False)

    def samples(rng):
        x = rng.normal(size=(2, 3, 6, 7))
        rois = np.array([[0, 6.0, 5.0, 8.0, 4.0, 30.0], [1, 3.3, 8.1, 5.2, 9.7, -45.0],
                         [1, 12.0, 10.0, 1.0, 1.0, 0.0], [0, 2.0, 2.0, 20.0, 14.0, 120.0]])
        return [
            Sample([x, rois], {"pooled_size": (2, 3), "spatial_scale": 0.5}),
            Sample([x, rois], {"pooled_size": (3, 2), "spatial_scale": 1.0,
                               "sampling_ratio": 2}),
        ]
