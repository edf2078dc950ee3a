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


def _bilinear_corners(pos: np.ndarray):
    """MXNet's deformable-pooling interpolation along one axis: the floor and ceil pixels of a
    position already clamped to ``[0, size - 1]`` and the fraction past the floor.
    """
    low = np.floor(pos)
    return low.astype(np.int64), np.ceil(pos).astype(np.int64), pos - low


@register
class DeformablePSROIPooling(Op):
    """Deformable position-sensitive ROI pooling (Deformable R-FCN). Like PSROIPooling, but the
    ROI is shifted by half a pixel, each bin averages ``sample_per_part`` x ``sample_per_part``
    bilinear samples (positions more than half a pixel outside the map are skipped, the others
    clamped to it), and unless ``no_trans`` every bin moves by ``trans * trans_std`` ROI sizes:
    ``trans`` is ``(num_rois, 2 * num_classes, part_size, part_size)`` holding ``(dx, dy)`` per
    class, where output channels are split evenly over the classes. ``part_size`` 0 means
    ``pooled_size``. Output ``(num_rois, output_dim, pooled_size, pooled_size)``; MXNet's hidden
    second output (the sample counts) is not shown, as in MXNet's NDArray API.
    """

    name = "_contrib_DeformablePSROIPooling"
    inputs = ("data", "rois", "trans")
    xfail = {"onnx": "ONNX has no position-sensitive ROI pooling: the lowering raises by design"}
    attrs = (
        _SCALE,
        Attr("output_dim", "int", check=_POSITIVE),
        Attr("group_size", "int", check=_POSITIVE),
        Attr("pooled_size", "int", check=_POSITIVE),
        Attr("part_size", "int", 0, check=(lambda v: v >= 0, "non-negative")),
        Attr("sample_per_part", "int", 1, check=_POSITIVE),
        Attr("trans_std", "float", 0.0, check=(lambda v: 0 <= v <= 1, "in [0, 1]")),
        Attr("no_trans", "bool", False),
    )

    @classmethod
    def arguments(cls, attrs):
        return list(cls.inputs[:2] if attrs["no_trans"] else cls.inputs)

    def infer(in_shapes, in_dtypes, output_dim, group_size, pooled_size, part_size, no_trans,
              **attrs):
        op = DeformablePSROIPooling.name
        data, rois = in_shapes[:2]
        _check_shapes(op, data, rois, output_dim * group_size * group_size)
        if len(in_shapes) != (2 if no_trans else 3):
            raise ShapeError(f"{op}: with no_trans={no_trans} the inputs are (data, rois"
                             f"{'' if no_trans else ', trans'}), got {len(in_shapes)} inputs")
        trans = None if no_trans else in_shapes[2]
        if trans is not None:
            part = part_size or pooled_size
            if len(trans) != 4 or trans[1] % 2 or (trans[1] and output_dim % (trans[1] // 2)) \
                    or tuple(trans[2:]) != (part, part):
                raise ShapeError(f"{op}: trans has shape {tuple(trans)}, expected (num_rois, "
                                 f"2 * num_classes, {part}, {part}) with num_classes dividing "
                                 f"output_dim={output_dim}")
        out = None if rois is None else (rois[0], output_dim, pooled_size, pooled_size)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, x, rois, trans=None, *, spatial_scale, output_dim, group_size, pooled_size,
                part_size, sample_per_part, trans_std, no_trans):
        n, c, h, w = x.shape
        p, s, dt = pooled_size, sample_per_part, x.dtype
        part = part_size or p
        batch = _batch_index(DeformablePSROIPooling.name, rois, n)
        start, size = _roi_corners(rois, spatial_scale, 0.5, dt)  # (R, 2) as (x, y)
        binsz = size / dt.type(p)
        step = np.arange(p, dtype=dt)
        # (R, D, P, P, S, S) sample positions: bins along axes 2 (rows) and 3 (columns).
        x0 = step[None, :] * binsz[:, :1] + start[:, :1]  # (R, P) bin starts, columns
        y0 = step[None, :] * binsz[:, 1:] + start[:, 1:]
        cell = np.floor(step / dt.type(p) * dt.type(part)).astype(np.int64)
        ctop = np.arange(output_dim)
        if trans is None:
            shift = np.zeros((1, 1, 1, 1, 2), dt)
        else:
            classes = trans.shape[1] // 2
            cls = (ctop // (output_dim // classes))[:, None, None]
            r = np.arange(len(rois))[:, None, None, None]
            shift = np.stack([trans[r, cls * 2, cell[:, None], cell[None, :]],
                              trans[r, cls * 2 + 1, cell[:, None], cell[None, :]]], axis=-1)
            shift = shift * dt.type(trans_std)  # (R, D, P, P, 2) as (dx, dy)
        i = np.arange(s, dtype=dt)
        sub = binsz / dt.type(s)
        cols = (x0[:, None, None, :] + shift[..., 0] * size[:, 0, None, None, None])[
            ..., None, None] + i[None, :] * sub[:, 0, None, None, None, None, None]
        rows = (y0[:, None, :, None] + shift[..., 1] * size[:, 1, None, None, None])[
            ..., None, None] + i[:, None] * sub[:, 1, None, None, None, None, None]
        valid = ((cols >= -0.5) & (cols <= w - 0.5) & (rows >= -0.5) & (rows <= h - 0.5))
        count = valid.sum(axis=(4, 5))
        cx0, cx1, fx = _bilinear_corners(np.clip(cols, 0, w - 1))
        ry0, ry1, fy = _bilinear_corners(np.clip(rows, 0, h - 1))
        chan = _group_channels(output_dim, p, group_size)[None, :, :, :, None, None]
        plane = (batch[:, None, None, None, None, None] * c + chan) * (h * w)
        top, bottom = plane + ry0 * w, plane + ry1 * w
        # Corners (y0, x0), (y1, x0), (y0, x1), (y1, x1) of every sample: (R, D, P, P, S, S).
        index = (top + cx0, bottom + cx0, top + cx1, bottom + cx1)
        one = dt.type(1)
        weight = ((one - fx) * (one - fy), (one - fx) * fy, fx * (one - fy), fx * fy)
        flat = x.ravel()
        sampled = weight[0] * flat[index[0]]
        for at, wt in zip(index[1:], weight[1:]):
            sampled += wt * flat[at]
        total = (sampled * valid).sum(axis=(4, 5))
        ctx.saved = (flat, index, weight, valid, count, fx, fy, size, cell, x.shape,
                     None if trans is None else (trans.shape, cls, trans_std))
        return np.where(count > 0, total / np.maximum(count, 1), 0).astype(dt)

    def vjp(ctx, gy, **attrs):
        flat, index, weight, valid, count, fx, fy, size, cell, x_shape, moved = ctx.saved
        share = np.where(count > 0, gy / np.maximum(count, 1), 0)[..., None, None] * valid
        gx = 0
        for at, wt in zip(index, weight):
            gx = gx + np.bincount(at.ravel(), (wt * share).ravel(), minlength=flat.size)
        grads = [gx.reshape(x_shape).astype(gy.dtype), None]
        if moved is not None:
            trans_shape, cls, trans_std = moved
            v00, v01, v10, v11 = (flat[at] for at in index)  # v01 is (y1, x0), v10 (y0, x1)
            d_x = ((v11 - v01) * fy + (v10 - v00) * (1 - fy)) * share
            d_y = ((v11 - v10) * fx + (v01 - v00) * (1 - fx)) * share
            d_x = d_x.sum(axis=(4, 5)) * trans_std * size[:, 0, None, None, None]
            d_y = d_y.sum(axis=(4, 5)) * trans_std * size[:, 1, None, None, None]
            at = (np.arange(d_x.shape[0])[:, None, None, None] * trans_shape[1] + cls * 2) * (
                trans_shape[2] * trans_shape[3]) + cell[:, None] * trans_shape[3] + cell[None, :]
            size_t = int(np.prod(trans_shape))
            gt = (np.bincount(at.ravel(), np.broadcast_to(d_x, at.shape).ravel(), minlength=size_t)
                  + np.bincount((at + trans_shape[2] * trans_shape[3]).ravel(), d_y.ravel(),
                                minlength=size_t))
            grads.append(gt.reshape(trans_shape).astype(gy.dtype))
        return tuple(grads)

    def samples(rng):
        x = rng.normal(size=(2, 2 * 9, 6, 7))
        rois = np.array([[0, 0, 0, 12, 10], [1, 2.2, 4.1, 9.7, 11.5], [1, 6, 6, 6, 6],
                         [0, -3, 1, 20, 30]])
        trans = rng.normal(size=(4, 4, 3, 3))
        base = {"spatial_scale": 0.5, "output_dim": 2, "group_size": 3, "pooled_size": 3}
        return [
            Sample([x, rois], {**base, "no_trans": True, "sample_per_part": 2}, grad=(0,)),
            Sample([x, rois, trans], {**base, "sample_per_part": 2, "trans_std": 0.1},
                   grad=(0, 2)),
            Sample([x[:, :8], rois, trans[:, :2, :2, :2]],
                   {**base, "group_size": 2, "part_size": 2, "trans_std": 0.2}, grad=(0, 2)),
        ]
