"""Lowerings of the dense and convolution ops (``hybrid/ops/conv.py``).

MXNet's symmetric ``pad`` becomes ONNX's ``pads`` (all begins, then all ends); an empty ``stride``
or ``dilate`` means ones, as ONNX's defaults. Weight layouts are the same on both sides:
``(num_filter, channel / group, *kernel)`` for Conv, ``(channel, num_filter / group, *kernel)``
for ConvTranspose.
"""

from __future__ import annotations

from hybrid.ops.conv import _deconv_extra, _deconv_geometry, _window

from ..builder import Builder, Call
from . import lowering


@lowering("FullyConnected")
def _fully_connected(ctx: Builder, n: Call) -> str:
    x, w = n.inputs[0], n.inputs[1]
    bias = n.inputs[2:3]
    rank = len(n.in_shapes[0])
    if n.attrs["flatten"] and rank != 2:
        # MXNet flattens every axis after the first; Flatten(axis=1) keeps the batch dynamic.
        x, rank = ctx.node("Flatten", [x], axis=1), 2
    if rank == 2:
        return ctx.node("Gemm", [x, w, *bias], transB=1)
    # flatten=False on rank > 2: the product applies to the last axis, leading axes are kept.
    y = ctx.node("MatMul", [x, ctx.node("Transpose", [w], perm=[1, 0])])
    return ctx.node("Add", [y, bias[0]]) if bias else y


def _window_attrs(n: Call, before: tuple, after: tuple) -> dict:
    """kernel_shape, strides, dilations, pads and group of a (de)convolution call."""
    win = _window(n.name, n.attrs)
    return {
        "kernel_shape": list(win.kernel),
        "strides": list(win.stride),
        "dilations": list(win.dilate),
        "pads": [*before, *after],
        "group": n.attrs["num_group"],
    }


@lowering("Convolution")
def _convolution(ctx: Builder, n: Call) -> str:
    win = _window(n.name, n.attrs)
    return ctx.node("Conv", n.inputs, **_window_attrs(n, win.pad, win.pad))


@lowering("Deconvolution")
def _deconvolution(ctx: Builder, n: Call) -> str:
    win = _window(n.name, n.attrs)
    adj, target = _deconv_extra(n.name, n.attrs, len(win.kernel))
    if not target:
        # adj adds rows at the end of the output: ONNX's output_padding.
        return ctx.node("ConvTranspose", n.inputs, output_padding=list(adj) if any(adj) else None,
                        **_window_attrs(n, win.pad, win.pad))
    # NOTE: target_shape crops the full output, the odd element at the start (MXNet's rule).
    # Explicit pads say so exactly; ONNX's output_shape attribute is read inconsistently by
    # shape inference when it crops. With a target, the col2im buffer is the full output.
    before, out, full = _deconv_geometry(n.in_shapes[0][2:], win, adj, target)
    after = [f - b - o for f, b, o in zip(full, before, out)]
    return ctx.node("ConvTranspose", n.inputs, **_window_attrs(n, before, after))
