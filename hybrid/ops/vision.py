"""Classic vision layers of MXNet's legacy operator set: LRN, L2Normalization, Crop and the
FlowNet Correlation.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

__all__: list[str] = []


def _channel_window_sum(x: np.ndarray, nsize: int) -> np.ndarray:
    """``sum(x[:, c - nsize//2 : c + nsize//2 + 1])`` for each channel ``c`` (zeros outside)."""
    half = nsize // 2
    pad = [(0, 0), (half + 1, half)] + [(0, 0)] * (x.ndim - 2)
    c = np.cumsum(np.pad(x, pad), axis=1)
    return c[:, nsize:] - c[:, : x.shape[1]]


def _same_shape(in_shapes, in_dtypes, **attrs):
    return in_shapes, [in_shapes[0]], [in_dtypes[0]]


@register
class LRN(Op):
    """Local response normalisation across channels:
    ``y = x / (knorm + alpha / nsize * sum_{|c' - c| <= nsize // 2} x[c']^2) ^ beta``.
    ``data`` is ``(batch, channels, ...)``; the output has its shape. ``nsize`` should be odd
    (the window is centred).
    """

    name = "LRN"
    attrs = (
        Attr("alpha", "float", 1e-4),
        Attr("beta", "float", 0.75),
        Attr("knorm", "float", 2.0),
        Attr("nsize", "int", check=(lambda n: n > 0, "positive")),
    )
    infer = _same_shape

    def forward(ctx, x, alpha, beta, knorm, nsize):
        s = knorm + (alpha / nsize) * _channel_window_sum(x * x, nsize)
        ctx.x, ctx.s = x, s
        ctx.scale = s ** -beta
        return x * ctx.scale

    def vjp(ctx, gy, alpha, beta, knorm, nsize):
        x, s = ctx.x, ctx.s
        inner = gy * x * ctx.scale / s  # g_c x_c s_c^(-beta-1)
        gx = gy * ctx.scale - (2 * alpha * beta / nsize) * x * _channel_window_sum(inner, nsize)
        return (gx.astype(gy.dtype, copy=False),)

    def samples(rng):
        x = rng.normal(size=(2, 6, 3, 3))
        return [Sample([x], {"nsize": 3}), Sample([x], {"nsize": 5, "alpha": 0.1, "beta": 0.5,
                                                         "knorm": 1.0})]


_L2_AXES = {"instance": lambda nd: tuple(range(1, nd)), "channel": lambda nd: (1,),
            "spatial": lambda nd: tuple(range(2, nd))}


@register
class L2Normalization(Op):
    """``y = x / sqrt(sum(x^2) + eps)`` with the sum over every axis but the batch's
    (``mode='instance'``, default), over the channel axis 1 (``'channel'``) or over the spatial
    axes 2 onwards (``'spatial'``). The output has the data's shape.
    """

    name = "L2Normalization"
    attrs = (
        Attr("eps", "float", 1e-10),
        Attr("mode", "str", "instance", choices=tuple(_L2_AXES)),
    )

    def infer(in_shapes, in_dtypes, eps, mode):
        data = in_shapes[0]
        if data is not None and len(data) < (3 if mode == "spatial" else 2):
            raise ShapeError(f"L2Normalization: data has shape {tuple(data)}, too few dims for "
                             f"mode={mode!r}")
        return in_shapes, [data], [in_dtypes[0]]

    def forward(ctx, x, eps, mode):
        axes = _L2_AXES[mode](x.ndim)
        norm = np.sqrt((x * x).sum(axis=axes, keepdims=True) + x.dtype.type(eps))
        ctx.y, ctx.norm, ctx.axes = x / norm, norm, axes
        return ctx.y

    def vjp(ctx, gy, eps, mode):
        y = ctx.y
        return ((gy - y * (gy * y).sum(axis=ctx.axes, keepdims=True)) / ctx.norm,)

    def samples(rng):
        x = rng.normal(size=(2, 3, 4, 2))
        return [Sample([x]), Sample([x], {"mode": "channel"}), Sample([x], {"mode": "spatial"}),
                Sample([rng.normal(size=(3, 5))], {"eps": 1e-3})]


@register
class Crop(Op):
    """Crops the height and width of ``(batch, channels, height, width)`` data to ``h_w``, or
    to the height and width of a second input ``crop_like`` (which gets a zero gradient), at
    ``offset`` ``(top, left)`` or centred (``center_crop``, offsets rounded down).
    ``num_args`` is the number of inputs (1 or 2).
    """

    name = "Crop"
    inputs = ("*data",)
    attrs = (
        Attr("num_args", "int", 0),
        Attr("offset", "shape", (0, 0)),
        Attr("h_w", "shape", (0, 0)),
        Attr("center_crop", "bool", False),
    )

    def infer(in_shapes, in_dtypes, num_args, offset, h_w, center_crop):
        data = in_shapes[0]
        if data is None:
            return in_shapes, [None], [in_dtypes[0]]
        if len(data) != 4:
            raise ShapeError(f"Crop: data has shape {tuple(data)}, expected (N, C, H, W)")
        if len(in_shapes) > 2:
            raise ShapeError(f"Crop: takes data and an optional crop_like, got {len(in_shapes)}")
        like = in_shapes[1] if len(in_shapes) == 2 else None
        hw = tuple(like[2:4]) if like is not None else h_w
        top, left = _crop_offset(tuple(data), hw, offset, center_crop)
        return in_shapes, [tuple(data[:2]) + tuple(hw)], [in_dtypes[0]]

    def forward(ctx, x, *like, num_args, offset, h_w, center_crop):
        hw = like[0].shape[2:4] if like else h_w
        top, left = _crop_offset(x.shape, hw, offset, center_crop)
        ctx.shape, ctx.box, ctx.like = x.shape, (top, left, hw), like
        return x[:, :, top : top + hw[0], left : left + hw[1]].copy()

    def vjp(ctx, gy, **attrs):
        top, left, (h, w) = ctx.box
        gx = np.zeros(ctx.shape, gy.dtype)
        gx[:, :, top : top + h, left : left + w] = gy
        return (gx,) + tuple(np.zeros_like(a) for a in ctx.like)

    def samples(rng):
        x = rng.normal(size=(2, 3, 6, 5))
        return [
            Sample([x], {"h_w": (3, 4), "offset": (2, 1)}),
            Sample([x], {"h_w": (3, 2), "center_crop": True}),
            Sample([x, rng.normal(size=(1, 1, 4, 3))], {"num_args": 2, "center_crop": True},
                   grad=(0,)),
        ]


def _crop_offset(shape: tuple, hw: tuple, offset: tuple, center: bool) -> tuple[int, int]:
    h, w = shape[2:4]
    if not (1 <= hw[0] <= h and 1 <= hw[1] <= w):
        raise ShapeError(f"Crop: crop size {tuple(hw)} must be within the data's {(h, w)}")
    if center:
        return (h - hw[0]) // 2, (w - hw[1]) // 2
    if not (0 <= offset[0] <= h - hw[0] and 0 <= offset[1] <= w - hw[1]):
        raise ShapeError(f"Crop: offset {tuple(offset)} leaves no room for {tuple(hw)} in "
                         f"{(h, w)}")
    return offset[0], offset[1]


def _corr_geometry(shape: tuple, kernel_size, max_displacement, stride1, stride2, pad_size):
    """(output height, output width, grid radius) of Correlation, as MXNet computes them."""
    hp, wp = shape[2] + 2 * pad_size, shape[3] + 2 * pad_size
    border = max_displacement + (kernel_size - 1) // 2
    th = int(np.ceil((hp - 2 * border) / stride1))
    tw = int(np.ceil((wp - 2 * border) / stride1))
    if th < 1 or tw < 1:
        raise ShapeError(f"Correlation: data {tuple(shape)} is too small for kernel_size="
                         f"{kernel_size}, max_displacement={max_displacement}, pad={pad_size}")
    return th, tw, max_displacement // stride2


@register
class Correlation(Op):
    """FlowNet's correlation of two feature maps ``(batch, channels, height, width)``.

    For each displacement ``(dy, dx)`` in ``stride2 * [-r, r]^2`` (``r = max_displacement //
    stride2``; output channel ``(dy / stride2 + r) * (2r + 1) + dx / stride2 + r``) and each
    output position ``(i, j)``, the mean over channels and a ``kernel_size`` window with top-left
    ``(i * stride1 + max_displacement, j * stride1 + max_displacement)`` of the zero-padded
    (``pad_size``) ``data1 * data2`` shifted by the displacement (``|data1 - data2|`` with
    ``is_multiply=False``). Output ``(batch, (2r + 1)^2, ceil((H + 2 pad - 2 border) /
    stride1), ...)``, ``border = max_displacement + (kernel_size - 1) // 2``. The loop runs over
    the displacements (attributes), each vectorised over the batch and every position; the ONNX
    form has one small subgraph per displacement.
    """

    name = "Correlation"
    inputs = ("data1", "data2")
    attrs = (
        Attr("kernel_size", "int", 1),
        Attr("max_displacement", "int", 1),
        Attr("stride1", "int", 1),
        Attr("stride2", "int", 1),
        Attr("pad_size", "int", 0),
        Attr("is_multiply", "bool", True),
    )

    def infer(in_shapes, in_dtypes, is_multiply, **geo):
        a, b = in_shapes
        if a is not None and b is not None and tuple(a) != tuple(b):
            raise ShapeError(f"Correlation: data1 {tuple(a)} and data2 {tuple(b)} must agree")
        shape = a if a is not None else b
        if shape is None:
            return in_shapes, [None], [in_dtypes[0]]
        th, tw, r = _corr_geometry(tuple(shape), **geo)
        return [shape, shape], [(shape[0], (2 * r + 1) ** 2, th, tw)], [in_dtypes[0]]

    def forward(ctx, x1, x2, is_multiply, **geo):
        k, d, s1, s2, p = (geo[n] for n in ("kernel_size", "max_displacement", "stride1",
                                            "stride2", "pad_size"))
        th, tw, r = _corr_geometry(x1.shape, **geo)
        pad = [(0, 0), (0, 0), (p, p), (p, p)]
        p1, p2 = np.pad(x1, pad), np.pad(x2, pad)
        ys = d + np.arange(th)[:, None] * s1 + np.arange(k)  # (TH, K) rows of the windows
        xs = d + np.arange(tw)[:, None] * s1 + np.arange(k)  # (TW, K)
        rows, cols = ys[:, :, None, None], xs[None, None]  # broadcast to (TH, K, TW, K)
        a = p1[:, :, rows, cols]  # (N, C, TH, K, TW, K)
        shifts = [(oy * s2, ox * s2) for oy in range(-r, r + 1) for ox in range(-r, r + 1)]
        norm = k * k * x1.shape[1]
        out = np.empty((x1.shape[0], len(shifts), th, tw), x1.dtype)
        for i, (dy, dx) in enumerate(shifts):
            b = p2[:, :, rows + dy, cols + dx]
            v = a * b if is_multiply else np.abs(a - b)
            out[:, i] = v.sum(axis=(1, 3, 5)) / norm
        ctx.saved = (p1, p2, rows, cols, shifts, norm, a, is_multiply, p, x1.shape)
        return out

    def vjp(ctx, gy, **attrs):
        p1, p2, rows, cols, shifts, norm, a, is_multiply, p, shape = ctx.saved
        ga = np.zeros_like(a)
        gp2 = np.zeros_like(p2)
        for i, (dy, dx) in enumerate(shifts):
            g = (gy[:, i] / norm)[:, None, :, None, :, None]  # (N, 1, TH, 1, TW, 1)
            b = p2[:, :, rows + dy, cols + dx]
            if is_multiply:
                ga += g * b
                gb = g * a
            else:
                sign = np.sign(a - b)
                ga += g * sign
                gb = -g * sign
            np.add.at(gp2, (slice(None), slice(None), rows + dy, cols + dx), gb)
        gp1 = np.zeros_like(p1)
        np.add.at(gp1, (slice(None), slice(None), rows, cols), ga)
        crop = (slice(None), slice(None), slice(p, p + shape[2]), slice(p, p + shape[3]))
        return gp1[crop], gp2[crop]

    def samples(rng):
        x1, x2 = rng.normal(size=(2, 3, 5, 6)), rng.normal(size=(2, 3, 5, 6))
        return [
            Sample([x1, x2], {"max_displacement": 1, "pad_size": 1}),
            Sample([x1, x2], {"kernel_size": 3, "max_displacement": 2, "stride2": 2,
                              "pad_size": 2}),
            Sample([x1, x2], {"stride1": 2, "max_displacement": 1, "is_multiply": False}),
        ]
