"""Lowering of NumPy's rounding (``hybrid/ops/np_rounding.py``): ONNX ``Round`` also rounds half
to even, so ``around(x, d)`` is ``Round(x * 10**d) / 10**d``."""

from __future__ import annotations

import numpy as np

from ..builder import Builder, Call
from . import lowering


@lowering("_npi_around", since=11)
def _around(ctx: Builder, n: Call) -> str:
    x, decimals = n.inputs[0], n.attrs["decimals"]
    if n.in_dtypes[0].kind in "biu" and decimals >= 0:
        return ctx.node("Identity", [x])
    if decimals == 0:
        return ctx.node("Round", [x])
    scale = ctx.const(np.asarray(10.0**decimals, dtype=n.in_dtypes[0]))
    return ctx.node("Div", [ctx.node("Round", [ctx.node("Mul", [x, scale])]), scale])
