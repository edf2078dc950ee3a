"""Lowerings of the numpy-extension ops of their own (``hybrid/ops/npx.py``); the ``_npx_*``
aliases lower as the ops they name.
"""

from __future__ import annotations

from hybrid.ops.npx import npx_reshape_terms

from ..builder import Builder, Call
from . import lowering
from .shape import reshape_by_terms


@lowering("_npx_reshape")
def _npx_reshape(ctx: Builder, n: Call) -> str:
    x, shape = n.inputs[0], n.in_shapes[0]
    if tuple(shape) == tuple(n.out_shapes[0]):
        return x
    terms, _, _ = npx_reshape_terms(n.attrs["newshape"], len(shape), n.attrs["reverse"])
    return reshape_by_terms(ctx, x, terms)


@lowering("_npx_nonzero")
def _npx_nonzero(ctx: Builder, n: Call) -> str:
    # ONNX's NonZero gives (ndim, N): one row per axis; npx.nonzero gives one row per element.
    return ctx.node("Transpose", [ctx.node("NonZero", n.inputs)], perm=[1, 0])


@lowering("_npx_constraint_check")
def _npx_constraint_check(ctx: Builder, n: Call) -> str:
    # ONNX cannot raise: the exported graph computes the all-true flag (and keeps it in the
    # graph so the guarded expression still depends on it).
    flag = ctx.node("Cast", n.inputs, to=6)  # int32: ReduceMin takes no bool
    flag = ctx.node("ReduceMin", [flag], keepdims=0)
    return ctx.node("Cast", [flag], to=9)  # bool
