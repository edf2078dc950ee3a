"""Spatial transformer networks: GridGenerator, BilinearSampler and SpatialTransformer.

See Note [Sampling grids].
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

__all__: list[str] = []


# Note [Sampling grids]
# A sampling grid (batch, 2, out_h, out_w) holds for each output pixel the (x, y) position to read
# in the input, normalised so -1 and 1 are the centres of the first and last pixels:
# x_pixel = (x + 1) * (W - 1) / 2. BilinearSampler reads the four neighbours of that position,
# with zeros outside the input, weighted by the distances; the gradient reaches the input
# (scattered to the same four pixels) and the grid (through the weights).
def _affine_targets(h: int, w: int, dtype) -> np.ndarray:
    """(3, h * w): normalised x, y of every target pixel (row-major) and ones."""
    i = np.arange(h * w)
    x = -1.0 + (i % w) * (2.0 / (w - 1))
    y = -1.0 + (i // w) * (2.0 / (h - 1))
    return np.stack([x, y, np.ones(h * w)]).astype(dtype)


def _warp_scale(h: int, w: int, dtype) -> np.ndarray:
    return np.array([(w - 1) / 2, (h - 1) / 2], dtype).reshape(1, 2, 1, 1)


@register
class GridGenerator(Op):
    """A sampling grid (see Note [Sampling grids]). ``transform_type='affine'``: ``data`` is
    ``(batch, 6)``, each row an affine map ``[[a, b, c], [d, e, f]]`` applied to the target
    pixels' normalised ``(x, y, 1)``; output ``(batch, 2, target_shape[0], target_shape[1])``.
    ``'warp'``: ``data`` is a flow ``(batch, 2, H, W)`` in pixels, added to each pixel's own
    ``(x, y)`` and normalised; the output has the data's shape.
    """

    name = "GridGenerator"
    attrs = (
        Attr("transform_type", "str", choices=("affine", "warp")),
        Attr("target_shape", "shape", (0, 0)),
    )

    def infer(in_shapes, in_dtypes, transform_type, target_shape):
        data = in_shapes[0]
        if transform_type == "affine":
            if data is not None and (len(data) != 2 or data[1] not in (0, 6)):
                raise ShapeError(f"GridGenerator: affine data has shape {tuple(data)}, "
                                 "expected (batch, 6)")
            if len(target_shape) != 2 or min(target_shape) < 2:
                raise ShapeError(f"GridGenerator: target_shape={tuple(target_shape)}, expected "
                                 "(height, width), each at least 2")
            out = None if data is None else (data[0], 2) + tuple(target_shape)
            return [None if data is None else (data[0], 6)], [out], [in_dtypes[0]]
        if data is not None and (len(data) != 4 or data[1] != 2):
            raise ShapeError(f"GridGenerator: warp data has shape {tuple(data)}, expected "
                             "(batch, 2, H, W)")
        return in_shapes, [data], [in_dtypes[0]]

    def forward(ctx, x, transform_type, target_shape):
        if transform_type == "affine":
            h, w = target_shape
            ctx.targets = _affine_targets(h, w, x.dtype)
            theta = x.reshape(-1, 2, 3)
            return np.matmul(theta, ctx.targets).reshape(x.shape[0], 2, h, w)
        n, _, h, w = x.shape
        ctx.scale = _warp_scale(h, w, x.dtype)
        ys, xs = np.mgrid[0:h, 0:w].astype(x.dtype)
        return (x + np.stack([xs, ys])) / ctx.scale - 1

    def vjp(ctx, gy, transform_type, target_shape):
        if transform_type == "affine":
            g = gy.reshape(gy.shape[0], 2, -1)  # (N, 2, HW)
            return (np.matmul(g, ctx.targets.T).reshape(gy.shape[0], 6),)
        return (gy / ctx.scale,)

    def samples(rng):
        theta = np.array([[1.0, 0.1, 0.2, -0.1, 0.9, 0.0]]) + rng.normal(size=(2, 6)) * 0.1
        return [Sample([theta], {"transform_type": "affine", "target_shape": (3, 4)}),
                Sample([rng.normal(size=(2, 2, 3, 4))], {"transform_type": "warp"})]


def _corners(data_shape: tuple, grid: np.ndarray):
    """Per output pixel: flat indices (4, N, P) and validity of the four neighbours, their
    fractional offsets fx, fy (N, P), and the pixel scales of x and y.
    """
    h, w = data_shape[2:]
    sx, sy = (w - 1) / 2, (h - 1) / 2
    gx = grid[:, 0].reshape(grid.shape[0], -1)
    gy = grid[:, 1].reshape(grid.shape[0], -1)
    x, y = (gx + 1) * sx, (gy + 1) * sy
    fx, fy = x - np.floor(x), y - np.floor(y)
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    xs = np.stack([x0, x0 + 1, x0, x0 + 1])
    ys = np.stack([y0, y0, y0 + 1, y0 + 1])
    valid = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
    flat = np.where(valid, ys * w + xs, 0)
    return flat, valid, fx, fy, sx, sy


def _sample(data: np.ndarray, grid: np.ndarray, ctx) -> np.ndarray:
    n, c = data.shape[:2]
    flat, valid, fx, fy, sx, sy = _corners(data.shape, grid)
    src = data.reshape(n, c, -1)
    # (4, N, C, P): the neighbours' values, zero outside the input.
    v = np.take_along_axis(src[None], flat[:, :, None, :], axis=3) * valid[:, :, None, :]
    wts = np.stack([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy])[:, :, None]
    ctx.saved = (data.shape, grid.shape, flat, valid, fx, fy, sx, sy, v, wts)
    return (v * wts).sum(axis=0).reshape((n, c) + grid.shape[2:])


def _sample_vjp(ctx, gy: np.ndarray, need_data: bool = True) -> tuple:
    shape, gshape, flat, valid, fx, fy, sx, sy, v, wts = ctx.saved
    n, c = shape[:2]
    g = gy.reshape(n, c, -1)[None]  # (1, N, C, P)
    gdata = None
    if need_data:
        contrib = (g * wts * valid[:, :, None, :]).transpose(1, 2, 0, 3)  # (N, C, 4, P)
        idx = np.broadcast_to(flat.transpose(1, 0, 2)[:, None], contrib.shape)
        offset = (np.arange(n * c) * (shape[2] * shape[3])).reshape(n, c, 1, 1)
        gdata = np.bincount((idx + offset).ravel(), contrib.ravel(),
                            minlength=n * c * shape[2] * shape[3]).reshape(shape)
        gdata = gdata.astype(gy.dtype, copy=False)
    tl, tr, bl, br = v
    dx = ((1 - fy)[:, None] * (tr - tl) + fy[:, None] * (br - bl)) * g[0]
    dy = ((1 - fx)[:, None] * (bl - tl) + fx[:, None] * (br - tr)) * g[0]
    ggrid = np.stack([dx.sum(axis=1) * sx, dy.sum(axis=1) * sy], axis=1).reshape(gshape)
    return gdata, ggrid.astype(gy.dtype, copy=False)


@register
class BilinearSampler(Op):
    """Samples ``data`` ``(batch, channels, H, W)`` bilinearly at the positions of ``grid``
    ``(batch, 2, out_h, out_w)`` (see Note [Sampling grids]), zeros outside; output ``(batch,
    channels, out_h, out_w)``. ``cudnn_off`` is accepted and ignored.
    """

    name = "BilinearSampler"
    inputs = ("data", "grid")
    attrs = (Attr("cudnn_off", "bool?", None),)

    def infer(in_shapes, in_dtypes, cudnn_off):
        data, grid = in_shapes
        if data is not None and len(data) != 4:
            raise ShapeError(f"BilinearSampler: data has shape {tuple(data)}, expected 4 dims")
        if grid is not None and (len(grid) != 4 or grid[1] != 2):
            raise ShapeError(f"BilinearSampler: grid has shape {tuple(grid)}, expected "
                             "(batch, 2, out_h, out_w)")
        out = None if data is None or grid is None else tuple(data[:2]) + tuple(grid[2:])
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, data, grid, cudnn_off):
        return _sample(data, grid, ctx)

    def vjp(ctx, gy, cudnn_off):
        return _sample_vjp(ctx, gy, ctx.needs_grad[0] if ctx.needs_grad else True)

    def samples(rng):
        data = rng.normal(size=(2, 3, 4, 5))
        # Positions kept off integer pixels, where the sampler has kinks.
        grid = rng.uniform(-1.1, 1.1, (2, 2, 3, 3))
        grid = np.round(grid * 2) / 2 + 0.13
        return [Sample([data, grid])]


@register
class SpatialTransformer(Op):
    """``BilinearSampler(data, GridGenerator(loc, 'affine', target_shape))``: ``data``
    ``(batch, channels, H, W)`` warped by one affine map per item (``loc`` ``(batch, 6)``),
    output ``(batch, channels, target_shape[0], target_shape[1])``. Only ``transform_type=
    'affine'`` and ``sampler_type='bilinear'`` exist, as in MXNet.
    """

    name = "SpatialTransformer"
    inputs = ("data", "loc")
    completes = (1,)
    attrs = (
        Attr("target_shape", "shape", (0, 0)),
        Attr("transform_type", "str", choices=("affine",)),
        Attr("sampler_type", "str", choices=("bilinear",)),
        Attr("cudnn_off", "bool?", None),
    )

    def infer(in_shapes, in_dtypes, target_shape, **attrs):
        data, loc = in_shapes
        if data is not None and len(data) != 4:
            raise ShapeError(f"SpatialTransformer: data has shape {tuple(data)}, expected 4 "
                             "dims")
        if data is not None:
            loc = (data[0], 6)
        shapes, outs, _ = GridGenerator.infer([loc], in_dtypes[1:], "affine", target_shape)
        out = None if data is None else tuple(data[:2]) + tuple(target_shape)
        return [data, shapes[0]], [out], [in_dtypes[0]]

    def forward(ctx, data, loc, target_shape, **attrs):
        h, w = target_shape
        ctx.targets = _affine_targets(h, w, data.dtype)
        grid = np.matmul(loc.reshape(-1, 2, 3), ctx.targets).reshape(loc.shape[0], 2, h, w)
        return _sample(data, grid, ctx)

    def vjp(ctx, gy, **attrs):
        gdata, ggrid = _sample_vjp(ctx, gy)
        g = ggrid.reshape(gy.shape[0], 2, -1)
        return gdata, np.matmul(g, ctx.targets.T).reshape(gy.shape[0], 6)

    def samples(rng):
        loc = np.array([[0.9, 0.1, 0.05, -0.1, 0.8, 0.1]]) + rng.normal(size=(2, 6)) * 0.05
        attrs = {"target_shape": (3, 4), "transform_type": "affine", "sampler_type": "bilinear"}
        return [Sample([rng.normal(size=(2, 3, 5, 6)), loc], attrs)]
