"""Import rules for ONNX's loss ops, written with MXNet ops: NegativeLogLikelihoodLoss and
SoftmaxCrossEntropyLoss (log_softmax, then the same).

Note [ONNX class losses]
------------------------
``input`` is ``(N, C)`` or ``(N, C, d1, ...)``, ``target`` holds class ids ``(N)`` or
``(N, d1, ...)``. The loss of an element is ``-input[n, target, d...] * weight[target]``
(weight 1 without the operand), and 0 where ``target == ignore_index``. ``mean`` divides the
sum by the sum of the weights of the elements not ignored. ``pick`` reads the class entry;
ignored targets are first moved to class 0 so that they index inside the class axis.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import rule


def _class_loss(ctx: Any, node: Any, log_prob: Any) -> Any:
    """See Note [ONNX class losses]."""
    target = ctx.op("Cast", [ctx.value(node.inputs[1])], dtype=np.float64)
    ignore = node.attrs.get("ignore_index")
    keep = None
    if ignore is not None:
        keep = ctx.op("_not_equal_scalar", [target], scalar=float(ignore), is_int=False)
        target = ctx.op("elemwise_mul", [target, keep])
    picked = ctx.op("pick", [log_prob, ctx.op("Cast", [target], dtype=log_prob.dtype)], axis=1)
    loss = ctx.op("negative", [picked])
    weight = None
    if node.input(2):
        weight = ctx.op("take", [ctx.value(node.input(2)), target], axis=0)
    if keep is not None:
        keep = ctx.op("Cast", [keep], dtype=log_prob.dtype)
        weight = keep if weight is None else ctx.op("elemwise_mul", [weight, keep])
    if weight is not None:
        loss = ctx.op("elemwise_mul", [loss, weight])
    reduction = node.attrs.get("reduction", "mean")
    if reduction == "none":
        return loss
    # NOTE: MXNet 1.x has no 0-d arrays: the reduced loss has shape (1,).
    total = ctx.op("sum", [loss])
    if reduction == "sum":
        return total
    if weight is None:
        return ctx.op("mean", [loss])
    return ctx.op("broadcast_div", [total, ctx.op("sum", [weight])])


@rule("NegativeLogLikelihoodLoss")
def _nll(ctx: Any, node: Any) -> list:
    return [_class_loss(ctx, node, ctx.value(node.inputs[0]))]


@rule("SoftmaxCrossEntropyLoss")
def _softmax_cross_entropy(ctx: Any, node: Any) -> list:
    log_prob = ctx.op("log_softmax", [ctx.value(node.inputs[0])], axis=1)
    outs = [_class_loss(ctx, node, log_prob)]
    return outs + [log_prob] if len(node.outputs) > 1 and node.outputs[1] else outs
