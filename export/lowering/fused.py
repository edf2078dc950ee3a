"""Lowerings of the fused ops (``hybrid/ops/fused.py``): BatchNorm's lowering, then Relu."""

from __future__ import annotations

from ..builder import Builder, Call
from . import lowering
from .norm import _batch_norm


@lowering("_contrib_BatchNormWithReLU")
def _batch_norm_relu(ctx: Builder, n: Call) -> list[str] | str:
    out = _batch_norm(ctx, n)
    if isinstance(out, str):
        return ctx.node("Relu", [out])
    return [ctx.node("Relu", [out[0]]), *out[1:]]
