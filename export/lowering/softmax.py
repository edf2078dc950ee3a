"""Lowerings of the softmax family (``hybrid/ops/softmax.py``) to ONNX Softmax and LogSoftmax."""

from __future__ import annotations

import numpy as np

from hybrid.ops._util import normalize_axis

from ..builder import Builder, Call, onnx_type
from . import lowering
from .nn import positions, scalar


def _softmax_rule(op_type: str, sign: float):
    def rule(ctx: Builder, n: Call) -> str:
        a, x = n.attrs, n.inputs[0]
        rank, in_dtype, out_dtype = len(n.in_shapes[0]), n.in_dtypes[0], n.out_dtypes[0]
        axis = normalize_axis(n.name, a["axis"], rank)
        # The eager op computes in the promotion of the input and the requested dtype.
        work = in_dtype if a["dtype"] is None else np.promote_types(in_dtype, a["dtype"])
        if work != in_dtype:
            x = ctx.node("Cast", [x], to=onnx_type(work))
        scale = sign / (a["temperature"] or 1.0)
        if scale != 1.0:
            x = ctx.node("Mul", [x, ctx.const(scalar(scale, work))])
        mask = None
        if a["use_length"]:
            # See Note [Softmax with length]: masked positions leave the sum and output 0.
            length = n.inputs[1]
            if rank > 1:
                length = ctx.node("Unsqueeze", [length, ctx.ints([axis])])
            steps = positions(ctx, n.inputs[0], axis, rank, n.in_dtypes[1])
            mask = ctx.node("Less", [steps, length])
            x = ctx.node("Where", [mask, x, ctx.const(scalar(-np.inf, work))])
        y = ctx.node(op_type, [x], axis=axis)
        if mask is not None:
            y = ctx.node("Where", [mask, y, ctx.const(scalar(0, work))])
        if out_dtype != work:
            y = ctx.node("Cast", [y], to=onnx_type(out_dtype))
        return y

    return rule


lowering("softmax")(_softmax_rule("Softmax", 1.0))
lowering("log_softmax")(_softmax_rule("LogSoftmax", 1.0))
lowering("softmin")(_softmax_rule("Softmax", -1.0))


@lowering("SoftmaxActivation")
def _softmax_activation(ctx: Builder, n: Call) -> str:
    axis = len(n.in_shapes[0]) - 1 if n.attrs["mode"] == "instance" else 1
    return ctx.node("Softmax", n.inputs, axis=axis)


@lowering("softmax_cross_entropy")
def _softmax_cross_entropy(ctx: Builder, n: Call) -> str:
    data, label = n.inputs
    logp = ctx.node("LogSoftmax", [data], axis=1)
    classes = n.in_shapes[0][1]
    label = ctx.node("Unsqueeze", [ctx.node("Cast", [label], to=onnx_type(np.int64)),
                                   ctx.ints([1])])
    onehot = ctx.node("Equal", [label, ctx.const(np.arange(classes, dtype=np.int64))])
    picked = ctx.node("Mul", [logp, ctx.node("Cast", [onehot], to=onnx_type(n.in_dtypes[0]))])
    total = ctx.node("ReduceSum", [ctx.node("Reshape", [picked, ctx.ints([-1])]),
                                   ctx.ints([0])], keepdims=1)
    return ctx.node("Neg", [total])
