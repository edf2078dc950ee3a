"""``_npi_einsum``: Einstein summation over any number of operands, with its gradient."""

from __future__ import annotations

import numpy as np

from ..base import HybridError, ShapeError
from ._util import unbroadcast
from .attrs import Attr
from .registry import Op, Sample, register


def parse_subscripts(subscripts: str, ndims: list[int]) -> tuple[list[str], str]:
    """The operands' and the output's index letters, with NumPy's implicit output (the letters
    seen once, sorted, after the broadcast ones) when ``->`` is absent. An ellipsis becomes
    capital letters of its own, right-aligned across operands as NumPy broadcasts them."""
    text = subscripts.replace(" ", "")
    lhs, arrow, out = text.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise HybridError(f"_npi_einsum: {subscripts!r} names {len(ins)} operands, got "
                          f"{len(ndims)}")
    spans = [n - (len(s) - 3) if "..." in s else 0 for s, n in zip(ins, ndims)]
    width = max(spans, default=0)
    free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in text][:width]
    if len(free) < width:
        raise HybridError(f"_npi_einsum: too many broadcast dimensions in {subscripts!r}")
    ins = [s.replace("...", "".join(free[width - k:])) for s, k in zip(ins, spans)]
    for s, n in zip(ins, ndims):
        if len(s) != n or not s.isalpha():
            raise ShapeError(f"_npi_einsum: subscripts {s!r} for an operand of {n} dimensions")
    if arrow:
        out = out.replace("...", "".join(free))
    else:
        letters = "".join(ins)
        out = "".join(free) + "".join(sorted(c for c in set(letters) if letters.count(c) == 1
                                             and c not in free))
    return ins, out


@register
class NpEinsum(Op):
    """``out = einsum(subscripts, *operands)``: NumPy's Einstein summation (explicit ``->``
    output or NumPy's implicit one; ``...`` for broadcast dimensions). The gradient of an
    operand is the einsum of the other operands and the output gradient into that operand's
    letters (summed back over broadcast dimensions); it needs operands without a repeated
    letter.
    """

    name = "_npi_einsum"
    inputs = ("*data",)
    # num_args: MXNet's parameter (its graph JSON carries it); the operands are counted anyway.
    attrs = (Attr("num_args", "int", 0), Attr("subscripts", "str", ""),
             Attr("optimize", "int", 0))
    check_eager = False

    def forward(ctx, *operands, num_args, subscripts, optimize):
        ctx.operands = operands
        return np.einsum(subscripts, *operands, optimize=bool(optimize))

    def vjp(ctx, gy, num_args, subscripts, optimize):
        ins, out = parse_subscripts(subscripts, [x.ndim for x in ctx.operands])
        sizes: dict[str, int] = {}
        for s, x in zip(ins, ctx.operands):
            for c, n in zip(s, x.shape):
                sizes[c] = max(sizes.get(c, 1), n)
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
            g = unbroadcast(np.einsum(expr, *(o for _, o in terms)), x.shape)
            grads.append(g.astype(x.dtype, copy=False))
        return tuple(grads)

    def infer(in_shapes, in_dtypes, *, num_args, subscripts, optimize):
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
            Sample([rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 5))],
                   {"subscripts": "...ij,jk->...ik"}),
            Sample([rng.normal(size=(1, 3)), rng.normal(size=(2, 3))],
                   {"subscripts": "...i,...i"}),
        ]
