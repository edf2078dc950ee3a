"""Lowerings of the matrix factorizations and functions (``hybrid/ops/linalg_decomp.py``).

det and slogdet are ONNX's Det; sumlogdiag sums the log of a diagonal picked by a constant mask.
ONNX has no Cholesky, inverse, LQ or eigen decomposition: those lowerings raise, with the
reason the op declares.
"""

from __future__ import annotations

import numpy as np

from hybrid.ops.registry import get_op
from hybrid.ops.shape import legacy_shape

from ..builder import Builder, Call
from . import lowering
from .linalg_batch import const_like
from .math import unavailable


def _to_legacy(ctx: Builder, y: str, n: Call) -> str:
    """Det's output for one matrix is 0-d; MXNet's is ``(1,)``."""
    if len(n.in_shapes[0]) == 2:
        return ctx.node("Reshape", [y, ctx.ints(legacy_shape(()))])
    return y


@lowering("_linalg_det")
def _det(ctx: Builder, n: Call) -> str:
    return _to_legacy(ctx, ctx.node("Det", n.inputs), n)


@lowering("_linalg_slogdet")
def _slogdet(ctx: Builder, n: Call) -> list[str]:
    d = _to_legacy(ctx, ctx.node("Det", n.inputs), n)
    return [ctx.node("Sign", [d]), ctx.node("Log", [ctx.node("Abs", [d])])]


@lowering("_linalg_sumlogdiag")
def _sumlogdiag(ctx: Builder, n: Call) -> str:
    size = n.in_shapes[0][-1]
    diag = ctx.node("Mul", [n.inputs[0], const_like(ctx, n, np.eye(size))])
    diag = ctx.node("ReduceSum", [diag, ctx.ints([-1])], keepdims=0)  # (..., n)
    y = ctx.node("ReduceSum", [ctx.node("Log", [diag]), ctx.ints([-1])], keepdims=0)
    return _to_legacy(ctx, y, n)


for _name in ("_linalg_potrf", "_linalg_potri", "_linalg_inverse", "_linalg_gelqf",
              "_linalg_syevd"):
    lowering(_name)(unavailable(_name, get_op(_name).xfail["onnx"]))
