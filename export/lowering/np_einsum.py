"""Lowering of ``_npi_einsum`` (``hybrid/ops/np_einsum.py``) to ONNX Einsum."""

from __future__ import annotations

from ..builder import Builder, Call
from . import lowering


@lowering("_npi_einsum", since=12)
def _einsum(ctx: Builder, n: Call) -> str:
    # ONNX wants the explicit form: spell out NumPy's implicit output (the broadcast dimensions,
    # then the letters seen once, sorted). The ellipsis stays: ONNX broadcasts it as NumPy does.
    text = n.attrs["subscripts"].replace(" ", "")
    if "->" not in text:
        singles = sorted(c for c in set(text) if c.isalpha() and text.count(c) == 1)
        text += "->" + ("..." if "..." in text else "") + "".join(singles)
    return ctx.node("Einsum", list(n.inputs), equation=text)
