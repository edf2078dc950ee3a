"""Import rules for ONNX's fused ops that carry a state between calls (opset 23+):
CausalConvWithState and LinearAttention, written with MXNet ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import constant, rule


@rule("CausalConvWithState")
def _causal_conv_with_state(ctx: Any, node: Any) -> list:
    # A depthwise 1-D convolution over the input after the last k - 1 steps of the previous call
    # (zeros without past_state); those k - 1 steps of the joined sequence are the new state.
    x = ctx.value(node.inputs[0])
    batch, channels, length = x.shape
    k = ctx.known_shape(node.inputs[1], "CausalConvWithState")[2]
    activation = node.attrs.get("activation", "none")
    if activation not in ("none", "silu", "swish"):
        raise ctx.error(f"activation {activation!r}; expected 'none', 'silu' or 'swish'")
    if k == 1:
        raise ctx.error("kernel size 1: the state would be empty, which hybrid cannot hold")
    past = (ctx.value(node.input(3)) if node.input(3)
            else constant(ctx, np.zeros((batch, channels, k - 1), ctx.dtype(node.inputs[0]))))
    joined = ctx.op("Concat", [past, x], dim=2, num_args=2)
    inputs = [joined, ctx.value(node.inputs[1])]
    if node.input(2):
        inputs.append(ctx.value(node.input(2)))
    y = ctx.op("Convolution", inputs, kernel=(k,), num_filter=channels, num_group=channels,
               no_bias=len(inputs) == 2)
    if activation != "none":  # silu and swish are both x * sigmoid(x), in float32 as ONNX's
        dtype = ctx.dtype(node.inputs[0])
        wide = ctx.op("Cast", [y], dtype=np.float32)
        y = ctx.op("Cast", [ctx.op("elemwise_mul", [wide, ctx.op("sigmoid", [wide])])],
                   dtype=dtype)
    state = ctx.op("slice_axis", [joined], axis=2, begin=length, end=length + k - 1)
    return [y, state]
