"""Lowerings of im2col and col2im (``hybrid/ops/patches.py``).

Note [Windows as a grouped convolution]: im2col is a convolution with ``group = C`` whose
``C * prod(kernel)`` filters each pick one kernel offset of one channel (a one-hot weight), then a
Reshape of the pixels to one axis; col2im is the transposed convolution with the same weight,
which adds every column value back at its offset.
"""

from __future__ import annotations

from math import prod

import numpy as np

from hybrid.ops._im2col import window_attrs

from ..builder import Builder, Call
from . import lowering


def _one_hot_weight(channels: int, kernel: tuple, dtype) -> np.ndarray:
    k = prod(kernel)
    w = np.zeros((channels * k, 1, k), dtype)
    w[np.arange(channels * k), 0, np.tile(np.arange(k), channels)] = 1
    return w.reshape((channels * k, 1) + tuple(kernel))


def _conv_attrs(w) -> dict:
    return {"strides": list(w.stride), "dilations": list(w.dilate), "pads": list(w.pad) * 2,
            "kernel_shape": list(w.kernel)}


@lowering("im2col")
def _im2col(ctx: Builder, n: Call) -> str:
    a = n.attrs
    w = window_attrs("im2col", a["kernel"], a["stride"], a["dilate"], a["pad"])
    channels = n.in_shapes[0][1]
    weight = ctx.const(_one_hot_weight(channels, w.kernel, n.in_dtypes[0]))
    y = ctx.node("Conv", [n.inputs[0], weight], group=channels, **_conv_attrs(w))
    return ctx.node("Reshape", [y, ctx.ints([0, 0, -1])])


@lowering("col2im")
def _col2im(ctx: Builder, n: Call) -> str:
    a = n.attrs
    w = window_attrs("col2im", a["kernel"], a["stride"], a["dilate"], a["pad"])
    channels, size = n.out_shapes[0][1], tuple(a["output_size"])
    out = tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                for s, p, d, k, st in zip(size, w.pad, w.dilate, w.kernel, w.stride))
    x = ctx.node("Reshape", [n.inputs[0], ctx.ints([0, 0, *out])])
    weight = ctx.const(_one_hot_weight(channels, w.kernel, n.in_dtypes[0]))
    natural = [(o - 1) * st + d * (k - 1) + 1 - 2 * p
               for o, st, d, k, p in zip(out, w.stride, w.dilate, w.kernel, w.pad)]
    extra = [s - m for s, m in zip(size, natural)]  # rows the last windows did not reach
    return ctx.node("ConvTranspose", [x, weight], group=channels, output_padding=extra,
                    **_conv_attrs(w))
