"""Import rules for the ONNX reductions MXNet spells as compositions: ReduceL1, ReduceL2,
ReduceSumSquare, ReduceLogSum, ReduceLogSumExp (axes an attribute before opset 18, an input
from it; see ``shape.py`` for the reductions MXNet has one op for).
"""

from __future__ import annotations

from typing import Any

from . import rule
from .shape import _axes


def _sum(ctx: Any, node: Any, x: Any) -> Any:
    axes = _axes(ctx, node, 18) or None
    return ctx.op("sum", [x], axis=axes, keepdims=bool(node.attrs.get("keepdims", 1)))


@rule("ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp")
def _composed(ctx: Any, node: Any) -> list:
    x = ctx.value(node.inputs[0])
    if not _axes(ctx, node, 18) and node.attrs.get("noop_with_empty_axes", 0):
        return [ctx.op("_copy", [x])]
    kind = node.op_type
    if kind == "ReduceL1":
        return [_sum(ctx, node, ctx.op("abs", [x]))]
    if kind in ("ReduceL2", "ReduceSumSquare"):
        total = _sum(ctx, node, ctx.op("square", [x]))
        return [ctx.op("sqrt", [total]) if kind == "ReduceL2" else total]
    if kind == "ReduceLogSum":
        return [ctx.op("log", [_sum(ctx, node, x)])]
    # log(sum(exp(x))) = m + log(sum(exp(x - m))) with m the maximum: no overflow.
    axes = _axes(ctx, node, 18) or None
    m = ctx.op("max", [x], axis=axes, keepdims=True)
    shifted = ctx.op("exp", [ctx.op("broadcast_sub", [x, m])])
    y = ctx.op("log", [_sum(ctx, node, shifted)])
    if not node.attrs.get("keepdims", 1):
        m = ctx.op("max", [x], axis=axes, keepdims=False)
    return [ctx.op("broadcast_add", [y, m])]
