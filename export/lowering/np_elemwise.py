"""Lowerings of the numpy-semantics elementwise ops (``hybrid/ops/np_elemwise.py``)."""

from __future__ import annotations

import numpy as np

from hybrid.ops.registry import get_op

from ..builder import Builder, Call
from . import lowering
from .math import unavailable


def _const(ctx: Builder, n: Call, value: float) -> str:
    return ctx.const(np.asarray(value, dtype=n.in_dtypes[0]))


@lowering("_npi_arctan2")
def _arctan2(ctx: Builder, n: Call) -> str:
    # NOTE: ONNX has no Atan2: atan(x1 / x2) is right for x2 > 0; for x2 < 0 add pi in the
    # quadrant of x1's sign (x2 == 0 gives atan(+-inf) = +-pi/2, as numpy).
    a, b = n.inputs
    zero = _const(ctx, n, 0.0)
    base = ctx.node("Atan", [ctx.node("Div", [a, b])])
    half_turn = ctx.node("Where", [ctx.node("Less", [a, zero]), _const(ctx, n, -np.pi),
                                   _const(ctx, n, np.pi)])
    shift = ctx.node("Where", [ctx.node("Less", [b, zero]), half_turn, zero])
    return ctx.node("Add", [base, shift])


@lowering("_npi_copysign")
def _copysign(ctx: Builder, n: Call) -> str:
    # NOTE: ONNX compares -0.0 equal to 0, so a negative-zero x2 keeps x1's magnitude positive.
    a, b = n.inputs
    magnitude = ctx.node("Abs", [a])
    negative = ctx.node("Less", [b, _const(ctx, n, 0.0)])
    return ctx.node("Where", [negative, ctx.node("Neg", [magnitude]), magnitude])


@lowering("_npi_ldexp")
def _ldexp(ctx: Builder, n: Call) -> str:
    a, b = n.inputs
    return ctx.node("Mul", [a, ctx.node("Pow", [_const(ctx, n, 2.0), b])])


lowering("_npi_lcm")(unavailable("_npi_lcm", get_op("_npi_lcm").xfail["onnx"]))


def _bitwise(int_op: str, bool_op: str):
    def rule(ctx: Builder, n: Call) -> str:
        return ctx.node(bool_op if n.in_dtypes[0] == np.bool_ else int_op, list(n.inputs))

    return rule


lowering("_npi_bitwise_and", since=18)(_bitwise("BitwiseAnd", "And"))
lowering("_npi_bitwise_or", since=18)(_bitwise("BitwiseOr", "Or"))
lowering("_npi_bitwise_xor", since=18)(_bitwise("BitwiseXor", "Xor"))
lowering("_npi_bitwise_not", since=18)(_bitwise("BitwiseNot", "Not"))


@lowering("_npi_isnan")
def _isnan(ctx: Builder, n: Call) -> str:
    return ctx.node("IsNaN", list(n.inputs))


@lowering("_npi_isinf")
def _isinf(ctx: Builder, n: Call) -> str:
    return ctx.node("IsInf", list(n.inputs))


@lowering("_npi_isposinf")
def _isposinf(ctx: Builder, n: Call) -> str:
    return ctx.node("IsInf", list(n.inputs), detect_negative=0)


@lowering("_npi_isneginf")
def _isneginf(ctx: Builder, n: Call) -> str:
    return ctx.node("IsInf", list(n.inputs), detect_positive=0)


@lowering("_npi_isfinite")
def _isfinite(ctx: Builder, n: Call) -> str:
    x = list(n.inputs)
    return ctx.node("Not", [ctx.node("Or", [ctx.node("IsNaN", x), ctx.node("IsInf", x)])])
