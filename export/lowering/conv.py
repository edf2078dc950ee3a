"""Lowerings of the dense and convolution ops (``hybrid/ops/conv.py``).

MXNet's symmetric ``pad`` becomes ONNX's ``pads`` (all begins, then all ends); an empty ``stride``
or ``dilate`` means ones, as ONNX's defaults. Weight layouts are the same on both sides:
``(num_filter, channel / group, *kernel)`` for Conv, ``(channel, num_filter / group, *kernel)``
for ConvTranspose.
"""

from __future__ import annotations

from hybrid.ops.conv import _deconv_extra, _window

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


def _window_attrs(n: Call, pad: tuple) -> dict:
    """kernel_shape, strides, dilations, pads and group of a (de)convolution call."""
    win = _window(n.name, n.attrs)
    return {
        "kernel_shape": list(win.kernel),
        "strides": list(win.stride),
        "dilations": list(win.dilate),
        "pads": list(pad) + list(pad),
        "group": n.attrs["num_group"],
    }


@lowering("Convolution")
def _convolution(ctx: Builder, n: Call) -> str:
    win = _window(n.name, n.attrs)
    return ctx.node("Conv", n.inputs, **_window_attrs(n, win.pad))


@lowering("Deconvolution")
def _deconvolution(ctx: Builder, n: Call) -> str:
    win = _window(n.name, n.attrs)
    adj, target = _deconv_extra(n.name, n.attrs, len(win.kernel))
    attrs = _window_attrs(n, win.pad)
    if target:
        # NOTE: with output_shape ONNX derives the pads (pads attribute ignored) and puts the odd
        # element of the crop at the start, as MXNet's target_shape rule does.
        attrs.pop("pads")
        return ctx.node("ConvTranspose", n.inputs, output_shape=list(target), **attrs)
    # adj adds rows at the end of the output: ONNX's output_padding.
    return ctx.node("ConvTranspose", n.inputs, output_padding=list(adj) if any(adj) else None,
                    **attrs)
