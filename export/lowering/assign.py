"""Lowering of ``_setitem`` (``hybrid/ops/assign.py``).

The key is a constant of the traced graph, so the flat positions it selects are computed here once
and the assignment becomes one ``ScatterElements`` on the flattened input.
"""

from __future__ import annotations

import numpy as np

from ..builder import Builder, Call, onnx_type
from . import lowering


@lowering("_setitem", since=11)
def _setitem(ctx: Builder, n: Call) -> str:
    x, value = n.inputs
    shape = tuple(n.in_shapes[0])
    positions = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[n.attrs["key"]]
    if n.in_dtypes[1] != n.in_dtypes[0]:
        value = ctx.node("Cast", [value], to=onnx_type(n.in_dtypes[0]))
    value = ctx.node("Expand", [value, ctx.ints(positions.shape)])
    flat = ctx.node("Reshape", [x, ctx.ints([-1])])
    updates = ctx.node("Reshape", [value, ctx.ints([-1])])
    scattered = ctx.node(
        "ScatterElements", [flat, ctx.ints(positions.reshape(-1)), updates], axis=0
    )
    return ctx.node("Reshape", [scattered, ctx.ints(shape)])
