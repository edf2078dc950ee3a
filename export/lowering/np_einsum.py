"""Lowering of ``_npi_einsum`` (``hybrid/ops/np_einsum.py``) to ONNX Einsum."""

from __future__ import annotations

from hybrid.ops.np_einsum import parse_subscripts

from ..builder import Builder, Call
from . import lowering


@lowering("_npi_einsum", since=12)
def _einsum(ctx: Builder, n: Call) -> str:
    # ONNX wants the explicit form: spell out NumPy's implicit output.
    ins, out = parse_subscripts(n.attrs["subscripts"], [len(s) for s in n.in_shapes])
    return ctx.node("Einsum", list(n.inputs), equation=",".join(ins) + "->" + out)
