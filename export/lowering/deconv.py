"""Lowering of Deconvolution (``hybrid/ops/deconv.py``) to ONNX's ConvTranspose."""

from __future__ import annotations

from hybrid.ops.conv import conv_window
from hybrid.ops.deconv import deconv_extra, deconv_geometry

from ..builder import Builder, Call
from . import lowering
from .conv import channel_first, onnx_window_attrs


@lowering("Deconvolution")
@channel_first
def _deconvolution(ctx: Builder, n: Call) -> str:
    win = conv_window(n.name, n.attrs)
    adj, target = deconv_extra(n.name, n.attrs, len(win.kernel))
    if not target:
        # adj adds rows at the end of the output: ONNX's output_padding.
        return ctx.node(
            "ConvTranspose",
            n.inputs,
            output_padding=list(adj) if any(adj) else None,
            **onnx_window_attrs(n, win.pad, win.pad),
        )
    # NOTE: target_shape crops the full output, the odd element at the start (MXNet's rule).
    # Explicit pads say so exactly; ONNX's output_shape attribute is read inconsistently by
    # shape inference when it crops. With a target, the col2im buffer is the full output.
    before, out, full = deconv_geometry(n.in_shapes[0][2:], win, adj, target)
    after = [f - b - o for f, b, o in zip(full, before, out)]
    return ctx.node("ConvTranspose", n.inputs, **onnx_window_attrs(n, before, after))
