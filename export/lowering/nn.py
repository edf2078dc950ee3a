"""Lowerings of the neural-network ops (``hybrid/ops/nn.py``): activations, the softmax family,
Dropout, Embedding, SequenceMask and smooth_l1.

Lengths along an axis (softmax's ``length``, SequenceMask's ``sequence_length``) are compared with
positions read from the data's shape at run time, so the exported model keeps its dynamic axes.
"""

from __future__ import annotations

import numpy as np

from hybrid.ops._util import normalize_axis
from hybrid.ops.nn import SELU_ALPHA, SELU_LAMBDA

from ..builder import Builder, Call, onnx_type
from . import lowering
from .activation import ACTIVATIONS

__all__ = ["positions", "channel_view", "scalar"]


def scalar(value: float, dtype: np.dtype) -> np.ndarray:
    """A 0-d constant value of ``dtype``, the form ONNX's broadcasting binary ops take."""
    return np.asarray(value, dtype=dtype)


def positions(ctx: Builder, x: str, axis: int, rank: int, dtype: np.dtype) -> str:
    """``0, 1, ..., x.shape[axis] - 1`` (of ``dtype``) shaped to broadcast along ``axis`` of a
    rank-``rank`` tensor: ``(size, 1, ..., 1)`` with ``rank - 1 - axis`` trailing ones.
    """
    size = ctx.node("Gather", [ctx.node("Shape", [x]), ctx.const(scalar(axis, np.int64))])
    steps = ctx.node("Range", [ctx.const(scalar(0, np.int64)), size,
                               ctx.const(scalar(1, np.int64))])
    if np.dtype(dtype) != np.int64:
        steps = ctx.node("Cast", [steps], to=onnx_type(dtype))
    return channel_view(ctx, steps, axis, rank)


def channel_view(ctx: Builder, v: str, axis: int, rank: int) -> str:
    """A 1-D ``v`` reshaped to broadcast along ``axis`` of a rank-``rank`` tensor (trailing
    ones added; leading ones come from broadcasting).
    """
    trailing = rank - 1 - axis
    if trailing <= 0:
        return v
    return ctx.node("Unsqueeze", [v, ctx.ints(range(1, trailing + 1))])


@lowering("Activation")
def _activation(ctx: Builder, n: Call) -> str:
    return ctx.node(ACTIVATIONS[n.attrs["act_type"]], n.inputs)


def _gelu_erf(ctx: Builder, x: str, dtype: np.dtype) -> str:
    """``x * 0.5 * (1 + erf(x / sqrt(2)))``, the exact GELU, from opset-13 ops."""
    erf = ctx.node("Erf", [ctx.node("Mul", [x, ctx.const(scalar(1 / np.sqrt(2.0), dtype))])])
    half = ctx.node("Mul", [ctx.const(scalar(0.5, dtype)),
                            ctx.node("Add", [erf, ctx.const(scalar(1, dtype))])])
    return ctx.node("Mul", [x, half])


def _leaky_relu(ctx: Builder, n: Call, gelu) -> str:
    a, x, dtype = n.attrs, n.inputs[0], n.in_dtypes[0]
    kind = a["act_type"]
    if kind == "gelu":
        return gelu(ctx, x, dtype)
    if kind == "elu":
        return ctx.node("Elu", [x], alpha=a["slope"])
    if kind == "selu":
        return ctx.node("Selu", [x], alpha=SELU_ALPHA, gamma=SELU_LAMBDA)
    if kind == "prelu":
        # gamma is per channel (axis 1); a rank-1 data takes it along its only axis.
        rank = len(n.in_shapes[0])
        return ctx.node("PRelu", [x, channel_view(ctx, n.inputs[1], min(1, rank - 1), rank)])
    if kind == "rrelu" and a["is_train"]:
        # Training draws one slope per element, as the eager op does.
        slope = ctx.node("RandomUniformLike", [x], low=a["lower_bound"], high=a["upper_bound"])
        positive = ctx.node("Greater", [x, ctx.const(scalar(0, dtype))])
        return ctx.node("Where", [positive, x, ctx.node("Mul", [x, slope])])
    if kind == "rrelu":
        return ctx.node("LeakyRelu", [x], alpha=(a["lower_bound"] + a["upper_bound"]) / 2)
    return ctx.node("LeakyRelu", [x], alpha=a["slope"])


