"""Lowerings of the deformable convolutions (``hybrid/ops/deformable.py``) to ONNX DeformConv
(opset 19), whose offsets have MXNet's layout (``(dy, dx)`` per tap per offset group).

DeformConv samples like DCNv2: pixels outside the image read as zeros, so
ModulatedDeformableConvolution maps directly. DCNv1 samples only positions in ``[0, H) x [0, W)``
and clamps the high neighbour at the last row and column; the lowering reproduces that by moving
positions in the last pixel's cell onto the pixel (where zero padding adds nothing) and masking
out the positions outside.
"""

from __future__ import annotations

import numpy as np

from hybrid.ops.deformable import regular_positions

from ..builder import Builder, Call, onnx_type
from . import lowering
from .conv import onnx_window_attrs


def _deform_conv(ctx: Builder, n: Call, x: str, offset: str, mask: str, weight: str,
                 bias: list) -> str:
    win = onnx_window_attrs(n, n.attrs["pad"] or (0, 0), n.attrs["pad"] or (0, 0))
    return ctx.node("DeformConv", [x, weight, offset, bias[0] if bias else "", mask],
                    offset_group=n.attrs["num_deformable_group"], **win)


@lowering("_contrib_ModulatedDeformableConvolution", since=19)
def _modulated(ctx: Builder, n: Call) -> str:
    x, offset, mask, weight, *bias = n.inputs
    return _deform_conv(ctx, n, x, offset, mask, weight, bias)


@lowering("_contrib_DeformableConvolution", since=19)
def _deformable(ctx: Builder, n: Call) -> str:
    x, offset, weight, *bias = n.inputs
    dtype = n.in_dtypes[0]
    h, w = n.in_shapes[0][2:]
    oh, ow = n.in_shapes[1][2:]
    dg = n.attrs["num_deformable_group"]
    base = regular_positions(n.attrs, oh, ow).astype(dtype)  # (taps, 2, OH * OW)
    taps = base.shape[0]
    grid = ctx.const(base[None, None])
    pos = ctx.node("Add", [ctx.node("Reshape", [offset, ctx.ints([0, dg, taps, 2, -1])]), grid])
    inside = ctx.node("And", [
        ctx.node("GreaterOrEqual", [pos, ctx.const(np.zeros((), dtype))]),
        ctx.node("Less", [pos, ctx.const(np.array([h, w], dtype).reshape(2, 1))])])
    inside = ctx.node("Cast", [inside], to=onnx_type(dtype))
    rows, cols = (ctx.node("Gather", [inside, ctx.const(np.int64(k))], axis=3) for k in (0, 1))
    mask = ctx.node("Mul", [rows, cols])
    mask = ctx.node("Reshape", [mask, ctx.ints([0, -1, oh, ow])])
    last = ctx.const(np.array([h - 1, w - 1], dtype).reshape(2, 1))
    moved = ctx.node("Sub", [ctx.node("Min", [pos, last]), grid])
    moved = ctx.node("Reshape", [moved, ctx.ints([0, -1, oh, ow])])
    return _deform_conv(ctx, n, x, moved, mask, weight, bias)
