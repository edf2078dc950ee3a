"""Lowerings of the normalisation ops (``hybrid/ops/norm.py``).

Where ONNX has the op with MXNet's meaning it is used: BatchNormalization (inference form, channel
axis 1), LayerNormalization (opset 17, last axis), InstanceNormalization. Other cases are written
out from the moments, ``x_hat = (x - mean) / sqrt(var + eps)`` with the biased variance, then
``gamma * x_hat + beta`` with the parameters shaped to broadcast along the channel axis. GroupNorm
(one gamma and beta per group, as MXNet's) is always written out: GroupNormalization's scale and
bias changed from per group to per channel between opsets 18 and 21, and a Reshape to
``(N, num_groups, -1)`` (batch copied by the 0 code) is the same at every opset.
"""

from __future__ import annotations

import numpy as np

from hybrid.base import HybridError
from hybrid.ops._util import normalize_axis

from ..builder import Builder, Call, onnx_type
from . import lowering
from .nn import channel_view, scalar


def _mean(ctx: Builder, x: str, axes: list[int]) -> str:
    """ReduceMean over ``axes``, kept as size-1 dims (axes became an input in opset 18)."""
    if ctx.opset >= 18:
        return ctx.node("ReduceMean", [x, ctx.ints(axes)], keepdims=1)
    return ctx.node("ReduceMean", [x], axes=list(axes), keepdims=1)


def _standardize(ctx: Builder, x: str, axes: list[int], eps: float, dtype) -> tuple:
    """(mean, std, x_hat) of ``x`` over ``axes``; mean and std keep the reduced dims as 1."""
    mean = _mean(ctx, x, axes)
    xc = ctx.node("Sub", [x, mean])
    var = _mean(ctx, ctx.node("Mul", [xc, xc]), axes)
    std = ctx.node("Sqrt", [ctx.node("Add", [var, ctx.const(scalar(eps, dtype))])])
    return mean, std, ctx.node("Div", [xc, std])


def _affine(ctx: Builder, xhat: str, gamma: str | None, beta: str, axis: int, rank: int) -> str:
    """``gamma * x_hat + beta`` with per-channel parameters along ``axis`` (no gamma: ones)."""
    if gamma is not None:
        xhat = ctx.node("Mul", [xhat, channel_view(ctx, gamma, axis, rank)])
    return ctx.node("Add", [xhat, channel_view(ctx, beta, axis, rank)])


def _as_dtype(ctx: Builder, names: list[str], dtypes: list, dtype) -> list[str]:
    """The parameters cast to the data's dtype where they differ, as the eager ops compute."""
    return [v if np.dtype(d) == np.dtype(dtype) else ctx.node("Cast", [v], to=onnx_type(dtype))
            for v, d in zip(names, dtypes)]


def _inverse_std(ctx: Builder, var: str, eps: float, dtype) -> str:
    return ctx.node("Reciprocal", [ctx.node("Sqrt", [ctx.node("Add", [
        var, ctx.const(scalar(eps, dtype))])])])


@lowering("BatchNorm")
def _batch_norm(ctx: Builder, n: Call) -> list[str] | str:
    a, dtype = n.attrs, n.in_dtypes[0]
    if a["is_train"] and not a["use_global_stats"]:
        raise HybridError(
            "BatchNorm: a training-mode call (batch statistics, running statistics updated in "
            "place) has no ONNX form; export the network in inference mode"
        )
    x = n.inputs[0]
    gamma, beta, mean, var = _as_dtype(ctx, n.inputs[1:], n.in_dtypes[1:], dtype)
    rank = len(n.in_shapes[0])
    axis = normalize_axis("BatchNorm", a["axis"], rank)
    invstd = None
    if axis == 1 and rank >= 2:
        if a["fix_gamma"]:
            # NOTE: fix_gamma uses ones whatever gamma holds, as MXNet does.
            gamma = ctx.const(np.ones(n.in_shapes[1], dtype))
        y = ctx.node("BatchNormalization", [x, gamma, beta, mean, var], epsilon=a["eps"])
    else:
        # Other channel axes: the inference form written out, no transposes needed.
        invstd = _inverse_std(ctx, var, a["eps"], dtype)
        xhat = ctx.node("Mul", [ctx.node("Sub", [x, channel_view(ctx, mean, axis, rank)]),
                                channel_view(ctx, invstd, axis, rank)])
        y = _affine(ctx, xhat, None if a["fix_gamma"] else gamma, beta, axis, rank)
    if not a["output_mean_var"]:
        return y
    # In inference the moments shown are the running mean and its inverse standard deviation.
    return [y, mean, invstd or _inverse_std(ctx, var, a["eps"], dtype)]


def _layer_norm_written_out(ctx: Builder, n: Call) -> list[str] | str:
    a, x, dtype = n.attrs, n.inputs[0], n.in_dtypes[0]
    rank = len(n.in_shapes[0])
    axis = normalize_axis("LayerNorm", a["axis"], rank)
    mean, std, xhat = _standardize(ctx, x, [axis], a["eps"], dtype)
    y = _affine(ctx, xhat, n.inputs[1], n.inputs[2], axis, rank)
    return [y, mean, std] if a["output_mean_var"] else y


@lowering("LayerNorm")
def _layer_norm_13(ctx: Builder, n: Call) -> list[str] | str:
    return _layer_norm_written_out(ctx, n)


@lowering("LayerNorm", since=17)
def _layer_norm_17(ctx: Builder, n: Call) -> list[str] | str:
    a = n.attrs
    rank = len(n.in_shapes[0])
    if normalize_axis("LayerNorm", a["axis"], rank) != rank - 1:
        # LayerNormalization normalises over every axis from `axis` on; MXNet over one axis.
        return _layer_norm_written_out(ctx, n)
    if not a["output_mean_var"]:
        return ctx.node("LayerNormalization", n.inputs, axis=-1, epsilon=a["eps"])
    y, mean, invstd = ctx.node("LayerNormalization", n.inputs, outputs=3, axis=-1,
                               epsilon=a["eps"])
    return [y, mean, ctx.node("Reciprocal", [invstd])]


@lowering("InstanceNorm")
def _instance_norm(ctx: Builder, n: Call) -> str:
    return ctx.node("InstanceNormalization", n.inputs, epsilon=n.attrs["eps"])


@lowering("GroupNorm")
def _group_norm(ctx: Builder, n: Call) -> list[str] | str:
    a, x, dtype = n.attrs, n.inputs[0], n.in_dtypes[0]
    groups = ctx.node("Reshape", [x, ctx.ints([0, a["num_groups"], -1])])  # (N, G, C/G * ...)
    mean, std, xhat = _standardize(ctx, groups, [2], a["eps"], dtype)
    y = _affine(ctx, xhat, n.inputs[1], n.inputs[2], 1, 3)  # gamma, beta: one per group
    y = ctx.node("Reshape", [y, ctx.node("Shape", [x])])  # (N, C, ...)
    if not a["output_mean_var"]:
        return y
    last = ctx.ints([2])
    return [y, ctx.node("Squeeze", [mean, last]), ctx.node("Squeeze", [std, last])]
