"""Import rules for the ONNX activations beyond MXNet's Activation/LeakyReLU types, written with
MXNet ops: HardSigmoid, HardSwish, PRelu, ThresholdedRelu, Celu, Mish, Swish, SwiGLU, Shrink,
Hardmax.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import rule


def _scalar(ctx: Any, op_name: str, x: Any, c: float) -> Any:
    return ctx.op(op_name, [x], scalar=float(c), is_int=False)


@rule("HardSigmoid")
def _hard_sigmoid(ctx: Any, node: Any) -> list:
    alpha, beta = float(node.attrs.get("alpha", 0.2)), float(node.attrs.get("beta", 0.5))
    return [ctx.op("hard_sigmoid", [ctx.value(node.inputs[0])], alpha=alpha, beta=beta)]


@rule("HardSwish")
def _hard_swish(ctx: Any, node: Any) -> list:
    x = ctx.value(node.inputs[0])
    return [ctx.op("elemwise_mul", [x, ctx.op("hard_sigmoid", [x], alpha=1 / 6, beta=0.5)])]


@rule("PRelu")
def _prelu(ctx: Any, node: Any) -> list:
    # ONNX broadcasts the slope to the input (MXNet's prelu has one slope per channel):
    # relu(x) + slope * min(x, 0).
    x, slope = ctx.value(node.inputs[0]), ctx.value(node.inputs[1])
    negative = ctx.op("broadcast_mul", [slope, _scalar(ctx, "_minimum_scalar", x, 0.0)])
    return [ctx.op("broadcast_add", [ctx.op("relu", [x]), negative])]


@rule("ThresholdedRelu")
def _thresholded_relu(ctx: Any, node: Any) -> list:
    x = ctx.value(node.inputs[0])
    above = _scalar(ctx, "_greater_scalar", x, node.attrs.get("alpha", 1.0))
    return [ctx.op("elemwise_mul", [x, above])]


@rule("Celu")
def _celu(ctx: Any, node: Any) -> list:
    # alpha * elu(x / alpha) with MXNet's elu of slope 1.
    alpha = float(node.attrs.get("alpha", 1.0))
    scaled = _scalar(ctx, "_div_scalar", ctx.value(node.inputs[0]), alpha)
    elu = ctx.op("LeakyReLU", [scaled], act_type="elu", slope=1.0)
    return [_scalar(ctx, "_mul_scalar", elu, alpha)]


@rule("Mish")
def _mish(ctx: Any, node: Any) -> list:
    x = ctx.value(node.inputs[0])
    return [ctx.op("elemwise_mul", [x, ctx.op("tanh", [ctx.op("softrelu", [x])])])]


@rule("Swish")
def _swish(ctx: Any, node: Any) -> list:
    x = ctx.value(node.inputs[0])
    gate = ctx.op("sigmoid", [_scalar(ctx, "_mul_scalar", x, node.attrs.get("alpha", 1.0))])
    return [ctx.op("elemwise_mul", [x, gate])]


@rule("SwiGLU")
def _swiglu(ctx: Any, node: Any) -> list:
    # swish_alpha(a) * b, with swish as in _swish.
    a, b = ctx.value(node.inputs[0]), ctx.value(node.inputs[1])
    gate = ctx.op("sigmoid", [_scalar(ctx, "_mul_scalar", a, node.attrs.get("alpha", 1.0))])
    return [ctx.op("elemwise_mul", [ctx.op("elemwise_mul", [a, gate]), b])]


@rule("Shrink")
def _shrink(ctx: Any, node: Any) -> list:
    # x + bias below -lambd, x - bias above lambd, 0 between.
    lambd, bias = float(node.attrs.get("lambd", 0.5)), float(node.attrs.get("bias", 0.0))
    x = ctx.value(node.inputs[0])
    low = ctx.op("elemwise_mul", [_scalar(ctx, "_lesser_scalar", x, -lambd),
                                  _scalar(ctx, "_plus_scalar", x, bias)])
    high = ctx.op("elemwise_mul", [_scalar(ctx, "_greater_scalar", x, lambd),
                                   _scalar(ctx, "_minus_scalar", x, bias)])
    return [ctx.op("elemwise_add", [low, high])]


@rule("Hardmax")
def _hardmax(ctx: Any, node: Any) -> list:
    # One at the first maximum along the axis (opset 13); before, of the input flattened to 2-D
    # at the axis.
    name = node.inputs[0]
    x = ctx.value(name)
    axis = int(node.attrs.get("axis", -1 if ctx.opset >= 13 else 1))
    shape = ctx.known_shape(name, "Hardmax")
    axis %= len(shape)
    if ctx.opset < 13:
        x = ctx.op("Reshape", [x], shape=(-1, int(np.prod(shape[axis:]))))
        axis = 1
    index = ctx.op("argmax", [x], axis=axis)
    depth = ctx.value(name).shape[axis] if ctx.opset >= 13 else x.shape[1]
    hot = ctx.op("one_hot", [index], depth=int(depth), dtype=ctx.dtype(name))
    rank = len(x.shape)
    if axis != rank - 1:  # one_hot appends the class axis last
        axes = tuple(range(axis)) + (rank - 1,) + tuple(range(axis, rank - 1))
        hot = ctx.op("transpose", [hot], axes=axes)
    return [ctx.op("Reshape", [hot], shape=shape) if ctx.opset < 13 else hot]
