"""Small ONNX models built with onnx.helper for the runtime tests, and numpy references."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def _model(graph: onnx.GraphProto, check: bool = True) -> bytes:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # readable by any onnxruntime >= 1.17
    # The checker wants a shape on every graph input and output; unknown ranks have none
    # (ONNX Runtime runs such models).
    if check:
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


def transposed() -> bytes:
    """x (batch, n) FP32 -> y = x.T, declared (n, batch): dim 0 of y is not the batch."""
    graph = helper.make_graph(
        [helper.make_node("Transpose", ["x"], ["y"], perm=[1, 0])], "transposed",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "n"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "batch"])])
    return _model(graph)


def mislabelled_transpose() -> bytes:
    """Like :func:`transposed`, but the output claims ``batch`` as its dim 0 (a lying label)."""
    graph = helper.make_graph(
        [helper.make_node("Transpose", ["x"], ["y"], perm=[1, 0])], "mislabelled",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "batch2"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "batch2"])])
    return _model(graph)


def zeros_of_shape() -> bytes:
    """shape (k,) INT64 -> zeros of that shape, FP32: a tiny request, a large answer."""
    graph = helper.make_graph(
        [helper.make_node("ConstantOfShape", ["shape"], ["zeros"])], "zeros",
        [helper.make_tensor_value_info("shape", TensorProto.INT64, ["k"])],
        [helper.make_tensor_value_info("zeros", TensorProto.FLOAT, None)])
    return _model(graph, check=False)


def cast_to(to: int, name: str) -> bytes:
    """x (n,) FP32 -> Cast(x, to): outputs of BYTES (string) or BF16 type."""
    graph = helper.make_graph(
        [helper.make_node("Cast", ["x"], ["y"], to=to)], name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])],
        [helper.make_tensor_value_info("y", to, ["n"])])
    return _model(graph)


def sequence_output() -> bytes:
    """x (n,) FP32 -> a sequence holding x: an output that is not a tensor."""
    graph = helper.make_graph(
        [helper.make_node("SequenceConstruct", ["x"], ["seq"])], "sequence",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])],
        [helper.make_tensor_sequence_value_info("seq", TensorProto.FLOAT, None)])
    return _model(graph)


def unknown_rank() -> bytes:
    """x of unknown rank FP32 -> relu(x), also of unknown rank."""
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "anyrank",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return _model(graph, check=False)
