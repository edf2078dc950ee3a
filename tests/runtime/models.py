"""Small ONNX models built with onnx.helper for the runtime tests, and numpy references."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def _model(graph: onnx.GraphProto) -> bytes:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # readable by any onnxruntime >= 1.17
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def classifier_weights(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((4, 3)).astype(np.float32),
            rng.standard_normal(3).astype(np.float32))


def classifier(seed: int = 0) -> bytes:
    """x (batch, 4) FP32 -> probs = softmax(x @ w + b) (batch, 3)."""
    w, b = classifier_weights(seed)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["xw"]),
         helper.make_node("Add", ["xw", "b"], ["logits"]),
         helper.make_node("Softmax", ["logits"], ["probs"], axis=-1)],
        "classifier",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 3])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    return _model(graph)


def classifier_reference(x: np.ndarray, seed: int = 0) -> np.ndarray:
    w, b = classifier_weights(seed)
    z = x.astype(np.float64) @ w + b
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def elementwise() -> bytes:
    """a, b (batch, width) FP32 -> sum = a + b, prod = a * b."""
    dims = ["batch", "width"]
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"]),
         helper.make_node("Mul", ["a", "b"], ["prod"])],
        "elementwise",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, dims),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info("sum", TensorProto.FLOAT, dims),
         helper.make_tensor_value_info("prod", TensorProto.FLOAT, dims)])
    return _model(graph)


def typed() -> bytes:
    """i (n,) INT32, flag (n,) BOOL, h (n,) FP16 -> doubled i, not flag, h + h."""
    graph = helper.make_graph(
        [helper.make_node("Add", ["i", "i"], ["i2"]),
         helper.make_node("Not", ["flag"], ["nflag"]),
         helper.make_node("Add", ["h", "h"], ["h2"])],
        "typed",
        [helper.make_tensor_value_info("i", TensorProto.INT32, ["n"]),
         helper.make_tensor_value_info("flag", TensorProto.BOOL, ["n"]),
         helper.make_tensor_value_info("h", TensorProto.FLOAT16, ["n"])],
        [helper.make_tensor_value_info("i2", TensorProto.INT32, ["n"]),
         helper.make_tensor_value_info("nflag", TensorProto.BOOL, ["n"]),
         helper.make_tensor_value_info("h2", TensorProto.FLOAT16, ["n"])])
    return _model(graph)


def fixed_batch() -> bytes:
    """x (2, 3) FP32 -> y = x + x, with no dynamic dimension at all."""
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "x"], ["y"])], "fixed",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    return _model(graph)


BROKEN = b"this is not an ONNX model"
