"""``from_onnx``: hand-built ONNX models against ONNX Runtime, training an imported model, the
export -> import -> export round trip, and the one error listing unsupported ops.
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from hybrid.export import to_onnx
from hybrid.export.importer import from_onnx
from onnx import TensorProto, helper, numpy_helper

import hybrid
from hybrid import autograd, gluon
from hybrid.base import HybridError


def _ort(model, *xs):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    return sess.run(None, dict(zip(names, xs)))[0]


def _model(nodes, inits, in_shape, opset=17):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", *in_shape[1:]])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    tensors = [numpy_helper.from_array(a, n) for n, a in inits.items()]
    graph = helper.make_graph(nodes, "g", [x], [y], tensors)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _classifier(rng):
    inits = {
        "fc_w": rng.normal(size=(5, 8)).astype(np.float32),
        "fc_b": rng.normal(size=(5,)).astype(np.float32),
    }
    nodes = [
        helper.make_node("Gemm", ["x", "fc_w", "fc_b"], ["h"], transB=1),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("Softmax", ["r"], ["y"], axis=1),
    ]
    return _model(nodes, inits, (4, 8))


def _convnet(rng):
    f = np.float32
    inits = {
        "conv_w": rng.normal(size=(4, 3, 3, 3)).astype(f),
        "conv_b": rng.normal(size=(4,)).astype(f),
        "bn_scale": rng.uniform(0.5, 1.5, 4).astype(f),
        "bn_bias": rng.normal(size=(4,)).astype(f),
        "bn_mean": rng.normal(size=(4,)).astype(f),
        "bn_var": rng.uniform(0.5, 1.5, 4).astype(f),
        "fc_w": rng.normal(size=(6, 4 * 4 * 4)).astype(f),
        "fc_b": rng.normal(size=(6,)).astype(f),
    }
    nodes = [
        helper.make_node("Conv", ["x", "conv_w", "conv_b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node(
            "BatchNormalization", ["c", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["b"]
        ),
        helper.make_node("Relu", ["b"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["y"], transB=1),
    ]
    return _model(nodes, inits, (2, 3, 8, 8))


@pytest.mark.parametrize("build, shape", [(_classifier, (4, 8)), (_convnet, (2, 3, 8, 8))])
def test_hand_built_models_match_onnx_runtime(build, shape):
    rng = np.random.default_rng(0)
    model = build(rng)
    x = rng.normal(size=shape).astype(np.float32)
    block = from_onnx(model)
    eager = block(hybrid.nd.array(x)).asnumpy()
    # float32 sums of ~100 terms reach ~80: absolute differences of a few 1e-5 are rounding.
    np.testing.assert_allclose(eager, _ort(model, x), rtol=1e-4, atol=1e-4)
    block.hybridize()
    # The hybridized graph runs after graph passes: float32 rounding differs likewise.
    np.testing.assert_allclose(block(hybrid.nd.array(x)).asnumpy(), eager, rtol=1e-4, atol=1e-4)


def test_initializers_become_named_parameters_and_train():
    rng = np.random.default_rng(1)
    model = _convnet(rng)
    block = from_onnx(model)
    params = block.collect_params()
    assert set(params.keys()) == {
        "conv_w", "conv_b", "bn_scale", "bn_bias", "bn_mean", "bn_var", "fc_w", "fc_b",
    }  # fmt: skip
    assert params["bn_mean"].grad_req == "null" and params["conv_w"].grad_req == "write"
    np.testing.assert_array_equal(
        params["fc_w"].data().asnumpy(), numpy_helper.to_array(model.graph.initializer[6])
    )
    before = params["conv_w"].data().asnumpy().copy()
    trainer = gluon.Trainer(params, "sgd", {"learning_rate": 0.1})
    x = hybrid.nd.array(rng.normal(size=(2, 3, 8, 8)).astype(np.float32))
    with autograd.record():
        loss = (block(x) ** 2).sum()
    loss.backward()
    trainer.step(2)
    assert not np.allclose(params["conv_w"].data().asnumpy(), before)
    # Re-export the trained block: ONNX Runtime computes what the trained block computes.
    exported = to_onnx(block, input_shapes=[(2, 3, 8, 8)])
    np.testing.assert_allclose(
        _ort(exported, x.asnumpy()), block(x).asnumpy(), rtol=1e-4, atol=1e-4
    )


def test_export_import_round_trip_mlp():
    hybrid.random.seed(0)
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(16, activation="relu"), gluon.nn.Dense(3))
    net.initialize()
    x = np.random.default_rng(2).normal(size=(4, 10)).astype(np.float32)
    want = net(hybrid.nd.array(x)).asnumpy()
    block = from_onnx(to_onnx(net, input_shapes=[x.shape]))
    np.testing.assert_allclose(block(hybrid.nd.array(x)).asnumpy(), want, rtol=1e-5, atol=1e-6)
    again = to_onnx(block, input_shapes=[x.shape])
    np.testing.assert_allclose(_ort(again, x), want, rtol=1e-4, atol=1e-5)


def test_shape_operands_become_attributes_not_parameters():
    shape = np.array([0, -1], np.int64)
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["y"])]
    block = from_onnx(_model(nodes, {"shape": shape}, (2, 3, 4)))
    assert list(block.collect_params().keys()) == []
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(block(hybrid.nd.array(x)).asnumpy(), x.reshape(2, 12))


def test_unsupported_ops_are_listed_in_one_error():
    nodes = [
        helper.make_node("NonMaxSuppression", ["x"], ["a"]),
        helper.make_node("Relu", ["a"], ["b"]),
        helper.make_node("RoiAlign", ["b"], ["y"]),
    ]
    with pytest.raises(HybridError, match=r"NonMaxSuppression \(opset 17\), RoiAlign \(opset 17\)"):
        from_onnx(_model(nodes, {}, (2, 3)))


def test_shape_operand_from_graph_input_is_rejected_by_name():
    s = helper.make_tensor_value_info("s", TensorProto.INT64, [2])
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    node = helper.make_node("Reshape", ["x", "s"], ["y"])
    model = helper.make_model(helper.make_graph([node], "g", [x, s], [y]))
    with pytest.raises(HybridError, match="Reshape.*shape .*'s'.* must be an initializer"):
        from_onnx(model)
