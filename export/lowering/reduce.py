"""Lowerings of the reductions (``hybrid/ops/reduce.py``) onto ONNX ``Reduce*`` and ``ArgMax``.

ONNX moved ``axes`` from an attribute to an input: for ReduceSum at opset 13, for the other
Reduce* ops at opset 18, so those get a second rule from 18 on. MXNet has no 0-d arrays: reducing
every axis without ``keepdims`` gives ``(1,)``, where ONNX gives a 0-d tensor.
"""

from __future__ import annotations

import numpy as np

from hybrid.ops._util import normalize_axis
from hybrid.ops.reduce import reduced_axes

from ..builder import Builder, Call
from . import lowering
from .shape import cast, reshape

# op -> (ONNX reduction, value NaNs are replaced by first (nansum, nanprod) or None)
_REDUCE = {
    "sum": ("ReduceSum", None),
    "mean": ("ReduceMean", None),
    "prod": ("ReduceProd", None),
    "max": ("ReduceMax", None),
    "min": ("ReduceMin", None),
    "nansum": ("ReduceSum", 0.0),
    "nanprod": ("ReduceProd", 1.0),
}


def _reduce(
    ctx: Builder,
    op_type: str,
    x: str,
    ndim: int,
    axes: tuple[int, ...],
    keepdims: bool,
    axes_input: bool,
) -> str:
    """``op_type`` over ``axes``, with MXNet's ``(1,)`` for a reduction to no dims."""
    if not axes:
        return x
    to_scalar = not keepdims and len(axes) == ndim
    # A 1-D input reduced whole keeps its one (size-1) dim: that is MXNet's (1,) already.
    keep = int(keepdims or (to_scalar and ndim == 1))
    if axes_input:
        y = ctx.node(op_type, [x, ctx.ints(axes)], keepdims=keep)
    else:
        y = ctx.node(op_type, [x], axes=list(axes), keepdims=keep)
    return reshape(ctx, y, (), [1]) if to_scalar and not keep else y


def _reduce_rule(name: str, op_type: str, nan_fill: float | None, axes_input: bool):
    def rule(ctx: Builder, n: Call) -> str:
        x, ndim, dtype = n.inputs[0], len(n.in_shapes[0]), n.in_dtypes[0]
        if nan_fill is not None:
            fill = ctx.const(np.asarray(nan_fill, dtype))
            x = ctx.node("Where", [ctx.node("IsNaN", [x]), fill, x])
        axes = reduced_axes(name, ndim, n.attrs["axis"], n.attrs["exclude"])
        return _reduce(ctx, op_type, x, ndim, axes, n.attrs["keepdims"], axes_input)

    return rule


for _name, (_onnx, _fill) in _REDUCE.items():
    lowering(_name, since=13)(_reduce_rule(_name, _onnx, _fill, _onnx == "ReduceSum"))
    if _onnx != "ReduceSum":
        lowering(_name, since=18)(_reduce_rule(_name, _onnx, _fill, True))


def _norm_rule(axes_input: bool):
    def rule(ctx: Builder, n: Call) -> str:
        ndim, a = len(n.in_shapes[0]), n.attrs
        op_type = "ReduceL1" if a["ord"] == 1 else "ReduceL2"
        y = _reduce(
            ctx,
            op_type,
            n.inputs[0],
            ndim,
            reduced_axes("norm", ndim, a["axis"]),
            a["keepdims"],
            axes_input,
        )
        return cast(ctx, y, n.in_dtypes[0], n.out_dtypes[0])

    return rule


lowering("norm", since=13)(_norm_rule(axes_input=False))
lowering("norm", since=18)(_norm_rule(axes_input=True))


def _arg_rule(name: str, op_type: str):
    def rule(ctx: Builder, n: Call) -> str:
        x, shape, axis, keepdims = n.inputs[0], n.in_shapes[0], n.attrs["axis"], n.attrs["keepdims"]
        if axis is None:
            # The index into the flattened input, (1,) or (1, 1, ...) with keepdims.
            y = ctx.node(op_type, [reshape(ctx, x, shape, [-1])], axis=0, keepdims=1)
            y = reshape(ctx, y, (1,), [1] * len(shape) if keepdims else [1])
        else:
            a = normalize_axis(name, axis, len(shape))
            # ONNX's first-index tie rule is numpy's (select_last_index=0).
            y = ctx.node(op_type, [x], axis=a, keepdims=int(keepdims or len(shape) == 1))
        # MXNet returns indices as floats in the input's dtype.
        return cast(ctx, y, np.int64, n.out_dtypes[0])

    return rule


lowering("argmax")(_arg_rule("argmax", "ArgMax"))
lowering("argmin")(_arg_rule("argmin", "ArgMin"))
