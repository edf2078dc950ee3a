"""Lowerings of the dense and convolution ops (``hybrid/ops/conv.py``).

MXNet's symmetric ``pad`` becomes ONNX's ``pads`` (all begins, then all ends); an empty ``stride``
or ``dilate`` means ones, as ONNX's defaults. Weight layouts are the same on both sides:
``(num_filter, channel / group, *kernel)`` for Conv, ``(channel, num_filter / group, *kernel)``
for ConvTranspose (``deconv.py``). Channel-last layouts lower to Transposes around the
channel-first node (see Note [Channel-last layouts] in ``hybrid/ops/_layout.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from hybrid.ops._layout import is_channel_last, shape_to_first, to_first_perm, to_last_perm
from hybrid.ops.conv import conv_window

from ..builder import Builder, Call
from . import lowering

__all__ = ["channel_first", "onnx_window_attrs"]


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


def onnx_window_attrs(n: Call, before: tuple, after: tuple) -> dict:
    """kernel_shape, strides, dilations, pads and group of a (de)convolution call."""
    win = conv_window(n.name, n.attrs)
    return {
        "kernel_shape": list(win.kernel),
        "strides": list(win.stride),
        "dilations": list(win.dilate),
        "pads": [*before, *after],
        "group": n.attrs["num_group"],
    }


def channel_first(rule: Callable[[Builder, Call], str]) -> Callable[[Builder, Call], str]:
    """``rule`` for channel-first calls, bridged by Transposes for channel-last ones."""

    def lower(ctx: Builder, n: Call) -> str:
        if not is_channel_last(n.attrs):
            return rule(ctx, n)
        inputs = [
            ctx.node("Transpose", [x], perm=to_first_perm(len(s))) if len(s) >= 3 else x
            for x, s in zip(n.inputs, n.in_shapes)
        ]
        call = n._replace(
            inputs=inputs,
            in_shapes=[shape_to_first(s) for s in n.in_shapes],
            out_shapes=[shape_to_first(s) for s in n.out_shapes],
        )
        return ctx.node("Transpose", [rule(ctx, call)], perm=to_last_perm(len(n.out_shapes[0])))

    return lower


@lowering("Convolution")
@channel_first
def _convolution(ctx: Builder, n: Call) -> str:
    win = conv_window(n.name, n.attrs)
    return ctx.node("Conv", n.inputs, **onnx_window_attrs(n, win.pad, win.pad))
