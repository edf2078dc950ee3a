"""Lowerings of the diagonal and triangle packing ops (``hybrid/ops/linalg_diag.py``).

Each matrix is flattened to ``n * n`` values (Reshape with 0 codes keeps the batch dims dynamic)
and the packed positions are a constant index: extracting is a Gather of those positions, making
is a Gather from the vector padded with one zero, which every position off the pattern reads.
"""

from __future__ import annotations

import numpy as np

from hybrid.ops import linalg_diag as _ops

from ..builder import Builder, Call
from . import lowering


def _index(name: str, n: int, attrs: dict) -> tuple[np.ndarray, np.ndarray]:
    if name.endswith("diag"):
        return _ops.diag_index(n, attrs["offset"])
    return _ops.triangle_index(n, attrs["offset"], attrs["lower"])


def _extract_rule(name: str):
    def rule(ctx: Builder, n: Call) -> str:
        shape = n.in_shapes[0]
        rank, size = len(shape), shape[-1]
        rows, cols = _index(name, size, n.attrs)
        flat = ctx.node("Reshape", [n.inputs[0], ctx.ints([0] * (rank - 2) + [size * size])])
        return ctx.node("Gather", [flat, ctx.ints(rows * size + cols)], axis=rank - 2)

    return rule


def _make_rule(name: str):
    def rule(ctx: Builder, n: Call) -> str:
        rank, size = len(n.in_shapes[0]), n.out_shapes[0][-1]
        rows, cols = _index(name, size, n.attrs)
        count = len(rows)
        source = np.full(size * size, count, np.int64)  # position count is the padded zero
        source[rows * size + cols] = np.arange(count)
        pads = ctx.ints([0] * (2 * rank - 1) + [1])
        padded = ctx.node("Pad", [n.inputs[0], pads])
        flat = ctx.node("Gather", [padded, ctx.ints(source)], axis=rank - 1)
        return ctx.node("Reshape", [flat, ctx.ints([0] * (rank - 1) + [size, size])])

    return rule


lowering("_linalg_extractdiag")(_extract_rule("diag"))
lowering("_linalg_extracttrian")(_extract_rule("trian"))
lowering("_linalg_makediag")(_make_rule("diag"))
lowering("_linalg_maketrian")(_make_rule("trian"))
