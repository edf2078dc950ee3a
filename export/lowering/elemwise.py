"""Lowerings of the unary elementwise ops (``hybrid/ops/elemwise.py``)."""

from __future__ import annotations

import numpy as np

from ..builder import Builder, Call, onnx_type
from . import lowering

__all__ = ["direct"]

# Ops that are one ONNX node of the same meaning.
_DIRECT = {
    "negative": "Neg",
    "abs": "Abs",
    "exp": "Exp",
    "log": "Log",
    "sqrt": "Sqrt",
    "sin": "Sin",
    "cos": "Cos",
    "erf": "Erf",
    "sign": "Sign",
    "floor": "Floor",
    "ceil": "Ceil",
    "reciprocal": "Reciprocal",
    "_copy": "Identity",
}


def direct(op_type: str):
    """The lowering of an op that is the one ONNX node ``op_type``."""

    def rule(ctx: Builder, n: Call) -> str:
        return ctx.node(op_type, n.inputs)

    return rule


for _name, _onnx in _DIRECT.items():
    lowering(_name)(direct(_onnx))


def _scalar(n: Call, value: float) -> np.ndarray:
    return np.asarray(value, dtype=n.in_dtypes[0])


@lowering("log1p")
def _log1p(ctx: Builder, n: Call) -> str:
    return ctx.node("Log", [ctx.node("Add", [n.inputs[0], ctx.const(_scalar(n, 1))])])


@lowering("expm1")
def _expm1(ctx: Builder, n: Call) -> str:
    return ctx.node("Sub", [ctx.node("Exp", n.inputs), ctx.const(_scalar(n, 1))])


@lowering("rsqrt")
def _rsqrt(ctx: Builder, n: Call) -> str:
    return ctx.node("Reciprocal", [ctx.node("Sqrt", n.inputs)])


@lowering("square")
def _square(ctx: Builder, n: Call) -> str:
    return ctx.node("Mul", [n.inputs[0], n.inputs[0]])


@lowering("round")
def _round(ctx: Builder, n: Call) -> str:
    # NOTE: ONNX Round rounds half to even; MXNet rounds half away from zero: sign(x) * floor(|x| +
    # .5)
    x = n.inputs[0]
    shifted = ctx.node(
        "Floor", [ctx.node("Add", [ctx.node("Abs", [x]), ctx.const(_scalar(n, 0.5))])]
    )
    return ctx.node("Mul", [ctx.node("Sign", [x]), shifted])


@lowering("logical_not")
def _logical_not(ctx: Builder, n: Call) -> str:
    is_zero = ctx.node("Equal", [n.inputs[0], ctx.const(_scalar(n, 0))])
    return ctx.node("Cast", [is_zero], to=onnx_type(n.in_dtypes[0]))


@lowering("clip")
def _clip(ctx: Builder, n: Call) -> str:
    lo, hi = (ctx.const(_scalar(n, n.attrs[k])) for k in ("a_min", "a_max"))
    return ctx.node("Clip", [n.inputs[0], lo, hi])
