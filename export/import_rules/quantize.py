"""Import rules for ONNX's linear quantization, written with MXNet's elementwise ops:
``DequantizeLinear`` is ``(x - zero_point) * scale``, ``QuantizeLinear`` is
``saturate(round_half_even(x / scale) + zero_point)`` in the zero point's integer type. The
integer ops (MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv) dequantize, run the float
op's own rule and quantize; DynamicQuantizeLinear derives its scale from the data's range.

Scale and zero point are per tensor (a scalar), per axis (a vector along ``axis``) or blocked
(``block_size`` consecutive elements along ``axis`` share one). Integer types numpy has (8, 16,
32 bits); the float8, float4 and 2-/4-bit types do not exist in numpy, hence in hybrid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import helper

from . import RULES, rule
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


def _float_rule(ctx: Any, node: Any, op_type: str, operands: list, attrs: dict) -> Any:
    """The float op ``op_type``'s own rule applied to graph values (named for the call)."""
    from ..importer import OnnxNode  # a rule module must not import the importer at load

    names = []
    for i, v in enumerate(operands):
        names.append(f"{node.name}/{op_type}{i}")
        ctx.values[names[-1]] = v
    proto = helper.make_node(op_type, names, [f"{node.name}/{op_type}_out"], **attrs)
    return RULES[op_type](ctx, OnnxNode(proto, 0))[0]


def _centred(ctx: Any, node: Any, x_name: str, zp_name: str, per: tuple | None = None) -> Any:
    """``x - zero_point`` in float64 (exact for 8- to 32-bit integers); ``per`` reshapes a 1-D
    zero point (per row or per output channel)."""
    x = _float(ctx, ctx.value(x_name), np.float64)
    if not zp_name:
        return x
    zp = _float(ctx, ctx.value(zp_name), np.float64)
    if per is not None and len(zp.shape) == 1 and zp.shape[0] > 1:
        zp = ctx.op("Reshape", [zp], shape=per)
    return ctx.op("broadcast_sub", [x, zp])


@rule("MatMulInteger", "ConvInteger")
def _integer_product(ctx: Any, node: Any) -> list:
    # (a - a_zero_point) (*) (b - b_zero_point), accumulated exactly, as int32.
    a = _centred(ctx, node, node.inputs[0], node.input(2), (-1, 1))
    per_b = (-1, 1, 1, 1) if node.op_type == "ConvInteger" else (1, -1)
    b = _centred(ctx, node, node.inputs[1], node.input(3), per_b)
    float_op = "MatMul" if node.op_type == "MatMulInteger" else "Conv"
    y = _float_rule(ctx, node, float_op, [a, b], node.attrs)
    return [ctx.op("Cast", [y], dtype=np.int32)]


@rule("QLinearMatMul", "QLinearConv")
def _qlinear(ctx: Any, node: Any) -> list:
    # dequantize both operands, the float op (plus the int32 bias of QLinearConv, whose scale is
    # x_scale * w_scale), quantize with the output's scale and zero point.
    conv = node.op_type == "QLinearConv"
    x_name, xs, xz, w_name, ws, wz, ys, yz = node.inputs[:8]
    per_w = (-1, 1, 1, 1) if conv else (1, -1)
    x = ctx.op("broadcast_mul", [_centred(ctx, node, x_name, xz, (-1, 1)),
                                 _float(ctx, ctx.value(xs), np.float64)])
    w_scale = _float(ctx, ctx.value(ws), np.float64)
    if len(w_scale.shape) == 1 and w_scale.shape[0] > 1:
        w_scale = ctx.op("Reshape", [w_scale], shape=per_w)
    w = ctx.op("broadcast_mul", [_centred(ctx, node, w_name, wz, per_w), w_scale])
    operands = [x, w]
    if conv and node.input(8):
        scale = ctx.op("Reshape", [ctx.op("broadcast_mul", [
            _float(ctx, ctx.value(xs), np.float64), _float(ctx, ctx.value(ws), np.float64)])],
            shape=(-1,))
        operands.append(ctx.op("broadcast_mul", [_float(ctx, ctx.value(node.input(8)),
                                                        np.float64), scale]))
    y = _float_rule(ctx, node, "Conv" if conv else "MatMul", operands, node.attrs)
    q = round_half_even(ctx, ctx.op("broadcast_div", [y, _float(ctx, ctx.value(ys),
                                                                 np.float64)]))
    q = ctx.op("broadcast_add", [q, _float(ctx, ctx.value(yz), np.float64)])
    out = ctx.dtype(yz)
    limits = np.iinfo(out)
    q = ctx.op("clip", [q], a_min=float(limits.min), a_max=float(limits.max))
    return [ctx.op("Cast", [q], dtype=out)]


@rule("DynamicQuantizeLinear")
def _dynamic_quantize(ctx: Any, node: Any) -> list:
    # uint8 with the scale and zero point of the data's range widened to include 0.
    x = ctx.value(node.inputs[0])
    low = ctx.op("_minimum_scalar", [ctx.op("min", [x])], scalar=0.0, is_int=False)
    high = ctx.op("_maximum_scalar", [ctx.op("max", [x])], scalar=0.0, is_int=False)
    scale = ctx.op("_div_scalar", [ctx.op("elemwise_sub", [high, low])], scalar=255.0,
                   is_int=False)
    zero = ctx.op("clip", [round_half_even(ctx, ctx.op("negative", [ctx.op(
        "elemwise_div", [low, scale])]))], a_min=0.0, a_max=255.0)
    q = round_half_even(ctx, ctx.op("broadcast_div", [x, scale]))
    q = ctx.op("clip", [ctx.op("broadcast_add", [q, zero])], a_min=0.0, a_max=255.0)
    # NOTE: MXNet 1.x has no 0-d arrays: the scale and zero point have shape (1,).
    return [ctx.op("Cast", [q], dtype=np.uint8), scale, ctx.op("Cast", [zero], dtype=np.uint8)]
