"""Lowerings of contrib.fft and contrib.ifft (``hybrid/ops/fft.py``) onto ONNX DFT, whose
complex values are a trailing axis of 2. DFT exists from opset 17, with ``axis`` an attribute
until opset 20 made it an input. ONNX's inverse divides by ``d``; MXNet's does not, so ifft
multiplies back.
"""

from __future__ import annotations

import numpy as np

from ..builder import Builder, Call
from . import lowering


def _dft(ctx: Builder, z: str, axis: int, axis_input: bool, **attrs) -> str:
    if axis_input:
        return ctx.node("DFT", [z, "", ctx.const(np.asarray(axis, np.int64))], **attrs)
    return ctx.node("DFT", [z], axis=axis, **attrs)


def _fft_rule(axis_input: bool):
    def rule(ctx: Builder, n: Call) -> str:
        rank = len(n.in_shapes[0])
        x = ctx.node("Unsqueeze", [n.inputs[0], ctx.ints([rank])])  # (..., d, 1)
        z = _dft(ctx, x, rank - 1, axis_input)  # (..., d, 2)
        return ctx.node("Reshape", [z, ctx.ints([0] * (rank - 1) + [-1])])

    return rule


def _ifft_rule(axis_input: bool):
    def rule(ctx: Builder, n: Call) -> str:
        shape = n.in_shapes[0]
        rank, d = len(shape), shape[-1] // 2
        z = ctx.node("Reshape", [n.inputs[0], ctx.ints([0] * (rank - 1) + [d, 2])])
        z = _dft(ctx, z, rank - 1, axis_input, inverse=1)
        real = ctx.node("Gather", [z, ctx.const(np.asarray(0, np.int64))], axis=rank)
        return ctx.node("Mul", [real, ctx.const(np.asarray(d, n.in_dtypes[0]))])

    return rule


for _since, _as_input in ((17, False), (20, True)):
    lowering("_contrib_fft", since=_since)(_fft_rule(_as_input))
    lowering("_contrib_ifft", since=_since)(_ifft_rule(_as_input))
