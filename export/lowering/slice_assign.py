"""Lowerings of ``_slice_assign`` and ``_slice_assign_scalar`` (``hybrid/ops/slice_assign.py``):
ONNX ScatterND writes the updates at every index of the region, listed as a constant.
"""

from __future__ import annotations

import numpy as np

from hybrid.ops.slice_assign import region_indices, region_shape

from ..builder import Builder, Call
from . import lowering


@lowering("_slice_assign")
def _slice_assign(ctx: Builder, n: Call) -> str:
    a = n.attrs
    idx = region_indices(tuple(n.in_shapes[0]), a["begin"], a["end"], a["step"])
    return ctx.node("ScatterND", [n.inputs[0], ctx.const(idx), n.inputs[1]])


@lowering("_slice_assign_scalar")
def _slice_assign_scalar(ctx: Builder, n: Call) -> str:
    a, shape = n.attrs, tuple(n.in_shapes[0])
    idx = region_indices(shape, a["begin"], a["end"], a["step"])
    region = region_shape(n.name, shape, a["begin"], a["end"], a["step"])
    values = np.full(region, a["scalar"], dtype=n.in_dtypes[0])
    return ctx.node("ScatterND", [n.inputs[0], ctx.const(idx), ctx.const(values)])
