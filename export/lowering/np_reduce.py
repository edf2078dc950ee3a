"""Lowerings of the NumPy-semantics reductions (``hybrid/ops/np_reduce.py``): ONNX's ``Reduce*``
with ``keepdims=0`` over every axis already gives NumPy's 0-d result."""

from __future__ import annotations

from hybrid.ops._util import normalize_axis
from hybrid.ops.np_reduce import np_reduced_axes

from ..builder import Builder, Call
from . import lowering
from .shape import cast, reshape

_REDUCE = {
    "_np_sum": "ReduceSum", "_np_prod": "ReduceProd", "_npi_mean": "ReduceMean",
    "_np_max": "ReduceMax", "_np_min": "ReduceMin",
}


def _reduce_rule(name: str, op_type: str, axes_input: bool):
    def rule(ctx: Builder, n: Call) -> str:
        x, ndim = n.inputs[0], len(n.in_shapes[0])
        # Sums and means compute in the output dtype (bool -> int64, ints -> float32 for means).
        x = cast(ctx, x, n.in_dtypes[0], n.out_dtypes[0])
        axes = np_reduced_axes(name, ndim, n.attrs["axis"])
        if not axes:
            return ctx.node("Identity", [x])
        keep = int(n.attrs["keepdims"])
        if axes_input:
            return ctx.node(op_type, [x, ctx.ints(axes)], keepdims=keep)
        return ctx.node(op_type, [x], axes=list(axes), keepdims=keep)

    return rule


for _name, _onnx in _REDUCE.items():
    lowering(_name, since=13)(_reduce_rule(_name, _onnx, _onnx == "ReduceSum"))
    if _onnx != "ReduceSum":
        lowering(_name, since=18)(_reduce_rule(_name, _onnx, True))


def _arg_rule(name: str, op_type: str):
    def rule(ctx: Builder, n: Call) -> str:
        x, shape, axis, keepdims = n.inputs[0], n.in_shapes[0], n.attrs["axis"], n.attrs["keepdims"]
        if axis is None:
            y = ctx.node(op_type, [reshape(ctx, x, shape, [-1])], axis=0, keepdims=0)
            return reshape(ctx, y, (), [1] * len(shape)) if keepdims else y
        # ONNX's first-index tie rule is NumPy's (select_last_index=0).
        return ctx.node(op_type, [x], axis=normalize_axis(name, axis, len(shape)),
                        keepdims=int(keepdims))

    return rule


lowering("_npi_argmax")(_arg_rule("_npi_argmax", "ArgMax"))
lowering("_npi_argmin")(_arg_rule("_npi_argmin", "ArgMin"))
