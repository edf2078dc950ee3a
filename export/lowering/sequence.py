"""Lowerings of SequenceLast and SequenceReverse (``hybrid/ops/sequence.py``).

SequenceReverse is ONNX's ReverseSequence (time axis 0, batch axis 1, int64 lengths), or a Slice
with step -1 without lengths; SequenceLast gathers step ``length - 1`` of each batch item with
GatherND over one batch dimension.
"""

from __future__ import annotations

import numpy as np

from ..builder import Builder, Call, onnx_type
from . import lowering
from .nn import scalar


def _int64(ctx: Builder, length: str, dtype) -> str:
    return length if np.dtype(dtype) == np.int64 else ctx.node("Cast", [length],
                                                               to=onnx_type(np.int64))


@lowering("SequenceLast")
def _sequence_last(ctx: Builder, n: Call) -> str:
    a, x = n.attrs, n.inputs[0]
    if not a["use_sequence_length"]:
        return ctx.node("Gather", [x, ctx.const(scalar(-1, np.int64))], axis=a["axis"])
    if a["axis"] == 0:
        perm = [1, 0] + list(range(2, len(n.in_shapes[0])))
        x = ctx.node("Transpose", [x], perm=perm)  # (B, T, ...)
    last = ctx.node("Sub", [_int64(ctx, n.inputs[1], n.in_dtypes[1]),
                            ctx.const(scalar(1, np.int64))])
    index = ctx.node("Unsqueeze", [last, ctx.ints([1])])  # (B, 1)
    return ctx.node("GatherND", [x, index], batch_dims=1)


@lowering("SequenceReverse")
def _sequence_reverse(ctx: Builder, n: Call) -> str:
    x = n.inputs[0]
    if not n.attrs["use_sequence_length"]:
        return ctx.node("Slice", [x, ctx.ints([-1]), ctx.ints([np.iinfo(np.int64).min]),
                                  ctx.ints([0]), ctx.ints([-1])])
    length = _int64(ctx, n.inputs[1], n.in_dtypes[1])
    return ctx.node("ReverseSequence", [x, length], batch_axis=1, time_axis=0)
