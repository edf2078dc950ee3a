"""Lowerings of the unary math ops (``hybrid/ops/math.py``)."""

from __future__ import annotations

import numpy as np

from hybrid.base import HybridError
from hybrid.ops.math import NO_ONNX

from ..builder import Builder, Call
from . import lowering

__all__ = ["unavailable"]


def _const(ctx: Builder, n: Call, value: float) -> str:
    return ctx.const(np.asarray(value, dtype=n.in_dtypes[0]))


def _cbrt(ctx: Builder, n: Call) -> str:
    # NOTE: Pow of a negative base to 1/3 is NaN in ONNX: take the root of |x|, then the sign.
    x = n.inputs[0]
    root = ctx.node("Pow", [ctx.node("Abs", [x]), _const(ctx, n, 1 / 3)])
    return ctx.node("Mul", [ctx.node("Sign", [x]), root])


@lowering("cbrt")
def _cbrt_rule(ctx: Builder, n: Call) -> str:
    return _cbrt(ctx, n)


@lowering("rcbrt")
def _rcbrt(ctx: Builder, n: Call) -> str:
    return ctx.node("Reciprocal", [_cbrt(ctx, n)])


def _log_base(base: float):
    def rule(ctx: Builder, n: Call) -> str:
        return ctx.node("Div", [ctx.node("Log", n.inputs), _const(ctx, n, np.log(base))])

    return rule


lowering("log2")(_log_base(2.0))
lowering("log10")(_log_base(10.0))


@lowering("rint")
def _rint(ctx: Builder, n: Call) -> str:
    # MXNet's rint sends halfway values down: floor where x - floor <= ceil - x, else ceil.
    x = n.inputs[0]
    lo, hi = ctx.node("Floor", [x]), ctx.node("Ceil", [x])
    down = ctx.node("LessOrEqual", [ctx.node("Sub", [x, lo]), ctx.node("Sub", [hi, x])])
    return ctx.node("Where", [down, lo, hi])


@lowering("fix", "trunc")
def _trunc(ctx: Builder, n: Call) -> str:
    x = n.inputs[0]
    return ctx.node("Mul", [ctx.node("Sign", [x]), ctx.node("Floor", [ctx.node("Abs", [x])])])


def unavailable(name: str, reason: str):
    """The lowering of an op ONNX cannot express: it raises, naming the op and the reason."""

    def rule(ctx: Builder, n: Call) -> str:
        raise HybridError(f"{n.name}: {name} cannot be exported to ONNX: {reason}")

    return rule


for _name, _reason in NO_ONNX.items():
    lowering(_name)(unavailable(_name, _reason))
