"""Lowerings of the creation ops (``hybrid/ops/creation.py``).

``zeros_like``/``ones_like`` read their input's shape at run time; the input-less fills become one
``ConstantOfShape`` (no stored array), and ``_arange``/``_eye``/``_linspace``, whose values
depend only on their attributes, become one ``Constant`` holding the op's own output.
"""

from __future__ import annotations

import numpy as np
from onnx import numpy_helper

from hybrid.base import default_dtype
from hybrid.ops.registry import get_op

from ..builder import Builder, Call
from . import lowering


def fill(ctx: Builder, shape: str, value: float, dtype: np.dtype) -> str:
    return ctx.node(
        "ConstantOfShape", [shape], value=numpy_helper.from_array(np.full((1,), value, dtype))
    )


@lowering("zeros_like")
def _zeros_like(ctx: Builder, n: Call) -> str:
    return fill(ctx, ctx.node("Shape", n.inputs), 0, n.in_dtypes[0])


@lowering("ones_like")
def _ones_like(ctx: Builder, n: Call) -> str:
    return fill(ctx, ctx.node("Shape", n.inputs), 1, n.in_dtypes[0])


def _fill_rule(value_of):
    def rule(ctx: Builder, n: Call) -> str:
        dtype = n.attrs["dtype"] or default_dtype
        return fill(ctx, ctx.ints(n.attrs["shape"]), value_of(n.attrs), dtype)

    return rule


lowering("_zeros")(_fill_rule(lambda attrs: 0))
lowering("_ones")(_fill_rule(lambda attrs: 1))
lowering("_full")(_fill_rule(lambda attrs: attrs["value"]))


def _folded(op_name: str):
    # Input-less and attribute-determined: the op's own forward gives the exact values (MXNet's
    # start + i * step, cast to dtype), which a Range/EyeLike chain would only approximate.
    def rule(ctx: Builder, n: Call) -> str:
        value = get_op(op_name).forward(None, **n.attrs)
        return ctx.node("Constant", [], value=numpy_helper.from_array(value))

    return rule


lowering("_arange")(_folded("_arange"))
lowering("_eye")(_folded("_eye"))
lowering("_linspace")(_folded("_linspace"))
