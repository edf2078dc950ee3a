"""Lowerings of the activations (``hybrid/ops/activation.py``): each is one ONNX node."""

from __future__ import annotations

from ..builder import Builder, Call
from . import lowering
from .elemwise import direct

__all__ = ["ACTIVATIONS"]

# Op name (also ``Activation``'s act_type) -> the ONNX op of the same meaning.
ACTIVATIONS = {
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "relu": "Relu",
    "softsign": "Softsign",
    "softrelu": "Softplus",
}

for _name, _onnx in ACTIVATIONS.items():
    lowering(_name)(direct(_onnx))


@lowering("hard_sigmoid")
def _hard_sigmoid(ctx: Builder, n: Call) -> str:
    return ctx.node("HardSigmoid", n.inputs, alpha=n.attrs["alpha"], beta=n.attrs["beta"])
