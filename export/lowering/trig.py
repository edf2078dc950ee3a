"""Lowerings of the trigonometric and hyperbolic ops (``hybrid/ops/trig.py``): one ONNX node
each, or a product with a constant for degrees/radians."""

from __future__ import annotations

import numpy as np

from ..builder import Builder, Call
from . import lowering
from .elemwise import direct

_DIRECT = {
    "tan": "Tan",
    "arcsin": "Asin",
    "arccos": "Acos",
    "arctan": "Atan",
    "sinh": "Sinh",
    "cosh": "Cosh",
    "arcsinh": "Asinh",
    "arccosh": "Acosh",
    "arctanh": "Atanh",
}

for _name, _onnx in _DIRECT.items():
    lowering(_name)(direct(_onnx))


def _times(factor: float):
    def rule(ctx: Builder, n: Call) -> str:
        return ctx.node("Mul", [n.inputs[0], ctx.const(np.asarray(factor, n.in_dtypes[0]))])

    return rule


lowering("degrees")(_times(180 / np.pi))
lowering("radians")(_times(np.pi / 180))
