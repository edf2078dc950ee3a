"""Lowerings of the gradient-shaping ops (``hybrid/ops/ste.py``): their forwards are identity,
rounding, sign and a quadratic; inference needs no gradient.
"""

from __future__ import annotations

import numpy as np

from ..builder import Builder, Call
from . import lowering
from .elemwise import _round, direct

lowering("_contrib_gradientmultiplier")(direct("Identity"))
lowering("_contrib_round_ste")(_round)
lowering("_contrib_sign_ste")(direct("Sign"))


@lowering("IdentityAttachKLSparseReg")
def _kl_sparse_reg(ctx: Builder, n: Call) -> str:
    return ctx.node("Identity", n.inputs[:1])


@lowering("_contrib_quadratic")
def _quadratic(ctx: Builder, n: Call) -> str:
    x = n.inputs[0]

    def c(name: str) -> str:
        return ctx.const(np.asarray(n.attrs[name], n.in_dtypes[0]))

    ax = ctx.node("Mul", [x, c("a")])
    return ctx.node("Add", [ctx.node("Mul", [ctx.node("Add", [ax, c("b")]), x]), c("c")])
