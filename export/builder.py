"""The emit context handed to lowerings: ``ctx.node(...)``, ``ctx.const(...)``, ``ctx.opset``.

Lowerings never build protobufs or invent names by hand: the builder owns node and tensor names
(derived from the graph node's name, so exported models read like the block's layers) and collects
nodes and initializers in order.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import onnx
from onnx import helper, numpy_helper

__all__ = ["Builder", "Call", "onnx_type"]


def onnx_type(dtype: Any) -> int:
    """The ONNX TensorProto element type of a numpy dtype."""
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


class Call(NamedTuple):
    """One op call to lower: ONNX names of its inputs, parsed attrs, known input and output types.

    Shapes come from the op's ``infer``; the batch dimension in them is the traced one, so a
    lowering that must stay batch-independent reads shapes at run time (``Shape``) or uses Reshape's
    0 code.
    """

    name: str
    inputs: list[str]
    attrs: dict
    in_shapes: list[tuple]
    in_dtypes: list[np.dtype]
    out_shapes: list[tuple]
    out_dtypes: list[np.dtype]


class Builder:
    """Accumulates ONNX nodes and initializers for one model at one opset."""

    def __init__(self, opset: int):
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._taken: set[str] = set()
        self._scope = "node"

    def child(self) -> Builder:
        """A builder for a subgraph body (ONNX ``Scan``/``Loop``/``If``): names stay unique
        across the whole model, and its constants become the model's initializers, which a body
        reads from the enclosing scope.
        """
        body = Builder(self.opset)
        body._taken, body.initializers, body._scope = self._taken, self.initializers, self._scope
        return body

    def scope(self, name: str) -> None:
        """Name what follows after ``name`` (the graph node being lowered)."""
        self._scope = name

    def fresh(self, hint: str = "") -> str:
        """A tensor or node name not used before in this model."""
        base = f"{self._scope}_{hint}" if hint else self._scope
        name, i = base, 1
        while name in self._taken:
            name, i = f"{base}_{i}", i + 1
        self._taken.add(name)
        return name

    def reserve(self, name: str) -> str:
        """Claim an exact name (graph inputs, outputs, parameters); clashes are a bug."""
        if name in self._taken:
            raise ValueError(f"ONNX name {name!r} is used twice")
        self._taken.add(name)
        return name

    def node(
        self, op_type: str, inputs: list[str], outputs: int | list[str] = 1, **attrs: Any
    ) -> Any:
        """Emit one node; returns its output name, or the list of names when there are several."""
        names = (
            outputs
            if isinstance(outputs, list)
            else [
                self.fresh(op_type.lower() if outputs == 1 else f"{op_type.lower()}{i}")
                for i in range(outputs)
            ]
        )
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(
            helper.make_node(op_type, list(inputs), names, name=self.fresh(op_type), **attrs)
        )
        return names[0] if len(names) == 1 else names

    def const(self, value: Any, dtype: Any = None, name: str | None = None) -> str:
        """An initializer holding ``value`` (a numpy array or a Python number/list)."""
        array = np.asarray(value, dtype=dtype)
        name = self.reserve(name) if name else self.fresh("const")
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def ints(self, values: Any) -> str:
        """An int64 1-D constant, the form ONNX takes for shapes, axes and pads."""
        return self.const(np.asarray(values, dtype=np.int64).reshape(-1))
