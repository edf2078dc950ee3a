"""Lowerings of the densities (``hybrid/ops/random_pdf.py``): the normal, exponential and uniform
log densities in elementwise ONNX ops; the others need a log-gamma function ONNX lacks, so they
raise.
"""

from __future__ import annotations

import numpy as np

from hybrid.ops.random_pdf import NO_ONNX

from ..builder import Builder, Call
from . import lowering
from .math import unavailable


def _expand(ctx: Builder, p: str, n: Call) -> str:
    """A parameter with trailing unit dims to broadcast against the sample."""
    extra = len(n.in_shapes[0]) - len(n.in_shapes[1])
    if not extra:
        return p
    rank = len(n.in_shapes[1])
    return ctx.node("Unsqueeze", [p, ctx.ints(range(rank, rank + extra))])


def _density(logpdf):
    def rule(ctx: Builder, n: Call) -> str:
        dtype = n.in_dtypes[0]

        def c(v: float) -> str:
            return ctx.const(np.asarray(v, dtype))

        params = [_expand(ctx, p, n) for p in n.inputs[1:]]
        logp = logpdf(ctx, c, n.inputs[0], *params)
        return logp if n.attrs["is_log"] else ctx.node("Exp", [logp])

    return rule


def _normal(ctx, c, x, mu, sigma):
    z = ctx.node("Div", [ctx.node("Sub", [x, mu]), sigma])
    quad = ctx.node("Mul", [c(-0.5), ctx.node("Mul", [z, z])])
    norm = ctx.node("Add", [ctx.node("Log", [sigma]), c(0.5 * np.log(2 * np.pi))])
    return ctx.node("Sub", [quad, norm])


def _exponential(ctx, c, x, lam):
    return ctx.node("Sub", [ctx.node("Log", [lam]), ctx.node("Mul", [lam, x])])


def _uniform(ctx, c, x, low, high):
    logp = ctx.node("Neg", [ctx.node("Log", [ctx.node("Sub", [high, low])])])
    return ctx.node("Add", [logp, ctx.node("Mul", [x, c(0.0)])])  # to the sample's shape


lowering("_random_pdf_normal")(_density(_normal))
lowering("_random_pdf_exponential")(_density(_exponential))
lowering("_random_pdf_uniform")(_density(_uniform))
for _name in NO_ONNX:
    lowering(f"_random_pdf_{_name}")(unavailable(f"_random_pdf_{_name}",
                                                 "ONNX has no log-gamma function"))
