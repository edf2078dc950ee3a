"""Pooling (max, avg, sum, lp; 1-D, 2-D, 3-D) and nearest-neighbour UpSampling.

Windows are read as strided slices of the padded input, one kernel offset at a time: the loop
runs over kernel offsets only, each step vectorised over batch, channels and pixels.
"""

from __future__ import annotations

from math import prod
from typing import Any, NamedTuple

import numpy as np

from ..base import AttrError, HybridError, ShapeError
from ._buffers import buffers
from ._im2col import Window, crop_spatial, offset_slices, pad_spatial, window_attrs
from ._layout import CHANNEL_LAST, channel_last_aware
from ._pool_phases import phase_max_pool, phase_max_pool_grad
from ._util import same_dtype
from .attrs import REQUIRED, Attr
from .registry import Op, Sample, register

__all__ = ["pool_counts", "pool_geometry", "upsampling_scales"]

_ROOTS = {1: lambda s: s, 2: np.sqrt, 3: np.cbrt}


class _Geometry(NamedTuple):
    win: Window
    before: tuple  # padding read before the data, per spatial dim
    after: tuple  # padding (or overhang of 'full' windows) after the data
    out: tuple


def _out_size(x: int, k: int, s: int, p: int, convention: str) -> int:
    if x == 0:
        return 0
    if convention == "valid":
        return (x + 2 * p - k) // s + 1
    if convention == "full":
        return -(-(x + 2 * p - k) // s) + 1
    return -(-x // s)


def pool_geometry(shape: tuple, a: dict) -> _Geometry:
    """Window, padding and output size of a Pooling call on data of ``shape``."""
    nd = len(shape) - 2
    if not 1 <= nd <= 3:
        raise ShapeError(f"Pooling: data has shape {shape}, expected 3, 4 or 5 dims (N, C, ...)")
    if a["global_pool"]:
        win = Window(tuple(shape[2:]), (1,) * nd, (1,) * nd, (0,) * nd)
    elif not a["kernel"]:
        raise AttrError("Pooling: attribute kernel is required unless global_pool=True")
    else:
        win = window_attrs("Pooling", a["kernel"], a["stride"], (), a["pad"])
        if len(win.kernel) != nd:
            raise ShapeError(
                f"Pooling: data has shape {shape}, expected {len(win.kernel) + 2} dims for "
                f"kernel={win.kernel}"
            )
    convention = a["pooling_convention"]
    if convention == "same" and (nd != 1 or any(win.pad)):
        raise AttrError(
            f"Pooling: pooling_convention='same' supports 1-D data without pad, got data "
            f"{shape} and pad={win.pad}"
        )
    for x, k, p in zip(shape[2:], win.kernel, win.pad):
        if x and k > x + 2 * p:
            raise ShapeError(
                f"Pooling: kernel={win.kernel} exceeds data {shape} padded by {win.pad}"
            )
    out = tuple(
        _out_size(x, k, s, p, convention)
        for x, k, s, p in zip(shape[2:], win.kernel, win.stride, win.pad)
    )
    reach = tuple((o - 1) * s + k for o, s, k in zip(out, win.stride, win.kernel))
    if convention == "same":
        before = tuple(max(r - x, 0) // 2 for r, x in zip(reach, shape[2:]))
    else:
        before = win.pad
    after = tuple(max(r - x - b, 0) for r, x, b in zip(reach, shape[2:], before))
    return _Geometry(win, before, after, out)


def pool_counts(geo: _Geometry, sizes: tuple, include_pad: bool, dtype: np.dtype) -> np.ndarray:
    """Divisor of each avg window, broadcastable to ``out``: the window clipped to the padded data
    (``count_include_pad``) or to the data itself, as MXNet counts it.
    """
    total = np.ones((), dtype=dtype)
    for i, (x, k, s, o, b, p) in enumerate(
        zip(sizes, geo.win.kernel, geo.win.stride, geo.out, geo.before, geo.win.pad)
    ):
        start = np.arange(o) * s - b
        end = np.minimum(start + k, x + p)
        n = end - start if include_pad else np.minimum(end, x) - np.maximum(start, 0)
        total = total * n.reshape((o,) + (1,) * (len(sizes) - 1 - i)).astype(dtype)
    return total


def _whole_window(a: dict, shape: tuple, dtype: np.dtype) -> bool:
    """Whether an avg or sum pooling of float data reduces each channel's whole (non-empty)
    data at once.
    """
    return (
        a["global_pool"]
        and a["pool_type"] in ("avg", "sum")
        and 0 not in shape
        and dtype.kind == "f"
    )


def _on_phases(geo: _Geometry, dtype: np.dtype) -> bool:
    """Whether a float max pooling runs on stride phases: strided, overlapping windows (see
    Note [Max pooling on stride phases]; without overlap, LeNet's 2x2/2 pooling ran 0.6x).
    """
    win = geo.win
    return dtype.kind == "f" and max(win.stride) > 1 and prod(win.kernel) > prod(win.stride)


def _slices(geo: _Geometry) -> list[tuple]:
    """Index tuples ``(:, :, *spatial slices)`` of every kernel offset into the padded data."""
    ones = (1,) * len(geo.out)
    return [
        (slice(None), slice(None), *sl)
        for _, sl in offset_slices(geo.win.kernel, geo.win.stride, ones, geo.out)
    ]


def _max_pool_grad(
    xp: np.ndarray, y: np.ndarray, gy: np.ndarray, slices: list, buf: Any
) -> np.ndarray:
    """Padded data gradient of max pooling: each window's gradient goes to its first maximum
    (MXNet's rule on ties), found again from the saved input and output instead of an argmax.
    """
    gxp = buf.zeros("gxp", xp.shape, gy.dtype)
    free = buf.scratch("free", y.shape, np.bool_)  # windows whose gradient is not routed yet
    free.fill(True)
    hit = buf.scratch("hit", y.shape, np.bool_)
    routed = buf.scratch("routed", y.shape, gy.dtype)
    for sl in slices:
        np.equal(xp[sl], y, out=hit)
        hit &= free
        free ^= hit
        gxp[sl] += np.multiply(gy, hit, out=routed)
    return gxp


@register
@channel_last_aware
class Pooling(Op):
    """Pooling over 1-D, 2-D or 3-D windows of channel-first or channel-last data.

    ``max``: window maximum (gradient to the first maximum); ``avg``: window sum over a count
    (see ``count_include_pad``); ``sum``: window sum; ``lp``: ``(sum x^p)^(1/p)``.

    Parameters
    ----------
    kernel : shape
        Window size; ignored with ``global_pool``.
    pool_type : {'max', 'avg', 'sum', 'lp'}, default 'max'
    global_pool : bool, default False
        Pool over all spatial dims: output ``(N, C, 1, ...)``.
    pooling_convention : {'valid', 'full', 'same'}, default 'valid'
        Output size ``floor((x + 2p - k) / s) + 1`` (valid), ``ceil(...) + 1`` (full: the last
        window may hang over the padded data; the overhang is ignored), or ``ceil(x / s)``
        (same: 1-D only, padding split with the odd element at the end).
    stride, pad : shape, default ()
        Empty means 1 and 0. Max pooling pads with the dtype's lowest value, the others with 0.
    p_value : int, optional
        1, 2 or 3, required for ``lp``.
    count_include_pad : bool, optional (None means True)
        Whether ``avg`` divides by the window size clipped to the padded data, or to the data.
    cudnn_off : ignored.
    layout : None, 'NCW', 'NCHW', 'NCDHW', 'NWC', 'NHWC' or 'NDHWC'
        Channel-last layouts pool ``(batch_size, *spatial, channel)`` data (see Note
        [Channel-last layouts] in ``_layout.py``).
    """

    name = "Pooling"
    aliases = ("_npx_pooling", "Pooling_v1")
    attrs = (
        Attr("kernel", "shape", ()),
        Attr("pool_type", "str", "max", choices=("max", "avg", "sum", "lp")),
        Attr("global_pool", "bool", False),
        Attr("cudnn_off", "bool", False),
        Attr("pooling_convention", "str", "valid", choices=("valid", "full", "same")),
        Attr("stride", "shape", ()),
        Attr("pad", "shape", ()),
        Attr("p_value", "int?", None, choices=(None, 1, 2, 3)),
        Attr("count_include_pad", "bool?", None),
        Attr("layout", "str?", None, choices=(None, "NCW", "NCHW", "NCDHW", *CHANNEL_LAST)),
    )

    def infer(in_shapes, in_dtypes, **a):
        if a["pool_type"] == "lp" and a["p_value"] is None:
            raise AttrError("Pooling: pool_type='lp' needs p_value (1, 2 or 3)")
        if len(in_shapes) != 1:
            raise HybridError(f"Pooling: takes one input (data), got {len(in_shapes)}")
        dtype = same_dtype("Pooling", in_dtypes)
        if in_shapes[0] is None:
            return in_shapes, [None], [dtype]
        shape = tuple(in_shapes[0])
        return in_shapes, [shape[:2] + pool_geometry(shape, a).out], [dtype]

    def forward(ctx, x, **a):
        geo, kind = pool_geometry(x.shape, a), a["pool_type"]
        buf = buffers(ctx, "fwd")
        ctx.phases = kind == "max" and _on_phases(geo, x.dtype)
        if ctx.phases:  # Note [Max pooling on stride phases]
            win = geo.win
            ctx.y, ctx.xq = phase_max_pool(x, win.kernel, win.stride, geo.before, geo.out, buf)
            ctx.geo, ctx.x_shape = geo, x.shape
            return ctx.y
        low = np.finfo(x.dtype).min if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xp = pad_spatial(x, geo.before, geo.after, low if kind == "max" else 0, buf)
        slices = _slices(geo)
        ctx.geo, ctx.x_shape, ctx.padded = geo, x.shape, xp.shape
        if kind == "max":
            y = buf.empty("y", x.shape[:2] + geo.out, x.dtype)
            np.copyto(y, xp[slices[0]])
            for sl in slices[1:]:
                np.maximum(y, xp[sl], out=y)
            ctx.xp, ctx.y = xp, y
            return y
        if _whole_window(a, x.shape, x.dtype):
            # One reduction instead of a pass per window offset (global average pooling).
            y = x.sum(axis=tuple(range(2, x.ndim)), keepdims=True)
            return y / x.dtype.type(prod(x.shape[2:])) if kind == "avg" else y
        p = a["p_value"] if kind == "lp" else 1
        y = xp[slices[0]] ** p
        for sl in slices[1:]:
            y += xp[sl] ** p if p != 1 else xp[sl]
        if kind == "avg":
            include = a["count_include_pad"] is not False
            y /= pool_counts(geo, x.shape[2:], include, x.dtype)
        elif kind == "lp":
            y = _ROOTS[p](y)
            ctx.xp, ctx.y = xp, y
        return y

    def vjp(ctx, gy, **a):
        geo, kind = ctx.geo, a["pool_type"]
        slices = _slices(geo)
        if ctx.phases:
            win = geo.win
            return (phase_max_pool_grad(ctx.xq, ctx.y, gy, win.kernel, win.stride, geo.before,
                                        ctx.x_shape, buffers(ctx, "bwd")),)
        if kind == "max":
            gxp = _max_pool_grad(ctx.xp, ctx.y, gy, slices, buffers(ctx, "bwd"))
            return (crop_spatial(gxp, geo.before, ctx.x_shape[2:]),)
        if _whole_window(a, ctx.x_shape, gy.dtype):
            count = prod(ctx.x_shape[2:]) if kind == "avg" else 1
            gx = np.empty(ctx.x_shape, gy.dtype)
            np.divide(gy, gy.dtype.type(count), out=gx)  # broadcast over the window
            return (gx,)
        gxp = np.zeros(ctx.padded, dtype=gy.dtype)
        p = a["p_value"] if kind == "lp" else 1
        if kind == "avg":
            include = a["count_include_pad"] is not False
            gy = gy / pool_counts(geo, ctx.x_shape[2:], include, gy.dtype)
        elif p > 1:
            # d/dx (sum x^p)^(1/p) = (x / y)^(p-1); an all-zero window gets no gradient.
            scale = np.power(ctx.y, p - 1)
            gy = np.divide(gy, scale, out=np.zeros_like(gy), where=scale != 0)
        for sl in slices:
            gxp[sl] += gy * ctx.xp[sl] ** (p - 1) if p > 1 else gy
        return (crop_spatial(gxp, geo.before, ctx.x_shape[2:]),)

    def samples(rng):
        def case(shape, positive=False, **attrs):
            x = rng.uniform(0.5, 2.0, shape) if positive else rng.normal(size=shape)
            return Sample([x], attrs)

        return [
            case((2, 3, 6, 6), kernel=(2, 2), stride=(2, 2)),
            case((1, 2, 3, 4, 5), kernel=(2, 2, 3), stride=(1, 2, 2), pad=(0, 1, 1)),
            case(
                (2, 2, 7, 6),
                kernel=(3, 3),
                stride=(2, 2),
                pad=(1, 1),
                pool_type="avg",
                pooling_convention="full",
                count_include_pad=False,
            ),
            case((1, 2, 6, 7), kernel=(3, 2), stride=(2, 2), pad=(1, 1), pool_type="avg"),
            case((2, 3, 8), kernel=(3,), stride=(2,), pool_type="sum", pooling_convention="full"),
            case((2, 2, 4, 5), True, kernel=(2, 2), pool_type="lp", p_value=2),
            case((2, 2, 7), True, kernel=(3,), stride=(2,), pool_type="lp", p_value=3),
            case((2, 3, 4, 5), global_pool=True, pool_type="avg"),
            case((2, 2, 3, 2, 2), global_pool=True, pool_type="sum"),
            case((2, 2, 7), kernel=(3,), stride=(2,), pooling_convention="same"),
            case((2, 6, 5, 3), kernel=(2, 2), stride=(2, 1), layout="NHWC"),
            case((2, 7, 3), kernel=(3,), pad=(1,), pool_type="avg", layout="NWC"),
            case((1, 3, 4, 2, 2), global_pool=True, pool_type="avg", layout="NDHWC"),
        ]


def upsampling_scales(in_shapes: list, scale: int, mode: str) -> tuple:
    """Output shape and each input's (height, width) factor; MXNet's nearest rule."""
    for s in in_shapes:
        if len(s) != 4:
            raise ShapeError(
                f"UpSampling: input has shape {tuple(s)}, expected 4 dims (N, C, H, W)"
            )
    oh, ow = in_shapes[0][2] * scale, in_shapes[0][3] * scale
    factors = []
    for s in in_shapes:
        if (s[2] and oh % s[2]) or (s[3] and ow % s[3]):
            raise ShapeError(
                f"UpSampling: input {tuple(s)} does not divide the output size {(oh, ow)}"
            )
        factors.append((oh // s[2] if s[2] else 0, ow // s[3] if s[3] else 0))
    channels = [s[1] for s in in_shapes]
    if mode == "sum" and len(set(channels)) > 1:
        raise ShapeError(f"UpSampling: multi_input_mode='sum' needs equal channels, got {channels}")
    c = channels[0] if mode == "sum" else sum(channels)
    return (in_shapes[0][0], c, oh, ow), factors


@register
class UpSampling(Op):
    """Nearest-neighbour upsampling: ``out[n, c, i, j] = data[n, c, i // s, j // s]``.

    Parameters
    ----------
    scale : int
        Output size of the first input is ``(H * scale, W * scale)``; each further input is
        scaled by whatever factor reaches that size.
    sample_type : {'nearest'}
        'bilinear' (a Deconvolution with a learned weight input in MXNet) is not supported.
    multi_input_mode : {'concat', 'sum'}, default 'concat'
        Concatenate the upsampled inputs along channels, or add them.
    num_filter, num_args, workspace : accepted for MXNet compatibility.

    Inputs: any number of ``(batch_size, channel, height, width)`` arrays. Output
    ``(batch_size, channels, height * scale, width * scale)``.
    """

    name = "UpSampling"
    inputs = ("*data",)
    attrs = (
        Attr("scale", "int", REQUIRED, check=(lambda v: v >= 1, "a positive integer")),
        Attr("num_filter", "int", 0),
        Attr(
            "sample_type",
            "str",
            REQUIRED,
            choices=("nearest", "bilinear"),
            check=(lambda v: v == "nearest", "'nearest' (bilinear UpSampling is not supported)"),
        ),
        Attr("multi_input_mode", "str", "concat", choices=("concat", "sum")),
        Attr("num_args", "int", 0),
        Attr("workspace", "int", 512),
    )

    def infer(in_shapes, in_dtypes, **a):
        if a["num_args"] and a["num_args"] != len(in_shapes):
            raise HybridError(f"UpSampling: num_args={a['num_args']}, got {len(in_shapes)} inputs")
        dtype = same_dtype("UpSampling", in_dtypes)
        if any(s is None for s in in_shapes):
            return in_shapes, [None], [dtype]
        out, _ = upsampling_scales(in_shapes, a["scale"], a["multi_input_mode"])
        return in_shapes, [out], [dtype]

    def forward(ctx, *xs, **a):
        shapes = [x.shape for x in xs]
        out, factors = upsampling_scales(shapes, a["scale"], a["multi_input_mode"])
        ups = []
        for x, (fh, fw) in zip(xs, factors):
            n, c, h, w = x.shape
            wide = np.broadcast_to(x[:, :, :, None, :, None], (n, c, h, fh, w, fw))
            ups.append(wide.reshape(n, c, h * fh, w * fw))  # (N, C, OH, OW), a copy
        ctx.shapes, ctx.factors = shapes, factors
        if len(ups) == 1:
            return ups[0]
        return sum(ups[1:], ups[0]) if a["multi_input_mode"] == "sum" else np.concatenate(ups, 1)

    def vjp(ctx, gy, **a):
        grads, start = [], 0
        for (n, c, h, w), (fh, fw) in zip(ctx.shapes, ctx.factors):
            g = gy if a["multi_input_mode"] == "sum" else gy[:, start : start + c]
            grads.append(g.reshape(n, c, h, fh, w, fw).sum(axis=(3, 5)))
            start += c
        return tuple(grads)

    def samples(rng):
        return [
            Sample([rng.normal(size=(2, 3, 2, 3))], {"scale": 2, "sample_type": "nearest"}),
            Sample(
                [rng.normal(size=(1, 2, 2, 2)), rng.normal(size=(1, 3, 3, 3))],
                {"scale": 3, "sample_type": "nearest", "num_args": 2},
            ),
            Sample(
                [rng.normal(size=(1, 2, 3, 2)), rng.normal(size=(1, 2, 1, 1))],
                {"scale": 2, "sample_type": "nearest", "multi_input_mode": "sum"},
            ),
        ]
