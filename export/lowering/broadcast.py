"""Lowerings of the binary elementwise ops (``hybrid/ops/broadcast.py``).

ONNX's binary ops broadcast like numpy, so array-array forms map one to one; the scalar forms put
the scalar in a 0-d initializer of the input's dtype (left of the input for the reflected ``_r*``
ops).
"""

from __future__ import annotations

import numpy as np

from hybrid.ops.broadcast import BROADCAST_TABLE, ELEMWISE

from ..builder import Builder, Call, onnx_type
from . import lowering


def _mod(ctx: Builder, a: str, b: str, dtype: np.dtype) -> str:
    # NOTE: ONNX Mod on floats is C's fmod (sign of the dividend); MXNet follows Python (sign of the
    # divisor) and gives 0 for a zero divisor. Add b where the remainder's sign differs from b's.
    zero = ctx.const(np.zeros((), dtype))
    r = ctx.node("Mod", [a, b], fmod=1 if np.dtype(dtype).kind == "f" else 0)
    differ = ctx.node("Less", [ctx.node("Mul", [r, b]), zero])
    r = ctx.node("Where", [differ, ctx.node("Add", [r, b]), r])
    return ctx.node("Where", [ctx.node("Equal", [b, zero]), zero, r])


def _hypot(ctx: Builder, a: str, b: str, dtype: np.dtype) -> str:
    return ctx.node("Sqrt", [ctx.node("Add", [ctx.node("Mul", [a, a]), ctx.node("Mul", [b, b])])])


def _simple(op_type: str):
    def emit(ctx: Builder, a: str, b: str, dtype: np.dtype) -> str:
        return ctx.node(op_type, [a, b])

    return emit


def _compare(op_type: str, negate: bool = False):
    def emit(ctx: Builder, a: str, b: str, dtype: np.dtype) -> str:
        y = ctx.node(op_type, [a, b])
        if negate:
            y = ctx.node("Not", [y])
        return ctx.node("Cast", [y], to=onnx_type(dtype))

    return emit


def _logical(op_type: str):
    def emit(ctx: Builder, a: str, b: str, dtype: np.dtype) -> str:
        zero = ctx.const(np.zeros((), dtype))
        nonzero = [ctx.node("Not", [ctx.node("Equal", [x, zero])]) for x in (a, b)]
        return ctx.node("Cast", [ctx.node(op_type, nonzero)], to=onnx_type(dtype))

    return emit


_EMIT = {
    "broadcast_add": _simple("Add"),
    "broadcast_sub": _simple("Sub"),
    "broadcast_mul": _simple("Mul"),
    "broadcast_div": _simple("Div"),
    "broadcast_mod": _mod,
    "broadcast_power": _simple("Pow"),
    "broadcast_maximum": _simple("Max"),
    "broadcast_minimum": _simple("Min"),
    "broadcast_hypot": _hypot,
    "broadcast_equal": _compare("Equal"),
    "broadcast_not_equal": _compare("Equal", negate=True),
    "broadcast_greater": _compare("Greater"),
    "broadcast_greater_equal": _compare("GreaterOrEqual"),
    "broadcast_lesser": _compare("Less"),
    "broadcast_lesser_equal": _compare("LessOrEqual"),
    "broadcast_logical_and": _logical("And"),
    "broadcast_logical_or": _logical("Or"),
    "broadcast_logical_xor": _logical("Xor"),
}


def _array_rule(emit):
    def rule(ctx: Builder, n: Call) -> str:
        return emit(ctx, n.inputs[0], n.inputs[1], n.in_dtypes[0])

    return rule


def _scalar_rule(emit, reflected: bool):
    def rule(ctx: Builder, n: Call) -> str:
        s = ctx.const(np.asarray(n.attrs["scalar"], dtype=n.in_dtypes[0]))
        a, b = (s, n.inputs[0]) if reflected else (n.inputs[0], s)
        return emit(ctx, a, b, n.in_dtypes[0])

    return rule


def _register_table() -> None:
    done: set[str] = set()
    for name, _aliases, _f, _grads, scalar_names, _domain, _doc in BROADCAST_TABLE:
        emit = _EMIT[name]
        lowering(name)(_array_rule(emit))
        if name in ELEMWISE:
            lowering(ELEMWISE[name][0])(_array_rule(emit))
        for scalar_name, reflected in zip(scalar_names, (False, True)):
            if scalar_name not in done:
                done.add(scalar_name)
                lowering(scalar_name)(_scalar_rule(emit, reflected))


_register_table()


@lowering("where")
def _where(ctx: Builder, n: Call) -> str:
    cond = n.inputs[0]
    rank_x = len(n.in_shapes[1])
    if len(n.in_shapes[0]) == 1 and rank_x > 1:
        # MXNet's 1-D condition selects whole rows of x and y.
        cond = ctx.node("Unsqueeze", [cond, ctx.ints(list(range(1, rank_x)))])
    zero = ctx.const(np.zeros((), n.in_dtypes[0]))
    mask = ctx.node("Not", [ctx.node("Equal", [cond, zero])])
    return ctx.node("Where", [mask, n.inputs[1], n.inputs[2]])


@lowering("add_n")
def _add_n(ctx: Builder, n: Call) -> str:
    return ctx.node("Sum", n.inputs)
