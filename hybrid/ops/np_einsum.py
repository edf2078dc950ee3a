"""``_npi_einsum``: Einstein summation over any number of operands, with its gradient."""

from __future__ import annotations

import numpy as np

from ..base import HybridError, ShapeError
from .attrs import Attr
from .registry import Op, Sample, register


def parse_subscripts(subscripts: str, ndims: list[int]) -> tuple[list[str], str]:
    """The operands' and the output's index letters, with NumPy's implicit output (the letters
    seen once, sorted) when ``->`` is absent. Ellipses are not supported."""
    text = subscripts.replace(" ", "")
    if "." in text:
        raise HybridError("_npi_einsum: ellipsis ('...') subscripts are not supported")
    lhs, arrow, out = text.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise HybridError(f"_npi_einsum: {subscripts!r} names {len(ins)} operands, got "
                          f"{len(ndims)}")
    for s, n in zip(ins, ndims):
        if len(s) != n:
            raise ShapeError(f"_npi_einsum: subscripts {s!r} for an operand of {n} dimensions")
    if not arrow:
        letters = "".join(ins)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return ins, out


@register
class NpEinsum(Op):
    """``out = einsum(subscripts, *operands)``: NumPy's Einstein summation (explicit ``->``
    output or NumPy's implicit one). The gradient of an operand is the einsum of the other
    operands and the output gradient into that operand's letters; it needs operands without a
    repeated letter.
    """

    name = "_npi_einsum"
    inputs = ("*data",)
    attrs = (Attr("subscripts", "str", ""), Attr("optimize", "int", 0))
    check_eager = False

    def forward(ctx, *operands, subscripts, optimize):
        ctx.operands = operands
        return np.einsum(subscripts, *operands, optimize=bool(optimize))

    def vjp(ctx, gy, subscripts, optimize):
        ins, out = parse_subscripts(subscripts, [x.ndim for x in ctx.operands])
        sizes = {c: n for s, x in zip(ins, ctx.operands) for c, n in zip(s, x.shape)}
        grads = []
        for i, (target, x) in enumerate(zip(ins, ctx.operands)):
            if not ctx.needs_grad[i]:
                grads.append(None)
                continue
            if len(set(target)) != len(target):
                raise HybridError(f"_npi_einsum: no gradient for operand {target!r} with a "
                                  "repeated index")
            terms = [(s, o) for j, (s, o) in enumerate(zip(ins, ctx.operands)) if j != i]
            terms.append((out, gy))
            seen = "".join(s for s, _ in terms)
            # Letters only this operand had were summed away: bring them back as ones.
            terms += [(c, np.ones(sizes[c], gy.dtype)) for c in target if c not in seen]
            expr = ",".join(s for s, _ in terms) + "->" + target
            grads.append(np.einsum(expr, *(o for _, o in terms)).astype(x.dtype, copy=False))
        return tuple(grads)

    def infer(in_shapes, in_dtypes, *, subscripts, optimize):
        if any(s is None for s in in_shapes):
            return in_shapes, [None], [in_dtypes[0]]
        ins, out = parse_subscripts(subscripts, [len(s) for s in in_shapes])
        sizes: dict[str, int] = {}
        for s, shape in zip(ins, in_shapes):
            for c, n in zip(s, shape):
                if sizes.get(c, n) not in (n, 1) and n != 1:
                    raise ShapeError(f"_npi_einsum: index {c!r} has sizes {sizes[c]} and {n}")
                sizes[c] = max(sizes.get(c, n), n)
        return in_shapes, [tuple(sizes[c] for c in out)], [in_dtypes[0]]

    def samples(rng):
        a, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 5))
        return [
            Sample([a, b], {"subscripts": "ij,jk->ik"}),
            Sample([rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 3))],
                   {"subscripts": "bij,bjk->bik"}),
            Sample([a], {"subscripts": "ij->j"}),
            Sample([rng.normal(size=(3,)), rng.normal(size=(4,))], {"subscripts": "i,j"}),
        ]
