"""Lowerings of LRN, L2Normalization, Crop and Correlation (``hybrid/ops/vision.py``)."""

from __future__ import annotations

from ..builder import Builder, Call
from . import lowering
from .nn import scalar


@lowering("LRN")
def _lrn(ctx: Builder, n: Call) -> str:
    # ONNX's LRN window is [c - (size-1)//2, c + ceil((size-1)/2)]: MXNet's for odd nsize.
    a = n.attrs
    return ctx.node("LRN", [n.inputs[0]], size=a["nsize"], alpha=a["alpha"], beta=a["beta"],
                    bias=a["knorm"])


@lowering("L2Normalization")
def _l2_normalization(ctx: Builder, n: Call) -> str:
    x, rank, mode = n.inputs[0], len(n.in_shapes[0]), n.attrs["mode"]
    axes = {"instance": range(1, rank), "channel": [1], "spatial": range(2, rank)}[mode]
    total = ctx.node("ReduceSum", [ctx.node("Mul", [x, x]), ctx.ints(list(axes))], keepdims=1)
    eps = ctx.const(scalar(n.attrs["eps"], n.in_dtypes[0]))
    return ctx.node("Div", [x, ctx.node("Sqrt", [ctx.node("Add", [total, eps])])])


@lowering("Crop")
def _crop(ctx: Builder, n: Call) -> str:
    from hybrid.ops.vision import _crop_offset

    a, shape = n.attrs, n.in_shapes[0]
    hw = n.out_shapes[0][2:4]
    top, left = _crop_offset(tuple(shape), hw, a["offset"], a["center_crop"])
    return ctx.node("Slice", [n.inputs[0], ctx.ints([top, left]),
                              ctx.ints([top + hw[0], left + hw[1]]), ctx.ints([2, 3])])


@lowering("Correlation")
def _correlation(ctx: Builder, n: Call) -> str:
    # One product map per displacement, from static Slices of the padded inputs: its channel
    # sum averaged over the kernel window (AveragePool with stride1) and divided by channels.
    from hybrid.ops.vision import _corr_geometry

    a, (x1, x2), shape, dtype = n.attrs, n.inputs, n.in_shapes[0], n.in_dtypes[0]
    k, d, s1, s2, p = (a[key] for key in ("kernel_size", "max_displacement", "stride1",
                                          "stride2", "pad_size"))
    th, tw, r = _corr_geometry(tuple(shape), k, d, s1, s2, p)
    pads = ctx.ints([0, 0, p, p, 0, 0, p, p])
    p1, p2 = ctx.node("Pad", [x1, pads]), ctx.node("Pad", [x2, pads])
    span_h, span_w = (th - 1) * s1 + k, (tw - 1) * s1 + k

    def region(x: str, top: int, left: int) -> str:
        return ctx.node("Slice", [x, ctx.ints([top, left]), ctx.ints([top + span_h,
                                                                      left + span_w]),
                                  ctx.ints([2, 3])])

    base = region(p1, d, d)
    maps = []
    for oy in range(-r, r + 1):
        for ox in range(-r, r + 1):
            other = region(p2, d + oy * s2, d + ox * s2)
            v = (ctx.node("Mul", [base, other]) if a["is_multiply"]
                 else ctx.node("Abs", [ctx.node("Sub", [base, other])]))
            v = ctx.node("ReduceSum", [v, ctx.ints([1])], keepdims=1)
            maps.append(ctx.node("AveragePool", [v], kernel_shape=[k, k], strides=[s1, s1]))
    out = ctx.node("Concat", maps, axis=1) if len(maps) > 1 else maps[0]
    return ctx.node("Div", [out, ctx.const(scalar(shape[1], dtype))])
