"""Whole networks through ONNX: an MLP, LeNet, model-zoo ResNet-18 (v1 and v2) and MobileNetV2,
and a Transformer encoder block.

Each network is hybridized and exported, passes ``onnx.checker`` with full checks, runs in ONNX
Runtime equal to the eager block, and comes back through ``from_onnx`` as a block that again equals
the eager one. The export traces batch 2; the checks run batches 1 and 3 through the symbolic batch
axis. BatchNorm running statistics are randomized so inference-mode BatchNorm matters.
"""

from __future__ import annotations

import math

import numpy as np
import onnx
import pytest
from hybrid.export import from_onnx, run_onnx, to_onnx, verify

import hybrid as mx
from hybrid import gluon
from hybrid.gluon import nn
from hybrid.gluon.model_zoo import vision


def _mlp() -> gluon.HybridBlock:
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(32, activation="relu"), nn.Dense(16, activation="tanh"), nn.Dense(5))
    return net


class LeNet(gluon.HybridBlock):
    """The seed example's network, written in the Gluon 1 style."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.conv1 = nn.Conv2D(6, kernel_size=5, activation="relu")
            self.pool1 = nn.MaxPool2D(pool_size=2)
            self.conv2 = nn.Conv2D(16, kernel_size=5, activation="relu")
            self.pool2 = nn.MaxPool2D(pool_size=2)
            self.fc1 = nn.Dense(120, activation="relu")
            self.fc2 = nn.Dense(84, activation="relu")
            self.fc3 = nn.Dense(10)

    def hybrid_forward(self, F, x):
        x = self.pool2(self.conv2(self.pool1(self.conv1(x))))
        return self.fc3(self.fc2(self.fc1(x.reshape((0, -1)))))


class SelfAttention(gluon.HybridBlock):
    """Multi-head scaled dot-product self-attention over ``(batch, length, units)``."""

    def __init__(self, units: int, num_heads: int, **kwargs):
        super().__init__(**kwargs)
        self._heads, self._scale = num_heads, 1.0 / math.sqrt(units // num_heads)
        with self.name_scope():
            self.qkv = nn.Dense(3 * units, flatten=False)
            self.proj = nn.Dense(units, flatten=False)

    def _split_heads(self, F, x):
        x = F.reshape(x, shape=(0, 0, self._heads, -1))  # (B, T, H, d)
        return F.reshape(F.transpose(x, axes=(0, 2, 1, 3)), shape=(-3, 0, 0))  # (B*H, T, d)

    def hybrid_forward(self, F, x):
        q, k, v = F.split(self.qkv(x), num_outputs=3, axis=-1)
        q, k, v = (self._split_heads(F, t) for t in (q, k, v))
        scores = F.batch_dot(q, k, transpose_b=True) * self._scale  # (B*H, T, T)
        out = F.batch_dot(F.softmax(scores, axis=-1), v)  # (B*H, T, d)
        out = F.reshape(out, shape=(-4, -1, self._heads, 0, 0))  # (B, H, T, d)
        out = F.reshape(F.transpose(out, axes=(0, 2, 1, 3)), shape=(0, 0, -3))  # (B, T, H*d)
        return self.proj(out)


class EncoderBlock(gluon.HybridBlock):
    """Post-norm Transformer encoder layer: attention and a GELU feed-forward network, each with
    a residual connection and LayerNorm.
    """

    def __init__(self, units: int = 16, hidden: int = 32, num_heads: int = 4, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.attention = SelfAttention(units, num_heads)
            self.norm1 = nn.LayerNorm()
            self.ffn = nn.HybridSequential()
            self.ffn.add(nn.Dense(hidden, flatten=False), nn.GELU(), nn.Dense(units, flatten=False))
            self.norm2 = nn.LayerNorm()

    def hybrid_forward(self, F, x):
        x = self.norm1(x + self.attention(x))
        return self.norm2(x + self.ffn(x))


# name -> (builder, one sample's shape)
CASES = {
    "mlp": (_mlp, (20,)),
    "lenet": (LeNet, (1, 28, 28)),
    "resnet18_v1": (lambda: vision.resnet18_v1(classes=10), (3, 64, 64)),
    "resnet18_v2": (lambda: vision.resnet18_v2(classes=10), (3, 32, 32)),
    "mobilenet_v2_1_0": (lambda: vision.mobilenet_v2_1_0(classes=10), (3, 32, 32)),
    "transformer_encoder": (EncoderBlock, (6, 16)),
}


def _randomize_running_stats(net, rng) -> None:
    for name, p in net.collect_params().items():
        if name.endswith("running_mean"):
            p.set_data(mx.nd.array(rng.normal(0, 0.2, p.shape).astype(np.float32)))
        elif name.endswith("running_var"):
            p.set_data(mx.nd.array(rng.uniform(0.5, 2.0, p.shape).astype(np.float32)))


def _check_close(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    # float32 sums over hundreds of terms: errors scale with the output's magnitude.
    atol = 1e-5 * max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=atol, err_msg=what)


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_check_parity_reimport(name):
    build, sample_shape = CASES[name]
    rng = np.random.default_rng(0)
    net = build()
    net.initialize(mx.init.Xavier(magnitude=2.0))
    batches = {b: rng.normal(size=(b, *sample_shape)).astype(np.float32) for b in (2, 1, 3)}
    net(mx.nd.array(batches[2]))  # finishes deferred initialization
    _randomize_running_stats(net, rng)
    eager = {b: net(mx.nd.array(x)).asnumpy() for b, x in batches.items()}

    net.hybridize()
    _check_close(net(mx.nd.array(batches[2])).asnumpy(), eager[2], "hybridized")
    model = to_onnx(net, example_inputs=[batches[2]])
    onnx.checker.check_model(model, full_check=True)
    # Weights are initializers named after the parameters, never graph inputs; ResNetV2's input
    # BatchNorm has no scale (fix_gamma), so its gamma is not exported.
    assert [i.name for i in model.graph.input] == ["data"]
    fixed = {net.features[0].gamma.name} if isinstance(net, vision.ResNetV2) else set()
    inits = {t.name for t in model.graph.initializer}
    assert set(net.collect_params().keys()) - inits == fixed
    batch_dim = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert batch_dim.dim_param == "batch"

    net.hybridize(False)
    imported = from_onnx(model)
    for b in (1, 3):
        atol = 1e-5 * max(1.0, float(np.abs(eager[b]).max()))
        verify(net, model, [batches[b]], rtol=1e-4, atol=atol)
        _check_close(run_onnx(model, [batches[b]])[0], eager[b], f"ONNX Runtime, batch {b}")
        _check_close(imported(mx.nd.array(batches[b])).asnumpy(), eager[b], f"imported, batch {b}")


def _runtime_shape_reshape(batch_factor: int) -> onnx.ModelProto:
    """``Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)) * batch_factor, [-1]))``: how
    exporters (PyTorch's flatten, hybrid's own reshape codes) keep a reshape batch-independent.
    """
    from onnx import TensorProto, helper, numpy_helper

    consts = {
        "zero": np.array(0, np.int64),
        "axes0": np.array([0], np.int64),
        "factor": np.array([batch_factor], np.int64),
        "rest": np.array([-1], np.int64),
    }
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
        helper.make_node("Unsqueeze", ["batch", "axes0"], ["batch1"]),
        helper.make_node("Mul", ["batch1", "factor"], ["lead"]),
        helper.make_node("Concat", ["batch1" if batch_factor == 1 else "lead", "rest"], ["target"],
                         axis=0),
        helper.make_node("Reshape", ["x", "target"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "flatten",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(v, k) for k, v in consts.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_import_evaluates_shape_arithmetic_keeping_the_batch_dynamic():
    block = from_onnx(_runtime_shape_reshape(1))
    rng = np.random.default_rng(0)
    for batch in (1, 3):
        x = rng.normal(size=(batch, 4, 6)).astype(np.float32)
        np.testing.assert_array_equal(block(mx.nd.array(x)).asnumpy(), x.reshape(batch, 24))


def test_import_refuses_a_reshape_with_two_dims_unknown_at_import():
    # (2 * batch, -1): the first dim is computed from the batch, so the -1 is unknown too.
    with pytest.raises(mx.HybridError, match=r"\(None, -1\) has more than one element unknown"):
        from_onnx(_runtime_shape_reshape(2))


def test_node_names_carry_the_block_prefixes():
    with mx.name.NameManager():
        net = vision.resnet18_v1(classes=10)
    net.initialize()
    model = to_onnx(net, example_inputs=[mx.nd.ones((1, 3, 32, 32))])
    convs = [n.name for n in model.graph.node if n.op_type == "Conv"]
    assert convs[0].startswith("resnetv10_conv0_fwd")
    assert any(name.startswith("resnetv10_stage1_conv0_fwd") for name in convs)
    gemm = next(n for n in model.graph.node if n.op_type == "Gemm")
    assert gemm.input[1:] == ["resnetv10_dense0_weight", "resnetv10_dense0_bias"]
