"""Import rules for the ONNX normalizations MXNet spells with reductions: RMSNormalization,
LpNormalization, MeanVarianceNormalization, GroupNormalization (BatchNormalization,
InstanceNormalization and LayerNormalization map onto MXNet's ops in ``nn.py``).
"""

from __future__ import annotations

from typing import Any

from . import rule


def _scalar(ctx: Any, op_name: str, x: Any, c: float) -> Any:
    return ctx.op(op_name, [x], scalar=float(c), is_int=False)


def _standardize(ctx: Any, x: Any, axes: tuple, eps: float, inside: bool = True) -> Any:
    """``(x - mean) / sqrt(var + eps)`` over ``axes`` (``inside=False``: ``/ (sqrt(var) + eps)``,
    MeanVarianceNormalization's form)."""
    centred = ctx.op("broadcast_sub", [x, ctx.op("mean", [x], axis=axes, keepdims=True)])
    var = ctx.op("mean", [ctx.op("square", [centred])], axis=axes, keepdims=True)
    if inside:
        std = ctx.op("sqrt", [_scalar(ctx, "_plus_scalar", var, eps)])
    else:
        std = _scalar(ctx, "_plus_scalar", ctx.op("sqrt", [var]), eps)
    return ctx.op("broadcast_div", [centred, std])


@rule("RMSNormalization")
def _rms_norm(ctx: Any, node: Any) -> list:
    x, scale = ctx.value(node.inputs[0]), ctx.value(node.inputs[1])
    rank = len(x.shape)
    axes = tuple(range(int(node.attrs.get("axis", -1)) % rank, rank))
    eps = float(node.attrs.get("epsilon", 1e-5))
    ms = ctx.op("mean", [ctx.op("square", [x])], axis=axes, keepdims=True)
    y = ctx.op("broadcast_div", [x, ctx.op("sqrt", [_scalar(ctx, "_plus_scalar", ms, eps)])])
    return [ctx.op("broadcast_mul", [y, scale])]


@rule("LpNormalization")
def _lp_norm(ctx: Any, node: Any) -> list:
    p = int(node.attrs.get("p", 2))
    if p not in (1, 2):
        raise ctx.error(f"p={p} (MXNet's norm has ord 1 and 2)")
    x = ctx.value(node.inputs[0])
    axis = int(node.attrs.get("axis", -1)) % len(x.shape)
    norm = ctx.op("norm", [x], ord=p, axis=(axis,), keepdims=True)
    # A zero norm means zero elements: dividing them by 1 keeps them 0, as ONNX does.
    norm = ctx.op("elemwise_add", [norm, _scalar(ctx, "_equal_scalar", norm, 0.0)])
    return [ctx.op("broadcast_div", [x, norm])]


@rule("MeanVarianceNormalization")
def _mean_variance_norm(ctx: Any, node: Any) -> list:
    x = ctx.value(node.inputs[0])
    axes = tuple(int(a) % len(x.shape) for a in node.attrs.get("axes", (0, 2, 3)))
    return [_standardize(ctx, x, axes, 1e-9, inside=False)]


@rule("GroupNormalization")
def _group_norm(ctx: Any, node: Any) -> list:
    shape = ctx.known_shape(node.inputs[0], "GroupNormalization")
    n, c, rest = shape[0], shape[1], shape[2:]
    g = int(node.attrs["num_groups"])
    eps = float(node.attrs.get("epsilon", 1e-5))
    x = ctx.op("Reshape", [ctx.value(node.inputs[0])], shape=(n, g, -1))
    y = _standardize(ctx, x, (2,), eps)
    scale, bias = ctx.value(node.inputs[1]), ctx.value(node.inputs[2])
    # Opset 18 gives one scale and bias per group, opset 21 one per channel.
    per_group = scale.shape[0] == g and g != c
    if per_group:
        y = ctx.op("broadcast_add", [
            ctx.op("broadcast_mul", [y, ctx.op("Reshape", [scale], shape=(1, g, 1))]),
            ctx.op("Reshape", [bias], shape=(1, g, 1))])
    y = ctx.op("Reshape", [y], shape=(n, c, *rest))
    if per_group:
        return [y]
    column = (1, c) + (1,) * len(rest)
    y = ctx.op("broadcast_mul", [y, ctx.op("Reshape", [scale], shape=column)])
    return [ctx.op("broadcast_add", [y, ctx.op("Reshape", [bias], shape=column)])]

