"""Lowerings of the activations (``hybrid/ops/activation.py``): each is one ONNX node."""

from __future__ import annotations

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
