"""Lowerings of Pooling and UpSampling (``hybrid/ops/pooling.py``).

Note [Pooling in ONNX]
MXNet's ``pooling_convention='full'`` is ONNX's ``ceil_mode=1`` (the last window may hang over the
padded data; the overhang is ignored), except that ONNX drops a last window starting in the end
padding, which MXNet keeps; there, and for ``'same'`` (1-D, the odd padding element at the end),
max pooling pads explicitly (asymmetric) and avg pooling divides window sums by MXNet's own
counts. Otherwise max and avg map to MaxPool and AveragePool with ``count_include_pad`` (MXNet's
None means True). ONNX has no sum pooling and its LpPool takes ``|x|``, where MXNet's lp pooling is
``(sum x^p)^(1/p)`` without the absolute value; so sum pooling is an AveragePool over explicitly
zero-padded data (every window then lies inside it and holds exactly ``prod(kernel)`` elements)
times the kernel size, and lp pooling is built on it (LpPool only for p=2, where ``|x|^2 = x^2``).
"""

from __future__ import annotations

from math import prod

import numpy as np

from hybrid.ops.pooling import pool_counts, pool_geometry, upsampling_scales

from ..builder import Builder, Call
from . import lowering
from .conv import channel_first
from .nn import scalar

_GLOBAL = {"max": "GlobalMaxPool", "avg": "GlobalAveragePool"}


def _zero_padded(ctx: Builder, x: str, before: tuple, after: tuple) -> str:
    """``x`` with zeros added before and after each spatial dim (none: ``x`` itself)."""
    if not any(before) and not any(after):
        return x
    pads = ctx.ints([0, 0, *before, 0, 0, *after])
    return ctx.node("Pad", [x, pads])


def _sum_pool(ctx: Builder, x: str, geo, dtype: np.dtype) -> str:
    """Window sums: see Note [Pooling in ONNX]."""
    padded = _zero_padded(ctx, x, geo.before, geo.after)
    kernel = list(geo.win.kernel)
    mean = ctx.node("AveragePool", [padded], kernel_shape=kernel, strides=list(geo.win.stride))
    return ctx.node("Mul", [mean, ctx.const(scalar(prod(kernel), dtype))])


def _lp_pool(ctx: Builder, x: str, geo, p: int, dtype: np.dtype) -> str:
    if p == 2:
        padded = _zero_padded(ctx, x, geo.before, geo.after)
        return ctx.node("LpPool", [padded], kernel_shape=list(geo.win.kernel),
                        strides=list(geo.win.stride), p=2)
    if p == 1:
        return _sum_pool(ctx, x, geo, dtype)
    # p == 3: the real cube root of the window sum of cubes, sign(s) * |s|^(1/3).
    cubes = ctx.node("Mul", [ctx.node("Mul", [x, x]), x])
    s = _sum_pool(ctx, cubes, geo, dtype)
    root = ctx.node("Pow", [ctx.node("Abs", [s]), ctx.const(scalar(1 / 3, dtype))])
    return ctx.node("Mul", [ctx.node("Sign", [s]), root])


def _ceil_agrees(geo, sizes: tuple) -> bool:
    """Whether ONNX's ceil_mode gives MXNet's 'full' windows: ONNX drops a last window that
    starts in the end padding, MXNet keeps it.
    """
    return all((o - 1) * s < x + p for o, s, x, p in zip(geo.out, geo.win.stride, sizes,
                                                          geo.win.pad))


@lowering("Pooling")
@channel_first
def _pooling(ctx: Builder, n: Call) -> str:
    a, x, dtype = n.attrs, n.inputs[0], n.in_dtypes[0]
    kind, convention = a["pool_type"], a["pooling_convention"]
    if a["global_pool"] and kind in _GLOBAL:
        return ctx.node(_GLOBAL[kind], [x])
    sizes = tuple(n.in_shapes[0][2:])
    geo = pool_geometry(tuple(n.in_shapes[0]), a)
    if kind == "sum":
        return _sum_pool(ctx, x, geo, dtype)
    if kind == "lp":
        return _lp_pool(ctx, x, geo, a["p_value"], dtype)
    include = a["count_include_pad"] is not False
    native = convention == "valid" or (convention == "full" and _ceil_agrees(geo, sizes))
    if kind == "avg" and not native:
        # ONNX counts a window's padding differently here: window sums over MXNet's counts.
        counts = ctx.const(pool_counts(geo, sizes, include, dtype))
        return ctx.node("Div", [_sum_pool(ctx, x, geo, dtype), counts])
    window = {"kernel_shape": list(geo.win.kernel), "strides": list(geo.win.stride)}
    if kind == "max" and not native:
        # Explicit padding with the lowest value: ONNX refuses pads as large as the kernel,
        # which a kept last window of MXNet's can need.
        low = np.finfo(dtype).min if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min
        pads = ctx.ints([0, 0, *geo.before, 0, 0, *geo.after])
        return ctx.node("MaxPool", [ctx.node("Pad", [x, pads, ctx.const(scalar(low, dtype))])],
                        **window)
    window.update(pads=[*geo.win.pad, *geo.win.pad], ceil_mode=int(convention == "full"))
    if kind == "max":
        return ctx.node("MaxPool", [x], **window)
    return ctx.node("AveragePool", [x], count_include_pad=int(include), **window)


@lowering("UpSampling")
def _upsampling(ctx: Builder, n: Call) -> str:
    a = n.attrs
    _, factors = upsampling_scales(n.in_shapes, a["scale"], a["multi_input_mode"])
    ups = []
    for x, (fh, fw) in zip(n.inputs, factors):
        # Integer nearest upsampling reads source pixel floor(i / scale): asymmetric + floor.
        scales = ctx.const(np.array([1, 1, fh, fw], np.float32))
        ups.append(ctx.node("Resize", [x, "", scales], mode="nearest",
                            coordinate_transformation_mode="asymmetric", nearest_mode="floor"))
    if len(ups) == 1:
        return ups[0]
    if a["multi_input_mode"] == "sum":
        return ctx.node("Sum", ups)
    return ctx.node("Concat", ups, axis=1)
