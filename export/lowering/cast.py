"""Lowerings of the mixed-precision and storage casts (``hybrid/ops/cast.py``): ONNX Cast."""

from __future__ import annotations

from ..builder import Builder, Call
from . import lowering
from .shape import cast


@lowering("amp_cast")
def _amp_cast(ctx: Builder, n: Call) -> str:
    return ctx.node("Identity", [cast(ctx, n.inputs[0], n.in_dtypes[0], n.out_dtypes[0])])


@lowering("amp_multicast")
def _amp_multicast(ctx: Builder, n: Call) -> list[str]:
    return [ctx.node("Identity", [cast(ctx, x, a, b)])
            for x, a, b in zip(n.inputs, n.in_dtypes, n.out_dtypes)]


@lowering("cast_storage")
def _cast_storage(ctx: Builder, n: Call) -> str:
    return ctx.node("Identity", n.inputs)
