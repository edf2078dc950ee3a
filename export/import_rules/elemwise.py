"""Import rules for elementwise ONNX ops: arithmetic, unary math, activations, comparisons,
logic, Where, Clip, Cast and the identities (Identity, Dropout at inference).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from onnx import helper

from . import rule

_BINARY = {
    "Add": "broadcast_add",
    "Sub": "broadcast_sub",
    "Mul": "broadcast_mul",
    "Div": "broadcast_div",
    "Pow": "broadcast_power",
}
_VARIADIC = {"Max": "broadcast_maximum", "Min": "broadcast_minimum", "Sum": "broadcast_add"}
_UNARY = {
    "Neg": "negative",
    "Abs": "abs",
    "Exp": "exp",
    "Log": "log",
    "Sqrt": "sqrt",
    "Reciprocal": "reciprocal",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Relu": "relu",
    "Softplus": "softrelu",
    "Softsign": "softsign",
    "Erf": "erf",
    "Floor": "floor",
    "Ceil": "ceil",
    "Sign": "sign",
    "Sin": "sin",
    "Cos": "cos",
    "Tan": "tan",
    "Asin": "arcsin",
    "Acos": "arccos",
    "Atan": "arctan",
    "Sinh": "sinh",
    "Cosh": "cosh",
    "Asinh": "arcsinh",
    "Acosh": "arccosh",
    "Atanh": "arctanh",
    "Not": "logical_not",
    "BitwiseNot": "_npi_bitwise_not",
}
# ONNX comparisons and logic return bool; MXNet's return 0/1 in the input dtype, so a Cast
# follows.
_PREDICATES = {
    "Equal": "broadcast_equal",
    "Greater": "broadcast_greater",
    "GreaterOrEqual": "broadcast_greater_equal",
    "Less": "broadcast_lesser",
    "LessOrEqual": "broadcast_lesser_equal",
    "And": "broadcast_logical_and",
    "Or": "broadcast_logical_or",
    "Xor": "broadcast_logical_xor",
}
_BITWISE = {
    "BitwiseAnd": "_npi_bitwise_and",
    "BitwiseOr": "_npi_bitwise_or",
    "BitwiseXor": "_npi_bitwise_xor",
}
# ONNX Selu's default constants (float32 values of Klambauer et al.'s alpha and lambda).
_SELU_ALPHA = 1.67326319217681884765625
_SELU_GAMMA = 1.05070102214813232421875


@rule(*_BINARY)
def _binary(ctx: Any, node: Any) -> list:
    lhs, rhs = node.inputs
    b = ctx.value(rhs)
    if node.op_type == "Pow" and ctx.dtype(rhs) != ctx.dtype(lhs):
        # NOTE: ONNX lets Pow's exponent have its own type; MXNet needs one dtype.
        b = ctx.op("Cast", [b], dtype=ctx.dtype(lhs))
    y = ctx.op(_BINARY[node.op_type], [ctx.value(lhs), b])
    dtype = ctx.dtype(lhs)
    if node.op_type == "Div" and dtype.kind in "iu":
        # MXNet divides integers exactly (a float result); ONNX truncates toward zero.
        y = ctx.op("broadcast_mul", [ctx.op("sign", [y]), ctx.op("floor", [ctx.op("abs", [y])])])
        y = ctx.op("Cast", [y], dtype=dtype)
    return [y]


@rule(*_VARIADIC, "Mean")
def _variadic(ctx: Any, node: Any) -> list:
    op_name = _VARIADIC.get(node.op_type, "broadcast_add")
    acc = ctx.value(node.inputs[0])
    for name in node.inputs[1:]:
        acc = ctx.op(op_name, [acc, ctx.value(name)])
    if node.op_type == "Mean":
        acc = ctx.op("_div_scalar", [acc], scalar=float(len(node.inputs)), is_int=False)
    return [acc]


@rule(*_UNARY)
def _unary(ctx: Any, node: Any) -> list:
    return [ctx.op(_UNARY[node.op_type], [ctx.value(node.inputs[0])])]


@rule(*_BITWISE)
def _bitwise(ctx: Any, node: Any) -> list:
    return [ctx.op(_BITWISE[node.op_type], [ctx.value(n) for n in node.inputs])]


@rule(*_PREDICATES)
def _predicate(ctx: Any, node: Any) -> list:
    y = ctx.op(_PREDICATES[node.op_type], [ctx.value(n) for n in node.inputs])
    return [ctx.op("Cast", [y], dtype=np.bool_)]


@rule("LeakyRelu")
def _leaky_relu(ctx: Any, node: Any) -> list:
    slope = float(node.attrs.get("alpha", 0.01))
    return [ctx.op("LeakyReLU", [ctx.value(node.inputs[0])], act_type="leaky", slope=slope)]


@rule("Elu")
def _elu(ctx: Any, node: Any) -> list:
    slope = float(node.attrs.get("alpha", 1.0))
    return [ctx.op("LeakyReLU", [ctx.value(node.inputs[0])], act_type="elu", slope=slope)]


@rule("Selu")
def _selu(ctx: Any, node: Any) -> list:
    # gamma * elu_alpha(x): MXNet's 'selu' fixes both constants, ONNX lets the model set them.
    alpha = float(node.attrs.get("alpha", _SELU_ALPHA))
    gamma = float(node.attrs.get("gamma", _SELU_GAMMA))
    y = ctx.op("LeakyReLU", [ctx.value(node.inputs[0])], act_type="elu", slope=alpha)
    return [ctx.op("_mul_scalar", [y], scalar=gamma, is_int=False)]


@rule("Gelu")
def _gelu(ctx: Any, node: Any) -> list:
    x = ctx.value(node.inputs[0])
    if node.attrs.get("approximate", "none") == "none":
        return [ctx.op("LeakyReLU", [x], act_type="gelu")]
    # MXNet's gelu is the erf form; the tanh approximation is written out:
    # 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
    def scale(v: Any, c: float) -> Any:
        return ctx.op("_mul_scalar", [v], scalar=c, is_int=False)

    cube = ctx.op("_power_scalar", [x], scalar=3.0, is_int=False)
    t = ctx.op("tanh", [scale(ctx.op("elemwise_add", [x, scale(cube, 0.044715)]),
                              math.sqrt(2 / math.pi))])
    one_plus_t = ctx.op("_plus_scalar", [t], scalar=1.0, is_int=False)
    return [ctx.op("elemwise_mul", [scale(x, 0.5), one_plus_t])]


@rule("Where")
def _where(ctx: Any, node: Any) -> list:
    cond, x, y = (ctx.value(n) for n in node.inputs)
    return [ctx.op("where", [cond, x, y])]


@rule("Clip")
def _clip(ctx: Any, node: Any) -> list:
    x = node.inputs[0]
    if ctx.opset < 11:
        lo, hi = node.attrs.get("min"), node.attrs.get("max")
    else:
        lo, hi = (
            ctx.const(node.input(i), what).item() if node.input(i) else None
            for i, what in ((1, "min"), (2, "max"))
        )
    dtype = ctx.dtype(x)
    limits = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    lo = float(limits.min) if lo is None else float(lo)
    hi = float(limits.max) if hi is None else float(hi)
    return [ctx.op("clip", [ctx.value(x)], a_min=lo, a_max=hi)]


@rule("Mod")
def _mod(ctx: Any, node: Any) -> list:
    # fmod=0 is MXNet's broadcast_mod (the sign of the divisor); fmod=1 (C's fmod) takes the sign
    # of the dividend: subtract the divisor where the two signs differ and the result is not 0.
    a, b = ctx.value(node.inputs[0]), ctx.value(node.inputs[1])
    m = ctx.op("broadcast_mod", [a, b])
    if not node.attrs.get("fmod", 0):
        return [m]
    signs = ctx.op("broadcast_mul", [ctx.op("sign", [m]), ctx.op("sign", [a])])
    differ = ctx.op("_lesser_scalar", [signs], scalar=0.0, is_int=False)
    return [ctx.op("broadcast_sub", [m, ctx.op("broadcast_mul", [b, differ])])]


@rule("Cast", "CastLike")
def _cast(ctx: Any, node: Any) -> list:
    if node.op_type == "CastLike":
        dtype = ctx.dtype(node.inputs[1])
    else:
        dtype = helper.tensor_dtype_to_np_dtype(node.attrs["to"])
    return [ctx.op("Cast", [ctx.value(node.inputs[0])], dtype=dtype)]


@rule("Round")
def _round(ctx: Any, node: Any) -> list:
    return [round_half_even(ctx, ctx.value(node.inputs[0]))]


def round_half_even(ctx: Any, x: Any) -> Any:
    """ONNX's rounding, halves to even; MXNet's round takes them away from zero (and rint down):
    step a half back toward zero where that gave an odd number.
    """
    r = ctx.op("round", [x])
    half = ctx.op("_equal_scalar", [ctx.op("abs", [ctx.op("elemwise_sub", [x, ctx.op(
        "trunc", [x])])])], scalar=0.5, is_int=False)
    odd = ctx.op("abs", [ctx.op("_mod_scalar", [r], scalar=2.0, is_int=False)])
    step = ctx.op("elemwise_mul", [ctx.op("elemwise_mul", [half, odd]), ctx.op("sign", [x])])
    return ctx.op("elemwise_sub", [r, step])


@rule("IsNaN")
def _is_nan(ctx: Any, node: Any) -> list:
    return [ctx.op("Cast", [ctx.op("_npi_isnan", [ctx.value(node.inputs[0])])], dtype=np.bool_)]


@rule("IsInf")
def _is_inf(ctx: Any, node: Any) -> list:
    pos, neg = node.attrs.get("detect_positive", 1), node.attrs.get("detect_negative", 1)
    op_name = {(1, 1): "_npi_isinf", (1, 0): "_npi_isposinf", (0, 1): "_npi_isneginf"}.get(
        (pos, neg))
    x = ctx.value(node.inputs[0])
    y = ctx.op(op_name, [x]) if op_name else ctx.op("zeros_like", [x])
    return [ctx.op("Cast", [y], dtype=np.bool_)]


@rule("Identity", "Dropout")
def _identity(ctx: Any, node: Any) -> list:
    # Dropout imports in inference form: the identity, and a mask that keeps every element
    # (bool from opset 10, the data's type before).
    if node.op_type == "Dropout" and node.input(2) and ctx.const(node.input(2), "training_mode"):
        raise ctx.error("training_mode=True is not supported (import is inference only)")
    x = ctx.value(node.inputs[0])
    outs = [ctx.op("_copy", [x])]
    if node.op_type == "Dropout" and len(node.outputs) > 1 and node.outputs[1]:
        ones = ctx.op("ones_like", [x])
        outs.append(ctx.op("Cast", [ones], dtype=np.bool_) if ctx.opset >= 10 else ones)
    return outs
