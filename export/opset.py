"""The range of ONNX opsets hybrid exports to."""

from __future__ import annotations

import functools

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MIN_OPSET = 13


def _probe(opset: int) -> onnx.ModelProto:
    """A model of ops that new opsets revise often, plus a random op: ONNX Runtime may load an
    opset yet lack kernels for its newest versions of these.
    """
    nodes = [
        helper.make_node("Identity", ["x"], ["a"]),
        helper.make_node("Cast", ["a"], ["b"], to=TensorProto.FLOAT),
        helper.make_node("Reshape", ["b", "shape"], ["c"]),
        helper.make_node("RandomUniformLike", ["c"], ["r"]),
        helper.make_node("Add", ["c", "r"], ["y"]),
    ]
    io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1]) for n in ("x", "y")]
    shape = numpy_helper.from_array(np.array([1], np.int64), "shape")
    graph = helper.make_graph(nodes, "probe", io[:1], io[1:], [shape])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@functools.cache
def default_opset() -> int:
    """The newest opset that both the onnx package and the installed ONNX Runtime run.

    ONNX Runtime does not report its newest opset, so a small model is run at descending opsets
    (milliseconds, once per process).
    """
    import onnxruntime as ort

    for opset in range(onnx.defs.onnx_opset_version(), MIN_OPSET - 1, -1):
        try:
            session = ort.InferenceSession(
                _probe(opset).SerializeToString(), providers=["CPUExecutionProvider"]
            )
            session.run(None, {"x": np.ones(1, np.float32)})
        except Exception:  # noqa: BLE001 - any refusal means this opset is too new
            continue
        return opset
    return MIN_OPSET
