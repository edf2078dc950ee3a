"""Import rules for ONNX's linear quantization, written with MXNet's elementwise ops:
``DequantizeLinear`` is ``(x - zero_point) * scale``, ``QuantizeLinear`` is
``saturate(round_half_even(x / scale) + zero_point)`` in the zero point's integer type.

Scale and zero point are per tensor (a scalar), per axis (a vector along ``axis``) or blocked
(``block_size`` consecutive elements along ``axis`` share one). Integer types numpy has (8, 16,
32 bits); the float8, float4 and 2-/4-bit types do not exist in numpy, hence in hybrid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import helper

from . import rule
from .elemwise import round_half_even


def _spread(ctx: Any, node: Any, name: str, rank: int) -> Any:
    """A scale or zero point broadcastable against the data (see the module docstring)."""
    v = ctx.value(name)
    shape = v.shape
    if len(shape) == 0 or shape == (1,):
        return v
    axis = int(node.attrs.get("axis", 1)) % rank
    block = int(node.attrs.get("block_size", 0))
    if block:  # blocked: the same rank as the data, repeated along the axis
        return ctx.op("repeat", [v], repeats=block, axis=axis)
    return ctx.op("Reshape", [v], shape=(1,) * axis + shape + (1,) * (rank - axis - 1))


def _float(ctx: Any, v: Any, dtype: Any) -> Any:
    return ctx.op("Cast", [v], dtype=dtype)


@rule("DequantizeLinear")
def _dequantize(ctx: Any, node: Any) -> list:
    x = ctx.value(node.inputs[0])
    rank = len(x.shape)
    dtype = ctx.dtype(node.inputs[1])
    y = _float(ctx, x, dtype)
    if node.input(2):
        y = ctx.op("broadcast_sub", [y, _float(ctx, _spread(ctx, node, node.input(2), rank),
                                               dtype)])
    return [ctx.op("broadcast_mul", [y, _spread(ctx, node, node.inputs[1], rank)])]


@rule("QuantizeLinear")
def _quantize(ctx: Any, node: Any) -> list:
    x = ctx.value(node.inputs[0])
    rank = len(x.shape)
    if node.input(2):
        out = ctx.dtype(node.input(2))
    else:
        out = helper.tensor_dtype_to_np_dtype(node.attrs.get("output_dtype", 0) or 2)
    if out.kind not in "iu":
        raise ctx.error(f"output type {out} (numpy, hence hybrid, has no such type)")
    q = round_half_even(ctx, ctx.op("broadcast_div", [x, _spread(ctx, node, node.inputs[1],
                                                                   rank)]))
    if node.input(2):
        q = ctx.op("broadcast_add", [q, _float(ctx, _spread(ctx, node, node.input(2), rank),
                                               q.dtype)])
    limits = np.iinfo(out)
    q = ctx.op("clip", [q], a_min=float(limits.min), a_max=float(limits.max))
    return [ctx.op("Cast", [q], dtype=out)]
