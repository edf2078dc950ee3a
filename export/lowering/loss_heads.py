"""Lowerings of the legacy output heads (``hybrid/ops/loss_heads.py``): their inference forward.

An exported model is for inference, so each head becomes its forward (Softmax, Sigmoid or the
identity) and the label input is left unused; the loss gradients have no ONNX meaning.
"""

from __future__ import annotations

from ..builder import Builder, Call
from . import lowering


@lowering("SoftmaxOutput")
def _softmax_output(ctx: Builder, n: Call) -> str:
    a, x, shape = n.attrs, n.inputs[0], n.in_shapes[0]
    if a["multi_output"]:
        return ctx.node("Softmax", [x], axis=1) if len(shape) <= 3 else ctx.node(
            "Reshape", [ctx.node("Softmax", [ctx.node("Reshape", [x, ctx.ints([0, 0, -1])])],
                                 axis=1), ctx.node("Shape", [x])])
    if a["preserve_shape"]:
        return ctx.node("Softmax", [x], axis=-1)
    # Softmax over everything but the batch axis: ONNX's opset-13 Softmax is over one axis.
    flat = ctx.node("Flatten", [x], axis=1)
    return ctx.node("Reshape", [ctx.node("Softmax", [flat], axis=1), ctx.node("Shape", [x])])


@lowering("LogisticRegressionOutput")
def _logistic(ctx: Builder, n: Call) -> str:
    return ctx.node("Sigmoid", [n.inputs[0]])


@lowering("LinearRegressionOutput", "MAERegressionOutput", "SVMOutput", "MakeLoss", "make_loss",
          "BlockGrad")
def _identity(ctx: Builder, n: Call) -> str:
    return ctx.node("Identity", [n.inputs[0]])