@lowering("LeakyReLU")
def _leaky_relu_13(ctx: Builder, n: Call) -> str:
    return _leaky_relu(ctx, n, _gelu_erf)


@lowering("LeakyReLU", since=20)
def _leaky_relu_20(ctx: Builder, n: Call) -> str:
    return _leaky_relu(ctx, n, lambda c, x, dtype: c.node("Gelu", [x], approximate="none"))


@lowering("Dropout")
def _dropout(ctx: Builder, n: Call) -> str:
    a, x = n.attrs, n.inputs[0]
    if not (a["is_train"] or a["mode"] == "always") or a["p"] == 0:
        return x  # inference: the identity, so no node at all
    dtype = n.in_dtypes[0]
    rank = len(n.in_shapes[0])
    shape_of = x
    if a["axes"]:
        # One draw shared along `axes`: draw for a slice of size 1 on those axes.
        axes = sorted({normalize_axis("Dropout", i, rank) for i in a["axes"]})
        zeros, ones = ctx.ints([0] * len(axes)), ctx.ints([1] * len(axes))
        shape_of = ctx.node("Slice", [x, zeros, ones, ctx.ints(axes)])
    keep = ctx.node("GreaterOrEqual", [ctx.node("RandomUniformLike", [shape_of]),
                                       ctx.const(scalar(a["p"], dtype))])
    # NOTE: p == 1 drops everything; the 1 / (1 - p) scale is then never applied.
    scale = 0.0 if a["p"] == 1 else 1.0 / (1.0 - a["p"])
    mask = ctx.node("Mul", [ctx.node("Cast", [keep], to=onnx_type(dtype)),
                            ctx.const(scalar(scale, dtype))])
    return ctx.node("Mul", [x, mask])


@lowering("Embedding")
def _embedding(ctx: Builder, n: Call) -> str:
    # Out-of-range indices are clipped (MXNet's take), then truncated to integers.
    idx_dtype = n.in_dtypes[0]
    lo, hi = (ctx.const(scalar(v, idx_dtype)) for v in (0, n.attrs["input_dim"] - 1))
    idx = ctx.node("Clip", [n.inputs[0], lo, hi])
    if np.dtype(idx_dtype) not in (np.int32, np.int64):
        idx = ctx.node("Cast", [idx], to=onnx_type(np.int64))
    return ctx.node("Gather", [n.inputs[1], idx])


@lowering("SequenceMask")
def _sequence_mask(ctx: Builder, n: Call) -> str:
    a, x = n.attrs, n.inputs[0]
    if not a["use_sequence_length"]:
        return x
    axis, rank = a["axis"], len(n.in_shapes[0])
    # keep[t, b] = t < length[b], laid out (time, batch) or (batch, time) like the data.
    steps = positions(ctx, x, axis, 2, n.in_dtypes[1])
    length = ctx.node("Unsqueeze", [n.inputs[1], ctx.ints([axis])])
    keep = ctx.node("Less", [steps, length])
    if rank > 2:
        keep = ctx.node("Unsqueeze", [keep, ctx.ints(range(2, rank))])
    return ctx.node("Where", [keep, x, ctx.const(scalar(a["value"], n.in_dtypes[0]))])


@lowering("smooth_l1")
def _smooth_l1(ctx: Builder, n: Call) -> str:
    x, dtype = n.inputs[0], n.in_dtypes[0]
    s2 = n.attrs["scalar"] ** 2
    ax = ctx.node("Abs", [x])
    inner = ctx.node("Less", [ax, ctx.const(scalar(1.0 / s2, dtype))])
    quadratic = ctx.node("Mul", [ctx.node("Mul", [ctx.const(scalar(0.5 * s2, dtype)), x]), x])
    linear = ctx.node("Sub", [ax, ctx.const(scalar(0.5 / s2, dtype))])
    return ctx.node("Where", [inner, quadratic, linear])
