"""``from_onnx`` on the onnx package's light model zoo (the 9 models it ships under
``onnx/backend/test/data/light``), against ONNX Runtime.

The light models store every weight as ``ConstantOfShape`` filled with 0.02, so all classes score
alike and any network would give the uniform softmax. To compare something that can fail, the
test replaces the weights of rank >= 2 (convolution and dense kernels) with seeded He-scaled
normal initializers of the same shape; biases and normalisation statistics stay
``ConstantOfShape`` nodes, so that path is still imported. Batch 1, one test per model.

Tolerance: outputs are softmax probabilities; float32 accumulation order differs between
hybrid's numpy kernels and ONNX Runtime's, so they agree to ``atol=1e-5`` (measured max abs
difference below 1e-6) and ``rtol=1e-3``.
"""

from __future__ import annotations

import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from hybrid.export.importer import from_onnx
from onnx import helper, numpy_helper

import hybrid

LIGHT = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
MODELS = [
    "bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet",
    "squeezenet", "vgg19", "zfnet512",
]  # fmt: skip


def _random_weights(model: onnx.ModelProto, rng: np.random.Generator) -> onnx.ModelProto:
    """``model`` with its rank >= 2 ``ConstantOfShape`` weights as random initializers."""
    graph = model.graph
    inits = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    kept = []
    for node in graph.node:
        shape = inits.get(node.input[0]) if node.op_type == "ConstantOfShape" else None
        if shape is None or len(shape) < 2:
            kept.append(node)
            continue
        shape = tuple(int(d) for d in shape)
        fan_in = int(np.prod(shape[1:]))
        w = rng.standard_normal(shape, dtype=np.float32) * np.float32(np.sqrt(2.0 / fan_in))
        graph.initializer.append(numpy_helper.from_array(w, node.output[0]))
    del graph.node[:]
    graph.node.extend(kept)
    return model


def _data_input(model: onnx.ModelProto) -> onnx.ValueInfoProto:
    inits = {t.name for t in model.graph.initializer}
    return next(i for i in model.graph.input if i.name not in inits)


@pytest.mark.parametrize("name", MODELS)
def test_light_model_matches_onnxruntime(name):
    model = onnx.load(os.path.join(LIGHT, f"light_{name}.onnx"))
    rng = np.random.default_rng(0)
    model = _random_weights(model, rng)
    assert any(n.op_type == "ConstantOfShape" for n in model.graph.node)
    info = _data_input(model)
    shape = [d.dim_value for d in info.type.tensor_type.shape.dim]
    assert shape[0] == 1
    x = rng.random(shape, dtype=np.float32)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = session.run(None, {info.name: x})[0]
    got = from_onnx(model)(hybrid.nd.array(x)).asnumpy()
    assert got.shape == want.shape
    assert np.ptp(want) > 1e-4  # the random weights make the classes differ
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-5)


def test_constant_of_shape_and_lrn_import_unmodified():
    """The shipped file itself (0.02 weights, LRN) imports and runs: the uniform softmax."""
    path = os.path.join(LIGHT, "light_bvlc_alexnet.onnx")
    model = onnx.load(path)
    assert {"ConstantOfShape", "LRN"} <= {n.op_type for n in model.graph.node}
    info = _data_input(model)
    x = np.random.default_rng(1).random([d.dim_value for d in info.type.tensor_type.shape.dim])
    x = x.astype(np.float32)
    want = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {info.name: x})
    got = from_onnx(path)(hybrid.nd.array(x)).asnumpy()
    np.testing.assert_allclose(got, want[0], rtol=1e-5, atol=1e-7)


def test_constant_of_shape_default_and_dtype():
    """``value`` absent: float32 zeros; present: its dtype and element."""
    shape = numpy_helper.from_array(np.array([2, 3], np.int64), "s")
    nodes = [
        helper.make_node("ConstantOfShape", ["s"], ["z"]),
        helper.make_node(
            "ConstantOfShape", ["s"], ["k"],
            value=numpy_helper.from_array(np.array([7], np.int32)),
        ),
        helper.make_node("Cast", ["k"], ["kf"], to=onnx.TensorProto.FLOAT),
        helper.make_node("Add", ["x", "z"], ["xz"]),
        helper.make_node("Add", ["xz", "kf"], ["y"]),
    ]  # fmt: skip
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [2, 3])],
        [shape],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    want = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    got = from_onnx(model)(hybrid.nd.array(x)).asnumpy()
    np.testing.assert_array_equal(got, want)
